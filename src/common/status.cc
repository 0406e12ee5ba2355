#include "common/status.h"

namespace eddy {

std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "Invalid argument: " + message_;
    case Code::kNotFound: return "Not found: " + message_;
    case Code::kIoError: return "IO error: " + message_;
    case Code::kCorruption: return "Corruption: " + message_;
    case Code::kInternal: return "Internal: " + message_;
  }
  return message_;
}

}  // namespace eddy
