#pragma once
// A store for the IAM unit tests: keeps meta documents in a map, durable at once; LoadMeta replays them
// (a "restart").

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "store/message_store.h"

namespace eddy::iam::testing {

class MetaStore final : public store::MessageStore {
 public:
  eddy::Status Load(store::LoadVisitor&, uint64_t* max_seq, uint64_t* max_queue_id) override {
    *max_seq = 0;
    *max_queue_id = 0;
    return eddy::Status::Ok();
  }
  eddy::Status LoadMeta(const std::string& prefix,
                        const std::function<void(const std::string&, const std::string&)>& fn) override {
    for (const auto& [k, v] : meta) {
      if (k.starts_with(prefix)) fn(k, v);
    }
    return eddy::Status::Ok();
  }
  uint64_t Append(store::Mutation m) override {
    if (auto* put = std::get_if<store::PutMeta>(&m)) meta[put->key] = put->value;
    if (auto* del = std::get_if<store::DeleteMeta>(&m)) meta.erase(del->key);
    return ++ticket;
  }
  uint64_t AppendAtomic(std::vector<store::Mutation> ms) override {
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
};

}  // namespace eddy::iam::testing
