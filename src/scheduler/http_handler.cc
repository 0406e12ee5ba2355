#include "scheduler/http_handler.h"

#include <charconv>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "aws/form.h"
#include "aws/response.h"
#include "aws/sigv4.h"
#include "common/crypto.h"

namespace eddy::scheduler {
namespace json = boost::json;
namespace {

constexpr std::string_view kTagResourceArnPattern =
    R"(^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$)";

// "/a/b%2Fc/" -> {"a", "b/c"}: split on raw slashes, then percent-decode each segment. False on a
// malformed escape or an empty segment in the middle.
bool SplitPath(std::string_view path, std::vector<std::string>* out) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string segment;
    if (end == start || !aws::PercentDecode(path.substr(start, end - start), false, &segment)) return false;
    out->push_back(std::move(segment));
    start = end + 1;
  }
  return true;
}

// What follows "/tags/": the whole ARN, percent-decoded (SDKs encode its '/'; be lenient if one doesn't).
std::optional<std::string> TagsArn(std::string_view path) {
  constexpr std::string_view kPrefix = "/tags/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string arn;
  if (rest.empty() || !aws::PercentDecode(rest, false, &arn)) return std::nullopt;
  return arn;
}

net::Response ErrorResponse(const Error& error, const std::string& request_id) {
  const ErrorInfo& info = Info(error.code);
  net::Response r = aws::JsonResponse(info.http_status, ErrorBody(error), request_id);
  r.headers.push_back({"x-amzn-ErrorType", std::string(info.code)});
  return r;
}

// One successful answer: the body and the store ticket to wait for.
struct Reply {
  json::object body;
  uint64_t ticket = 0;
};

const std::string* Query(const aws::FormParams& q, std::string_view name) { return aws::FindParam(q, name); }

// MaxResults: 1..100; a non-number is a constraint failure too.
std::optional<int32_t> MaxResults(const aws::FormParams& q, aws::Violations* v) {
  const std::string* raw = Query(q, "MaxResults");
  if (raw == nullptr) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
  if (ec != std::errc() || end != raw->data() + raw->size()) {
    v->Add(*raw, "maxResults", "Member must be a number");
    return std::nullopt;
  }
  v->Range(n, "maxResults", 1, 100);
  return int32_t(std::clamp<int64_t>(n, 1, 100));
}

void CheckNextToken(const std::string* token, aws::Violations* v) {
  if (token != nullptr) v->Length(*token, "nextToken", 1, 2048);
}

void CheckTagArn(const std::string& arn, aws::Violations* v) {
  v->Length(arn, "resourceArn", 1, 1011);
  if (!arn.empty() && arn.size() <= 1011) {
    v->Pattern(arn, "resourceArn", ParseGroupArn(arn).has_value(), kTagResourceArnPattern);
  }
}

class Call {
 public:
  Call(Schedules& schedules, RequestContext ctx, const Route& route, const aws::FormParams& query,
       const json::object& body)
      : s_(schedules), ctx_(std::move(ctx)), route_(route), q_(query), body_(body) {}

  Result<Reply> Run() {
    switch (route_.op) {
      case Op::kCreateSchedule: return PutSchedule(true);
      case Op::kUpdateSchedule: return PutSchedule(false);
      case Op::kGetSchedule: return GetSchedule();
      case Op::kDeleteSchedule: return DeleteSchedule();
      case Op::kListSchedules: return ListSchedules();
      case Op::kCreateScheduleGroup: return CreateGroup();
      case Op::kGetScheduleGroup: return GetGroup();
      case Op::kDeleteScheduleGroup: return DeleteGroup();
      case Op::kListScheduleGroups: return ListGroups();
      case Op::kTagResource: return TagResource();
      case Op::kUntagResource: return UntagResource();
      case Op::kListTagsForResource: return ListTags();
    }
    return Fail(Errc::kInternal, "unhandled operation");
  }

 private:
  // ?groupName= (default "default"), checked like a name.
  std::string GroupParam(aws::Violations* v) {
    const std::string* g = Query(q_, "groupName");
    if (g == nullptr) return std::string(kDefaultGroup);
    CheckName(*g, "groupName", v);
    return *g;
  }

  void ClientTokenParam(aws::Violations* v) {
    if (const std::string* t = Query(q_, "clientToken")) {
      json::value token(*t);
      CheckClientToken(&token, "clientToken", v);
    }
  }

  Result<Reply> PutSchedule(bool create) {
    auto spec = ParseScheduleRequest(route_.name, body_);
    if (!spec) return std::move(spec).error();
    auto change = create ? s_.CreateSchedule(ctx_, std::move(spec).value())
                         : s_.UpdateSchedule(ctx_, std::move(spec).value());
    if (!change) return std::move(change).error();
    return Reply{json::object{{"ScheduleArn", change->arn}}, change->ticket};
  }

