/*
 * api_workers.c — job-worker operations and ListActionTypes (see api_workers.h).
 *
 * Shapes: botocore's codepipeline model (PollForJobsInput/Output, Job,
 * JobDetails, AcknowledgeJobOutput, PutJobSuccessResultInput,
 * PutJobFailureResultInput, ActionType); the job-worker protocol of the
 * CodePipeline user guide ("Create and add a custom action").
 */
#include "api_workers.h"

#include "api_atypes.h"
#include "api_input.h"
#include "sluice/aws_job.h"
#include "api_request.h"
#include "api_scope.h"
#include "api_token.h"

#include "sluice/aws_json.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_WORKERS_OUTPUT_VARIABLES_MAX                                                           \
    (120 * 1024) /* bytes of keys and values, as AWS bounds                                        \
                  */
#define API_WORKERS_DONE_TTL_MS       (24LL * 3600 * 1000)     /* a finished job is kept a day */
#define API_WORKERS_JOB_TTL_MS        (8LL * 24 * 3600 * 1000) /* without a known deadline */
#define API_WORKERS_DEADLINE_GRACE_MS (24LL * 3600 * 1000)
#define API_WORKERS_MAX_CONFIG_PROPS  10 /* ActionConfigurationPropertyList max */
#define API_WORKERS_MAX_ARTIFACTS     5  /* ArtifactDetails counts */

static const char *const api_workers_categories[] = {"Source", "Build",    "Deploy", "Test",
                                                     "Invoke", "Approval", "Compute"};
static const char *const api_workers_owners[] = {"AWS", "ThirdParty", "Custom"};

/* ---- shared checks --------------------------------------------------------------- */

static int api_workers_read_job_id(api_call *call, const char **job_id)
{
    return api_input_string(call, call->input, "jobId", NULL, true, 0, API_INPUT_NO_MAX,
                            API_CHARSET_UUID, job_id);
}

static int api_workers_job_not_found(api_call *call, const char *job_id)
{
    return api_call_fail(call, "JobNotFoundException", "The job %s does not exist", job_id);
}

/* Loads a job: 0 with *job filled (clear it), or the call failed. */
static int api_workers_load(api_call *call, const char *job_id, api_backend_job *job)
{
    char err[256] = "";
    api_backend *b = call->env->backend;
    memset(job, 0, sizeof *job);
    int rc = b->ops->job_load(b, job_id, job, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_workers_job_not_found(call, job_id);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the job", err);
    }
    return 0;
}

/* The AccessDeniedException of a job operation on an action type outside the caller's scope. */
static int api_workers_out_of_scope(api_call *call, const char *type_key)
{
    return api_call_fail(call, "AccessDeniedException",
                         "User: %s is not authorized to perform: codepipeline:%s on resource: "
                         "arn:aws:codepipeline:%s:%s:actiontype:%s (outside the action types "
                         "this worker identity is scoped to)",
                         call->caller_arn, call->op, call->env->region, call->env->account,
                         type_key);
}

/*
 * True when a built-in job of type is answered by the function the worker
 * invoked (AWS/Invoke/Lambda actions, LambdaInvoke rules) and the caller is
 * an identity whose scope names the type (the scope was checked before): a
 * function answers with an identity of its own, worker(AWS/Invoke/Lambda)
 * or worker(AWS/Rule/LambdaInvoke); identities without a scope never do.
 */
static bool api_workers_function_answers(const api_call *call, const json_t *type)
{
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    if (call->scope[0] == '\0' || owner == NULL || category == NULL || provider == NULL ||
        strcmp(owner, "AWS") != 0) {
        return false;
    }
    return (strcmp(category, "Invoke") == 0 && strcmp(provider, "Lambda") == 0) ||
           (strcmp(category, "Rule") == 0 && strcmp(provider, "LambdaInvoke") == 0);
}

/*
 * Checks a loaded job against the caller's scope and against built-in
 * providers: 0 to go on, or the call failed (and job cleared).
 */
