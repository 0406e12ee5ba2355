#include "lambda/code_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lambda/test_support.h"

namespace eddy::lambda {
namespace {

using testing::MakeZip;
using testing::TempDir;
using testing::ZipEntry;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void ExpectUnzipFailure(const Result<CodePackage>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidParameterValue);
  EXPECT_EQ(r.error().message,
            "Could not unzip uploaded file. Please check your file, then try to upload again.");
}

class CodeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store_.Init().ok()); }
  size_t Packages() { return store_.List().size(); }

  TempDir dir_;
  CodeStore store_{dir_.path()};
};

TEST_F(CodeStoreTest, StoresUnpacksAndNamesByDigest) {
  const std::string zip = MakeZip({{"bin", "", 0755, ZipEntry::kDir},
                                   {"bootstrap", "#!/bin/sh\n", 0755},
                                   {"bin/tool", "x", 0700},
                                   {"app.py", "print(1)\n", 0644},
                                   {"lib/deep/data.txt", "data", 0444}});
  auto pkg = store_.Add(zip);
  ASSERT_TRUE(pkg.ok()) << pkg.error().message;
  const Sha256Digest digest = Sha256(zip);
  EXPECT_EQ(pkg->sha256_hex, HexLower(digest));
  EXPECT_EQ(pkg->sha256_base64,
            Base64Encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())));
  EXPECT_EQ(pkg->size, static_cast<int64_t>(zip.size()));
  EXPECT_EQ(ReadFile(store_.ZipPath(pkg->sha256_hex)), zip);
  const std::string root = store_.TaskDir(pkg->sha256_hex);
  EXPECT_EQ(ReadFile(root + "/app.py"), "print(1)\n");
  EXPECT_EQ(ModeOf(root + "/bootstrap"), 0755u);  // stays executable
  EXPECT_EQ(ModeOf(root + "/app.py"), 0644u);
  EXPECT_EQ(ModeOf(root + "/bin/tool"), 0700u);
  EXPECT_EQ(ModeOf(root + "/lib/deep/data.txt"), 0444u);
  EXPECT_TRUE(access((root + "/bootstrap").c_str(), X_OK) == 0);

  // Equal bytes: the same package, nothing new.
  auto again = store_.Add(zip);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sha256_hex, pkg->sha256_hex);
  EXPECT_EQ(Packages(), 1u);
}

TEST_F(CodeStoreTest, RejectsWhatIsNotAZip) {
  ExpectUnzipFailure(store_.Add("not a zip at all"));
  ExpectUnzipFailure(store_.Add(""));
  std::string truncated = testing::SimpleZip();
  truncated.resize(truncated.size() / 2);
  ExpectUnzipFailure(store_.Add(truncated));
  EXPECT_EQ(Packages(), 0u);
}

TEST_F(CodeStoreTest, RefusesPathsThatLeaveThePackage) {
  ExpectUnzipFailure(store_.Add(MakeZip({{"../evil.py", "x", 0644}})));
  ExpectUnzipFailure(store_.Add(MakeZip({{"a/../../evil.py", "x", 0644}})));
  ExpectUnzipFailure(store_.Add(MakeZip({{"/tmp/evil.py", "x", 0644}})));
  ExpectUnzipFailure(store_.Add(MakeZip({{"escape", "../../..", 0777, ZipEntry::kSymlink}})));
  ExpectUnzipFailure(store_.Add(MakeZip({{"abs", "/etc/passwd", 0777, ZipEntry::kSymlink}})));
  EXPECT_EQ(Packages(), 0u);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir_.path()).parent_path() / "evil.py"));
  // Nothing half-written is left behind either.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/tasks")) {
    ADD_FAILURE() << "left behind: " << e.path();
  }
}

TEST_F(CodeStoreTest, KeepsSymlinksThatStayInside) {
  auto pkg = store_.Add(MakeZip({{"lib/real.py", "x = 1\n", 0644},
                                 {"link.py", "lib/real.py", 0777, ZipEntry::kSymlink},
                                 {"lib/up.py", "../link.py", 0777, ZipEntry::kSymlink}}));
  ASSERT_TRUE(pkg.ok()) << pkg.error().message;
  EXPECT_EQ(ReadFile(store_.TaskDir(pkg->sha256_hex) + "/link.py"), "x = 1\n");
  EXPECT_EQ(ReadFile(store_.TaskDir(pkg->sha256_hex) + "/lib/up.py"), "x = 1\n");
}

TEST_F(CodeStoreTest, SizeLimits) {
  auto too_big = store_.Add(std::string(kMaxZippedBytes + 1, 'x'));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, Errc::kRequestEntityTooLarge);
  EXPECT_EQ(too_big.error().message, "Zipped size must be smaller than 52428800 bytes");

  // Zeros compress ~1000:1, so a small zip unpacks past the limit.
  auto bomb = store_.Add(MakeZip({{"zeros", std::string(kMaxUnzippedBytes, '\0'), 0644}}));
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, Errc::kInvalidParameterValue);
  EXPECT_EQ(bomb.error().message, "Unzipped size must be smaller than 262144000 bytes");
  EXPECT_EQ(Packages(), 0u);
}

TEST_F(CodeStoreTest, ReunpacksAMissingDirectory) {
  auto pkg = store_.Add(testing::SimpleZip());
  ASSERT_TRUE(pkg.ok());
  store_.Unpin(pkg->sha256_hex);
  std::filesystem::remove_all(store_.TaskDir(pkg->sha256_hex));
  ASSERT_TRUE(store_.EnsureUnpacked(pkg->sha256_hex).ok());
  EXPECT_TRUE(std::filesystem::exists(store_.TaskDir(pkg->sha256_hex) + "/app.py"));
  EXPECT_FALSE(store_.EnsureUnpacked(std::string(64, 'a')).ok());  // no zip to unpack from
}

TEST_F(CodeStoreTest, DetachSparesPinnedPackages) {
  auto pkg = store_.Add(testing::SimpleZip());
  ASSERT_TRUE(pkg.ok());
  EXPECT_EQ(store_.Detach(pkg->sha256_hex), "");  // pinned by Add
  EXPECT_EQ(Packages(), 1u);
  store_.Unpin(pkg->sha256_hex);
  CodeStore::Discard(store_.Detach(pkg->sha256_hex));
  EXPECT_EQ(Packages(), 0u);
  EXPECT_FALSE(std::filesystem::exists(store_.ZipPath(pkg->sha256_hex)));
  EXPECT_FALSE(std::filesystem::exists(store_.TaskDir(pkg->sha256_hex)));
}

TEST(PackageNameTest, OnlyHexDigests) {
  EXPECT_TRUE(IsPackageName(std::string(64, 'a')));
  EXPECT_FALSE(IsPackageName(std::string(63, 'a')));
  EXPECT_FALSE(IsPackageName(std::string(64, 'A')));
  EXPECT_FALSE(IsPackageName("../" + std::string(61, 'a')));
}

}  // namespace
}  // namespace eddy::lambda