  Result<Reply> GetSchedule() {
    aws::Violations v;
    CheckName(route_.name, "name", &v);
    std::string group = GroupParam(&v);
    if (!v.empty()) return Invalid(v);
    auto r = s_.GetSchedule(ctx_, group, route_.name);
    if (!r) return std::move(r).error();
    return Reply{ScheduleToJson(*r), 0};
  }

  Result<Reply> DeleteSchedule() {
    aws::Violations v;
    CheckName(route_.name, "name", &v);
    std::string group = GroupParam(&v);
    ClientTokenParam(&v);
    if (!v.empty()) return Invalid(v);
    auto change = s_.DeleteSchedule(ctx_, group, route_.name);
    if (!change) return std::move(change).error();
    return Reply{json::object{}, change->ticket};
  }

  Result<Reply> ListSchedules() {
    aws::Violations v;
    ListSchedulesQuery query;
    if (const std::string* g = Query(q_, "ScheduleGroup")) {
      CheckName(*g, "groupName", &v);
      query.group = *g;
    }
    if (const std::string* p = Query(q_, "NamePrefix")) {
      CheckName(*p, "namePrefix", &v);
      query.name_prefix = *p;
    }
    if (const std::string* st = Query(q_, "State")) {
      v.Enum(*st, "state", {"ENABLED", "DISABLED"});
      query.enabled = *st == "ENABLED";
    }
    const std::string* token = Query(q_, "NextToken");
    CheckNextToken(token, &v);
    if (token != nullptr) query.next_token = *token;
    if (auto max = MaxResults(q_, &v)) query.max_results = *max;
    if (!v.empty()) return Invalid(v);
    auto page = s_.ListSchedules(ctx_, query);
    if (!page) return std::move(page).error();
    json::array items;
    for (const ScheduleRecord& r : page->items) items.push_back(ScheduleSummaryJson(r));
    json::object out{{"Schedules", std::move(items)}};
    if (!page->next_token.empty()) out["NextToken"] = page->next_token;
    return Reply{std::move(out), 0};
  }

  Result<Reply> CreateGroup() {
    aws::Violations v;
    CheckName(route_.name, "name", &v);
    CheckClientToken(body_.if_contains("ClientToken"), "clientToken", &v);
    if (!v.empty()) return Invalid(v);
    auto tags = ParseTags(body_.if_contains("Tags"), "tags");
    if (!tags) return std::move(tags).error();
    auto change = s_.CreateGroup(ctx_, route_.name, std::move(tags).value());
    if (!change) return std::move(change).error();
    return Reply{json::object{{"ScheduleGroupArn", change->arn}}, change->ticket};
  }

  Result<Reply> GetGroup() {
    aws::Violations v;
    CheckName(route_.name, "name", &v);
    if (!v.empty()) return Invalid(v);
    auto g = s_.GetGroup(ctx_, route_.name);
    if (!g) return std::move(g).error();
    return Reply{GroupToJson(*g), 0};
  }

  Result<Reply> DeleteGroup() {
    aws::Violations v;
    CheckName(route_.name, "name", &v);
    ClientTokenParam(&v);
    if (!v.empty()) return Invalid(v);
    auto change = s_.DeleteGroup(ctx_, route_.name);
    if (!change) return std::move(change).error();
    return Reply{json::object{}, change->ticket};
  }

  Result<Reply> ListGroups() {
    aws::Violations v;
    ListGroupsQuery query;
    if (const std::string* p = Query(q_, "NamePrefix")) {
      CheckName(*p, "namePrefix", &v);
      query.name_prefix = *p;
    }
    const std::string* token = Query(q_, "NextToken");
    CheckNextToken(token, &v);
    if (token != nullptr) query.next_token = *token;
    if (auto max = MaxResults(q_, &v)) query.max_results = *max;
    if (!v.empty()) return Invalid(v);
    auto page = s_.ListGroups(ctx_, query);
    if (!page) return std::move(page).error();
    json::array items;
    for (const GroupRecord& g : page->items) items.push_back(GroupToJson(g));
    json::object out{{"ScheduleGroups", std::move(items)}};
    if (!page->next_token.empty()) out["NextToken"] = page->next_token;
    return Reply{std::move(out), 0};
  }

  Result<Reply> ListTags() {
    aws::Violations v;
    CheckTagArn(route_.name, &v);
    if (!v.empty()) return Invalid(v);
    auto tags = s_.ListTags(route_.name);
    if (!tags) return std::move(tags).error();
    return Reply{json::object{{"Tags", TagsToJson(*tags)}}, 0};
  }

