#include "lambda/api.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "aws/json_members.h"
#include "common/crypto.h"

namespace eddy::lambda {
namespace json = boost::json;
namespace {

// ---- Reading the request body ----

// Typed access to the JSON body. A member of the wrong type is a body the service cannot deserialize.
class Body : public aws::JsonMembers {
 public:
  using JsonMembers::JsonMembers;
  Status status() const {
    if (wrong_type_member().empty()) return {};
    return Fail(Errc::kInvalidRequestContent,
                "Could not parse request body into json: Could not parse payload into json: "
                "Unexpected type for field '" + wrong_type_member() + "'");
  }
};

// Model-constraint failures, reported together as one ValidationException (AWS lists them all).
class Violations : public aws::Violations {
 public:
  void MaxLength(std::string_view value, std::string_view field, size_t max) { Length(value, field, 0, max); }
  Status status() const {
    if (empty()) return {};
    return Fail(Errc::kValidation, Message());
  }
};

#define EDDY_TRY(expr)                           \
  do {                                           \
    if (auto eddy_st_ = (expr); !eddy_st_) {     \
      return std::move(eddy_st_).error();        \
    }                                            \
  } while (0)

// ---- Runtimes ----

// AWS's enum as it prints it in the constraint message [AWS-observed, 2026].
constexpr std::string_view kRuntimeEnum =
    "[nodejs, nodejs4.3, nodejs6.10, nodejs8.10, nodejs10.x, nodejs12.x, nodejs14.x, nodejs16.x, "
    "nodejs18.x, nodejs20.x, nodejs22.x, nodejs24.x, java8, java8.al2, java11, java17, java21, java25, "
    "python2.7, python3.6, python3.7, python3.8, python3.9, python3.10, python3.11, python3.12, "
    "python3.13, python3.14, dotnetcore1.0, dotnetcore2.0, dotnetcore2.1, dotnetcore3.1, dotnet6, "
    "dotnet8, dotnet10, nodejs4.3-edge, go1.x, ruby2.5, ruby2.7, ruby3.2, ruby3.3, ruby3.4, ruby4.0, "
    "provided, provided.al2, provided.al2023, java8.al2023, java11.al2023, java17.al2023]";

constexpr std::string_view kSupportedRuntimes[] = {
    "python3.9",  "python3.10", "python3.11", "python3.12", "python3.13",     "python3.14",
    "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "provided.al2", "provided.al2023"};
// Past their deprecation's "block function create" date.
constexpr std::string_view kDeprecatedRuntimes[] = {
    "nodejs",      "nodejs4.3",  "nodejs6.10", "nodejs8.10",    "nodejs10.x",  "nodejs12.x",
    "nodejs14.x",  "nodejs16.x", "java8",      "python2.7",     "python3.6",   "python3.7",
    "python3.8",   "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
    "nodejs4.3-edge", "go1.x",   "ruby2.5",    "ruby2.7",       "provided"};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

bool IsProvided(std::string_view runtime) { return runtime.starts_with("provided"); }

// ---- Environment ----

constexpr std::string_view kReservedEnvKeys[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"};

bool IsEnvName(std::string_view s) {
  // [a-zA-Z]([a-zA-Z0-9_])+
  if (s.size() < 2 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s.substr(1)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

Status CheckEnvironment(const std::vector<std::pair<std::string, std::string>>& env) {
  for (const auto& [k, v] : env) {
    if (!IsEnvName(k)) {
      return ValidationFailed(k, "environment.variables",
                              "Map keys must satisfy constraint: [Member must satisfy regular "
                              "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
    }
  }
  std::string reserved;
  for (const auto& [k, v] : env) {
    if (Contains(kReservedEnvKeys, k)) reserved += (reserved.empty() ? "" : ", ") + k;
  }
  if (!reserved.empty()) {
    return InvalidParameter(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported for "
        "modification. Reserved keys used in this request: " + reserved);
  }
  json::object m;
  for (const auto& [k, v] : env) m[k] = v;
  std::string measured = json::serialize(m);
  if (measured.size() > 4096) {
    return InvalidParameter(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: " + measured);
  }
  return {};
}

// ---- Rendering ----

enum class Phase { kCreated, kUpdated, kSteady };

std::string RuntimeVersionArn(const FunctionId& id, const std::string& runtime) {
  return "arn:aws:lambda:" + id.region + "::runtime:" + Sha256Hex("eddy-runtime:" + runtime);
}

json::object RenderConfig(const Function& f, const VersionConfig& v, const std::string& function_arn,
                          Phase phase) {
  json::object o;
  o["FunctionName"] = f.id.name;
  o["FunctionArn"] = function_arn;
  o["Runtime"] = v.runtime;
  o["Role"] = v.role;
  if (!v.handler.empty()) o["Handler"] = v.handler;
  o["CodeSize"] = v.code_size;
  o["Description"] = v.description;
  o["Timeout"] = v.timeout_s;
  o["MemorySize"] = v.memory_mb;
  o["LastModified"] = FormatLastModified(v.last_modified_ms);
  o["CodeSha256"] = v.code_sha256;
  o["Version"] = v.version;
  if (v.has_environment) {
    json::object vars;
    for (const auto& [k, val] : v.environment) vars[k] = val;
    o["Environment"] = json::object{{"Variables", std::move(vars)}};
  }
  if (!v.dead_letter_arn.empty()) o["DeadLetterConfig"] = json::object{{"TargetArn", v.dead_letter_arn}};
  if (!v.kms_key_arn.empty()) o["KMSKeyArn"] = v.kms_key_arn;
  o["TracingConfig"] = json::object{{"Mode", v.tracing_mode}};
  o["RevisionId"] = v.revision_id;
  // Reported the way the waiters need it: transitional only in the mutating call's own response.
  if (phase == Phase::kCreated) {
    o["State"] = "Pending";
    o["StateReason"] = "The function is being created.";
    o["StateReasonCode"] = "Creating";
  } else {
    o["State"] = "Active";
  }
  if (phase == Phase::kUpdated) {
    o["LastUpdateStatus"] = "InProgress";
    o["LastUpdateStatusReason"] = "The function is being created.";
    o["LastUpdateStatusReasonCode"] = "Creating";
  } else if (phase == Phase::kSteady) {
    o["LastUpdateStatus"] = "Successful";
  }
  o["PackageType"] = "Zip";
  o["Architectures"] = json::array{json::string(v.architecture)};
  o["EphemeralStorage"] = json::object{{"Size", v.ephemeral_storage_mb}};
  o["SnapStart"] = json::object{{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}};
  o["RuntimeVersionConfig"] = json::object{{"RuntimeVersionArn", RuntimeVersionArn(f.id, v.runtime)}};
  json::object logging{{"LogFormat", v.log_format}, {"LogGroup", f.LogGroup(v)}};
  if (!v.application_log_level.empty()) logging["ApplicationLogLevel"] = v.application_log_level;
  if (!v.system_log_level.empty()) logging["SystemLogLevel"] = v.system_log_level;
  o["LoggingConfig"] = std::move(logging);
  return o;
}

// $LATEST is shown unqualified unless the caller named a qualifier; published versions always qualified.
std::string ConfigArn(const Function& f, const VersionConfig& v, bool qualified_latest) {
  if (v.version == kLatest && !qualified_latest) return f.id.Arn();
  return f.id.QualifiedArn(v.version);
}

json::object RenderAlias(const Function& f, const AliasConfig& a) {
  json::object o{{"AliasArn", f.id.QualifiedArn(a.name)},
                 {"Name", a.name},
                 {"FunctionVersion", a.function_version},
                 {"Description", a.description},
                 {"RevisionId", a.revision_id}};
  if (!a.additional_weights.empty()) {
    json::object w;
    for (const auto& [ver, weight] : a.additional_weights) w[ver] = weight;
    o["RoutingConfig"] = json::object{{"AdditionalVersionWeights", std::move(w)}};
  }
  return o;
}

json::object RenderEventInvokeConfig(const Function& f, const std::string& qualifier,
                                     const EventInvokeConfig& c) {
  json::object o;
  o["FunctionArn"] = f.id.QualifiedArn(qualifier);
  o["LastModified"] = static_cast<double>(c.last_modified_ms) / 1000.0;
  if (c.maximum_retry_attempts) o["MaximumRetryAttempts"] = *c.maximum_retry_attempts;
  if (c.maximum_event_age_s) o["MaximumEventAgeInSeconds"] = *c.maximum_event_age_s;
  json::object on_success, on_failure;
  if (!c.on_success.empty()) on_success["Destination"] = c.on_success;
  if (!c.on_failure.empty()) on_failure["Destination"] = c.on_failure;
  o["DestinationConfig"] =
      json::object{{"OnSuccess", std::move(on_success)}, {"OnFailure", std::move(on_failure)}};
  return o;
}

ApiReply Reply(int status, const json::object& body, uint64_t ticket = 0) {
  return ApiReply{status, json::serialize(body), ticket};
}
ApiReply NoContent(uint64_t ticket) { return ApiReply{204, std::string(), ticket}; }

const std::string* QueryParam(const ApiRequest& r, std::string_view name) {
  return aws::FindParam(r.query, name);
}

// ---- Names ----

// {FunctionName} of an operation that takes the FunctionName shape and acts on the function itself
// (a qualifier in the name is refused).
Result<FunctionId> UnqualifiedFunction(const ApiRequest& r, NameShape shape = NameShape::kFunctionName) {
  auto ref = ParseFunctionName(r.function_name, shape);
  if (!ref) return std::move(ref).error();
  auto resolved = ResolveName(*ref, r.region, r.account, "");
  if (!resolved) return std::move(resolved).error();
  if (!resolved->qualifier.empty()) {
    return InvalidParameter(
        "This operation is permitted on Lambda functions only. Aliases and versions do not support "
        "this operation. Please specify either a function name or an unqualified function ARN.");
  }
  return resolved->id;
}

// {FunctionName} plus ?Qualifier= (validated), combined.
Result<ResolvedName> QualifiedFunction(const ApiRequest& r, NameShape shape = NameShape::kNamespaced) {
  auto ref = ParseFunctionName(r.function_name, shape);
  if (!ref) return std::move(ref).error();
  std::string qualifier;
  if (const std::string* q = QueryParam(r, "Qualifier")) {
    qualifier = *q;
    Violations v;
    if (qualifier.empty()) {
      v.Add(qualifier, "qualifier", "Member must have length greater than or equal to 1");
    } else if (qualifier.size() > 128) {
      v.MaxLength(qualifier, "qualifier", 128);
    } else if (!(IsQualifier(qualifier) || qualifier == "$LATEST.PUBLISHED")) {
      v.Add(qualifier, "qualifier",
            "Member must satisfy regular expression pattern: " + std::string(kQualifierPattern));
    }
    EDDY_TRY(v.status());
  }
  return ResolveName(*ref, r.region, r.account, qualifier);
}

// Paging: Marker is an opaque offset.
std::string EncodeMarker(size_t offset) { return Base64UrlEncode("o:" + std::to_string(offset)); }
Result<size_t> DecodeMarker(const ApiRequest& r) {
  const std::string* m = QueryParam(r, "Marker");
  if (m == nullptr || m->empty()) return size_t{0};
  auto raw = Base64UrlDecode(*m);
  if (!raw || !raw->starts_with("o:") || raw->size() > 20 ||
      !IsVersionNumber(std::string_view(*raw).substr(2))) {
    return InvalidParameter("Invalid marker: " + *m);
  }
  return static_cast<size_t>(std::stoull(raw->substr(2)));
}
Result<size_t> MaxItems(const ApiRequest& r, int64_t max, int64_t page_cap) {
  const std::string* m = QueryParam(r, "MaxItems");
  if (m == nullptr) return static_cast<size_t>(page_cap);
  if (!IsVersionNumber(*m) || m->size() > 9) {
    return InvalidParameter("Value " + *m + " for parameter MaxItems is invalid.");
  }
  int64_t n = std::stoll(*m);
  Violations v;
  v.Range(n, "maxItems", 1, max);
  EDDY_TRY(v.status());
  return static_cast<size_t>(std::min(n, page_cap));
}

template <typename T, typename Render>
json::array Page(const std::vector<T>& items, size_t offset, size_t limit, Render render,
                 std::optional<std::string>* next_marker) {
  json::array out;
  for (size_t i = offset; i < items.size() && out.size() < limit; ++i) out.push_back(render(items[i]));
  if (offset + out.size() < items.size()) *next_marker = EncodeMarker(offset + out.size());
  return out;
}

// ---- Shared validation of Create / UpdateFunctionConfiguration fields ----

struct ConfigFields {
  std::optional<std::string> runtime, role, handler, description;
  std::optional<int64_t> timeout, memory, ephemeral;
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;
  std::optional<std::string> dead_letter_arn, kms_key_arn, tracing_mode;
  std::optional<std::string> log_format, log_group, app_log_level, system_log_level;
  std::optional<std::vector<std::string>> architectures;
  bool has_layers = false;
};

Result<ConfigFields> ReadConfigFields(Body& b, Violations& v) {
  ConfigFields c;
  c.runtime = b.Str("Runtime");
  c.role = b.Str("Role");
  c.handler = b.Str("Handler");
  c.description = b.Str("Description");
  c.timeout = b.Int("Timeout");
  c.memory = b.Int("MemorySize");
  if (const json::object* e = b.Obj("EphemeralStorage")) {
    Body eb(*e);
    c.ephemeral = eb.Int("Size");
    EDDY_TRY(eb.status());
    if (!c.ephemeral) v.Null("ephemeralStorage.size");
  }
  if (const json::object* e = b.Obj("Environment")) {
    Body eb(*e);
    c.environment = eb.StrMap("Variables");
    EDDY_TRY(eb.status());
    if (!c.environment) c.environment.emplace();
  }
  if (const json::object* d = b.Obj("DeadLetterConfig")) {
    Body db(*d);
    c.dead_letter_arn = db.Str("TargetArn").value_or("");
    EDDY_TRY(db.status());
  }
  c.kms_key_arn = b.Str("KMSKeyArn");
  if (const json::object* t = b.Obj("TracingConfig")) {
    Body tb(*t);
    c.tracing_mode = tb.Str("Mode");
    EDDY_TRY(tb.status());
  }
  if (const json::object* l = b.Obj("LoggingConfig")) {
    Body lb(*l);
    c.log_format = lb.Str("LogFormat");
    c.log_group = lb.Str("LogGroup");
    c.app_log_level = lb.Str("ApplicationLogLevel");
    c.system_log_level = lb.Str("SystemLogLevel");
    EDDY_TRY(lb.status());
  }
  if (const json::array* a = b.Arr("Architectures")) {
    std::vector<std::string> archs;
    for (const json::value& x : *a) {
      if (!x.is_string()) return Fail(Errc::kInvalidRequestContent,
                                      "Could not parse request body into json: Could not parse "
                                      "payload into json: Unexpected type for field 'Architectures'");
      archs.emplace_back(x.get_string());
    }
    c.architectures = std::move(archs);
  }
  if (const json::array* layers = b.Arr("Layers")) c.has_layers = !layers->empty();
  EDDY_TRY(b.status());

  // Model constraints (ValidationException).
  if (c.role && !IsRoleArn(*c.role)) {
    v.Add(*c.role, "role", "Member must satisfy regular expression pattern: " + std::string(kRoleArnPattern));
  }
  if (c.handler) {
    v.MaxLength(*c.handler, "handler", 128);
    if (c.handler->find_first_of(" \t\r\n\f\v") != std::string::npos) {
      v.Add(*c.handler, "handler", R"(Member must satisfy regular expression pattern: [^\s]+)");
    }
  }
  if (c.description) v.MaxLength(*c.description, "description", 256);
  // Classic limits (reference/lambda.md: validate against 900 s / 10240 MB).
  v.Range(c.timeout, "timeout", 1, 900);
  v.Range(c.memory, "memorySize", 128, 10240);
  v.Range(c.ephemeral, "ephemeralStorage.size", 512, 10240);
  if (c.architectures) {
    std::string shown = "[";
    for (size_t i = 0; i < c.architectures->size(); ++i) {
      shown += (i ? ", " : "") + (*c.architectures)[i];
    }
    shown += "]";
    if (c.architectures->size() > 1) {
      v.Add(shown, "architectures", "Member must have length less than or equal to 1");
    } else if (c.architectures->empty()) {
      v.Add(shown, "architectures", "Member must have length greater than or equal to 1");
    } else if ((*c.architectures)[0] != "x86_64" && (*c.architectures)[0] != "arm64") {
      v.Add(shown, "architectures",
            "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]");
    }
  }
  if (c.tracing_mode && *c.tracing_mode != "Active" && *c.tracing_mode != "PassThrough") {
    v.Add(*c.tracing_mode, "tracingConfig.mode",
          "Member must satisfy enum value set: [Active, PassThrough]");
  }
  if (c.log_format && *c.log_format != "JSON" && *c.log_format != "Text") {
    v.Add(*c.log_format, "loggingConfig.logFormat", "Member must satisfy enum value set: [JSON, Text]");
  }
  if (c.app_log_level && !(*c.app_log_level == "TRACE" || *c.app_log_level == "DEBUG" ||
                           *c.app_log_level == "INFO" || *c.app_log_level == "WARN" ||
                           *c.app_log_level == "ERROR" || *c.app_log_level == "FATAL")) {
    v.Add(*c.app_log_level, "loggingConfig.applicationLogLevel",
          "Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]");
  }
  if (c.system_log_level && !(*c.system_log_level == "DEBUG" || *c.system_log_level == "INFO" ||
                              *c.system_log_level == "WARN")) {
    v.Add(*c.system_log_level, "loggingConfig.systemLogLevel",
          "Member must satisfy enum value set: [DEBUG, INFO, WARN]");
  }
  return c;
}

// Semantic checks shared by Create and UpdateFunctionConfiguration (InvalidParameterValueException).
Status CheckConfigSemantics(const ConfigFields& c) {
  if (c.runtime) EDDY_TRY(CheckRuntime(*c.runtime));
  if (c.environment) EDDY_TRY(CheckEnvironment(*c.environment));
  if (c.has_layers) {
    return InvalidParameter("Layers are not supported by Eddy yet: package dependencies in the zip.");
  }
  if ((c.app_log_level || c.system_log_level) && c.log_format.value_or("Text") != "JSON") {
    return InvalidParameter(
        "Advanced logging controls (ApplicationLogLevel and SystemLogLevel) are only available when "
        "LogFormat is set to JSON.");
  }
  return {};
}

Status RejectNonZipCode(Body& code_body) {
  if (code_body.Has("S3Bucket") || code_body.Has("S3Key") || code_body.Has("S3ObjectVersion")) {
    return InvalidParameter(
        "Eddy does not support S3 deployment packages yet: pass the zip inline (ZipFile, or "
        "--zip-file fileb://... with the AWS CLI).");
  }
  if (code_body.Has("ImageUri")) {
    return InvalidParameter("Eddy does not support container image functions: use a zip package.");
  }
  return {};
}

// Decodes and stores ZipFile (base64). Pinned in the code store until the caller unpins it.
Result<CodePackage> StoreZip(CodeStore& code, const std::string& base64) {
  auto zip = Base64Decode(base64);
  if (!zip) {
    return InvalidParameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
  return code.Add(*zip);
}

// Unpins a package when the request is done with it: the registry references it by then, or the
// request failed and the package goes to the next collection.
struct PinGuard {
  CodeStore& code;
  Registry& registry;
  std::string hex;
  bool referenced = false;
  ~PinGuard() {
    code.Unpin(hex);
    if (!referenced) registry.ForgetPackage(hex);
  }
};

std::string ProvisionedKey(const FunctionId& id, const std::string& qualifier) {
  return id.Key() + ":" + qualifier;
}

std::shared_ptr<const FunctionSpec> ProvisionedSpec(const Function& f, const std::string& qualifier) {
  const AliasConfig* a = f.FindAlias(qualifier);
  return f.SpecOf(a != nullptr ? a->function_version : qualifier);
}

}  // namespace

Status CheckRuntime(std::string_view runtime) {
  if (Contains(kSupportedRuntimes, runtime)) return {};
  if (Contains(kDeprecatedRuntimes, runtime)) {
    return InvalidParameter("The runtime parameter of " + std::string(runtime) +
                            " is no longer supported for creating or updating AWS Lambda functions. "
                            "We recommend you use a supported runtime while creating or updating "
                            "functions.");
  }
  if (kRuntimeEnum.find(" " + std::string(runtime) + ",") != std::string_view::npos ||
      kRuntimeEnum.find("[" + std::string(runtime) + ",") != std::string_view::npos ||
      kRuntimeEnum.find(" " + std::string(runtime) + "]") != std::string_view::npos) {
    return InvalidParameter("The runtime " + std::string(runtime) +
                            " is not supported by Eddy: it runs python3.9-3.14, nodejs18.x-24.x, "
                            "provided.al2 and provided.al2023 functions.");
  }
  return InvalidParameter("Value " + std::string(runtime) +
                          " at 'runtime' failed to satisfy constraint: Member must satisfy enum value "
                          "set: " + std::string(kRuntimeEnum) + " or be a valid ARN");
}

Api::Api(Registry& registry, Invoker& invoker, CodeStore& code)
    : registry_(registry), invoker_(invoker), code_(code) {}

void Api::AfterChange(const Function* before, const Function* after, bool latest_changed) {
  const Function* any = after != nullptr ? after : before;
  if (any == nullptr) return;
  if (latest_changed || after == nullptr) invoker_.RetireEnvironments(any->id.Key());
  // Provisioned concurrency: push what differs (configs gone, counts or target versions changed).
  if (before != nullptr) {
    for (const auto& [q, p] : before->provisioned) {
      if (after == nullptr || !after->provisioned.contains(q)) {
        invoker_.SetProvisioned(ProvisionedKey(before->id, q), nullptr, 0);
      }
    }
  }
  if (after != nullptr) {
    for (const auto& [q, p] : after->provisioned) {
      auto spec = ProvisionedSpec(*after, q);
      bool same = false;
      if (before != nullptr) {
        auto it = before->provisioned.find(q);
        auto old_spec = ProvisionedSpec(*before, q);
        same = it != before->provisioned.end() && it->second.requested == p.requested && old_spec &&
               spec && old_spec->config_id == spec->config_id;
      }
      if (!same && spec) invoker_.SetProvisioned(ProvisionedKey(after->id, q), spec, p.requested);
    }
  }
}

Result<ApiReply> Api::Handle(Op op, const ApiRequest& r) {
  switch (op) {
    case Op::kCreateFunction: return CreateFunction(r);
    case Op::kGetFunction: return GetFunction(r, false);
    case Op::kGetFunctionConfiguration: return GetFunction(r, true);
    case Op::kListFunctions: return ListFunctions(r);
    case Op::kUpdateFunctionCode: return UpdateFunctionCode(r);
    case Op::kUpdateFunctionConfiguration: return UpdateFunctionConfiguration(r);
    case Op::kDeleteFunction: return DeleteFunction(r);
    case Op::kPublishVersion: return PublishVersion(r);
    case Op::kListVersionsByFunction: return ListVersionsByFunction(r);
    case Op::kCreateAlias: return CreateAlias(r);
    case Op::kGetAlias: return GetAlias(r);
    case Op::kUpdateAlias: return UpdateAlias(r);
    case Op::kDeleteAlias: return DeleteAlias(r);
    case Op::kListAliases: return ListAliases(r);
    case Op::kPutFunctionConcurrency: return PutFunctionConcurrency(r);
    case Op::kGetFunctionConcurrency: return GetFunctionConcurrency(r);
    case Op::kDeleteFunctionConcurrency: return DeleteFunctionConcurrency(r);
    case Op::kGetAccountSettings: return GetAccountSettings(r);
    case Op::kPutProvisionedConcurrencyConfig: return PutProvisioned(r);
    case Op::kGetProvisionedConcurrencyConfig: return GetProvisioned(r);
    case Op::kDeleteProvisionedConcurrencyConfig: return DeleteProvisioned(r);
    case Op::kListProvisionedConcurrencyConfigs: return ListProvisioned(r);
    case Op::kPutFunctionEventInvokeConfig: return PutEventInvokeConfig(r, false);
    case Op::kGetFunctionEventInvokeConfig: return GetEventInvokeConfig(r);
    case Op::kUpdateFunctionEventInvokeConfig: return PutEventInvokeConfig(r, true);
    case Op::kDeleteFunctionEventInvokeConfig: return DeleteEventInvokeConfig(r);
    case Op::kListFunctionEventInvokeConfigs: return ListEventInvokeConfigs(r);
    case Op::kAddPermission: return AddPermission(r);
    case Op::kRemovePermission: return RemovePermission(r);
    case Op::kGetPolicy: return GetPolicy(r);
    case Op::kTagResource: return TagResource(r);
    case Op::kUntagResource: return UntagResource(r);
    case Op::kListTags: return ListTags(r);
    case Op::kCreateEventSourceMapping: return CreateEventSourceMapping(r);
    case Op::kGetEventSourceMapping: return GetEventSourceMapping(r);
    case Op::kListEventSourceMappings: return ListEventSourceMappings(r);
    case Op::kUpdateEventSourceMapping: return UpdateEventSourceMapping(r);
    case Op::kDeleteEventSourceMapping: return DeleteEventSourceMapping(r);
    case Op::kInvoke:
    case Op::kInvokeAsync:
      break;
  }
  return Fail(Errc::kService, "operation not handled here");
}

// ---- Functions ----

Result<ApiReply> Api::CreateFunction(const ApiRequest& r) {
  Body b(r.body);
  Violations v;
  auto name = b.Str("FunctionName");
  const json::object* code_obj = b.Obj("Code");
  auto publish = b.Bool("Publish");
  auto package_type = b.Str("PackageType");
  auto tags = b.StrMap("Tags");
  EDDY_TRY(b.status());
  auto fields = ReadConfigFields(b, v);
  if (!fields) return std::move(fields).error();
  ConfigFields& c = *fields;
  if (!name) v.Null("functionName");
  if (!c.role) v.Null("role");
  if (code_obj == nullptr) v.Null("code");
  if (package_type && *package_type != "Zip" && *package_type != "Image") {
    v.Add(*package_type, "packageType", "Member must satisfy enum value set: [Zip, Image]");
  }
  if (name) {
    auto ref = ParseFunctionName(*name, NameShape::kFunctionName);
    if (!ref) return std::move(ref).error();
  }
  EDDY_TRY(v.status());

  auto ref = ParseFunctionName(*name, NameShape::kFunctionName);
  auto resolved = ResolveName(*ref, r.region, r.account, "");
  if (!resolved) return std::move(resolved).error();
  if (!resolved->qualifier.empty()) {
    return InvalidParameter("Unsupported function name: qualifiers are not allowed on create.");
  }
  if (package_type.value_or("Zip") == "Image") {
    return InvalidParameter("Eddy does not support container image functions: use a zip package.");
  }
  if (!c.runtime || ((!c.handler || c.handler->empty()) && !IsProvided(*c.runtime))) {
    return InvalidParameter(
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.");
  }
  EDDY_TRY(CheckConfigSemantics(c));
  Body code_body(*code_obj);
  auto zip_b64 = code_body.Str("ZipFile");
  EDDY_TRY(code_body.status());
  EDDY_TRY(RejectNonZipCode(code_body));
  if (!zip_b64) {
    return InvalidParameter("Please provide a source for function code.");
  }

  auto pkg = StoreZip(code_, *zip_b64);
  if (!pkg) return std::move(pkg).error();
  PinGuard pin{code_, registry_, pkg->sha256_hex};

  VersionConfig latest;
  latest.runtime = *c.runtime;
  latest.role = *c.role;
  latest.handler = c.handler.value_or("");
  latest.description = c.description.value_or("");
  latest.timeout_s = c.timeout.value_or(3);
  latest.memory_mb = c.memory.value_or(128);
  latest.ephemeral_storage_mb = c.ephemeral.value_or(512);
  if (c.environment) {
    latest.has_environment = true;
    latest.environment = *c.environment;
  }
  latest.dead_letter_arn = c.dead_letter_arn.value_or("");
  latest.kms_key_arn = c.kms_key_arn.value_or("");
  latest.tracing_mode = c.tracing_mode.value_or("PassThrough");
  latest.architecture = c.architectures ? (*c.architectures)[0] : "x86_64";
  latest.log_format = c.log_format.value_or("Text");
  latest.log_group = c.log_group.value_or("");
  latest.application_log_level = c.app_log_level.value_or("");
  latest.system_log_level = c.system_log_level.value_or("");
  if (latest.log_format == "JSON") {
    if (latest.application_log_level.empty()) latest.application_log_level = "INFO";
    if (latest.system_log_level.empty()) latest.system_log_level = "INFO";
  }
  latest.code_sha256 = pkg->sha256_base64;
  latest.code_hex = pkg->sha256_hex;
  latest.code_size = pkg->size;

  std::map<std::string, std::string> tag_map;
  if (tags) {
    for (auto& [k, val] : *tags) tag_map[k] = val;
  }
  auto change = registry_.CreateFunction(resolved->id, std::move(latest), std::move(tag_map),
                                         publish.value_or(false));
  if (!change) return std::move(change).error();
  pin.referenced = true;
  const Function& f = *change->function;
  const VersionConfig* shown = f.FindVersion(change->version);
  return Reply(201, RenderConfig(f, *shown, ConfigArn(f, *shown, false), Phase::kCreated),
               change->ticket);
}

Result<ApiReply> Api::GetFunction(const ApiRequest& r, bool configuration_only) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  auto f = registry_.Get(name->id);
  if (!f) return std::move(f).error();
  const Function& fn = **f;
  const std::string& q = name->qualifier;
  const VersionConfig* v = nullptr;
  if (q.empty()) {
    v = &fn.latest;
  } else if (const AliasConfig* a = fn.FindAlias(q)) {
    v = fn.FindVersion(a->function_version);
  } else {
    v = fn.FindVersion(q);
  }
  if (v == nullptr) return FunctionNotFound(name->id.QualifiedArn(q));
  std::string arn = q.empty() ? ConfigArn(fn, *v, false) : name->id.QualifiedArn(q);
  json::object config = RenderConfig(fn, *v, arn, Phase::kSteady);
  if (configuration_only) return Reply(200, config);
  json::object o;
  o["Configuration"] = std::move(config);
  o["Code"] = json::object{{"RepositoryType", "S3"},
                           {"Location", r.code_url_base + "/_eddy/lambda/code/" + v->code_hex + ".zip"}};
  if (!fn.tags.empty()) {
    json::object tags;
    for (const auto& [k, val] : fn.tags) tags[k] = val;
    o["Tags"] = std::move(tags);
  }
  if (fn.reserved_concurrency) {
    o["Concurrency"] = json::object{{"ReservedConcurrentExecutions", *fn.reserved_concurrency}};
  }
  return Reply(200, o);
}

Result<ApiReply> Api::ListFunctions(const ApiRequest& r) {
  const std::string* fv = QueryParam(r, "FunctionVersion");
  if (fv != nullptr && *fv != "ALL") {
    return ValidationFailed(*fv, "functionVersion", "Member must satisfy enum value set: [ALL]");
  }
  if (const std::string* mr = QueryParam(r, "MasterRegion"); mr != nullptr && *mr != "ALL" && !IsRegion(*mr)) {
    return ValidationFailed(*mr, "masterRegion",
                            R"(Member must satisfy regular expression pattern: ALL|[a-z]{2}(-gov)?-[a-z]+-\d{1})");
  }
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  // Whatever MaxItems says, one page holds at most 50 [M doc].
  auto limit = MaxItems(r, 10000, 50);
  if (!limit) return std::move(limit).error();
  const bool all = fv != nullptr;
  struct Item {
    std::shared_ptr<const Function> f;
    const VersionConfig* v;
  };
  std::vector<std::shared_ptr<const Function>> functions = registry_.List(r.region, r.account);
  std::vector<Item> items;
  for (const auto& f : functions) {
    items.push_back({f, &f->latest});
    if (all) {
      for (const auto& [n, ver] : f->versions) items.push_back({f, &ver});
    }
  }
  std::optional<std::string> next;
  json::array page = Page(items, *offset, *limit, [&](const Item& it) {
    return json::value(RenderConfig(*it.f, *it.v, ConfigArn(*it.f, *it.v, all), Phase::kSteady));
  }, &next);
  json::object o{{"Functions", std::move(page)}};
  if (next) o["NextMarker"] = *next;
  return Reply(200, o);
}

Result<ApiReply> Api::UpdateFunctionCode(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  auto zip_b64 = b.Str("ZipFile");
  auto publish = b.Bool("Publish");
  auto dry_run = b.Bool("DryRun");
  auto revision = b.Str("RevisionId");
  std::optional<std::vector<std::string>> archs;
  Violations v;
  if (const json::array* a = b.Arr("Architectures")) {
    archs.emplace();
    for (const json::value& x : *a) {
      if (x.is_string()) archs->emplace_back(x.get_string());
    }
    if (archs->size() != 1 || ((*archs)[0] != "x86_64" && (*archs)[0] != "arm64")) {
      std::string shown = "[";
      for (size_t i = 0; i < archs->size(); ++i) shown += (i ? ", " : "") + (*archs)[i];
      shown += "]";
      v.Add(shown, "architectures",
            archs->size() > 1 ? "Member must have length less than or equal to 1"
                              : "Member must satisfy constraint: [Member must satisfy enum value set: "
                                "[x86_64, arm64]]");
    }
  }
  EDDY_TRY(b.status());
  EDDY_TRY(v.status());
  EDDY_TRY(RejectNonZipCode(b));
  auto before = registry_.Get(*id);
  if (!before) return std::move(before).error();
  if (!zip_b64) return InvalidParameter("Please provide a source for function code.");
  auto pkg = StoreZip(code_, *zip_b64);
  if (!pkg) return std::move(pkg).error();
  PinGuard pin{code_, registry_, pkg->sha256_hex};
  if (dry_run.value_or(false)) {
    // Validated, nothing changed: the would-be configuration.
    Function preview = **before;
    preview.latest.code_sha256 = pkg->sha256_base64;
    preview.latest.code_size = pkg->size;
    return Reply(200, RenderConfig(preview, preview.latest, preview.id.Arn(), Phase::kSteady));
  }
  std::optional<std::string> arch;
  if (archs) arch = (*archs)[0];
  auto change = registry_.UpdateCode(*id, *pkg, arch, revision, publish.value_or(false));
  if (!change) return std::move(change).error();
  pin.referenced = true;
  AfterChange(before->get(), change->function.get(), true);
  const Function& f = *change->function;
  const VersionConfig* shown = f.FindVersion(change->version);
  return Reply(200, RenderConfig(f, *shown, ConfigArn(f, *shown, false), Phase::kUpdated),
               change->ticket);
}

Result<ApiReply> Api::UpdateFunctionConfiguration(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  Violations v;
  auto revision = b.Str("RevisionId");
  auto fields = ReadConfigFields(b, v);
  if (!fields) return std::move(fields).error();
  EDDY_TRY(v.status());
  ConfigFields& c = *fields;
  if (c.architectures) {
    return InvalidParameter("Architectures can only be changed with UpdateFunctionCode.");
  }
  auto before = registry_.Get(*id);
  if (!before) return std::move(before).error();
  // The log-level rule applies to the resulting configuration.
  ConfigFields effective = c;
  if (!effective.log_format) effective.log_format = (*before)->latest.log_format;
  EDDY_TRY(CheckConfigSemantics(effective));
  const std::string runtime = c.runtime.value_or((*before)->latest.runtime);
  const bool has_handler = c.handler ? !c.handler->empty() : !(*before)->latest.handler.empty();
  if (!has_handler && !IsProvided(runtime)) {
    return InvalidParameter(
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.");
  }
  ConfigPatch p;
  p.runtime = c.runtime;
  p.role = c.role;
  p.handler = c.handler;
  p.description = c.description;
  p.timeout_s = c.timeout;
  p.memory_mb = c.memory;
  p.ephemeral_storage_mb = c.ephemeral;
  p.environment = c.environment;
  p.dead_letter_arn = c.dead_letter_arn;
  p.kms_key_arn = c.kms_key_arn;
  p.tracing_mode = c.tracing_mode;
  p.log_format = c.log_format;
  p.log_group = c.log_group;
  p.application_log_level = c.app_log_level;
  p.system_log_level = c.system_log_level;
  if (c.log_format == "Text") {  // levels belong to JSON logs only
    p.application_log_level = "";
    p.system_log_level = "";
  } else if (c.log_format == "JSON") {
    if (!p.application_log_level && (*before)->latest.application_log_level.empty()) {
      p.application_log_level = "INFO";
    }
    if (!p.system_log_level && (*before)->latest.system_log_level.empty()) p.system_log_level = "INFO";
  }
  auto change = registry_.UpdateConfiguration(*id, p, revision);
  if (!change) return std::move(change).error();
  AfterChange(before->get(), change->function.get(), true);
  const Function& f = *change->function;
  return Reply(200, RenderConfig(f, f.latest, f.id.Arn(), Phase::kUpdated), change->ticket);
}

Result<ApiReply> Api::DeleteFunction(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  auto before = registry_.Find(name->id);
  auto change = registry_.DeleteFunction(name->id, name->qualifier);
  if (!change) return std::move(change).error();
  AfterChange(before.get(), change->function.get(), false);
  return NoContent(change->ticket);
}

Result<ApiReply> Api::PublishVersion(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  auto sha = b.Str("CodeSha256");
  auto description = b.Str("Description");
  auto revision = b.Str("RevisionId");
  EDDY_TRY(b.status());
  Violations v;
  if (description) v.MaxLength(*description, "description", 256);
  EDDY_TRY(v.status());
  auto change = registry_.PublishVersion(*id, sha, description, revision);
  if (!change) return std::move(change).error();
  const Function& f = *change->function;
  const VersionConfig* shown = f.FindVersion(change->version);
  return Reply(201,
               RenderConfig(f, *shown, f.id.QualifiedArn(shown->version),
                            change->unchanged ? Phase::kSteady : Phase::kCreated),
               change->ticket);
}

Result<ApiReply> Api::ListVersionsByFunction(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r, NameShape::kNamespaced);
  if (!id) return std::move(id).error();
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  auto limit = MaxItems(r, 10000, 50);
  if (!limit) return std::move(limit).error();
  std::vector<const VersionConfig*> items{&(*f)->latest};
  for (const auto& [n, v] : (*f)->versions) items.push_back(&v);
  std::optional<std::string> next;
  json::array page = Page(items, *offset, *limit, [&](const VersionConfig* v) {
    return json::value(RenderConfig(**f, *v, (*f)->id.QualifiedArn(v->version), Phase::kSteady));
  }, &next);
  json::object o{{"Versions", std::move(page)}};
  if (next) o["NextMarker"] = *next;
  return Reply(200, o);
}

// ---- Aliases ----

namespace {

Status ValidateAliasName(const std::string& name, Violations& v) {
  if (name.size() > 128) {
    v.MaxLength(name, "name", 128);
  } else if (!IsAliasName(name)) {
    v.Add(name, "name", "Member must satisfy regular expression pattern: " + std::string(kAliasPattern));
  }
  return {};
}

// RoutingConfig.AdditionalVersionWeights.
Result<std::optional<std::map<std::string, double>>> ReadWeights(Body& b, Violations& v) {
  std::optional<std::map<std::string, double>> out;
  const json::object* routing = b.Obj("RoutingConfig");
  EDDY_TRY(b.status());
  if (routing == nullptr) return out;
  out.emplace();
  const json::value* w = routing->if_contains("AdditionalVersionWeights");
  if (w == nullptr || w->is_null()) return out;
  if (!w->is_object()) {
    return Fail(Errc::kInvalidRequestContent,
                "Could not parse request body into json: Could not parse payload into json: "
                "Unexpected type for field 'AdditionalVersionWeights'");
  }
  for (const auto& kv : w->get_object()) {
    if (!kv.value().is_number()) {
      return Fail(Errc::kInvalidRequestContent,
                  "Could not parse request body into json: Could not parse payload into json: "
                  "Unexpected type for field 'AdditionalVersionWeights'");
    }
    double weight = kv.value().to_number<double>();
    std::string version(kv.key());
    if (!IsVersionNumber(version)) {
      v.Add(version, "routingConfig.additionalVersionWeights",
            "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
            "[0-9]+]");
    }
    if (weight < 0.0 || weight > 1.0) {
      v.Add(json::serialize(kv.value()), "routingConfig.additionalVersionWeights",
            std::string("Map value must satisfy constraint: [Member must have value ") +
                (weight < 0.0 ? "greater than or equal to 0.0" : "less than or equal to 1.0") + "]");
    }
    (*out)[version] = weight;
  }
  return out;
}

}  // namespace

Result<ApiReply> Api::CreateAlias(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  Violations v;
  auto name = b.Str("Name");
  auto version = b.Str("FunctionVersion");
  auto description = b.Str("Description");
  EDDY_TRY(b.status());
  auto weights = ReadWeights(b, v);
  if (!weights) return std::move(weights).error();
  if (!name) v.Null("name");
  if (!version) v.Null("functionVersion");
  if (name) EDDY_TRY(ValidateAliasName(*name, v));
  if (version && !(*version == kLatest || IsVersionNumber(*version))) {
    v.Add(*version, "functionVersion",
          "Member must satisfy regular expression pattern: " + std::string(kVersionPattern));
  }
  if (description) v.MaxLength(*description, "description", 256);
  EDDY_TRY(v.status());
  AliasConfig a;
  a.name = *name;
  a.function_version = *version;
  a.description = description.value_or("");
  if (*weights) a.additional_weights = **weights;
  auto change = registry_.CreateAlias(*id, std::move(a));
  if (!change) return std::move(change).error();
  return Reply(201, RenderAlias(*change->function, *change->function->FindAlias(*name)),
               change->ticket);
}

Result<ApiReply> Api::GetAlias(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Violations v;
  EDDY_TRY(ValidateAliasName(r.sub_name, v));
  EDDY_TRY(v.status());
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  const AliasConfig* a = (*f)->FindAlias(r.sub_name);
  if (a == nullptr) {
    return Fail(Errc::kResourceNotFound, "Cannot find alias arn: " + id->QualifiedArn(r.sub_name));
  }
  return Reply(200, RenderAlias(**f, *a));
}

Result<ApiReply> Api::UpdateAlias(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  Violations v;
  AliasPatch p;
  p.function_version = b.Str("FunctionVersion");
  p.description = b.Str("Description");
  auto revision = b.Str("RevisionId");
  EDDY_TRY(b.status());
  auto weights = ReadWeights(b, v);
  if (!weights) return std::move(weights).error();
  p.additional_weights = *weights;
  EDDY_TRY(ValidateAliasName(r.sub_name, v));
  if (p.function_version && !(*p.function_version == kLatest || IsVersionNumber(*p.function_version))) {
    v.Add(*p.function_version, "functionVersion",
          "Member must satisfy regular expression pattern: " + std::string(kVersionPattern));
  }
  if (p.description) v.MaxLength(*p.description, "description", 256);
  EDDY_TRY(v.status());
  auto before = registry_.Find(*id);
  auto change = registry_.UpdateAlias(*id, r.sub_name, p, revision);
  if (!change) return std::move(change).error();
  AfterChange(before.get(), change->function.get(), false);
  return Reply(200, RenderAlias(*change->function, *change->function->FindAlias(r.sub_name)),
               change->ticket);
}

Result<ApiReply> Api::DeleteAlias(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Violations v;
  EDDY_TRY(ValidateAliasName(r.sub_name, v));
  EDDY_TRY(v.status());
  auto before = registry_.Find(*id);
  auto change = registry_.DeleteAlias(*id, r.sub_name);
  if (!change) return std::move(change).error();
  AfterChange(before.get(), change->function.get(), false);
  return NoContent(change->ticket);
}

Result<ApiReply> Api::ListAliases(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  const std::string* version = QueryParam(r, "FunctionVersion");
  if (version != nullptr && !(*version == kLatest || IsVersionNumber(*version))) {
    return ValidationFailed(*version, "functionVersion",
                            "Member must satisfy regular expression pattern: " + std::string(kVersionPattern));
  }
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  auto limit = MaxItems(r, 10000, 50);
  if (!limit) return std::move(limit).error();
  std::vector<const AliasConfig*> items;
  for (const auto& [n, a] : (*f)->aliases) {
    if (version == nullptr || a.function_version == *version || a.additional_weights.contains(*version)) {
      items.push_back(&a);
    }
  }
  std::optional<std::string> next;
  json::array page = Page(items, *offset, *limit,
                          [&](const AliasConfig* a) { return json::value(RenderAlias(**f, *a)); }, &next);
  json::object o{{"Aliases", std::move(page)}};
  if (next) o["NextMarker"] = *next;
  return Reply(200, o);
}

// ---- Concurrency ----

Result<ApiReply> Api::PutFunctionConcurrency(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  auto n = b.Int("ReservedConcurrentExecutions");
  EDDY_TRY(b.status());
  Violations v;
  if (!n) v.Null("reservedConcurrentExecutions");
  v.Range(n, "reservedConcurrentExecutions", 0, std::nullopt);
  EDDY_TRY(v.status());
  auto change = registry_.PutReservedConcurrency(*id, *n);
  if (!change) return std::move(change).error();
  return Reply(200, json::object{{"ReservedConcurrentExecutions", *n}}, change->ticket);
}

Result<ApiReply> Api::GetFunctionConcurrency(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  json::object o;
  if ((*f)->reserved_concurrency) o["ReservedConcurrentExecutions"] = *(*f)->reserved_concurrency;
  return Reply(200, o);
}

Result<ApiReply> Api::DeleteFunctionConcurrency(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  auto change = registry_.DeleteReservedConcurrency(*id);
  if (!change) return std::move(change).error();
  return NoContent(change->ticket);
}

Result<ApiReply> Api::GetAccountSettings(const ApiRequest& r) {
  AccountUsage u = registry_.Usage(r.region, r.account);
  json::object limit{{"TotalCodeSize", int64_t{80'530'636'800}},
                     {"CodeSizeUnzipped", kMaxUnzippedBytes},
                     {"CodeSizeZipped", kMaxZippedBytes},
                     {"ConcurrentExecutions", u.concurrency_limit},
                     {"UnreservedConcurrentExecutions", u.unreserved_concurrency}};
  json::object o{{"AccountLimit", std::move(limit)},
                 {"AccountUsage",
                  json::object{{"TotalCodeSize", u.total_code_size}, {"FunctionCount", u.function_count}}}};
  return Reply(200, o);
}

// ---- Provisioned concurrency ----

namespace {

json::object RenderProvisioned(const ProvisionedConfig& p, const ProvisionedStatus& s) {
  json::object o{{"RequestedProvisionedConcurrentExecutions", p.requested},
                 {"AvailableProvisionedConcurrentExecutions", s.available},
                 {"AllocatedProvisionedConcurrentExecutions", s.allocated}};
  if (s.failed) {
    o["Status"] = "FAILED";
    o["StatusReason"] = "FUNCTION_ERROR_INIT_FAILURE";
  } else {
    o["Status"] = s.available >= p.requested ? "READY" : "IN_PROGRESS";
  }
  o["LastModified"] = FormatLastModified(p.last_modified_ms);
  return o;
}

}  // namespace

Result<ApiReply> Api::PutProvisioned(const ApiRequest& r) {
  auto name = QualifiedFunction(r, NameShape::kFunctionName);
  if (!name) return std::move(name).error();
  Body b(r.body);
  auto n = b.Int("ProvisionedConcurrentExecutions");
  EDDY_TRY(b.status());
  Violations v;
  if (!n) v.Null("provisionedConcurrentExecutions");
  v.Range(n, "provisionedConcurrentExecutions", 1, std::nullopt);
  EDDY_TRY(v.status());
  if (name->qualifier.empty()) {
    return InvalidParameter("The function resource provided must be an alias or a published version.");
  }
  auto before = registry_.Find(name->id);
  auto change = registry_.PutProvisioned(name->id, name->qualifier, *n);
  if (!change) return std::move(change).error();
  AfterChange(before.get(), change->function.get(), false);
  const ProvisionedConfig& p = change->function->provisioned.at(name->qualifier);
  json::object o{{"RequestedProvisionedConcurrentExecutions", p.requested},
                 {"AllocatedProvisionedConcurrentExecutions", 0},
                 {"AvailableProvisionedConcurrentExecutions", 0},
                 {"Status", "IN_PROGRESS"},
                 {"LastModified", FormatLastModified(p.last_modified_ms)}};
  return Reply(202, o, change->ticket);
}

Result<ApiReply> Api::GetProvisioned(const ApiRequest& r) {
  auto name = QualifiedFunction(r, NameShape::kFunctionName);
  if (!name) return std::move(name).error();
  auto f = registry_.Get(name->id);
  if (!f) return std::move(f).error();
  if (name->qualifier.empty()) {
    return InvalidParameter("The function resource provided must be an alias or a published version.");
  }
  auto it = (*f)->provisioned.find(name->qualifier);
  if (it == (*f)->provisioned.end()) {
    return Fail(Errc::kProvisionedConcurrencyConfigNotFound,
                "No Provisioned Concurrency Config found for this function");
  }
  ProvisionedStatus s = invoker_.GetProvisioned(ProvisionedKey(name->id, name->qualifier));
  return Reply(200, RenderProvisioned(it->second, s));
}

Result<ApiReply> Api::DeleteProvisioned(const ApiRequest& r) {
  auto name = QualifiedFunction(r, NameShape::kFunctionName);
  if (!name) return std::move(name).error();
  if (name->qualifier.empty()) {
    return InvalidParameter("The function resource provided must be an alias or a published version.");
  }
  auto before = registry_.Find(name->id);
  auto change = registry_.DeleteProvisioned(name->id, name->qualifier);
  if (!change) return std::move(change).error();
  AfterChange(before.get(), change->function.get(), false);
  return NoContent(change->ticket);
}

Result<ApiReply> Api::ListProvisioned(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r);
  if (!id) return std::move(id).error();
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  auto limit = MaxItems(r, 50, 50);
  if (!limit) return std::move(limit).error();
  std::vector<std::pair<std::string, ProvisionedConfig>> items((*f)->provisioned.begin(),
                                                               (*f)->provisioned.end());
  std::optional<std::string> next;
  json::array page = Page(items, *offset, *limit, [&](const auto& item) {
    json::object o = RenderProvisioned(item.second,
                                       invoker_.GetProvisioned(ProvisionedKey(*id, item.first)));
    o["FunctionArn"] = id->QualifiedArn(item.first);
    return json::value(std::move(o));
  }, &next);
  json::object o{{"ProvisionedConcurrencyConfigs", std::move(page)}};
  if (next) o["NextMarker"] = *next;
  return Reply(200, o);
}

// ---- Event invoke configs ----

Result<ApiReply> Api::PutEventInvokeConfig(const ApiRequest& r, bool merge) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  const std::string qualifier = name->qualifier.empty() ? std::string(kLatest) : name->qualifier;
  Body b(r.body);
  auto retries = b.Int("MaximumRetryAttempts");
  auto age = b.Int("MaximumEventAgeInSeconds");
  const json::object* dest = b.Obj("DestinationConfig");
  EDDY_TRY(b.status());
  EventInvokeConfig c;
  c.maximum_retry_attempts = retries;
  c.maximum_event_age_s = age;
  bool has_success = false, has_failure = false;
  Violations v;
  v.Range(retries, "maximumRetryAttempts", 0, 2);
  v.Range(age, "maximumEventAgeInSeconds", 60, 21600);
  if (dest != nullptr) {
    Body db(*dest);
    for (auto [key, target, has] : {std::tuple{"OnSuccess", &c.on_success, &has_success},
                                    std::tuple{"OnFailure", &c.on_failure, &has_failure}}) {
      if (const json::object* d = db.Obj(key)) {
        Body inner(*d);
        *target = inner.Str("Destination").value_or("");
        EDDY_TRY(inner.status());
        *has = true;
      }
    }
    EDDY_TRY(db.status());
  }
  EDDY_TRY(v.status());
  if (!retries && !age && c.on_success.empty() && c.on_failure.empty()) {
    return InvalidParameter("You must specify at least one of error handling or destination setting.");
  }
  auto change = registry_.PutEventInvokeConfig(name->id, qualifier, std::move(c), merge,
                                               retries.has_value(), age.has_value(), has_success,
                                               has_failure);
  if (!change) return std::move(change).error();
  const Function& f = *change->function;
  return Reply(200, RenderEventInvokeConfig(f, qualifier, f.event_invoke.at(qualifier)),
               change->ticket);
}

Result<ApiReply> Api::GetEventInvokeConfig(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  const std::string qualifier = name->qualifier.empty() ? std::string(kLatest) : name->qualifier;
  auto f = registry_.Get(name->id);
  if (!f) return std::move(f).error();
  auto it = (*f)->event_invoke.find(qualifier);
  if (it == (*f)->event_invoke.end()) {
    return Fail(Errc::kResourceNotFound, "The function " + name->id.QualifiedArn(qualifier) +
                                             " doesn't have an EventInvokeConfig");
  }
  return Reply(200, RenderEventInvokeConfig(**f, qualifier, it->second));
}

Result<ApiReply> Api::DeleteEventInvokeConfig(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  const std::string qualifier = name->qualifier.empty() ? std::string(kLatest) : name->qualifier;
  auto change = registry_.DeleteEventInvokeConfig(name->id, qualifier);
  if (!change) return std::move(change).error();
  return NoContent(change->ticket);
}

Result<ApiReply> Api::ListEventInvokeConfigs(const ApiRequest& r) {
  auto id = UnqualifiedFunction(r, NameShape::kNamespaced);
  if (!id) return std::move(id).error();
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  auto limit = MaxItems(r, 50, 50);
  if (!limit) return std::move(limit).error();
  std::vector<std::pair<std::string, EventInvokeConfig>> items((*f)->event_invoke.begin(),
                                                               (*f)->event_invoke.end());
  std::optional<std::string> next;
  json::array page = Page(items, *offset, *limit, [&](const auto& item) {
    return json::value(RenderEventInvokeConfig(**f, item.first, item.second));
  }, &next);
  json::object o{{"FunctionEventInvokeConfigs", std::move(page)}};
  if (next) o["NextMarker"] = *next;
  return Reply(200, o);
}

// ---- Resource policies ----

namespace {

// The statement's Principal, as AWS normalises it; nullopt if invalid.
std::optional<json::value> PrincipalOf(const std::string& p) {
  if (p == "*") return json::value("*");
  if (IsAccountId(p)) return json::value(json::object{{"AWS", "arn:aws:iam::" + p + ":root"}});
  if (p.starts_with("arn:")) return json::value(json::object{{"AWS", p}});
  if (p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn") || p.ends_with(".amazon.com")) {
    return json::value(json::object{{"Service", p}});
  }
  return std::nullopt;
}

}  // namespace

Result<ApiReply> Api::AddPermission(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  Body b(r.body);
  auto sid = b.Str("StatementId");
  auto action = b.Str("Action");
  auto principal = b.Str("Principal");
  auto source_arn = b.Str("SourceArn");
  auto source_account = b.Str("SourceAccount");
  auto org = b.Str("PrincipalOrgID");
  auto token = b.Str("EventSourceToken");
  auto revision = b.Str("RevisionId");
  auto url_auth = b.Str("FunctionUrlAuthType");
  EDDY_TRY(b.status());
  Violations v;
  if (!sid) v.Null("statementId");
  if (!action) v.Null("action");
  if (!principal) v.Null("principal");
  if (sid) {
    v.MaxLength(*sid, "statementId", 100);
    if (sid->size() <= 100 && !IsNameChars(*sid)) {
      v.Add(*sid, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
    }
  }
  if (action) {
    bool ok = *action == "*" || *action == "lambda:*";
    if (!ok && action->starts_with("lambda:") && action->size() > 7) {
      ok = std::all_of(action->begin() + 7, action->end(),
                       [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    }
    if (!ok) {
      v.Add(*action, "action",
            "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
    }
  }
  if (source_account && !IsAccountId(*source_account)) {
    v.Add(*source_account, "sourceAccount", R"(Member must satisfy regular expression pattern: \d{12})");
  }
  EDDY_TRY(v.status());
  auto principal_json = PrincipalOf(*principal);
  if (!principal_json) {
    return InvalidParameter("The provided principal was invalid. Please check the principal and try again.");
  }
  json::object statement{{"Sid", *sid},
                         {"Effect", "Allow"},
                         {"Principal", *principal_json},
                         {"Action", *action},
                         {"Resource", Registry::ArnOf(name->id, name->qualifier)}};
  json::object condition;
  auto add = [&](const char* op, const char* key, const std::string& value) {
    json::value& slot = condition[op];
    if (!slot.is_object()) slot = json::object();
    slot.get_object()[key] = value;
  };
  if (source_account) add("StringEquals", "AWS:SourceAccount", *source_account);
  if (org) add("StringEquals", "aws:PrincipalOrgID", *org);
  if (token) add("StringEquals", "lambda:EventSourceToken", *token);
  if (url_auth) add("StringEquals", "lambda:FunctionUrlAuthType", *url_auth);
  if (source_arn) add("ArnLike", "AWS:SourceArn", *source_arn);
  if (!condition.empty()) statement["Condition"] = std::move(condition);
  std::string text = json::serialize(statement);
  auto change = registry_.AddPermission(name->id, name->qualifier, {*sid, text}, revision);
  if (!change) return std::move(change).error();
  return Reply(201, json::object{{"Statement", text}}, change->ticket);
}

Result<ApiReply> Api::RemovePermission(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  std::optional<std::string> revision;
  if (const std::string* rev = QueryParam(r, "RevisionId")) revision = *rev;
  auto change = registry_.RemovePermission(name->id, name->qualifier, r.sub_name, revision);
  if (!change) return std::move(change).error();
  return NoContent(change->ticket);
}

Result<ApiReply> Api::GetPolicy(const ApiRequest& r) {
  auto name = QualifiedFunction(r);
  if (!name) return std::move(name).error();
  auto f = registry_.Get(name->id);
  if (!f) return std::move(f).error();
  const std::string* revision = Registry::RevisionOf(**f, name->qualifier);
  if (revision == nullptr) return FunctionNotFound(name->id.QualifiedArn(name->qualifier));
  auto it = (*f)->policies.find(name->qualifier);
  if (it == (*f)->policies.end() || it->second.empty()) {
    return Fail(Errc::kResourceNotFound, "No policy is associated with the given resource.");
  }
  json::array statements;
  for (const PolicyStatement& s : it->second) statements.push_back(json::parse(s.json));
  json::object policy{{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", std::move(statements)}};
  return Reply(200, json::object{{"Policy", json::serialize(policy)}, {"RevisionId", *revision}});
}

// ---- Tags ----

namespace {

constexpr std::string_view kTaggablePattern =
    R"(arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+))";

Result<FunctionId> TaggedFunction(const ApiRequest& r) {
  const std::string& arn = r.function_name;
  auto pattern_error = [&] {
    return ValidationFailed(arn, "resource",
                            "Member must satisfy regular expression pattern: " + std::string(kTaggablePattern));
  };
  if (!arn.starts_with("arn:") || arn.find(":function:") == std::string::npos) return pattern_error();
  auto ref = ParseFunctionName(arn, NameShape::kFunctionName);
  if (!ref || ref->region.empty() || ref->account.empty()) return pattern_error();
  auto resolved = ResolveName(*ref, r.region, r.account, "");
  if (!resolved) return std::move(resolved).error();
  return resolved->id;
}

}  // namespace

Result<ApiReply> Api::TagResource(const ApiRequest& r) {
  if (std::string uuid = Mappings::UuidOfArn(r.function_name); mappings_ != nullptr && !uuid.empty()) {
    Body b(r.body);
    auto tags = b.StrMap("Tags");
    EDDY_TRY(b.status());
    if (!tags) return ValidationFailed("null", "tags", "Member must not be null");
    auto change = mappings_->Tag(uuid, std::map<std::string, std::string>(tags->begin(), tags->end()));
    if (!change) return std::move(change).error();
    return NoContent(change->ticket);
  }
  auto id = TaggedFunction(r);
  if (!id) return std::move(id).error();
  Body b(r.body);
  auto tags = b.StrMap("Tags");
  EDDY_TRY(b.status());
  if (!tags) return ValidationFailed("null", "tags", "Member must not be null");
  std::map<std::string, std::string> m;
  for (auto& [k, val] : *tags) m[k] = val;
  auto change = registry_.TagResource(*id, m);
  if (!change) return std::move(change).error();
  return NoContent(change->ticket);
}

Result<ApiReply> Api::UntagResource(const ApiRequest& r) {
  std::vector<std::string> keys;
  for (const aws::FormParam& p : r.query) {
    if (p.name == "tagKeys") keys.push_back(p.value);
  }
  if (std::string uuid = Mappings::UuidOfArn(r.function_name); mappings_ != nullptr && !uuid.empty()) {
    auto change = mappings_->Untag(uuid, keys);
    if (!change) return std::move(change).error();
    return NoContent(change->ticket);
  }
  auto id = TaggedFunction(r);
  if (!id) return std::move(id).error();
  auto change = registry_.UntagResource(*id, keys);
  if (!change) return std::move(change).error();
  return NoContent(change->ticket);
}

Result<ApiReply> Api::ListTags(const ApiRequest& r) {
  if (std::string uuid = Mappings::UuidOfArn(r.function_name); mappings_ != nullptr && !uuid.empty()) {
    auto m = mappings_->Get(uuid);
    if (!m) return std::move(m).error();
    json::object tags;
    for (const auto& [k, val] : m->tags) tags[k] = val;
    return Reply(200, json::object{{"Tags", std::move(tags)}});
  }
  auto id = TaggedFunction(r);
  if (!id) return std::move(id).error();
  auto f = registry_.Get(*id);
  if (!f) return std::move(f).error();
  json::object tags;
  for (const auto& [k, val] : (*f)->tags) tags[k] = val;
  return Reply(200, json::object{{"Tags", std::move(tags)}});
}

// ---- Event source mappings (SQS) ----

namespace {

// Fields of Create/UpdateEventSourceMapping that both share, as read from the body.
struct MappingFields {
  std::optional<std::string> function_name;
  std::optional<bool> enabled;
  std::optional<int64_t> batch_size, window_s;
  std::optional<bool> report_failures;          // FunctionResponseTypes given
  std::optional<int64_t> maximum_concurrency;   // ScalingConfig given (0: without the member)
  std::optional<std::vector<std::string>> filters;  // FilterCriteria given
};

Result<MappingFields> ReadMappingFields(Body& b) {
  MappingFields f;
  f.function_name = b.Str("FunctionName");
  f.enabled = b.Bool("Enabled");
  f.batch_size = b.Int("BatchSize");
  f.window_s = b.Int("MaximumBatchingWindowInSeconds");
  const json::array* types = b.Arr("FunctionResponseTypes");
  const json::object* scaling = b.Obj("ScalingConfig");
  const json::object* criteria = b.Obj("FilterCriteria");
  EDDY_TRY(b.status());

  Violations v;
  v.Range(f.batch_size, "batchSize", 1, 10000);
  v.Range(f.window_s, "maximumBatchingWindowInSeconds", 0, 300);
  if (types != nullptr) {
    f.report_failures = false;
    for (const json::value& t : *types) {
      if (t.is_string() && t.get_string() == "ReportBatchItemFailures") {
        f.report_failures = true;
      } else {
        std::string shown = t.is_string() ? std::string(t.get_string()) : json::serialize(t);
        v.Add("[" + shown + "]", "functionResponseTypes",
              "Member must satisfy constraint: [Member must satisfy enum value set: "
              "[ReportBatchItemFailures]]");
        break;
      }
    }
  }
  if (scaling != nullptr) {
    Body sb(*scaling);
    auto max = sb.Int("MaximumConcurrency");
    EDDY_TRY(sb.status());
    v.Range(max, "scalingConfig.maximumConcurrency", 2, 1000);
    f.maximum_concurrency = max.value_or(0);
  }
  EDDY_TRY(v.status());
  if (criteria != nullptr) {
    Body cb(*criteria);
    const json::array* filters = cb.Arr("Filters");
    EDDY_TRY(cb.status());
    f.filters.emplace();
    if (filters != nullptr) {
      for (const json::value& filter : *filters) {
        const json::value* pattern = filter.is_object() ? filter.as_object().if_contains("Pattern") : nullptr;
        if (pattern == nullptr || !pattern->is_string() || !IsValidFilterPattern(pattern->get_string())) {
          return InvalidParameter("Invalid filter pattern definition.");
        }
        f.filters->emplace_back(pattern->get_string());
      }
    }
  }
  return f;
}

// FunctionName of a mapping: name, name:qualifier, full or partial ARN.
Result<ResolvedName> MappingFunction(const ApiRequest& r, const std::string& name) {
  auto ref = ParseFunctionName(name, NameShape::kFunctionName);
  if (!ref) return std::move(ref).error();
  return ResolveName(*ref, r.region, r.account, "");
}

// AWS's EventSourceMappingConfiguration for an SQS mapping; optional members only when set.
json::object RenderMapping(const MappingRecord& m, std::string_view state, bool with_result) {
  json::object o;
  o["UUID"] = m.uuid;
  o["BatchSize"] = m.batch_size;
  o["MaximumBatchingWindowInSeconds"] = m.maximum_batching_window_s;
  o["EventSourceArn"] = m.event_source_arn;
  if (m.has_filter_criteria) {
    json::array filters;
    for (const std::string& p : m.filter_patterns) filters.push_back(json::object{{"Pattern", p}});
    o["FilterCriteria"] = json::object{{"Filters", std::move(filters)}};
  }
  o["FunctionArn"] = m.FunctionArn();
  o["LastModified"] = static_cast<double>(m.last_modified_ms) / 1000.0;
  if (with_result) o["LastProcessingResult"] = m.last_processing_result;
  o["State"] = state;
  o["StateTransitionReason"] = "USER_INITIATED";
  json::array types;
  if (m.report_batch_item_failures) types.emplace_back("ReportBatchItemFailures");
  o["FunctionResponseTypes"] = std::move(types);
  if (m.maximum_concurrency > 0) {
    o["ScalingConfig"] = json::object{{"MaximumConcurrency", m.maximum_concurrency}};
  }
  o["EventSourceMappingArn"] = m.MappingArn();
  return o;
}

Unexpected<Error> MappingsUnavailable() {
  return Fail(Errc::kUnknownOperation, "Event source mappings are not enabled on this server.");
}

constexpr std::string_view kStreamServices[] = {":kinesis:", ":dynamodb:", ":kafka:", ":mq:", ":rds:"};

}  // namespace

Result<ApiReply> Api::CreateEventSourceMapping(const ApiRequest& r) {
  if (mappings_ == nullptr) return MappingsUnavailable();
  Body b(r.body);
  auto source = b.Str("EventSourceArn");
  auto tags = b.StrMap("Tags");
  EDDY_TRY(b.status());
  auto fields = ReadMappingFields(b);
  if (!fields) return std::move(fields).error();
  if (!fields->function_name) return ValidationFailed("null", "functionName", "Member must not be null");
  if (!source || !source->starts_with("arn:aws:sqs:")) {
    if (source) {
      for (std::string_view service : kStreamServices) {
        if (source->find(service) != std::string::npos) {
          return InvalidParameter("Eddy supports event source mappings for SQS queues only.");
        }
      }
    }
    return InvalidParameter("Unrecognized event source.");
  }
  auto fn = MappingFunction(r, *fields->function_name);
  if (!fn) return std::move(fn).error();

  MappingSpec spec;
  spec.function = fn->id;
  spec.qualifier = fn->qualifier;
  spec.event_source_arn = *source;
  spec.batch_size = fields->batch_size;
  spec.maximum_batching_window_s = fields->window_s;
  spec.report_batch_item_failures = fields->report_failures.value_or(false);
  spec.maximum_concurrency = fields->maximum_concurrency.value_or(0);
  spec.filter_patterns = fields->filters;
  spec.enabled = fields->enabled.value_or(true);
  if (tags) spec.tags = std::map<std::string, std::string>(tags->begin(), tags->end());
  auto change = mappings_->Create(std::move(spec));
  if (!change) return std::move(change).error();
  return Reply(202, RenderMapping(change->record, change->state, false), change->ticket);
}

Result<ApiReply> Api::GetEventSourceMapping(const ApiRequest& r) {
  if (mappings_ == nullptr) return MappingsUnavailable();
  auto m = mappings_->Get(r.sub_name);
  if (!m) return std::move(m).error();
  return Reply(200, RenderMapping(*m, m->SettledState(), true));
}

Result<ApiReply> Api::ListEventSourceMappings(const ApiRequest& r) {
  if (mappings_ == nullptr) return MappingsUnavailable();
  std::string source;
  if (const std::string* s = QueryParam(r, "EventSourceArn")) source = *s;
  std::optional<FunctionId> function;
  std::optional<std::string> qualifier;
  if (const std::string* name = QueryParam(r, "FunctionName")) {
    auto fn = MappingFunction(r, *name);
    if (!fn) return std::move(fn).error();
    function = fn->id;
    if (!fn->qualifier.empty()) qualifier = fn->qualifier;
  }
  auto offset = DecodeMarker(r);
  if (!offset) return std::move(offset).error();
  auto limit = MaxItems(r, 10000, 100);
  if (!limit) return std::move(limit).error();
  std::vector<MappingRecord> all = mappings_->List(r.region, r.account, source, function, qualifier);
  std::optional<std::string> next;
  json::array page = Page(all, *offset, *limit,
                          [](const MappingRecord& m) { return RenderMapping(m, m.SettledState(), true); },
                          &next);
  json::object out;
  if (next) out["NextMarker"] = *next;
  out["EventSourceMappings"] = std::move(page);
  return Reply(200, out);
}

Result<ApiReply> Api::UpdateEventSourceMapping(const ApiRequest& r) {
  if (mappings_ == nullptr) return MappingsUnavailable();
  Body b(r.body);
  auto fields = ReadMappingFields(b);
  if (!fields) return std::move(fields).error();
  MappingPatch patch;
  if (fields->function_name) {
    auto fn = MappingFunction(r, *fields->function_name);
    if (!fn) return std::move(fn).error();
    patch.function = fn->id;
    patch.qualifier = fn->qualifier;
  }
  patch.enabled = fields->enabled;
  patch.batch_size = fields->batch_size;
  patch.maximum_batching_window_s = fields->window_s;
  patch.report_batch_item_failures = fields->report_failures;
  patch.maximum_concurrency = fields->maximum_concurrency;
  patch.filter_patterns = fields->filters;
  auto change = mappings_->Update(r.sub_name, patch);
  if (!change) return std::move(change).error();
  return Reply(202, RenderMapping(change->record, change->state, true), change->ticket);
}

Result<ApiReply> Api::DeleteEventSourceMapping(const ApiRequest& r) {
  if (mappings_ == nullptr) return MappingsUnavailable();
  auto change = mappings_->Delete(r.sub_name);
  if (!change) return std::move(change).error();
  return Reply(202, RenderMapping(change->record, change->state, true), change->ticket);
}

}  // namespace eddy::lambda
