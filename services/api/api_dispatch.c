/*
 * api_dispatch.c — the request pipeline and the operation table (see api_dispatch.h).
 *
 * Protocol: AWS JSON 1.1 (libs/aws aws_json.h), SigV4 header form
 * (aws_sigv4.h). The denial message follows IAM's wording ("User: <arn> is not
 * authorized to perform: codepipeline:<Op> on resource: <arn>").
 */
#include "api_dispatch.h"

#include "api_actions.h"
#include "api_atypes.h"
#include "api_auth.h"
#include "api_conditions.h"
#include "api_executions.h"
#include "api_pipelines.h"
#include "api_thirdparty.h"
#include "api_webhooks.h"
#include "api_workers.h"

#include "sluice/aws_json.h"
#include "sluice/aws_replay.h"
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_DISPATCH_UNKNOWN_OP "unknown"

typedef int (*api_dispatch_handler)(api_call *call);

typedef struct api_dispatch_op {
    const char *name;
    api_auth_class cls;
    api_dispatch_handler handler;
    const char *resource; /* input member naming the pipeline (or ARN) acted on; NULL: none */
    bool audit;           /* a change: logged at info level when it succeeds */
} api_dispatch_op;

static const api_dispatch_op api_dispatch_ops[] = {
    {"CreatePipeline", API_AUTH_ADMIN, api_pipelines_create, NULL, true},
    {"UpdatePipeline", API_AUTH_ADMIN, api_pipelines_update, NULL, true},
    {"DeletePipeline", API_AUTH_ADMIN, api_pipelines_delete, "name", true},
    {"GetPipeline", API_AUTH_READ, api_pipelines_get, "name", false},
    {"ListPipelines", API_AUTH_READ, api_pipelines_list, NULL, false},
    {"GetPipelineState", API_AUTH_READ, api_executions_get_state, "name", false},
    {"GetPipelineExecution", API_AUTH_READ, api_executions_get, "pipelineName", false},
    {"ListPipelineExecutions", API_AUTH_READ, api_executions_list, "pipelineName", false},
    {"ListActionExecutions", API_AUTH_READ, api_executions_list_actions, "pipelineName", false},
    {"StartPipelineExecution", API_AUTH_OPERATE, api_executions_start, "name", true},
    {"StopPipelineExecution", API_AUTH_OPERATE, api_executions_stop, "pipelineName", true},
    {"RetryStageExecution", API_AUTH_OPERATE, api_executions_retry, "pipelineName", true},
    {"EnableStageTransition", API_AUTH_OPERATE, api_executions_enable_transition, "pipelineName",
     true},
    {"DisableStageTransition", API_AUTH_OPERATE, api_executions_disable_transition, "pipelineName",
     true},
    {"PutApprovalResult", API_AUTH_APPROVE, api_executions_approve, "pipelineName", true},
    {"TagResource", API_AUTH_ADMIN, api_pipelines_tag, "resourceArn", true},
    {"UntagResource", API_AUTH_ADMIN, api_pipelines_untag, "resourceArn", true},
    {"ListTagsForResource", API_AUTH_READ, api_pipelines_list_tags, "resourceArn", false},
    {"ListActionTypes", API_AUTH_READ, api_workers_list_action_types, NULL, false},
    {"CreateCustomActionType", API_AUTH_ADMIN, api_atypes_create, NULL, true},
    {"DeleteCustomActionType", API_AUTH_ADMIN, api_atypes_delete, NULL, true},
    {"GetActionType", API_AUTH_READ, api_atypes_get, NULL, false},
    {"UpdateActionType", API_AUTH_ADMIN, api_atypes_update, NULL, true},
    {"PollForJobs", API_AUTH_JOB, api_workers_poll, NULL, false},
    {"AcknowledgeJob", API_AUTH_JOB, api_workers_acknowledge, NULL, true},
    {"GetJobDetails", API_AUTH_JOB, api_workers_get_job, NULL, false},
    {"PutJobSuccessResult", API_AUTH_JOB, api_workers_put_success, NULL, true},
    {"PutJobFailureResult", API_AUTH_JOB, api_workers_put_failure, NULL, true},
    {"PutActionRevision", API_AUTH_OPERATE, api_actions_put_revision, "pipelineName", true},
    {"ListDeployActionExecutionTargets", API_AUTH_READ, api_actions_list_deploy_targets,
     "pipelineName", false},
    {"PollForThirdPartyJobs", API_AUTH_JOB, api_thirdparty_poll, NULL, false},
    {"GetThirdPartyJobDetails", API_AUTH_JOB, api_thirdparty_get_job, NULL, false},
    {"AcknowledgeThirdPartyJob", API_AUTH_JOB, api_thirdparty_acknowledge, NULL, true},
    {"PutThirdPartyJobSuccessResult", API_AUTH_JOB, api_thirdparty_put_success, NULL, true},
    {"PutThirdPartyJobFailureResult", API_AUTH_JOB, api_thirdparty_put_failure, NULL, true},
    {"PutWebhook", API_AUTH_ADMIN, api_webhooks_put, NULL, true},
    {"ListWebhooks", API_AUTH_READ, api_webhooks_list, NULL, false},
    {"DeleteWebhook", API_AUTH_ADMIN, api_webhooks_delete, NULL, true},
    {"RegisterWebhookWithThirdParty", API_AUTH_ADMIN, api_webhooks_register, NULL, true},
    {"DeregisterWebhookWithThirdParty", API_AUTH_ADMIN, api_webhooks_deregister, NULL, true},
    {"ListRuleTypes", API_AUTH_READ, api_conditions_list_rule_types, NULL, false},
    {"ListRuleExecutions", API_AUTH_READ, api_conditions_list_rule_executions, "pipelineName",
     false},
    {"OverrideStageCondition", API_AUTH_OPERATE, api_conditions_override, "pipelineName", true},
    {"RollbackStage", API_AUTH_OPERATE, api_conditions_rollback, "pipelineName", true},
};

