#pragma once
// Api: the Lambda control-plane operations over parsed requests (reference/lambda.md §1). Input is the
// request's JSON body, path parameters and query string; output is the JSON body and HTTP status AWS
// answers with, plus the store ticket the answer must wait for. Invoke lives in http_handler.cc (it is
// asynchronous and speaks raw payloads).
//
// After a change it tells the data plane: RetireEnvironments when $LATEST changed or the function went
// away, SetProvisioned when provisioned-concurrency configs (or the versions they run) changed.
//
// Thread-safety: Handle() may be called concurrently.

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "aws/form.h"
#include "lambda/code_store.h"
#include "lambda/errors.h"
#include "lambda/esm/mappings.h"
#include "lambda/invoker.h"
#include "lambda/registry.h"

namespace eddy::lambda {

enum class Op {
  kCreateFunction,
  kGetFunction,
  kGetFunctionConfiguration,
  kListFunctions,
  kUpdateFunctionCode,
  kUpdateFunctionConfiguration,
  kDeleteFunction,
  kPublishVersion,
  kListVersionsByFunction,
  kCreateAlias,
  kGetAlias,
  kUpdateAlias,
  kDeleteAlias,
  kListAliases,
  kPutFunctionConcurrency,
  kGetFunctionConcurrency,
  kDeleteFunctionConcurrency,
  kGetAccountSettings,
  kPutProvisionedConcurrencyConfig,
  kGetProvisionedConcurrencyConfig,
  kDeleteProvisionedConcurrencyConfig,
  kListProvisionedConcurrencyConfigs,
  kPutFunctionEventInvokeConfig,
  kGetFunctionEventInvokeConfig,
  kUpdateFunctionEventInvokeConfig,
  kDeleteFunctionEventInvokeConfig,
  kListFunctionEventInvokeConfigs,
  kAddPermission,
  kRemovePermission,
  kGetPolicy,
  kTagResource,
  kUntagResource,
  kListTags,
  kCreateEventSourceMapping,
  kGetEventSourceMapping,
  kListEventSourceMappings,
  kUpdateEventSourceMapping,
  kDeleteEventSourceMapping,
  kInvoke,       // handled by HttpHandler
  kInvokeAsync,  // handled by HttpHandler
};

struct ApiRequest {
  std::string region;
  std::string account;
  std::string code_url_base;  // "http://host:port": Code.Location is <base>/_eddy/lambda/code/<hex>.zip
  std::string function_name;  // {FunctionName} (percent-decoded); for tag operations {Resource}
  std::string sub_name;       // {Name} of an alias or {StatementId}; {UUID} of a mapping
  aws::FormParams query;
  boost::json::object body;
};

struct ApiReply {
  int status = 200;
  std::string body;     // JSON; empty for 204
  uint64_t ticket = 0;  // answer once durable (0: at once)
};

class Api {
 public:
  Api(Registry& registry, Invoker& invoker, CodeStore& code);

  Result<ApiReply> Handle(Op op, const ApiRequest& request);

  // Enables the event source mapping operations (and tags on mapping ARNs). Call before serving.
  void AttachMappings(Mappings* mappings) { mappings_ = mappings; }

 private:
  Result<ApiReply> CreateFunction(const ApiRequest& r);
  Result<ApiReply> GetFunction(const ApiRequest& r, bool configuration_only);
  Result<ApiReply> ListFunctions(const ApiRequest& r);
  Result<ApiReply> UpdateFunctionCode(const ApiRequest& r);
  Result<ApiReply> UpdateFunctionConfiguration(const ApiRequest& r);
  Result<ApiReply> DeleteFunction(const ApiRequest& r);
  Result<ApiReply> PublishVersion(const ApiRequest& r);
  Result<ApiReply> ListVersionsByFunction(const ApiRequest& r);
  Result<ApiReply> CreateAlias(const ApiRequest& r);
  Result<ApiReply> GetAlias(const ApiRequest& r);
  Result<ApiReply> UpdateAlias(const ApiRequest& r);
  Result<ApiReply> DeleteAlias(const ApiRequest& r);
  Result<ApiReply> ListAliases(const ApiRequest& r);
  Result<ApiReply> PutFunctionConcurrency(const ApiRequest& r);
  Result<ApiReply> GetFunctionConcurrency(const ApiRequest& r);
  Result<ApiReply> DeleteFunctionConcurrency(const ApiRequest& r);
  Result<ApiReply> GetAccountSettings(const ApiRequest& r);
  Result<ApiReply> PutProvisioned(const ApiRequest& r);
  Result<ApiReply> GetProvisioned(const ApiRequest& r);
  Result<ApiReply> DeleteProvisioned(const ApiRequest& r);
  Result<ApiReply> ListProvisioned(const ApiRequest& r);
  Result<ApiReply> PutEventInvokeConfig(const ApiRequest& r, bool merge);
  Result<ApiReply> GetEventInvokeConfig(const ApiRequest& r);
  Result<ApiReply> DeleteEventInvokeConfig(const ApiRequest& r);
  Result<ApiReply> ListEventInvokeConfigs(const ApiRequest& r);
  Result<ApiReply> AddPermission(const ApiRequest& r);
  Result<ApiReply> RemovePermission(const ApiRequest& r);
  Result<ApiReply> GetPolicy(const ApiRequest& r);
  Result<ApiReply> TagResource(const ApiRequest& r);
  Result<ApiReply> UntagResource(const ApiRequest& r);
  Result<ApiReply> ListTags(const ApiRequest& r);
  Result<ApiReply> CreateEventSourceMapping(const ApiRequest& r);
  Result<ApiReply> GetEventSourceMapping(const ApiRequest& r);
  Result<ApiReply> ListEventSourceMappings(const ApiRequest& r);
  Result<ApiReply> UpdateEventSourceMapping(const ApiRequest& r);
  Result<ApiReply> DeleteEventSourceMapping(const ApiRequest& r);

  // Tells the data plane what a change means for it.
  void AfterChange(const Function* before, const Function* after, bool latest_changed);

  Registry& registry_;
  Invoker& invoker_;
  CodeStore& code_;
  Mappings* mappings_ = nullptr;
};

// The runtimes Eddy runs, and AWS's wording for the rest (exposed for tests).
Status CheckRuntime(std::string_view runtime);

}  // namespace eddy::lambda