  Result<Reply> TagResource() {
    aws::Violations v;
    CheckTagArn(route_.name, &v);
    const json::value* tags_value = body_.if_contains("Tags");
    if (tags_value == nullptr || tags_value->is_null()) v.Null("tags");
    if (!v.empty()) return Invalid(v);
    auto tags = ParseTags(tags_value, "tags");
    if (!tags) return std::move(tags).error();
    auto change = s_.Tag(route_.name, *tags);
    if (!change) return std::move(change).error();
    return Reply{json::object{}, change->ticket};
  }

  Result<Reply> UntagResource() {
    aws::Violations v;
    CheckTagArn(route_.name, &v);
    std::vector<std::string> keys;
    for (const aws::FormParam& p : q_) {
      if (p.name != "TagKeys") continue;
      v.Length(p.value, "tagKeys.member", 1, 128);
      keys.push_back(p.value);
    }
    if (Query(q_, "TagKeys") == nullptr) v.Null("tagKeys");
    if (keys.size() > 200) v.Add("[...]", "tagKeys", "Member must have length less than or equal to 200");
    if (!v.empty()) return Invalid(v);
    auto change = s_.Untag(route_.name, keys);
    if (!change) return std::move(change).error();
    return Reply{json::object{}, change->ticket};
  }

  Schedules& s_;
  const RequestContext ctx_;
  const Route& route_;
  const aws::FormParams& q_;
  const json::object& body_;
};

}  // namespace

std::optional<Route> MatchRoute(std::string_view method, std::string_view path) {
  const bool get = method == "GET", post = method == "POST", put = method == "PUT", del = method == "DELETE";
  if (std::optional<std::string> arn = TagsArn(path)) {
    if (get) return Route{Op::kListTagsForResource, std::move(*arn)};
    if (post) return Route{Op::kTagResource, std::move(*arn)};
    if (del) return Route{Op::kUntagResource, std::move(*arn)};
    return std::nullopt;
  }
  std::vector<std::string> s;
  if (!SplitPath(path, &s) || s.empty() || s.size() > 2) return std::nullopt;
  if (s[0] == "schedules") {
    if (s.size() == 1) return get ? std::optional<Route>(Route{Op::kListSchedules, {}}) : std::nullopt;
    if (post) return Route{Op::kCreateSchedule, s[1]};
    if (get) return Route{Op::kGetSchedule, s[1]};
    if (put) return Route{Op::kUpdateSchedule, s[1]};
    if (del) return Route{Op::kDeleteSchedule, s[1]};
  } else if (s[0] == "schedule-groups") {
    if (s.size() == 1) return get ? std::optional<Route>(Route{Op::kListScheduleGroups, {}}) : std::nullopt;
    if (post) return Route{Op::kCreateScheduleGroup, s[1]};
    if (get) return Route{Op::kGetScheduleGroup, s[1]};
    if (del) return Route{Op::kDeleteScheduleGroup, s[1]};
  }
  return std::nullopt;
}

HttpHandler::HttpHandler(Schedules& schedules, store::MessageStore& store, HttpHandlerOptions options)
    : schedules_(schedules), store_(store), options_(std::move(options)) {}

bool HttpHandler::Matches(const net::Request& request) {
  std::string_view path = request.path();
  auto under = [&](std::string_view prefix) {
    return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
  };
  if (under("/schedules") || under("/schedule-groups")) return true;
  if (!path.starts_with("/tags/")) return false;
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) return parsed->credential.service == "scheduler";
  }
  std::optional<std::string> arn = TagsArn(path);
  return arn && arn->starts_with("arn:") && arn->find(":scheduler:") != std::string::npos;
}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  const std::string request_id = NewUuid();
  RequestContext ctx{options_.default_region, options_.account};
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) ctx.region = std::string(parsed->credential.region);
  }
  std::optional<Route> route = MatchRoute(request.method, request.path());
  if (!route) {
    return respond(ErrorResponse(
        Error{Errc::kUnknownOperation,
              "Unknown operation: " + request.method + " " + std::string(request.path())},
        request_id));
  }
  aws::FormParams query;
  if (!aws::ParseForm(request.query(), &query)) {
    return respond(ErrorResponse(
        Error{Errc::kValidation, "The request contains a malformed percent-encoded sequence."}, request_id));
  }
  json::object body;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) {
      return respond(ErrorResponse(Error{Errc::kValidation, "The request body is not a JSON object."},
                                   request_id));
    }
    body = std::move(parsed.get_object());
  }

  auto reply = Call(schedules_, std::move(ctx), *route, query, body).Run();
  if (!reply) return respond(ErrorResponse(reply.error(), request_id));
  net::Response response = aws::JsonResponse(200, json::serialize(reply->body), request_id);
  if (reply->ticket == 0) return respond(std::move(response));
  store_.WhenDurable(reply->ticket, [respond = std::move(respond), response = std::move(response)]() mutable {
    respond(std::move(response));
  });
}

}  // namespace eddy::scheduler
