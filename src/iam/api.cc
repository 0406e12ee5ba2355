#include "iam/api.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "aws/query_codec.h"
#include "aws/shape.h"
#include "aws/violations.h"
#include "aws/xml.h"
#include "common/clock.h"
#include "common/crypto.h"

namespace eddy::iam {
namespace detail {

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 2);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormatIamDate(int64_t epoch_ms) {
  std::string s = FormatIsoUtcMs(epoch_ms);  // "YYYY-MM-DDTHH:MM:SS.mmmZ"
  if (s.size() == 24 && s[19] == '.') s.erase(19, 4);
  return s;
}

}  // namespace detail

namespace {

namespace json = boost::json;
using aws::Member;
using aws::Shape;
using aws::ShapeKind;
using aws::XmlWriter;

constexpr ShapeKind kInt = ShapeKind::kInteger;
constexpr ShapeKind kBool = ShapeKind::kBoolean;
constexpr ShapeKind kList = ShapeKind::kList;
constexpr ShapeKind kStruct = ShapeKind::kStructure;

// ---- Request shapes (botocore iam/2010-05-08). Lists are `<Name>.member.<N>`. ----

constexpr Member kTagMembers[] = {{.name = "Key"}, {.name = "Value"}};
constexpr Shape kTagShape{kTagMembers};
constexpr Member kTags{
    .name = "Tags", .wire = "Tags.member", .kind = kList, .element = kStruct, .structure = &kTagShape};
constexpr Member kTagKeys{.name = "TagKeys", .wire = "TagKeys.member", .kind = kList};
constexpr Member kRoleName{.name = "RoleName"};
constexpr Member kPolicyName{.name = "PolicyName"};
constexpr Member kPolicyArn{.name = "PolicyArn"};
constexpr Member kPolicyDocument{.name = "PolicyDocument"};
constexpr Member kPath{.name = "Path"};
constexpr Member kPathPrefix{.name = "PathPrefix"};
constexpr Member kDescription{.name = "Description"};
constexpr Member kMaxSessionDuration{.name = "MaxSessionDuration", .kind = kInt};
constexpr Member kMarker{.name = "Marker"};
constexpr Member kMaxItems{.name = "MaxItems", .kind = kInt};

constexpr Member kCreateRoleIn[] = {kPath,        kRoleName,           {.name = "AssumeRolePolicyDocument"},
                                    kDescription, kMaxSessionDuration, {.name = "PermissionsBoundary"},
                                    kTags};
constexpr Member kRoleNameIn[] = {kRoleName};
constexpr Member kListRolesIn[] = {kPathPrefix, kMarker, kMaxItems};
constexpr Member kUpdateAssumeRolePolicyIn[] = {kRoleName, kPolicyDocument};
constexpr Member kUpdateRoleIn[] = {kRoleName, kDescription, kMaxSessionDuration};
constexpr Member kPutRolePolicyIn[] = {kRoleName, kPolicyName, kPolicyDocument};
constexpr Member kRolePolicyIn[] = {kRoleName, kPolicyName};
constexpr Member kRoleListIn[] = {kRoleName, kMarker, kMaxItems};
constexpr Member kCreatePolicyIn[] = {kPolicyName, kPath, kPolicyDocument, kDescription, kTags};
constexpr Member kPolicyArnIn[] = {kPolicyArn};
constexpr Member kPolicyArnListIn[] = {kPolicyArn, kMarker, kMaxItems};
constexpr Member kGetPolicyVersionIn[] = {kPolicyArn, {.name = "VersionId"}};
constexpr Member kListPoliciesIn[] = {{.name = "Scope"}, {.name = "OnlyAttached", .kind = kBool},
                                      kPathPrefix,       {.name = "PolicyUsageFilter"},
                                      kMarker,           kMaxItems};
constexpr Member kRolePolicyArnIn[] = {kRoleName, kPolicyArn};
constexpr Member kListAttachedRolePoliciesIn[] = {kRoleName, kPathPrefix, kMarker, kMaxItems};
constexpr Member kTagRoleIn[] = {kRoleName, kTags};
constexpr Member kUntagRoleIn[] = {kRoleName, kTagKeys};

// ---- Typed access to the decoded request ----

struct Input {
  const json::object& o;

