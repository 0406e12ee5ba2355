#pragma once
// Status: the error type of infrastructure code (storage, I/O, configuration). Protocol-level errors
// that reach clients have their own types (see sqs/errors.h).

#include <string>
#include <utility>

#include "common/expected.h"

namespace eddy {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kInvalidArgument, kNotFound, kIoError, kCorruption, kInternal };

  Status() = default;
  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
using Result = Expected<T, Status>;

#define EDDY_RETURN_IF_ERROR(expr)         \
  do {                                     \
    ::eddy::Status eddy_status_ = (expr);  \
    if (!eddy_status_.ok()) return eddy_status_; \
  } while (0)

}  // namespace eddy
