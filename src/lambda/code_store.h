#pragma once
// CodeStore: deployment packages on disk. Each distinct zip is kept once, named by the hex SHA-256 of
// its bytes:
//   <lambda_dir>/code/<hex>.zip     the package as uploaded (served back as GetFunction's Code.Location)
//   <lambda_dir>/tasks/<hex>/       the package unpacked: a function's task root, read-only by contract
// Both are written to a temporary name and renamed, the zip fsynced first, so a crash never leaves a
// partial package under its final name. The registry appends the document referencing a package only
// after Add() returned, so a durable reference always finds its zip.
//
// Unpacking preserves the Unix mode bits stored in the zip (a `bootstrap` stays executable) and
// refuses absolute paths, `..` components and symlinks that point outside the package.
//
// Thread-safety: all methods may be called concurrently. Add() blocks on disk I/O (write, fsync,
// unpack); call it outside any lock.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "lambda/errors.h"

namespace eddy::lambda {

// AWS's package limits (reference/lambda.md §1.4).
inline constexpr int64_t kMaxZippedBytes = 52'428'800;
inline constexpr int64_t kMaxUnzippedBytes = 262'144'000;

struct CodePackage {
  std::string sha256_base64;  // CodeSha256
  std::string sha256_hex;     // the package's name on disk
  int64_t size = 0;           // CodeSize: bytes of the zip
  int64_t unzipped_size = 0;
};

class CodeStore {
 public:
  explicit CodeStore(std::string lambda_dir);

  // Creates the directories. Call once before anything else.
  eddy::Status Init();

  // Validates `zip` (a zip archive within the size limits) and stores it, unpacked. Idempotent for
  // equal bytes. The package stays pinned (never garbage-collected) until Unpin(hex): pin it until the
  // registry references it. Errors are AWS's (InvalidParameterValueException,
  // RequestEntityTooLargeException).
  Result<CodePackage> Add(std::string_view zip);
  void Unpin(const std::string& hex);

  // Makes sure the unpacked directory of a stored package exists (after a crash between the zip's
  // rename and the unpack, or if someone deleted it).
  eddy::Status EnsureUnpacked(const std::string& hex);

  // Deletes a package unless it is pinned: the zip at once, the directory by moving it aside; returns
  // that moved directory ("" if none), for Discard() to delete outside the caller's locks.
  std::string Detach(const std::string& hex);
  static void Discard(const std::string& moved_dir);
  // Hex names of every stored package.
  std::vector<std::string> List() const;

  std::string ZipPath(std::string_view hex) const;
  std::string TaskDir(std::string_view hex) const;
  const std::string& tasks_dir() const { return tasks_dir_; }

  // Unpacks `zip` into `dir` (which must not exist; created). Exposed for tests. Errors are AWS's.
  static Status Unpack(std::string_view zip, const std::string& dir, int64_t* unzipped_size);

 private:
  const std::string root_;
  const std::string code_dir_;
  const std::string tasks_dir_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> pins_;  // guarded by mu_
};

// True if `hex` is 64 lower-case hex digits (a package name; guards the download path).
bool IsPackageName(std::string_view hex);

}  // namespace eddy::lambda
