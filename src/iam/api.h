#pragma once
// Api: the IAM actions over the Query protocol. Takes the decoded form parameters of one request,
// checks the model's constraints (botocore iam/2010-05-08: name patterns, lengths, ranges, required
// members -> ValidationError), runs the action on the Directory and renders AWS's XML answer:
//   <OpResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><OpResult>...</OpResult>
//   <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></OpResponse>
// IAM lists are not flattened: `Tags.member.N.Key` in requests, <Tags><member>..</member></Tags> in
// answers. Policy documents are answered URL-encoded, as AWS does (botocore decodes them).
//
// Thread-safety: Handle() may be called concurrently (the Directory serialises changes).

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/form.h"
#include "iam/directory.h"
#include "iam/errors.h"

namespace eddy::iam {

inline constexpr std::string_view kXmlNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";

// A rendered answer and the store ticket to wait for before sending it (0 = nothing changed).
struct Reply {
  std::string body;
  uint64_t ticket = 0;
};

class Api {
 public:
  explicit Api(Directory& directory) : directory_(directory) {}

  // `action` is the request's Action parameter; `account` the caller's account.
  Result<Reply> Handle(std::string_view action, const aws::FormParams& params, const std::string& account,
                       std::string_view request_id);

 private:
  Directory& directory_;
};

// <ErrorResponse xmlns=...><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
std::string RenderErrorBody(const Error& error, std::string_view request_id);

// Exposed for tests.
namespace detail {
// Percent-encodes everything but RFC 3986's unreserved characters (space -> %20), as AWS encodes
// policy documents in its answers.
std::string UrlEncode(std::string_view text);
// "2026-03-01T12:00:03Z": AWS's IAM dates (whole seconds).
std::string FormatIamDate(int64_t epoch_ms);
}  // namespace detail

}  // namespace eddy::iam