static int api_workers_check_job(api_call *call, const char *job_id, api_backend_job *job,
                                 bool third_party)
{
    const json_t *type = json_object_get(json_object_get(job->record, "data"), "actionTypeId");
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    const char *version = json_string_value(json_object_get(type, "version"));
    char type_key[AWS_JOB_TYPE_KEY_MAX] = "";
    int rc = 0;
    bool partner = owner != NULL && strcmp(owner, "ThirdParty") == 0;
    if (call->scope[0] != '\0' &&
        (aws_job_type_key(type, type_key, sizeof type_key) != 0 ||
         !api_scope_allows(call->scope, owner, category, provider, version))) {
        rc = api_workers_out_of_scope(call, type_key[0] != '\0' ? type_key : "*");
    } else if (partner != third_party || (third_party && call->scope[0] == '\0')) {
        /* a ThirdParty job is reached only through the third-party operations, by a
         * partner identity (one whose scope names its type); other jobs never through them */
        rc = api_workers_job_not_found(call, job_id);
    } else if (!job->external && !api_workers_function_answers(call, type)) {
        /* a built-in provider's job: its result comes from Sluice's own services */
        rc = api_workers_job_not_found(call, job_id);
    }
    if (rc != 0) {
        api_backend_job_clear(job);
    }
    return rc;
}

bool api_workers_job_held(const api_call *call, const api_backend_job *job)
{
    if (job->owner[0] != '\0') {
        return strcmp(job->owner, call->caller_arn) == 0;
    }
    return strcmp(job->status, "Dispatched") == 0 && strcmp(job->poller, call->caller_arn) == 0 &&
           job->lease_ms > api_call_now_ms(call);
}

int api_workers_job_read(api_call *call, const char *job_id, api_backend_job *job, bool third_party)
{
    int rc = api_workers_load(call, job_id, job);
    if (rc == 0) {
        rc = api_workers_check_job(call, job_id, job, third_party);
    }
    return rc;
}

int api_workers_read_type(api_call *call, const json_t **type, api_workers_type *out)
{
    int rc = api_input_object(call, call->input, "actionTypeId", NULL, true, type);
    if (rc == 0) {
        rc = api_input_enum(call, *type, "category", "actionTypeId.category", true,
                            api_workers_categories, 7, &out->category);
    }
    if (rc == 0) {
        rc = api_input_enum(call, *type, "owner", "actionTypeId.owner", true, api_workers_owners, 3,
                            &out->owner);
    }
    if (rc == 0) {
        rc = api_input_string(call, *type, "provider", "actionTypeId.provider", true, 1, 35,
                              API_CHARSET_PROVIDER, &out->provider);
    }
    if (rc == 0) {
        rc = api_input_string(call, *type, "version", "actionTypeId.version", true, 1, 9,
                              API_CHARSET_PROVIDER, &out->version);
    }
    return rc;
}

int api_workers_read_batch(api_call *call, size_t *batch)
{
    int64_t max = 1;
    int rc = api_input_int(call, call->input, "maxBatchSize", NULL, false, 1, API_WORKERS_MAX_BATCH,
                           &max, NULL);
    *batch = (size_t)max;
    return rc;
}

/* ---- PollForJobs ------------------------------------------------------------------- */

