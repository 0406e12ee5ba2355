#include "aws/sigv4.h"

namespace eddy::aws {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<CredentialScope> ParseCredential(std::string_view credential) {
  std::string_view parts[5];
  size_t n = 0;
  size_t pos = 0;
  while (true) {
    size_t slash = credential.find('/', pos);
    std::string_view part = credential.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    if (part.empty() || n == 5) return std::nullopt;
    parts[n++] = part;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (n != 5) return std::nullopt;
  return CredentialScope{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

std::optional<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value) {
  value = Trim(value);
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  AuthorizationHeader h;
  h.algorithm = value.substr(0, space);
  if (h.algorithm != "AWS4-HMAC-SHA256") return std::nullopt;
  bool have_credential = false;
  std::string_view rest = value.substr(space + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(item.substr(0, eq));
    std::string_view val = Trim(item.substr(eq + 1));
    if (key == "Credential") {
      auto scope = ParseCredential(val);
      if (!scope) return std::nullopt;
      h.credential = *scope;
      have_credential = true;
    } else if (key == "SignedHeaders") {
      h.signed_headers = val;
    } else if (key == "Signature") {
      h.signature = val;
    }
  }
  if (!have_credential) return std::nullopt;
  return h;
}

}  // namespace eddy::aws
