#pragma once
// Test helpers for the Lambda control plane (test binaries only): an in-memory store that replays its
// meta documents, a recording fake Invoker, and zip building.

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "common/crypto.h"
#include "lambda/invoker.h"
#include "store/message_store.h"
#include "store/test_meta_store.h"

namespace eddy::lambda::testing {

using store::testing::MetaStore;

// Records what the API asks of the data plane; Invoke answers with `next_result`.
class FakeInvoker final : public Invoker {
 public:
  void Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) override {
    invoked.push_back(request);
    InvokeResult r = next_result;
    if (r.executed_version.empty()) r.executed_version = request.target.spec->version;
    done(std::move(r));
  }
  void InvokeAsync(InvokeRequest request, std::function<void()> accepted) override {
    queued.push_back(std::move(request));
    accepted();
  }
  void SetProvisioned(const std::string& key, std::shared_ptr<const FunctionSpec> spec,
                      int64_t count) override {
    provisioned_calls.push_back({key, spec ? spec->version : "", count});
  }
  ProvisionedStatus GetProvisioned(const std::string& key) override {
    auto it = provisioned_status.find(key);
    return it == provisioned_status.end() ? ProvisionedStatus{} : it->second;
  }
  void RetireEnvironments(const std::string& function_key) override { retired.push_back(function_key); }

  struct ProvisionedCall {
    std::string key;
    std::string version;
    int64_t count;
  };
  InvokeResult next_result;
  std::vector<InvokeRequest> invoked;
  std::vector<InvokeRequest> queued;
  std::vector<ProvisionedCall> provisioned_calls;
  std::map<std::string, ProvisionedStatus> provisioned_status;
  std::vector<std::string> retired;
};

struct ZipEntry {
  std::string name;
  std::string content;       // for symlinks: the target
  int mode = 0644;
  enum Kind { kFile, kDir, kSymlink } kind = kFile;
};

// Builds a zip archive in memory (Unix modes in the external attributes).
inline std::string MakeZip(const std::vector<ZipEntry>& entries) {
  std::string out;
  out.resize(64 * 1024 * 1024);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open_memory(a, out.data(), out.size(), &used);
  for (const ZipEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    if (e.kind == ZipEntry::kDir) {
      archive_entry_set_filetype(entry, AE_IFDIR);
    } else if (e.kind == ZipEntry::kSymlink) {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.content.c_str());
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
    }
    archive_entry_set_perm(entry, static_cast<mode_t>(e.mode));
    archive_write_header(a, entry);
    if (e.kind == ZipEntry::kFile && !e.content.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

inline std::string SimpleZip(const std::string& body = "def handler(e, c):\n    return e\n") {
  return MakeZip({{"app.py", body, 0644}});
}

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    path_ = (std::filesystem::temp_directory_path() / ("eddy-lambda-test-" + NewUuid())).string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace eddy::lambda::testing