int api_workers_poll(api_call *call)
{
    const json_t *type = NULL;
    const json_t *query = NULL;
    api_workers_type id = {0};
    size_t batch = 1;
    json_t *jobs = NULL;
    char err[256] = "";
    int rc = api_workers_read_type(call, &type, &id);
    if (rc == 0) {
        rc = api_workers_read_batch(call, &batch);
    }
    if (rc == 0) {
        rc = api_input_string_map(call, call->input, "queryParam", NULL, 1, 1, 50, API_CHARSET_ANY,
                                  1, 50, &query);
    }
    if (rc != 0) {
        return rc;
    }
    const char *category = id.category;
    const char *owner = id.owner;
    const char *provider = id.provider;
    const char *version = id.version;
    const char *query_key = NULL;
    const char *query_value = NULL;
    if (query != NULL && json_object_size(query) == 1) {
        void *iter = json_object_iter(json_object_get(call->input, "queryParam"));
        query_key = json_object_iter_key(iter);
        query_value = json_string_value(json_object_iter_value(iter));
        if (!api_input_matches(query_value, API_CHARSET_PROVIDER)) {
            return api_call_fail(call, "ValidationException",
                                 "1 validation error detected: Value at 'queryParam' failed to "
                                 "satisfy constraint: Map value must satisfy regular expression "
                                 "pattern: [a-zA-Z0-9_-]+");
        }
    }
    char type_key[AWS_JOB_TYPE_KEY_MAX];
    if (aws_job_type_key(type, type_key, sizeof type_key) != 0) {
        return api_call_fail(call, "ValidationException", "malformed actionTypeId");
    }
    if (!api_scope_allows(call->scope, owner, category, provider, version)) {
        return api_workers_out_of_scope(call, type_key);
    }
    const model_provider *entry =
        model_registry_find(call->env->registry, category, owner, provider, version);
    if (entry == NULL || !entry->external || strcmp(owner, "ThirdParty") == 0) {
        /* ThirdParty types are their partner's: PollForThirdPartyJobs (api_thirdparty.h) */
        return api_call_fail(
            call, "ActionTypeNotFoundException",
            "ActionType (Category: '%s', Provider: '%s', Version: '%s', Owner: "
            "'%s') is not served by job workers in this installation%s",
            category, provider, version, owner,
            strcmp(owner, "ThirdParty") == 0 ? " (ThirdParty types: PollForThirdPartyJobs)" : "");
    }
    rc = api_atypes_check_poll(call, type, query_key);
    if (rc != 0) {
        return rc;
    }
    char nonces[API_WORKERS_MAX_BATCH][SLUICE_UUID_LEN + 1];
    const char *nonce_list[API_WORKERS_MAX_BATCH];
    for (size_t i = 0; i < batch; i++) {
        if (sluice_uuid_v4(nonces[i]) != 0) {
            return api_call_backend_fail(call, SLUICE_EIO, "making a nonce", NULL);
        }
        nonce_list[i] = nonces[i];
    }
    api_backend *b = call->env->backend;
    rc = b->ops->job_poll(b, type_key, batch, query_key, query_value, nonce_list, batch,
                          call->caller_arn, api_call_now_ms(call), call->env->job_lease_ms, &jobs,
                          err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "taking jobs", err);
    }
    json_t *list = json_array();
    size_t i;
    json_t *job;
    json_array_foreach(jobs, i, job)
    {
        json_array_append_new(list,
                              aws_job_render(json_object_get(job, "record"),
                                             json_string_value(json_object_get(job, "nonce"))));
    }
    json_decref(jobs);
    return api_call_succeed(call, json_pack("{s:o}", "jobs", list));
}

/* ---- AcknowledgeJob / GetJobDetails ------------------------------------------------- */

int api_workers_read_nonce(api_call *call, const char **nonce)
{
    return api_input_string(call, call->input, "nonce", NULL, true, 1, 50, API_CHARSET_ANY, nonce);
}

int api_workers_job_acknowledge(api_call *call, const char *job_id, const char *nonce,
                                const char *holder)
{
    char status[API_BACKEND_STATUS_MAX] = "";
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = b->ops->job_ack(b, job_id, nonce, call->caller_arn, api_call_now_ms(call), status, err,
                             sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_workers_job_not_found(call, job_id);
    }
    if (rc == SLUICE_EDENIED) {
        return api_call_fail(call, "InvalidNonceException",
                             "The nonce is not the one handed out for job %s, its lease ended "
                             "(the job is offered again), or another %s acknowledged it",
                             job_id, holder);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "acknowledging the job", err);
    }
    return api_call_succeed(call, json_pack("{s:s}", "status", status));
}

int api_workers_acknowledge(api_call *call)
{
    const char *job_id = NULL;
    const char *nonce = NULL;
    int rc = api_workers_read_job_id(call, &job_id);
    if (rc == 0) {
        rc = api_workers_read_nonce(call, &nonce);
    }
    api_backend_job job;
    if (rc == 0) {
        rc = api_workers_job_read(call, job_id, &job, false);
    }
    if (rc != 0) {
        return rc;
    }
    api_backend_job_clear(&job);
    return api_workers_job_acknowledge(call, job_id, nonce, "worker");
}

