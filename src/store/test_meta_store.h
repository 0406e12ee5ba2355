#pragma once
// MetaStore (test binaries only): a MessageStore that keeps meta documents in a map, durable at once;
// Load/LoadMeta replay them, so constructing a component again over the same store is a "restart".

#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "store/message_store.h"

namespace eddy::store::testing {

// Keeps meta documents in a map, durable at once; Load/LoadMeta replay them (a "restart").
class MetaStore final : public MessageStore {
 public:
  eddy::Status Load(LoadVisitor& v, uint64_t* max_seq, uint64_t* max_queue_id) override {
    for (const auto& [k, value] : meta) v.OnMeta(k, value);
    *max_seq = 0;
    *max_queue_id = 0;
    return eddy::Status::Ok();
  }
  eddy::Status LoadMeta(const std::string& prefix,
                        const std::function<void(const std::string&, const std::string&)>& fn) override {
    for (const auto& [k, value] : meta) {
      if (k.starts_with(prefix)) fn(k, value);
    }
    return eddy::Status::Ok();
  }
  uint64_t Append(Mutation m) override {
    if (auto* put = std::get_if<PutMeta>(&m)) meta[put->key] = put->value;
    if (auto* del = std::get_if<DeleteMeta>(&m)) meta.erase(del->key);
    return ++ticket;
  }
  uint64_t AppendAtomic(std::vector<Mutation> ms) override {
    ++atomic_appends;
    uint64_t t = 0;
    for (auto& m : ms) t = Append(std::move(m));
    return t;
  }
  void WhenDurable(uint64_t t, std::function<void()> fn) override {
    durable_waits.push_back(t);
    fn();
  }
  void Close() override {}

  std::map<std::string, std::string> meta;
  std::vector<uint64_t> durable_waits;
  uint64_t ticket = 0;
  int atomic_appends = 0;  // AppendAtomic calls (multi-document changes)
};

}  // namespace eddy::store::testing