  std::optional<std::string> Str(std::string_view k) const {
    const json::value* v = o.if_contains(k);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  }
  std::optional<int64_t> Int(std::string_view k) const {
    const json::value* v = o.if_contains(k);
    if (v == nullptr || !v->is_int64()) return std::nullopt;
    return v->get_int64();
  }
  std::optional<bool> Bool(std::string_view k) const {
    const json::value* v = o.if_contains(k);
    if (v == nullptr || !v->is_bool()) return std::nullopt;
    return v->get_bool();
  }
  bool Has(std::string_view k) const { return o.if_contains(k) != nullptr; }
  std::vector<Tag> Tags() const {
    std::vector<Tag> out;
    const json::value* v = o.if_contains("Tags");
    if (v == nullptr || !v->is_array()) return out;
    for (const json::value& e : v->get_array()) {
      if (!e.is_object()) continue;
      Tag t;
      if (const json::value* k = e.get_object().if_contains("Key"); k && k->is_string())
        t.key = k->get_string();
      if (const json::value* x = e.get_object().if_contains("Value"); x && x->is_string()) {
        t.value = x->get_string();
      }
      out.push_back(std::move(t));
    }
    return out;
  }
  std::vector<std::string> StrList(std::string_view k) const {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(k);
    if (v == nullptr || !v->is_array()) return out;
    for (const json::value& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
    return out;
  }
};

// ---- Model constraints ----

// Calls fn(code point) for each UTF-8 sequence of `s`; false if `s` is not valid UTF-8 or fn refuses.
template <typename Fn>
bool AllCodePoints(std::string_view s, Fn fn) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t j = 1; j < n; ++j) {
      const auto cc = static_cast<unsigned char>(s[i + j]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!fn(cp)) return false;
    i += n;
  }
  return true;
}

size_t CharCount(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IsNameChar(char c) {  // [\w+=,.@-]
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '=' || c == ',' ||
         c == '.' || c == '@' || c == '-';
}
bool IsName(std::string_view s) { return std::all_of(s.begin(), s.end(), IsNameChar); }

// (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
bool IsRolePath(std::string_view s) {
  if (s == "/") return true;
  if (s.size() < 3 || s.front() != '/' || s.back() != '/') return false;
  return std::all_of(s.begin() + 1, s.end() - 1, [](char c) { return c >= 0x21 && c <= 0x7E; });
}

// ((/[A-Za-z0-9\.,\+@=_-]+)*)/
bool IsPolicyPath(std::string_view s) {
  if (s.empty() || s.front() != '/' || s.back() != '/') return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '/') {
      if (s[i + 1] == '/') return false;  // empty segment
      continue;
    }
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// \u002F[\u0021-\u007F]*
bool IsPathPrefix(std::string_view s) {
  return !s.empty() && s.front() == '/' &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21; });  // non-ASCII bytes are negative
}

// [\u0009\u000A\u000D\u0020-\u00FF]+
bool IsPolicyDocumentText(std::string_view s) {
  return AllCodePoints(
      s, [](uint32_t cp) { return cp == 9 || cp == 10 || cp == 13 || (cp >= 0x20 && cp <= 0xFF); });
}

// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*
bool IsDescriptionText(std::string_view s) {
  return AllCodePoints(s, [](uint32_t cp) {
    return cp == 9 || cp == 10 || cp == 13 || (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xFF);
  });
}

// [\p{L}\p{Z}\p{N}_.:/=+\-@]* (non-ASCII letters, separators and numbers are let through unchecked)
bool IsTagText(std::string_view s) {
  return AllCodePoints(s, [](uint32_t cp) {
    if (cp >= 0x80) return true;
    const char c = static_cast<char>(cp);
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '_' || c == '.' || c == ':' ||
           c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
  });
}

constexpr std::string_view kNamePattern = "[\\w+=,.@-]+";
constexpr std::string_view kRolePathPattern = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)";
constexpr std::string_view kPolicyPathPattern = "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/";
constexpr std::string_view kPathPrefixPattern = "\\u002F[\\u0021-\\u007F]*";
constexpr std::string_view kDocumentPattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
constexpr std::string_view kDescriptionPattern = "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*";
constexpr std::string_view kTagKeyPattern = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
constexpr std::string_view kTagValuePattern = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";