int api_workers_get_job(api_call *call)
{
    const char *job_id = NULL;
    api_backend_job job;
    int rc = api_workers_read_job_id(call, &job_id);
    if (rc == 0) {
        rc = api_workers_job_read(call, job_id, &job, false);
    }
    if (rc != 0) {
        return rc;
    }
    if (!api_workers_job_held(call, &job)) {
        api_backend_job_clear(&job);
        return api_workers_job_not_found(call, job_id); /* another worker's, or nobody's yet */
    }
    json_t *output = json_pack("{s:o}", "jobDetails", aws_job_render(job.record, NULL));
    api_backend_job_clear(&job);
    return api_call_succeed(call, output);
}

/* ---- PutJobSuccessResult / PutJobFailureResult -------------------------------------- */

int api_workers_job_report(api_call *call, const char *job_id, api_backend_job *job, json_t *detail,
                           const char *status)
{
    const char *pipeline = json_string_value(json_object_get(job->record, "pipeline"));
    if (pipeline == NULL) {
        json_decref(detail);
        return api_call_fail(call, "InternalFailure", "the record of job %s names no pipeline",
                             job_id);
    }
    int rc = api_request_send(call, pipeline, PROTOCOL_DETAIL_JOB_RESULT, detail, true);
    bool stale = rc != 0 && (strcmp(call->exception, "InvalidJobStateException") == 0 ||
                             strcmp(call->exception, "JobNotFoundException") == 0);
    if (rc == 0 || stale) {
        char now_status[API_BACKEND_STATUS_MAX];
        char err[256] = "";
        api_backend *b = call->env->backend;
        b->ops->job_finish(b, job_id, rc == 0 ? status : "Failed", API_WORKERS_DONE_TTL_MS,
                           now_status, err, sizeof err);
    }
    if (rc == 0) {
        rc = api_call_succeed(call, NULL); /* the operations have no output members */
    }
    return rc;
}

int api_workers_job_open(api_call *call, const char *job_id, api_backend_job *job, bool third_party)
{
    char status[API_BACKEND_STATUS_MAX] = "";
    char err[256] = "";
    int rc = api_workers_job_read(call, job_id, job, third_party);
    if (rc != 0) {
        return rc;
    }
    api_backend *b = call->env->backend;
    if (!job->external) {
        /* a function's answer (api_workers_check_job): the job was never polled, and the
         * orchestrator takes only the result of the job its action waits for */
        if (strcmp(job->status, "InProgress") != 0) {
            rc = api_call_fail(call, "InvalidJobStateException", "The job %s is already %s", job_id,
                               job->status);
            api_backend_job_clear(job);
        }
        return rc;
    }
    rc = b->ops->job_own(b, job_id, call->caller_arn, api_call_now_ms(call), status, err,
                         sizeof err);
    if (rc == SLUICE_ENOTFOUND || rc == SLUICE_EDENIED) {
        rc = api_workers_job_not_found(call, job_id); /* another worker's, or nobody's yet */
    } else if (rc == SLUICE_ESTATE) {
        rc = api_call_fail(call, "InvalidJobStateException", "The job %s is already %s", job_id,
                           status);
    } else if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "taking the job", err);
    }
    if (rc != 0) {
        api_backend_job_clear(job);
    }
    return rc;
}

int api_workers_read_revision(api_call *call, const json_t **revision)
{
    const char *ignored = NULL;
    int rc = api_input_object(call, call->input, "currentRevision", NULL, false, revision);
    if (rc != 0 || *revision == NULL) {
        return rc;
    }
    rc = api_input_string(call, *revision, "revision", "currentRevision.revision", true, 1, 1500,
                          API_CHARSET_ANY, &ignored);
    if (rc == 0) {
        rc = api_input_string(call, *revision, "changeIdentifier",
                              "currentRevision.changeIdentifier", true, 1, 100, API_CHARSET_ANY,
                              &ignored);
    }
    if (rc == 0) {
        rc = api_input_string(call, *revision, "revisionSummary", "currentRevision.revisionSummary",
                              false, 1, 2048, API_CHARSET_ANY, &ignored);
    }
    const json_t *created = json_object_get(*revision, "created");
    int64_t ms = 0;
    if (rc == 0 && created != NULL && !json_is_null(created) &&
        aws_json_timestamp_ms(created, &ms) != 0) {
        rc = api_call_fail(call, "SerializationException",
                           "Member 'currentRevision.created' must be a timestamp (epoch seconds)");
    }
    return rc;
}

