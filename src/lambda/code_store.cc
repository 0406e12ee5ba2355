#include "lambda/code_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include "common/crypto.h"
#include "common/log.h"

namespace eddy::lambda {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kUnzipFailed =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

Unexpected<Error> UnzipFailed() { return InvalidParameter(std::string(kUnzipFailed)); }

Unexpected<Error> UnzippedTooLarge() {
  return InvalidParameter("Unzipped size must be smaller than " + std::to_string(kMaxUnzippedBytes) +
                          " bytes");
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Splits an archive path into components, rejecting absolute paths and `..`. "./a//b/" -> {a, b}.
bool SafeComponents(std::string_view path, std::vector<std::string_view>* out) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view c = path.substr(start, end - start);
    if (c == "..") return false;
    if (!c.empty() && c != ".") out->push_back(c);
    start = end + 1;
  }
  return true;
}

std::string Join(const std::vector<std::string_view>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

// Whether a symlink at `link_parts` with target `target` resolves inside the package root (lexically;
// links are checked as they are created, so earlier links cannot smuggle a path out either).
bool LinkStaysInside(const std::vector<std::string_view>& link_parts, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  int depth = static_cast<int>(link_parts.size()) - 1;  // the directory holding the link
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    std::string_view c = target.substr(start, end - start);
    if (c == "..") {
      if (--depth < 0) return false;
    } else if (!c.empty() && c != ".") {
      ++depth;
    }
    start = end + 1;
  }
  return true;
}

// mkdir -p of root/parts[0..n), each new directory 0755 (modes from the zip are applied at the end).
bool MakeDirs(const std::string& root, const std::vector<std::string_view>& parts, size_t n) {
  std::string path = root;
  for (size_t i = 0; i < n; ++i) {
    path += '/';
    path += parts[i];
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return false;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      // A symlink to a directory inside the package is fine to write through.
      if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    }
  }
  return true;
}

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool FsyncPath(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

// Writes `data` to `path` durably: temp file, fsync, rename, fsync of the directory.
eddy::Status WriteFileDurably(const std::string& dir, const std::string& path, std::string_view data) {
  const std::string tmp = dir + "/.tmp-" + NewUuid();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return eddy::Status::IoError("create " + tmp + ": " + std::strerror(errno));
  bool ok = WriteAll(fd, data.data(), data.size()) && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    unlink(tmp.c_str());
    return eddy::Status::IoError("write " + path + ": " + std::strerror(saved));
  }
  if (!FsyncPath(dir, O_RDONLY | O_DIRECTORY)) {
    return eddy::Status::IoError("fsync " + dir + ": " + std::strerror(errno));
  }
  return eddy::Status::Ok();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) log::Warn("lambda: cannot remove " + path + ": " + ec.message());
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

bool IsPackageName(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!IsHex(c)) return false;
  }
  return true;
}

CodeStore::CodeStore(std::string lambda_dir)
    : root_(std::move(lambda_dir)), code_dir_(root_ + "/code"), tasks_dir_(root_ + "/tasks") {}

eddy::Status CodeStore::Init() {
  std::error_code ec;
  for (const std::string& d : {root_, code_dir_, tasks_dir_}) {
    fs::create_directories(d, ec);
    if (ec) return eddy::Status::IoError("create " + d + ": " + ec.message());
  }
  // Leftovers of a crash in the middle of Add() or Remove().
  for (const std::string& d : {code_dir_, tasks_dir_}) {
    for (const auto& entry : fs::directory_iterator(d, ec)) {
      std::string name = entry.path().filename().string();
      if (name.starts_with(".tmp-") || name.starts_with(".trash-")) RemoveTree(entry.path().string());
    }
  }
  return eddy::Status::Ok();
}

std::string CodeStore::ZipPath(std::string_view hex) const {
  return code_dir_ + "/" + std::string(hex) + ".zip";
}

std::string CodeStore::TaskDir(std::string_view hex) const {
  return tasks_dir_ + "/" + std::string(hex);
}

Status CodeStore::Unpack(std::string_view zip, const std::string& dir, int64_t* unzipped_size) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  // The seekable reader walks the central directory, the only place that holds the Unix mode bits.
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), zip.data(), zip.size()) != ARCHIVE_OK) return UnzipFailed();
  if (mkdir(dir.c_str(), 0755) != 0) {
    return Fail(Errc::kService, "cannot create " + dir + ": " + std::strerror(errno));
  }
  int64_t total = 0;
  std::vector<std::pair<std::string, mode_t>> dir_modes;  // applied last: a read-only directory
                                                          // must still receive its files
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return UnzipFailed();
    const char* raw_path = archive_entry_pathname(entry);
    std::vector<std::string_view> parts;
    if (raw_path == nullptr || !SafeComponents(raw_path, &parts)) return UnzipFailed();
    if (parts.empty()) continue;  // "./"
    const std::string rel = Join(parts, parts.size());
    const std::string path = dir + "/" + rel;
    mode_t perm = archive_entry_perm(entry) & 0777;
    switch (archive_entry_filetype(entry)) {
      case AE_IFDIR: {
        if (!MakeDirs(dir, parts, parts.size())) return UnzipFailed();
        dir_modes.emplace_back(path, (perm == 0 ? 0755 : perm) | 0700);
        break;
      }
      case AE_IFREG: {
        if (archive_entry_size_is_set(entry) && total + archive_entry_size(entry) >= kMaxUnzippedBytes) {
          return UnzippedTooLarge();
        }
        if (!MakeDirs(dir, parts, parts.size() - 1)) return UnzipFailed();
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) return UnzipFailed();
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        bool ok = true;
        for (;;) {
          int dr = archive_read_data_block(a.get(), &block, &size, &offset);
          if (dr == ARCHIVE_EOF) break;
          if (dr != ARCHIVE_OK && dr != ARCHIVE_WARN) {
            ok = false;
            break;
          }
          total += static_cast<int64_t>(size);
          if (total >= kMaxUnzippedBytes) {
            close(fd);
            return UnzippedTooLarge();
          }
          // Blocks of sparse entries may skip ahead; pwrite places them.
          if (pwrite(fd, block, size, offset) != static_cast<ssize_t>(size)) {
            ok = false;
            break;
          }
        }
        // The exact bits from the zip (open()'s mode is filtered by the umask), readable by the owner.
        ok = ok && fchmod(fd, (perm == 0 ? 0644 : perm) | 0400) == 0;
        close(fd);
        if (!ok) return UnzipFailed();
        break;
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        if (target == nullptr || !LinkStaysInside(parts, target)) return UnzipFailed();
        if (!MakeDirs(dir, parts, parts.size() - 1)) return UnzipFailed();
        if (symlink(target, path.c_str()) != 0) return UnzipFailed();
        break;
      }
      default:
        break;  // devices, fifos, hard links: nothing a function needs
    }
  }
  // Innermost first, so a directory's mode never blocks fixing one below it.
  for (auto it = dir_modes.rbegin(); it != dir_modes.rend(); ++it) chmod(it->first.c_str(), it->second);
  if (unzipped_size != nullptr) *unzipped_size = total;
  return {};
}