class Checker {
 public:
  // A string member: missing -> "must not be null" when required; then length, then pattern.
  void String(const std::optional<std::string>& value, std::string_view field, bool required, size_t min,
              size_t max, bool (*matches)(std::string_view) = nullptr, std::string_view pattern = {}) {
    if (!value) {
      if (required) v_.Null(field);
      return;
    }
    const size_t n = CharCount(*value);
    if (n < min) {
      v_.Add(*value, field, "Member must have length greater than or equal to " + std::to_string(min));
      return;
    }
    if (n > max) {
      v_.Add(*value, field, "Member must have length less than or equal to " + std::to_string(max));
      return;
    }
    if (matches != nullptr) v_.Pattern(*value, field, matches(*value), pattern);
  }
  void Null(std::string_view field) { v_.Null(field); }
  void Range(std::optional<int64_t> value, std::string_view field, int64_t min, int64_t max) {
    v_.Range(value, field, min, max);
  }
  void Enum(const std::optional<std::string>& value, std::string_view field,
            const std::vector<std::string_view>& allowed) {
    if (value) v_.Enum(*value, field, allowed);
  }
  void Tags(const Input& in, bool required) {
    if (!in.Has("Tags")) {
      if (required) v_.Null("tags");
      return;
    }
    std::vector<Tag> tags = in.Tags();
    for (size_t i = 0; i < tags.size(); ++i) {
      const std::string at = "tags." + std::to_string(i + 1) + ".member.";
      String(tags[i].key, at + "key", true, 1, 128, IsTagText, kTagKeyPattern);
      String(tags[i].value, at + "value", true, 0, 256, IsTagText, kTagValuePattern);
    }
  }
  void RoleName(const Input& in) {
    String(in.Str("RoleName"), "roleName", true, 1, 64, IsName, kNamePattern);
  }
  void PolicyName(const Input& in) {
    String(in.Str("PolicyName"), "policyName", true, 1, 128, IsName, kNamePattern);
  }
  void PolicyDocument(const std::optional<std::string>& doc, std::string_view field) {
    String(doc, field, true, 1, 131072, IsPolicyDocumentText, kDocumentPattern);
  }
  void PolicyArn(const Input& in) { String(in.Str("PolicyArn"), "policyArn", true, 20, 2048); }
  void Paging(const Input& in) {
    String(in.Str("Marker"), "marker", false, 1, 320);
    Range(in.Int("MaxItems"), "maxItems", 1, 1000);
  }

  Status Done() const {
    if (v_.empty()) return {};
    return Fail(Errc::kValidationError, v_.Message());
  }

 private:
  aws::Violations v_;
};

// ---- Pagination: Marker is the opaque (base64url) sort key of the first item of the next page. ----

struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<std::string> next_marker;
};

Result<Page> Paginate(size_t count, const std::function<std::string(size_t)>& key_of, const Input& in) {
  Page page;
  if (std::optional<std::string> marker = in.Str("Marker")) {
    std::optional<std::string> key = Base64UrlDecode(*marker);
    // [?] AWS's answer to a marker it did not hand out is unconfirmed.
    if (!key) return Fail(Errc::kInvalidInput, "Invalid Marker.");
    while (page.begin < count && key_of(page.begin) < *key) ++page.begin;
  }
  const size_t max_items = static_cast<size_t>(in.Int("MaxItems").value_or(100));
  page.end = std::min(count, page.begin + max_items);
  if (page.end < count) page.next_marker = Base64UrlEncode(key_of(page.end));
  return page;
}

void WritePageEnd(const Page& page, XmlWriter& w) {
  w.Element("IsTruncated", page.next_marker.has_value());
  if (page.next_marker) w.Element("Marker", *page.next_marker);
}