int api_workers_read_details(api_call *call, const json_t **details)
{
    const char *ignored = NULL;
    int64_t percent = 0;
    int rc = api_input_object(call, call->input, "executionDetails", NULL, false, details);
    if (rc != 0 || *details == NULL) {
        return rc;
    }
    rc = api_input_string(call, *details, "summary", "executionDetails.summary", false, 1, 2048,
                          API_CHARSET_ANY, &ignored);
    if (rc == 0) {
        rc = api_input_string(call, *details, "externalExecutionId",
                              "executionDetails.externalExecutionId", false, 1, 1500,
                              API_CHARSET_ANY, &ignored);
    }
    if (rc == 0) {
        rc = api_input_int(call, *details, "percentComplete", "executionDetails.percentComplete",
                           false, 0, 100, &percent, NULL);
    }
    return rc;
}

json_t *api_workers_success_detail(const char *job_id, const api_backend_job *job,
                                   const char *continuation, const json_t *details,
                                   const json_t *revision, const json_t *variables)
{
    json_t *detail = json_pack("{s:s, s:s, s:s, s:o}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId",
                               job_id, "outcome", continuation != NULL ? "InProgress" : "Succeeded",
                               "outputArtifacts", aws_job_output_locations(job->record));
    if (detail == NULL) {
        return NULL;
    }
    if (continuation != NULL) {
        json_object_set_new(detail, "continuationToken", json_string(continuation));
    }
    if (details != NULL) {
        json_object_set_new(detail, "executionDetails", json_deep_copy(details));
    }
    if (revision != NULL) {
        json_object_set_new(detail, "currentRevision", json_deep_copy(revision));
    }
    if (variables != NULL) {
        json_object_set_new(detail, "outputVariables", json_deep_copy(variables));
    }
    return detail;
}

int api_workers_put_success(api_call *call)
{
    const char *job_id = NULL;
    const char *continuation = NULL;
    const json_t *revision = NULL;
    const json_t *details = NULL;
    const json_t *variables = NULL;
    api_backend_job job;
    int rc = api_workers_read_job_id(call, &job_id);
    if (rc == 0) {
        rc = api_workers_read_revision(call, &revision);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "continuationToken", NULL, false, 1, 2048,
                              API_CHARSET_ANY, &continuation);
    }
    if (rc == 0) {
        rc = api_workers_read_details(call, &details);
    }
    if (rc == 0) {
        rc = api_input_string_map(call, call->input, "outputVariables", NULL, API_INPUT_NO_MAX, 1,
                                  API_INPUT_NO_MAX, API_CHARSET_VARIABLE, 0, API_INPUT_NO_MAX,
                                  &variables);
    }
    if (rc != 0) {
        return rc;
    }
    if (variables != NULL && continuation != NULL) {
        return api_call_fail(call, "ValidationException",
                             "outputVariables can only be given with the final result, not "
                             "together with a continuationToken");
    }
    size_t bytes = 0;
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(call->input, "outputVariables"), key, value)
    {
        bytes += strlen(key) + json_string_length(value);
    }
    if (bytes > API_WORKERS_OUTPUT_VARIABLES_MAX) {
        return api_call_fail(call, "OutputVariablesSizeExceededException",
                             "The output variables take %zu bytes; the limit is %d", bytes,
                             API_WORKERS_OUTPUT_VARIABLES_MAX);
    }
    rc = api_workers_job_open(call, job_id, &job, false);
    if (rc != 0) {
        return rc;
    }
    json_t *detail =
        api_workers_success_detail(job_id, &job, continuation, details, revision, variables);
    rc = api_workers_job_report(call, job_id, &job, detail, "Succeeded");
    api_backend_job_clear(&job);
    return rc;
}