#define API_DISPATCH_NOPS (sizeof api_dispatch_ops / sizeof api_dispatch_ops[0])

struct api_dispatch {
    const api_env *env;
    const aws_credentials *credentials;
    aws_sigv4_config sigv4;
    aws_replay *replay; /* NULL: no replay cache */
    http_metrics_family *requests;
    http_metrics_family *duration;
    http_metrics_family *errors;
};

static const api_dispatch_op *api_dispatch_find(const char *op)
{
    for (size_t i = 0; op != NULL && i < API_DISPATCH_NOPS; i++) {
        if (strcmp(api_dispatch_ops[i].name, op) == 0) {
            return &api_dispatch_ops[i];
        }
    }
    return NULL;
}

bool api_dispatch_known(const char *op)
{
    return api_dispatch_find(op) != NULL;
}

size_t api_dispatch_count(void)
{
    return API_DISPATCH_NOPS;
}

const char *api_dispatch_name(size_t index)
{
    return index < API_DISPATCH_NOPS ? api_dispatch_ops[index].name : NULL;
}

int api_dispatch_new(const api_dispatch_config *cfg, api_dispatch **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg == NULL || cfg->env == NULL || cfg->credentials == NULL || cfg->env->backend == NULL ||
        cfg->env->clock_ms == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the dispatcher needs an environment, a backend, a clock and "
                                "credentials");
    }
    api_dispatch *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    d->env = cfg->env;
    d->credentials = cfg->credentials;
    d->sigv4.region = cfg->env->region;
    d->sigv4.service = "codepipeline";
    d->sigv4.max_skew_ms = cfg->max_skew_ms > 0 ? cfg->max_skew_ms : AWS_SIGV4_MAX_SKEW_MS;
    d->sigv4.required_signed = "X-Amz-Target";
    if (cfg->replay_entries > 0) {
        int rc = aws_replay_new(cfg->replay_entries, &d->replay);
        if (rc != 0) {
            free(d);
            return sluice_error_set(err, errlen, rc, "cannot create a replay cache of %zu entries",
                                    cfg->replay_entries);
        }
    }
    if (cfg->metrics != NULL) {
        const char *op_status[] = {"op", "status"};
        const char *op_only[] = {"op"};
        const char *op_exception[] = {"op", "exception"};
        d->requests = http_metrics_counter(cfg->metrics, "sluice_api_requests_total",
                                           "CodePipeline API requests by operation and HTTP status",
                                           op_status, 2);
        d->duration = http_metrics_histogram(cfg->metrics, "sluice_api_request_duration_seconds",
                                             "CodePipeline API request latency by operation",
                                             op_only, 1, NULL, 0);
        d->errors = http_metrics_counter(
            cfg->metrics, "sluice_api_errors_total",
            "CodePipeline API error answers by operation and exception", op_exception, 2);
        if (d->requests == NULL || d->duration == NULL || d->errors == NULL) {
            aws_replay_free(d->replay);
            free(d);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "cannot declare the api's metric families");
        }
    }
    *out = d;
    return 0;
}

void api_dispatch_free(api_dispatch *d)
{
    if (d != NULL) {
        aws_replay_free(d->replay);
    }
    free(d);
}