Result<CodePackage> CodeStore::Add(std::string_view zip) {
  if (static_cast<int64_t>(zip.size()) > kMaxZippedBytes) {
    return Fail(Errc::kRequestEntityTooLarge,
                "Zipped size must be smaller than " + std::to_string(kMaxZippedBytes) + " bytes");
  }
  CodePackage pkg;
  const Sha256Digest digest = Sha256(zip);
  pkg.sha256_hex = HexLower(digest);
  pkg.sha256_base64 = Base64Encode(std::string_view(reinterpret_cast<const char*>(digest.data()),
                                                    digest.size()));
  pkg.size = static_cast<int64_t>(zip.size());
  {
    std::lock_guard lock(mu_);
    ++pins_[pkg.sha256_hex];
  }
  auto fail = [&](Error e) -> Result<CodePackage> {
    Unpin(pkg.sha256_hex);
    return e;
  };

  const std::string task_dir = TaskDir(pkg.sha256_hex);
  const std::string zip_path = ZipPath(pkg.sha256_hex);
  struct stat st {};
  const bool unpacked = stat(task_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!unpacked) {
    // Unpacking doubles as validation: nothing is written under the final names unless it succeeds.
    const std::string tmp = tasks_dir_ + "/.tmp-" + NewUuid();
    Status st_unpack = Unpack(zip, tmp, &pkg.unzipped_size);
    if (!st_unpack) {
      RemoveTree(tmp);
      return fail(std::move(st_unpack).error());
    }
    if (stat(zip_path.c_str(), &st) != 0) {
      if (eddy::Status w = WriteFileDurably(code_dir_, zip_path, zip); !w.ok()) {
        RemoveTree(tmp);
        return fail(Error{Errc::kService, w.message(), {}});
      }
    }
    if (rename(tmp.c_str(), task_dir.c_str()) != 0) {
      RemoveTree(tmp);  // a concurrent Add of the same bytes won the race
    }
  } else if (stat(zip_path.c_str(), &st) != 0) {
    if (eddy::Status w = WriteFileDurably(code_dir_, zip_path, zip); !w.ok()) {
      return fail(Error{Errc::kService, w.message(), {}});
    }
  }
  return pkg;
}

void CodeStore::Unpin(const std::string& hex) {
  std::lock_guard lock(mu_);
  auto it = pins_.find(hex);
  if (it != pins_.end() && --it->second <= 0) pins_.erase(it);
}

eddy::Status CodeStore::EnsureUnpacked(const std::string& hex) {
  const std::string task_dir = TaskDir(hex);
  struct stat st {};
  if (stat(task_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return eddy::Status::Ok();
  std::ifstream in(ZipPath(hex), std::ios::binary);
  if (!in) return eddy::Status::NotFound("package " + ZipPath(hex) + " is missing");
  std::string zip((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string tmp = tasks_dir_ + "/.tmp-" + NewUuid();
  Status unpacked = Unpack(zip, tmp, nullptr);
  if (!unpacked) {
    RemoveTree(tmp);
    return eddy::Status::Corruption("cannot unpack " + ZipPath(hex) + ": " + unpacked.error().message);
  }
  if (rename(tmp.c_str(), task_dir.c_str()) != 0) RemoveTree(tmp);
  return eddy::Status::Ok();
}

std::string CodeStore::Detach(const std::string& hex) {
  if (!IsPackageName(hex)) return {};
  const std::string trash = tasks_dir_ + "/.trash-" + NewUuid();
  std::lock_guard lock(mu_);
  if (pins_.contains(hex)) return {};
  unlink(ZipPath(hex).c_str());
  return rename(TaskDir(hex).c_str(), trash.c_str()) == 0 ? trash : std::string();
}

void CodeStore::Discard(const std::string& moved_dir) {
  if (!moved_dir.empty()) RemoveTree(moved_dir);
}

std::vector<std::string> CodeStore::List() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(code_dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() == 68 && name.ends_with(".zip") && IsPackageName(name.substr(0, 64))) {
      out.push_back(name.substr(0, 64));
    }
  }
  for (const auto& entry : fs::directory_iterator(tasks_dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (IsPackageName(name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace eddy::lambda