json_t *api_workers_read_failure(api_call *call, const char *job_id)
{
    static const char *const types[] = {"JobFailed",           "ConfigurationError",
                                        "PermissionError",     "RevisionOutOfSync",
                                        "RevisionUnavailable", "SystemUnavailable"};
    const json_t *failure = NULL;
    const char *type = NULL;
    const char *message = NULL;
    const char *external = NULL;
    int rc = api_input_object(call, call->input, "failureDetails", NULL, true, &failure);
    if (rc == 0) {
        rc = api_input_enum(call, failure, "type", "failureDetails.type", true, types, 6, &type);
    }
    if (rc == 0) {
        rc = api_input_string(call, failure, "message", "failureDetails.message", true, 1, 5000,
                              API_CHARSET_ANY, &message);
    }
    if (rc == 0) {
        rc = api_input_string(call, failure, "externalExecutionId",
                              "failureDetails.externalExecutionId", false, 1, 1500, API_CHARSET_ANY,
                              &external);
    }
    if (rc != 0) {
        return NULL;
    }
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId",
                  job_id, "outcome", "Failed", "failureDetails", "type", type, "message", message);
    if (detail != NULL && external != NULL) {
        json_object_set_new(json_object_get(detail, "failureDetails"), "externalExecutionId",
                            json_string(external));
    }
    if (detail == NULL) {
        api_call_fail(call, "InternalFailure", "out of memory");
    }
    return detail;
}

int api_workers_put_failure(api_call *call)
{
    const char *job_id = NULL;
    api_backend_job job;
    int rc = api_workers_read_job_id(call, &job_id);
    json_t *detail = rc == 0 ? api_workers_read_failure(call, job_id) : NULL;
    if (detail == NULL) {
        return SLUICE_EINVAL;
    }
    rc = api_workers_job_open(call, job_id, &job, false);
    if (rc != 0) {
        json_decref(detail);
        return rc;
    }
    rc = api_workers_job_report(call, job_id, &job, detail, "Failed");
    api_backend_job_clear(&job);
    return rc;
}

/* ---- ListActionTypes -------------------------------------------------------------------- */

static int api_workers_clamp(int n)
{
    if (n < 0) {
        return 0;
    }
    return n > API_WORKERS_MAX_ARTIFACTS ? API_WORKERS_MAX_ARTIFACTS : n;
}

static json_t *api_workers_action_type(const model_provider *p)
{
    json_t *props = json_array();
    for (size_t i = 0; i < p->nconfig_keys && i < API_WORKERS_MAX_CONFIG_PROPS; i++) {
        const model_config_key *k = &p->config_keys[i];
        json_t *prop =
            json_pack("{s:s, s:b, s:b, s:b, s:b, s:s}", "name", k->name, "required", k->required,
                      "key", 0, "secret", k->secret, "queryable", 0, "type", "String");
        if (prop != NULL && k->sluice) {
            json_object_set_new(prop, "description",
                                json_string("Sluice only (approval policy, docs/approvals.md); "
                                            "AWS CodePipeline rejects this key"));
        }
        json_array_append_new(props, prop);
    }
    return json_pack("{s:{s:s, s:s, s:s, s:s}, s:o, s:{s:i, s:i}, s:{s:i, s:i}}", "id", "category",
                     p->category, "owner", p->owner, "provider", p->provider, "version", p->version,
                     "actionConfigurationProperties", props, "inputArtifactDetails", "minimumCount",
                     api_workers_clamp(p->min_inputs), "maximumCount",
                     api_workers_clamp(p->max_inputs), "outputArtifactDetails", "minimumCount",
                     api_workers_clamp(p->min_outputs), "maximumCount",
                     api_workers_clamp(p->max_outputs));
}

int api_workers_list_action_types(api_call *call)
{
    const char *owner = NULL;
    const char *token = NULL;
    const char *region = NULL;
    int rc = api_input_enum(call, call->input, "actionOwnerFilter", NULL, false, api_workers_owners,
                            3, &owner);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "regionFilter", NULL, false, 4, 30,
                              API_CHARSET_ANY, &region);
    }
    if (rc != 0) {
        return rc;
    }
    if (token != NULL) {
        /* Every action type fits in one page, so no token was ever handed out. */
        return api_call_fail(call, "InvalidNextTokenException",
                             "The next token was invalid or does not belong to this listing");
    }
    json_t *list = json_array();
    if (region != NULL && strcmp(region, call->env->region) != 0) {
        /* one installation serves one region: another region's listing is empty */
        return api_call_succeed(call, json_pack("{s:o}", "actionTypes", list));
    }
    if (owner == NULL || strcmp(owner, "Custom") == 0) {
        rc = api_atypes_list_custom(call, list);
        if (rc != 0) {
            json_decref(list);
            return rc;
        }
    }
    const model_registry *reg = call->env->registry;
    for (size_t i = 0; i < model_registry_count(reg); i++) {
        const model_provider *p = model_registry_get(reg, i);
        if (strcmp(p->provider, MODEL_REGISTRY_ANY) == 0 ||
            strcmp(p->category, MODEL_REGISTRY_ANY) == 0) {
            continue; /* the Custom wildcard: Custom types exist as pipelines name them */
        }
        if (owner != NULL && strcmp(owner, p->owner) != 0) {
            continue;
        }
        json_t *type = api_workers_action_type(p);
        if (type != NULL) {
            json_array_append_new(list, type);
        }
    }
    return api_call_succeed(call, json_pack("{s:o}", "actionTypes", list));
}