/* The ARN a denial names: the pipeline (or ARN) in the input, else "*". */
static void api_dispatch_resource(const api_dispatch *d, const api_dispatch_op *op,
                                  const json_t *input, char *out, size_t outlen)
{
    const char *value =
        op->resource != NULL ? json_string_value(json_object_get(input, op->resource)) : NULL;
    if (op->resource != NULL && strcmp(op->resource, "resourceArn") == 0 && value != NULL) {
        snprintf(out, outlen, "%.300s", value);
        return;
    }
    if (value == NULL && strcmp(op->name, "CreatePipeline") == 0) {
        value = json_string_value(json_object_get(json_object_get(input, "pipeline"), "name"));
    }
    if (value == NULL || api_call_pipeline_arn(d->env, value, out, outlen) != 0) {
        snprintf(out, outlen, "*");
    }
}

int api_dispatch_invoke(const api_dispatch *d, const char *op, const char *identity,
                        const char *role, const char *scope, const json_t *input, api_call *call)
{
    api_call_init(call, d->env, op, identity, input);
    snprintf(call->scope, sizeof call->scope, "%s", scope != NULL ? scope : "");
    call->profile = aws_credentials_find_identity(d->credentials, identity);
    const api_dispatch_op *entry = api_dispatch_find(op);
    if (entry == NULL) {
        api_call_fail(call, "UnknownOperationException", "Sluice does not serve the operation %s",
                      op != NULL ? op : "");
        return aws_json_error_status(call->exception);
    }
    if (!api_auth_allows(role, entry->cls)) {
        char resource[API_ARN_MAX];
        api_dispatch_resource(d, entry, input, resource, sizeof resource);
        api_call_fail(call, "AccessDeniedException",
                      "User: %s is not authorized to perform: codepipeline:%s on resource: %s "
                      "(role %s does not allow %s operations)",
                      call->caller_arn, entry->name, resource, role != NULL ? role : "(none)",
                      api_auth_class_name(entry->cls));
        return aws_json_error_status(call->exception);
    }
    int rc = entry->handler(call);
    if (rc != 0 && !api_call_failed(call)) {
        api_call_fail(call, "InternalFailure", "%s failed: %s", entry->name, sluice_strerror(rc));
    }
    if (rc == 0 && api_call_failed(call)) {
        api_call_clear(call);
    }
    return api_call_failed(call) ? aws_json_error_status(call->exception) : 200;
}

/*
 * The replay check of an authenticated request for op: 0 to go on, or an
 * error answer's type and message (a replayed signature, a full cache). Read
 * operations, unknown ones and ones the role may not call (denied further on)
 * never touch the cache.
 */
static int api_dispatch_replay(const api_dispatch *d, const char *op, const aws_sigv4_result *auth,
                               const char **type, const char **message)
{
    const api_dispatch_op *entry = api_dispatch_find(op);
    if (d->replay == NULL || entry == NULL || entry->cls == API_AUTH_READ ||
        !api_auth_allows(auth->role, entry->cls)) {
        return 0;
    }
    int rc = aws_replay_check(d->replay, auth->signature, auth->expires_ms, d->env->clock_ms());
    if (rc == SLUICE_EEXIST) {
        *type = "InvalidSignatureException";
        *message = "Signature already used: this signed request was accepted before; sign every "
                   "request anew (a mutating request signed identically within the same second "
                   "is a replay)";
        return rc;
    }
    if (rc == SLUICE_ETOOBIG) {
        *type = "ThrottlingException";
        *message = "Rate exceeded: the replay cache is full of signatures still inside the skew "
                   "window (SLUICE_API_REPLAY_CACHE_ENTRIES)";
        return rc;
    }
    if (rc != 0) {
        /* an expiry at or before now: verification just accepted it, so the clock moved;
         * treat it as expired, which no replay can reuse either */
        *type = "InvalidSignatureException";
        *message = "Signature expired.";
        return rc;
    }
    return 0;
}

/* Counts the request and logs it. */
static void api_dispatch_record(const api_dispatch *d, const char *op, int status,
                                const char *exception, const char *identity, int64_t start_ns)
{
    double seconds = (double)(sluice_time_monotonic_ns() - start_ns) / 1e9;
    char status_text[8];
    snprintf(status_text, sizeof status_text, "%d", status);
    if (d->requests != NULL) {
        http_metrics_inc(d->requests, (const char *[]){op, status_text}, 1);
        http_metrics_observe(d->duration, (const char *[]){op}, seconds);
        if (exception != NULL && exception[0] != '\0') {
            http_metrics_inc(d->errors, (const char *[]){op, exception}, 1);
        }
    }
    const api_dispatch_op *entry = api_dispatch_find(op);
    if (status == 200 && entry != NULL && entry->audit) {
        /* changes are worth a line each: who did what */
        SLUICE_INFO("%s by %s: %d (%.1f ms)", op, identity, status, seconds * 1000.0);
    } else if (status >= 500) {
        SLUICE_WARN("%s by %s: %d %s (%.1f ms)", op, identity[0] != '\0' ? identity : "-", status,
                    exception != NULL ? exception : "", seconds * 1000.0);
    } else {
        SLUICE_DEBUG("%s by %s: %d %s (%.1f ms)", op, identity[0] != '\0' ? identity : "-", status,
                     exception != NULL ? exception : "", seconds * 1000.0);
    }
}