std::string LowerKey(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- Answers ----

enum class RoleView { kCreate, kGet, kListed };

void WriteTags(const std::vector<Tag>& tags, XmlWriter& w) {
  w.Open("Tags");
  for (const Tag& t : tags) {
    w.Open("member");
    w.Element("Key", t.key);
    w.Element("Value", t.value);
    w.Close("member");
  }
  w.Close("Tags");
}

// Which members each answer carries follows AWS's documented examples: CreateRole has no
// MaxSessionDuration, ListRoles no Tags, only GetRole has RoleLastUsed.
void WriteRoleMembers(const RoleRecord& r, RoleView view, XmlWriter& w) {
  w.Element("Path", r.path);
  w.Element("RoleName", r.name);
  w.Element("RoleId", r.id);
  w.Element("Arn", r.Arn());
  w.Element("CreateDate", detail::FormatIamDate(r.create_ms));
  w.Element("AssumeRolePolicyDocument", detail::UrlEncode(r.assume_role_policy));
  if (r.description) w.Element("Description", *r.description);
  if (view != RoleView::kCreate) w.Element("MaxSessionDuration", r.max_session_duration_s);
  if (view != RoleView::kListed && !r.tags.empty()) WriteTags(r.tags, w);
  if (view == RoleView::kGet) w.Empty("RoleLastUsed");
}

void WriteRole(const RoleRecord& r, RoleView view, XmlWriter& w) {
  w.Open("Role");
  WriteRoleMembers(r, view, w);
  w.Close("Role");
}

enum class PolicyView { kCreate, kGet, kListed };

void WritePolicyMembers(const PolicyRecord& p, PolicyView view, XmlWriter& w) {
  w.Element("PolicyName", p.name);
  w.Element("DefaultVersionId", "v1");
  w.Element("PolicyId", p.id);
  w.Element("Path", p.path);
  w.Element("Arn", p.Arn());
  w.Element("AttachmentCount", p.attachment_count);
  w.Element("PermissionsBoundaryUsageCount", int64_t{0});
  w.Element("IsAttachable", true);
  if (view == PolicyView::kGet && p.description) w.Element("Description", *p.description);
  w.Element("CreateDate", detail::FormatIamDate(p.create_ms));
  w.Element("UpdateDate", detail::FormatIamDate(p.update_ms));
  if (view != PolicyView::kListed && !p.tags.empty()) WriteTags(p.tags, w);
}

void WritePolicyVersion(const PolicyRecord& p, XmlWriter& w) {
  w.Element("Document", detail::UrlEncode(p.document));
  w.Element("VersionId", "v1");
  w.Element("IsDefaultVersion", true);
  w.Element("CreateDate", detail::FormatIamDate(p.create_ms));
}

// ---- Actions. Each checks its input, acts, writes the members of <OpResult> and returns the ticket. ----

struct Call {
  Directory& dir;
  const Input& in;
  const std::string& account;
  XmlWriter& w;
};

using Action = Result<uint64_t> (*)(Call&);

Result<uint64_t> CreateRole(Call& c) {
  Checker check;
  check.String(c.in.Str("Path"), "path", false, 1, 512, IsRolePath, kRolePathPattern);
  check.RoleName(c.in);
  check.PolicyDocument(c.in.Str("AssumeRolePolicyDocument"), "assumeRolePolicyDocument");
  check.String(c.in.Str("Description"), "description", false, 0, 1000, IsDescriptionText,
               kDescriptionPattern);
  check.Range(c.in.Int("MaxSessionDuration"), "maxSessionDuration", 3600, 43200);
  check.String(c.in.Str("PermissionsBoundary"), "permissionsBoundary", false, 20, 2048);
  check.Tags(c.in, false);
  if (Status st = check.Done(); !st) return std::move(st).error();
  RoleSpec spec;
  spec.account = c.account;
  spec.name = *c.in.Str("RoleName");
  spec.path = c.in.Str("Path").value_or("/");
  spec.assume_role_policy = *c.in.Str("AssumeRolePolicyDocument");
  spec.description = c.in.Str("Description");
  spec.max_session_duration_s = c.in.Int("MaxSessionDuration").value_or(3600);
  spec.tags = c.in.Tags();
  auto change = c.dir.CreateRole(std::move(spec));
  if (!change) return std::move(change).error();
  WriteRole(change->record, RoleView::kCreate, c.w);
  return change->ticket;
}

Result<uint64_t> GetRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto role = c.dir.GetRole(c.account, *c.in.Str("RoleName"));
  if (!role) return std::move(role).error();
  WriteRole(*role, RoleView::kGet, c.w);
  return uint64_t{0};
}

