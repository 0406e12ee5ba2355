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
    for (const auto& [k, value] : meta_) v.OnMeta(k, value);
    *max_seq = 0;
    *max_queue_id = 0;
    return eddy::Status::Ok();
  }
  eddy::Status LoadMeta(const std::string& prefix,
                        const std::function<void(const std::string&, const std::string&)>& fn) override {
    for (const auto& [k, value] : meta_) {
      if (k.starts_with(prefix)) fn(k, value);
    }
    return eddy::Status::Ok();
  }
  uint64_t Append(Mutation m) override {
    if (auto* put = std::get_if<PutMeta>(&m)) meta_[put->key] = put->value;
    if (auto* del = std::get_if<DeleteMeta>(&m)) meta_.erase(del->key);
    return ++ticket_;
  }
  uint64_t AppendAtomic(std::vector<Mutation> ms) override {
    uint64_t t = 0;
    for (auto& m : ms) t = Append(std::move(m));
    return t;
  }
  void WhenDurable(uint64_t ticket, std::function<void()> fn) override {
    durable_waits_.push_back(ticket);
    fn();
  }
  void Close() override {}

  std::map<std::string, std::string> meta_;
  std::vector<uint64_t> durable_waits_;
  uint64_t ticket_ = 0;
};

}  // namespace eddy::store::testing