void api_dispatch_http(const http_request *req, http_response *resp, void *ctx)
{
    const api_dispatch *d = ctx;
    int64_t start_ns = sluice_time_monotonic_ns();
    char request_id[AWS_JSON_REQUEST_ID_LEN + 1] = "";
    char op[AWS_JSON_OPERATION_MAX + 1] = "";
    const char *label = API_DISPATCH_UNKNOWN_OP;
    aws_json_error error;
    aws_sigv4_result auth;
    json_t *input = NULL;
    api_call call;
    int status = 0;
    const char *exception = NULL;
    const char *replay_type = NULL;
    const char *replay_message = NULL;

    aws_json_request_id(request_id);
    memset(&call, 0, sizeof call);
    int parsed = aws_json_target_parse(http_request_header(req, "X-Amz-Target"),
                                       AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error);
    if (parsed == 0 && api_dispatch_known(op)) {
        label = op;
    }
    if (aws_sigv4_verify(&d->sigv4, d->credentials, req, d->env->clock_ms(), &auth) != 0) {
        exception = auth.error_type;
        aws_json_respond_error(resp, auth.error_type, auth.message, request_id);
        status = resp->status;
        goto out;
    }
    snprintf(call.identity, sizeof call.identity, "%s", auth.identity);
    if (parsed != 0) {
        exception = error.type;
        aws_json_respond_error(resp, error.type, error.message, request_id);
        status = resp->status;
        goto out;
    }
    if (!aws_json_content_type_ok(http_request_header(req, "Content-Type"))) {
        exception = "SerializationException";
        aws_json_respond_error(resp, exception,
                               "The request's Content-Type must be application/x-amz-json-1.1",
                               request_id);
        status = resp->status;
        goto out;
    }
    if (aws_json_body_parse(req->body, req->body_len, 0, &input, &error) != 0) {
        exception = error.type;
        aws_json_respond_error(resp, error.type, error.message, request_id);
        status = resp->status;
        goto out;
    }
    if (api_dispatch_replay(d, op, &auth, &replay_type, &replay_message) != 0) {
        exception = replay_type;
        SLUICE_WARN("%s by %s refused: %s", op, auth.identity, replay_type);
        aws_json_respond_error(resp, replay_type, replay_message, request_id);
        status = resp->status;
        goto out;
    }
    status = api_dispatch_invoke(d, op, auth.identity, auth.role, auth.scope, input, &call);
    if (d->replay != NULL && status >= 500) {
        /* a failure the SDKs retry: the retry, re-signed in the same second, is no replay */
        aws_replay_forget(d->replay, auth.signature);
    }
    if (api_call_failed(&call)) {
        exception = call.exception;
        aws_json_respond_error(resp, call.exception, call.message, request_id);
    } else {
        json_t *empty = call.output == NULL ? json_object() : NULL;
        if (aws_json_respond(resp, call.output != NULL ? call.output : empty, request_id) != 0) {
            exception = "InternalFailure";
            aws_json_respond_error(resp, exception, "the answer exceeds the response bound",
                                   request_id);
        }
        json_decref(empty);
    }
    status = resp->status;
out:
    api_dispatch_record(d, label, status, exception, call.identity, start_ns);
    api_call_clear(&call);
    json_decref(input);
}

void api_dispatch_http_error(int status, const char *code, const char *message, http_response *resp,
                             void *ctx)
{
    (void)ctx;
    char request_id[AWS_JSON_REQUEST_ID_LEN + 1] = "";
    const char *type = "InternalFailure";
    aws_json_request_id(request_id);
    if (status == 404 || status == 405) {
        type = "UnknownOperationException";
    } else if (status == 413) {
        type = "RequestEntityTooLargeException";
    } else if (status == 431) {
        type = "RequestHeaderFieldsTooLargeException";
    } else if (status < 500 && code != NULL) {
        type = "ValidationException";
    }
    aws_json_respond_error(resp, type, message != NULL ? message : "", request_id);
}
