#include "runtimes/embedded.h"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace eddy::runtimes {
namespace {

const File* Find(std::string_view path) {
  for (const File& file : Files()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

std::string ReadSource(std::string_view path) {
  std::ifstream in(std::string(EDDY_RUNTIMES_SOURCE_DIR) + "/" + std::string(path), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(EmbeddedRuntimes, EntryPointsArePresentAndExecutable) {
  for (std::string_view path : {"python/bootstrap.py", "node/bootstrap.cjs"}) {
    const File* file = Find(path);
    ASSERT_NE(file, nullptr) << path;
    EXPECT_TRUE(file->executable) << path;
    EXPECT_TRUE(file->content.starts_with("#!")) << path;
  }
  const File* module = Find("python/_eddy_lambda_runtime.py");
  ASSERT_NE(module, nullptr);
  EXPECT_FALSE(module->executable);
}

TEST(EmbeddedRuntimes, ContentIsByteExact) {
  ASSERT_FALSE(Files().empty());
  for (const File& file : Files()) {
    EXPECT_FALSE(file.content.empty()) << file.path;
    EXPECT_EQ(file.content, ReadSource(file.path)) << file.path;
  }
}

}  // namespace
}  // namespace eddy::runtimes