Result<uint64_t> DeleteRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.DeleteRole(c.account, *c.in.Str("RoleName"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> ListRoles(Call& c) {
  Checker check;
  check.String(c.in.Str("PathPrefix"), "pathPrefix", false, 1, 512, IsPathPrefix, kPathPrefixPattern);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  std::vector<RoleRecord> roles = c.dir.ListRoles(c.account, c.in.Str("PathPrefix").value_or("/"));
  auto page = Paginate(
      roles.size(), [&](size_t i) { return LowerKey(roles[i].name); }, c.in);
  if (!page) return std::move(page).error();
  c.w.Open("Roles");
  for (size_t i = page->begin; i < page->end; ++i) {
    c.w.Open("member");
    WriteRoleMembers(roles[i], RoleView::kListed, c.w);
    c.w.Close("member");
  }
  c.w.Close("Roles");
  WritePageEnd(*page, c.w);
  return uint64_t{0};
}

Result<uint64_t> UpdateAssumeRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyDocument(c.in.Str("PolicyDocument"), "policyDocument");
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.UpdateAssumeRolePolicy(c.account, *c.in.Str("RoleName"), *c.in.Str("PolicyDocument"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> UpdateRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.String(c.in.Str("Description"), "description", false, 0, 1000, IsDescriptionText,
               kDescriptionPattern);
  check.Range(c.in.Int("MaxSessionDuration"), "maxSessionDuration", 3600, 43200);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.UpdateRole(c.account, *c.in.Str("RoleName"), c.in.Str("Description"),
                                 c.in.Int("MaxSessionDuration"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> UpdateRoleDescription(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.String(c.in.Str("Description"), "description", true, 0, 1000, IsDescriptionText, kDescriptionPattern);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.UpdateRole(c.account, *c.in.Str("RoleName"), c.in.Str("Description"), std::nullopt);
  if (!change) return std::move(change).error();
  WriteRole(change->record, RoleView::kGet, c.w);
  return change->ticket;
}

Result<uint64_t> TagRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.Tags(c.in, true);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.TagRole(c.account, *c.in.Str("RoleName"), c.in.Tags());
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> UntagRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  if (!c.in.Has("TagKeys")) check.Null("tagKeys");
  std::vector<std::string> keys = c.in.StrList("TagKeys");
  for (size_t i = 0; i < keys.size(); ++i) {
    check.String(keys[i], "tagKeys." + std::to_string(i + 1) + ".member", true, 1, 128, IsTagText,
                 kTagKeyPattern);
  }
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.UntagRole(c.account, *c.in.Str("RoleName"), keys);
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> ListRoleTags(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto role = c.dir.GetRole(c.account, *c.in.Str("RoleName"));
  if (!role) return std::move(role).error();
  const std::vector<Tag>& tags = role->tags;
  // Tags keep their insertion order; the marker is the position, zero-padded so it sorts.
  auto position = [](size_t i) {
    std::string s = std::to_string(i);
    return std::string(10 - std::min<size_t>(10, s.size()), '0') + s;
  };
  auto page = Paginate(tags.size(), position, c.in);
  if (!page) return std::move(page).error();
  WriteTags(std::vector<Tag>(tags.begin() + static_cast<std::ptrdiff_t>(page->begin),
                             tags.begin() + static_cast<std::ptrdiff_t>(page->end)),
            c.w);
  WritePageEnd(*page, c.w);
  return uint64_t{0};
}

Result<uint64_t> ListInstanceProfilesForRole(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto role = c.dir.GetRole(c.account, *c.in.Str("RoleName"));
  if (!role) return std::move(role).error();
  c.w.Empty("InstanceProfiles");  // instance profiles are not modelled: a role is in none
  c.w.Element("IsTruncated", false);
  return uint64_t{0};
}

Result<uint64_t> PutRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyName(c.in);
  check.PolicyDocument(c.in.Str("PolicyDocument"), "policyDocument");
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.PutRolePolicy(c.account, *c.in.Str("RoleName"), *c.in.Str("PolicyName"),
                                    *c.in.Str("PolicyDocument"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> GetRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyName(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  const std::string role_name = *c.in.Str("RoleName");
  auto policy = c.dir.GetRolePolicy(c.account, role_name, *c.in.Str("PolicyName"));
  if (!policy) return std::move(policy).error();
  auto role = c.dir.GetRole(c.account, role_name);
  c.w.Element("RoleName", role ? role->name : role_name);
  c.w.Element("PolicyName", policy->name);
  c.w.Element("PolicyDocument", detail::UrlEncode(policy->document));
  return uint64_t{0};
}

Result<uint64_t> DeleteRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyName(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.DeleteRolePolicy(c.account, *c.in.Str("RoleName"), *c.in.Str("PolicyName"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> ListRolePolicies(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto role = c.dir.GetRole(c.account, *c.in.Str("RoleName"));
  if (!role) return std::move(role).error();
  std::vector<const InlinePolicy*> policies;
  for (const auto& [key, p] : role->inline_policies) policies.push_back(&p);
  auto page = Paginate(
      policies.size(), [&](size_t i) { return LowerKey(policies[i]->name); }, c.in);
  if (!page) return std::move(page).error();
  c.w.Open("PolicyNames");
  for (size_t i = page->begin; i < page->end; ++i) c.w.Element("member", policies[i]->name);
  c.w.Close("PolicyNames");
  WritePageEnd(*page, c.w);
  return uint64_t{0};
}

Result<uint64_t> CreatePolicy(Call& c) {
  Checker check;
  check.PolicyName(c.in);
  check.String(c.in.Str("Path"), "path", false, 1, 512, IsPolicyPath, kPolicyPathPattern);
  check.PolicyDocument(c.in.Str("PolicyDocument"), "policyDocument");
  check.String(c.in.Str("Description"), "description", false, 0, 1000);
  check.Tags(c.in, false);
  if (Status st = check.Done(); !st) return std::move(st).error();
  PolicySpec spec;
  spec.account = c.account;
  spec.name = *c.in.Str("PolicyName");
  spec.path = c.in.Str("Path").value_or("/");
  spec.document = *c.in.Str("PolicyDocument");
  spec.description = c.in.Str("Description");
  spec.tags = c.in.Tags();
  auto change = c.dir.CreatePolicy(std::move(spec));
  if (!change) return std::move(change).error();
  c.w.Open("Policy");
  WritePolicyMembers(change->record, PolicyView::kCreate, c.w);
  c.w.Close("Policy");
  return change->ticket;
}

Result<uint64_t> GetPolicy(Call& c) {
  Checker check;
  check.PolicyArn(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto policy = c.dir.GetPolicy(c.account, *c.in.Str("PolicyArn"));
  if (!policy) return std::move(policy).error();
  c.w.Open("Policy");
  WritePolicyMembers(*policy, PolicyView::kGet, c.w);
  c.w.Close("Policy");
  return uint64_t{0};
}

Result<uint64_t> DeletePolicy(Call& c) {
  Checker check;
  check.PolicyArn(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.DeletePolicy(c.account, *c.in.Str("PolicyArn"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> ListPolicies(Call& c) {
  Checker check;
  check.Enum(c.in.Str("Scope"), "scope", {"All", "AWS", "Local"});
  check.String(c.in.Str("PathPrefix"), "pathPrefix", false, 1, 512, IsPolicyPath, kPolicyPathPattern);
  check.Enum(c.in.Str("PolicyUsageFilter"), "policyUsageFilter",
             {"PermissionsPolicy", "PermissionsBoundary"});
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  PolicyFilter filter;
  filter.scope = c.in.Str("Scope").value_or("All");
  filter.only_attached = c.in.Bool("OnlyAttached").value_or(false);
  filter.path_prefix = c.in.Str("PathPrefix").value_or("/");
  std::vector<PolicyRecord> policies;
  // Nothing is ever used as a permissions boundary.
  if (c.in.Str("PolicyUsageFilter").value_or("") != "PermissionsBoundary") {
    policies = c.dir.ListPolicies(c.account, filter);
  }
  auto page = Paginate(
      policies.size(), [&](size_t i) { return LowerKey(policies[i].name); }, c.in);
  if (!page) return std::move(page).error();
  c.w.Open("Policies");
  for (size_t i = page->begin; i < page->end; ++i) {
    c.w.Open("member");
    WritePolicyMembers(policies[i], PolicyView::kListed, c.w);
    c.w.Close("member");
  }
  c.w.Close("Policies");
  WritePageEnd(*page, c.w);
  return uint64_t{0};
}

Result<uint64_t> GetPolicyVersion(Call& c) {
  Checker check;
  check.PolicyArn(c.in);
  check.String(c.in.Str("VersionId"), "versionId", true, 0, 128);
  if (Status st = check.Done(); !st) return std::move(st).error();
  const std::string arn = *c.in.Str("PolicyArn");
  auto policy = c.dir.GetPolicy(c.account, arn);
  if (!policy) return std::move(policy).error();
  const std::string version = *c.in.Str("VersionId");
  if (version != "v1") {
    // [?] AWS's wording for an unknown version is unconfirmed.
    return Fail(Errc::kNoSuchEntity,
                "Policy " + arn + " version " + version + " does not exist or is not attachable.");
  }
  c.w.Open("PolicyVersion");
  WritePolicyVersion(*policy, c.w);
  c.w.Close("PolicyVersion");
  return uint64_t{0};
}

Result<uint64_t> ListPolicyVersions(Call& c) {
  Checker check;
  check.PolicyArn(c.in);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto policy = c.dir.GetPolicy(c.account, *c.in.Str("PolicyArn"));
  if (!policy) return std::move(policy).error();
  c.w.Open("Versions");
  c.w.Open("member");
  WritePolicyVersion(*policy, c.w);
  c.w.Close("member");
  c.w.Close("Versions");
  c.w.Element("IsTruncated", false);
  return uint64_t{0};
}

Result<uint64_t> AttachRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyArn(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.AttachRolePolicy(c.account, *c.in.Str("RoleName"), *c.in.Str("PolicyArn"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> DetachRolePolicy(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.PolicyArn(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto change = c.dir.DetachRolePolicy(c.account, *c.in.Str("RoleName"), *c.in.Str("PolicyArn"));
  if (!change) return std::move(change).error();
  return change->ticket;
}

Result<uint64_t> ListAttachedRolePolicies(Call& c) {
  Checker check;
  check.RoleName(c.in);
  check.String(c.in.Str("PathPrefix"), "pathPrefix", false, 1, 512, IsPolicyPath, kPolicyPathPattern);
  check.Paging(c.in);
  if (Status st = check.Done(); !st) return std::move(st).error();
  auto role = c.dir.GetRole(c.account, *c.in.Str("RoleName"));
  if (!role) return std::move(role).error();
  const std::string prefix = c.in.Str("PathPrefix").value_or("/");
  std::vector<PolicyArn> attached;
  for (const std::string& arn : role->attached_policy_arns) {
    std::optional<PolicyArn> parsed = ParsePolicyArn(arn);
    if (parsed && parsed->path.starts_with(prefix)) attached.push_back(std::move(*parsed));
  }
  // In attachment order; the marker is the position, zero-padded so it sorts.
  auto position = [](size_t i) {
    std::string s = std::to_string(i);
    return std::string(10 - std::min<size_t>(10, s.size()), '0') + s;
  };
  auto page = Paginate(attached.size(), position, c.in);
  if (!page) return std::move(page).error();
  c.w.Open("AttachedPolicies");
  for (size_t i = page->begin; i < page->end; ++i) {
    const PolicyArn& p = attached[i];
    c.w.Open("member");
    c.w.Element("PolicyName", p.name);
    c.w.Element("PolicyArn", "arn:aws:iam::" + p.account + ":policy" + p.path + p.name);
    c.w.Close("member");
  }
  c.w.Close("AttachedPolicies");
  WritePageEnd(*page, c.w);
  return uint64_t{0};
}

struct Operation {
  std::string_view name;
  Shape input;
  Action run;
  bool has_result;  // ops without output have no <OpResult> element
};

const Operation kOperations[] = {
    {"CreateRole", {kCreateRoleIn}, CreateRole, true},
    {"GetRole", {kRoleNameIn}, GetRole, true},
    {"DeleteRole", {kRoleNameIn}, DeleteRole, false},
    {"ListRoles", {kListRolesIn}, ListRoles, true},
    {"UpdateAssumeRolePolicy", {kUpdateAssumeRolePolicyIn}, UpdateAssumeRolePolicy, false},
    {"UpdateRole", {kUpdateRoleIn}, UpdateRole, true},
    {"UpdateRoleDescription", {kUpdateRoleIn}, UpdateRoleDescription, true},
    {"TagRole", {kTagRoleIn}, TagRole, false},
    {"UntagRole", {kUntagRoleIn}, UntagRole, false},
    {"ListRoleTags", {kRoleListIn}, ListRoleTags, true},
    {"ListInstanceProfilesForRole", {kRoleListIn}, ListInstanceProfilesForRole, true},
    {"PutRolePolicy", {kPutRolePolicyIn}, PutRolePolicy, false},
    {"GetRolePolicy", {kRolePolicyIn}, GetRolePolicy, true},
    {"DeleteRolePolicy", {kRolePolicyIn}, DeleteRolePolicy, false},
    {"ListRolePolicies", {kRoleListIn}, ListRolePolicies, true},
    {"CreatePolicy", {kCreatePolicyIn}, CreatePolicy, true},
    {"GetPolicy", {kPolicyArnIn}, GetPolicy, true},
    {"DeletePolicy", {kPolicyArnIn}, DeletePolicy, false},
    {"ListPolicies", {kListPoliciesIn}, ListPolicies, true},
    {"GetPolicyVersion", {kGetPolicyVersionIn}, GetPolicyVersion, true},
    {"ListPolicyVersions", {kPolicyArnListIn}, ListPolicyVersions, true},
    {"AttachRolePolicy", {kRolePolicyArnIn}, AttachRolePolicy, false},
    {"DetachRolePolicy", {kRolePolicyArnIn}, DetachRolePolicy, false},
    {"ListAttachedRolePolicies", {kListAttachedRolePoliciesIn}, ListAttachedRolePolicies, true},
};

const Operation* FindOperation(std::string_view name) {
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace

Result<Reply> Api::Handle(std::string_view action, const aws::FormParams& params, const std::string& account,
                          std::string_view request_id) {
  const Operation* op = FindOperation(action);
  if (op == nullptr) {
    // [?] The framework's wording for an unknown action, as other Query services answer it.
    return Fail(Errc::kInvalidAction,
                "Could not find operation " + std::string(action) + " for version 2010-05-08");
  }
  unsigned char arena[4096];  // the decoded request lives only for this call
  json::monotonic_resource resource(arena, sizeof(arena));
  json::object decoded(&resource);
  aws::QueryDecodeError bad;
  if (!aws::QueryToJson(params, op->input, &decoded, &bad)) {
    aws::Violations v;
    // [?] How AWS words a non-numeric integer parameter is unconfirmed.
    v.Add(bad.value, bad.parameter,
          bad.expected == ShapeKind::kBoolean ? "Member must be a boolean" : "Member must be an integer");
    return Fail(Errc::kValidationError, v.Message());
  }

  std::string result;
  XmlWriter rw(&result);
  Input in{decoded};
  Call call{directory_, in, account, rw};
  Result<uint64_t> ticket = op->run(call);
  if (!ticket) return std::move(ticket).error();

  Reply reply;
  reply.ticket = *ticket;
  std::string& out = reply.body;
  out.reserve(result.size() + 320);
  XmlWriter w(&out);
  w.Declaration();
  const std::string response_tag = std::string(action) + "Response";
  w.OpenWithNamespace(response_tag, kXmlNamespace);
  if (op->has_result) {
    const std::string result_tag = std::string(action) + "Result";
    if (result.empty()) {
      w.Empty(result_tag);
    } else {
      w.Open(result_tag);
      out += result;
      w.Close(result_tag);
    }
  }
  w.Open("ResponseMetadata");
  w.Element("RequestId", request_id);
  w.Close("ResponseMetadata");
  w.Close(response_tag);
  return reply;
}

std::string RenderErrorBody(const Error& error, std::string_view request_id) {
  const ErrorInfo& info = Info(error.code);
  std::string out;
  out.reserve(256 + error.message.size());
  XmlWriter w(&out);
  w.Declaration();
  w.OpenWithNamespace("ErrorResponse", kXmlNamespace);
  w.Open("Error");
  w.Element("Type", info.sender_fault ? "Sender" : "Receiver");
  w.Element("Code", info.code);
  w.Element("Message", error.message);
  w.Close("Error");
  w.Element("RequestId", request_id);
  w.Close("ErrorResponse");
  return out;
}

}  // namespace eddy::iam