/* ---- ingest ------------------------------------------------------------------------------ */

/* Stores the record of an action's job (api_workers_ingest). */
static int api_workers_store(const api_env *env, const json_t *job, char *err, size_t errlen);

int api_workers_ingest(const api_env *env, const json_t *job, char *err, size_t errlen)
{
    json_t *as_action = NULL;
    if (json_is_string(json_object_get(job, "rule"))) {
        /* a stage-condition rule's job: for rule runners, never offered here; a LambdaInvoke
         * rule's is kept (as an action's job) for its function's answer */
        const json_t *rule_type = json_object_get(job, "ruleTypeId");
        const char *provider = json_string_value(json_object_get(rule_type, "provider"));
        if (provider == NULL || strcmp(provider, "LambdaInvoke") != 0) {
            return 0;
        }
        as_action = json_deep_copy(job);
        if (as_action == NULL) {
            return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
        json_object_set(as_action, "actionTypeId", json_object_get(job, "ruleTypeId"));
        json_object_set(as_action, "action", json_object_get(job, "rule"));
        json_object_set(as_action, "actionExecutionId", json_object_get(job, "ruleExecutionId"));
        json_object_del(as_action, "outputArtifacts");
        job = as_action;
    }
    int rc = api_workers_store(env, job, err, errlen);
    json_decref(as_action);
    return rc;
}

static int api_workers_store(const api_env *env, const json_t *job, char *err, size_t errlen)
{
    const json_t *type = json_object_get(job, "actionTypeId");
    const char *job_id = json_string_value(json_object_get(job, "jobId"));
    const char *pipeline = json_string_value(json_object_get(job, "pipeline"));
    char type_key[AWS_JOB_TYPE_KEY_MAX];
    if (job_id == NULL || pipeline == NULL || !sluice_uuid_is_valid(job_id) ||
        aws_job_type_key(type, type_key, sizeof type_key) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "job document without a valid jobId, pipeline or actionTypeId");
    }
    const model_provider *provider =
        model_registry_find(env->registry, json_string_value(json_object_get(type, "category")),
                            json_string_value(json_object_get(type, "owner")),
                            json_string_value(json_object_get(type, "provider")),
                            json_string_value(json_object_get(type, "version")));
    bool queued = provider != NULL && provider->external;

    api_backend *b = env->backend;
    json_t *definition = NULL;
    uint64_t rev = 0;
    int rc = b->ops->def_load(b, pipeline, &definition, &rev, err, errlen);
    if (rc != 0 && rc != SLUICE_ENOTFOUND) {
        return rc;
    }
    json_t *record =
        aws_job_record(job, definition, env->account, queued, env->job_keys, err, errlen);
    json_decref(definition);
    if (record == NULL) {
        return SLUICE_EINVAL;
    }
    char *text = json_dumps(record, JSON_COMPACT);
    json_decref(record);
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int64_t ttl = API_WORKERS_JOB_TTL_MS;
    int64_t deadline = 0;
    const char *deadline_text = json_string_value(json_object_get(job, "deadline"));
    if (deadline_text != NULL && sluice_time_parse_rfc3339(deadline_text, &deadline) == 0) {
        int64_t left = deadline - env->clock_ms() + API_WORKERS_DEADLINE_GRACE_MS;
        ttl = left > API_WORKERS_DEADLINE_GRACE_MS ? left : API_WORKERS_DEADLINE_GRACE_MS;
    }
    rc = b->ops->job_store(b, job_id, type_key, text, queued, ttl, err, errlen);
    free(text);
    return rc;
}
