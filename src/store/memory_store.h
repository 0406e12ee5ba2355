#pragma once
// MemoryStore: the non-durable backend behind --in-memory. Everything is "durable" at once.

#include "store/message_store.h"

namespace eddy::store {

class MemoryStore final : public MessageStore {
 public:
  Status Load(LoadVisitor&, uint64_t* max_seq, uint64_t* max_queue_id) override {
    *max_seq = 0;
    *max_queue_id = 0;
    return Status::Ok();
  }
  Status LoadMeta(const std::string&,
                  const std::function<void(const std::string&, const std::string&)>&) override {
    return Status::Ok();
  }
  uint64_t Append(Mutation) override { return 0; }
  uint64_t AppendAtomic(std::vector<Mutation>) override { return 0; }
  void WhenDurable(uint64_t, std::function<void()> fn) override { fn(); }
  void Close() override {}
};

}  // namespace eddy::store
