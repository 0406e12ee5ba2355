#pragma once
// SigV4 request parsing. For now only the credential scope is used (it selects the caller's region);
// signature verification will build on the parsed pieces.

#include <optional>
#include <string_view>

namespace eddy::aws {

// "<AKID>/<yyyymmdd>/<region>/<service>/aws4_request". Views point into the parsed text.
struct CredentialScope {
  std::string_view access_key_id;
  std::string_view date;
  std::string_view region;
  std::string_view service;
  std::string_view terminator;  // "aws4_request"
};

// Parses a credential ("AKID/20250101/us-east-1/sqs/aws4_request"): exactly five non-empty parts.
std::optional<CredentialScope> ParseCredential(std::string_view credential);

// "AWS4-HMAC-SHA256 Credential=<scope>, SignedHeaders=a;b, Signature=<hex>".
struct AuthorizationHeader {
  std::string_view algorithm;
  CredentialScope credential;
  std::string_view signed_headers;
  std::string_view signature;
};

// Parses an Authorization header value. Returns nullopt unless the algorithm is AWS4-HMAC-SHA256 and
// the Credential component parses; SignedHeaders/Signature are returned as found (possibly empty).
std::optional<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value);

}  // namespace eddy::aws
