/*
 * api_thirdparty.c — the third-party job operations (see api_thirdparty.h).
 *
 * Shapes: botocore's codepipeline model (PollForThirdPartyJobsInput/Output,
 * ThirdPartyJob, ThirdPartyJobDetails, AcknowledgeThirdPartyJobInput,
 * PutThirdPartyJobSuccessResultInput, PutThirdPartyJobFailureResultInput);
 * the partner protocol of the CodePipeline API reference (clientId /
 * clientToken pairs). The job store steps are api_workers.h's.
 */
#include "api_thirdparty.h"

#include "api_input.h"
#include "api_scope.h"
#include "api_workers.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"

#include <stdio.h>
#include <string.h>

/* ---- the client table ------------------------------------------------------------------ */

static bool api_thirdparty_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Checks one entry "<type>:<id>:<token>" of len bytes at text into *client. 0 or a message. */
static const char *api_thirdparty_entry(const char *text, size_t len, api_thirdparty_client *client)
{
    const char *end = text + len;
    const char *colon1 = memchr(text, ':', len);
    const char *colon2 =
        colon1 != NULL ? memchr(colon1 + 1, ':', (size_t)(end - colon1 - 1)) : NULL;
    if (colon1 == NULL || colon2 == NULL) {
        return "not ThirdParty/<Category>/<Provider>/<Version>:<CLIENT_ID>:<CLIENT_TOKEN>";
    }
    size_t type_len = (size_t)(colon1 - text);
    size_t id_len = (size_t)(colon2 - colon1 - 1);
    size_t token_len = (size_t)(end - colon2 - 1);
    size_t slashes = 0;
    for (size_t i = 0; i < type_len; i++) {
        char c = text[i];
        if (c == '/') {
            slashes++;
        } else if (!api_thirdparty_id_char(c) || c == '.') {
            return "the action type holds a character outside [A-Za-z0-9_-]";
        }
    }
    if (slashes != 3 || type_len >= sizeof client->type_key ||
        strncmp(text, "ThirdParty/", 11) != 0) {
        return "the action type is not ThirdParty/<Category>/<Provider>/<Version>";
    }
    if (id_len == 0 || id_len > API_THIRDPARTY_ID_MAX) {
        return "the client id is empty or longer than 128 characters";
    }
    for (size_t i = 0; i < id_len; i++) {
        if (!api_thirdparty_id_char(colon1[1 + i])) {
            return "the client id holds a character outside [A-Za-z0-9_.-]";
        }
    }
    if (token_len == 0 || token_len > API_THIRDPARTY_TOKEN_MAX) {
        return "the client token is empty or longer than 256 characters";
    }
    snprintf(client->type_key, sizeof client->type_key, "%.*s", (int)type_len, text);
    snprintf(client->id, sizeof client->id, "%.*s", (int)id_len, colon1 + 1);
    snprintf(client->token, sizeof client->token, "%.*s", (int)token_len, colon2 + 1);
    return NULL;
}

int api_thirdparty_clients_parse(const char *text, api_thirdparty_clients *out, char *err,
                                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t position = 0;
    const char *p = text != NULL ? text : "";
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        position++;
        if (len == 0) {
            memset(out, 0, sizeof *out);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "SLUICE_API_THIRD_PARTY_CLIENTS: entry %zu is empty", position);
        }
        if (out->count == API_THIRDPARTY_MAX_CLIENTS) {
            memset(out, 0, sizeof *out);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "SLUICE_API_THIRD_PARTY_CLIENTS: more than %d entries",
                                    API_THIRDPARTY_MAX_CLIENTS);
        }
        api_thirdparty_client *client = &out->entries[out->count];
        const char *problem = api_thirdparty_entry(p, len, client);
        for (size_t i = 0; problem == NULL && i < out->count; i++) {
            if (strcmp(out->entries[i].type_key, client->type_key) == 0) {
                problem = "a second entry for the same action type";
            }
        }
        if (problem != NULL) {
            memset(out, 0, sizeof *out);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "SLUICE_API_THIRD_PARTY_CLIENTS: entry %zu: %s", position,
                                    problem);
        }
        out->count++;
        p += len;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                memset(out, 0, sizeof *out);
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "SLUICE_API_THIRD_PARTY_CLIENTS: entry %zu is empty",
                                        position + 1);
            }
        }
    }
    return 0;
}

/* The client pair of type_key, or NULL. */
static const api_thirdparty_client *api_thirdparty_client_of(const api_call *call,
                                                             const char *type_key)
{
    const api_thirdparty_clients *clients = call->env->clients;
    for (size_t i = 0; clients != NULL && i < clients->count; i++) {
        if (strcmp(clients->entries[i].type_key, type_key) == 0) {
            return &clients->entries[i];
        }
    }
    return NULL;
}

/* ---- shared checks --------------------------------------------------------------------- */

static int api_thirdparty_read_job_id(api_call *call, const char **job_id)
{
    return api_input_string(call, call->input, "jobId", NULL, true, 1, 512, API_CHARSET_ANY,
                            job_id);
}

static int api_thirdparty_read_token(api_call *call, const char **token)
{
    return api_input_string(call, call->input, "clientToken", NULL, true, 1,
                            API_THIRDPARTY_TOKEN_MAX, API_CHARSET_ANY, token);
}

/* The job ids Sluice hands out are UUIDs; any other id names no job. */
static int api_thirdparty_job_not_found(api_call *call, const char *job_id)
{
    return api_call_fail(call, "JobNotFoundException", "The job %.100s does not exist", job_id);
}

/*
 * Checks the clientToken against the client pair of the loaded job's type:
 * 0, or the call failed with InvalidClientTokenException and job cleared.
 */
static int api_thirdparty_check_token(api_call *call, const char *token, api_backend_job *job)
{
    const json_t *type = json_object_get(json_object_get(job->record, "data"), "actionTypeId");
    char type_key[AWS_JOB_TYPE_KEY_MAX] = "";
    const api_thirdparty_client *client = NULL;
    if (aws_job_type_key(type, type_key, sizeof type_key) == 0) {
        client = api_thirdparty_client_of(call, type_key);
    }
    if (client == NULL || !sluice_secret_equal(token, client->token)) {
        api_backend_job_clear(job);
        return api_call_fail(call, "InvalidClientTokenException",
                             "The client token was specified in an invalid format, or is not the "
                             "token of the job's client");
    }
    return 0;
}

/*
 * Reads jobId and clientToken, loads the job and checks it is the caller's
 * ThirdParty job and the token its client's; with open, also takes it for a
 * result (api_workers_job_open). 0 with *job filled, or failed.
 */
static int api_thirdparty_open(api_call *call, bool open, const char **job_id, api_backend_job *job)
{
    const char *token = NULL;
    int rc = api_thirdparty_read_job_id(call, job_id);
    if (rc == 0) {
        rc = api_thirdparty_read_token(call, &token);
    }
    if (rc != 0) {
        return rc;
    }
    if (!sluice_uuid_is_valid(*job_id)) {
        return api_thirdparty_job_not_found(call, *job_id);
    }
    rc = api_workers_job_read(call, *job_id, job, true);
    if (rc != 0) {
        return rc;
    }
    rc = api_thirdparty_check_token(call, token, job);
    if (rc != 0 || !open) {
        return rc;
    }
    api_backend_job_clear(job);
    return api_workers_job_open(call, *job_id, job, true);
}

/* ---- PollForThirdPartyJobs ------------------------------------------------------------ */

int api_thirdparty_poll(api_call *call)
{
    const json_t *type = NULL;
    api_workers_type id = {0};
    size_t batch = 1;
    json_t *jobs = NULL;
    char err[256] = "";
    int rc = api_workers_read_type(call, &type, &id);
    if (rc == 0) {
        rc = api_workers_read_batch(call, &batch);
    }
    if (rc != 0) {
        return rc;
    }
    char type_key[AWS_JOB_TYPE_KEY_MAX];
    if (aws_job_type_key(type, type_key, sizeof type_key) != 0) {
        return api_call_fail(call, "ValidationException", "malformed actionTypeId");
    }
    if (call->scope[0] != '\0' &&
        !api_scope_allows(call->scope, id.owner, id.category, id.provider, id.version)) {
        return api_call_fail(call, "AccessDeniedException",
                             "User: %s is not authorized to perform: codepipeline:%s on resource: "
                             "arn:aws:codepipeline:%s:%s:actiontype:%s (outside the action types "
                             "this worker identity is scoped to)",
                             call->caller_arn, call->op, call->env->region, call->env->account,
                             type_key);
    }
    const model_provider *entry =
        model_registry_find(call->env->registry, id.category, id.owner, id.provider, id.version);
    const api_thirdparty_client *client = api_thirdparty_client_of(call, type_key);
    if (strcmp(id.owner, "ThirdParty") != 0 || entry == NULL || !entry->external ||
        client == NULL) {
        return api_call_fail(call, "ActionTypeNotFoundException",
                             "ActionType (Category: '%s', Provider: '%s', Version: '%s', Owner: "
                             "'%s') is not a third-party action type served in this installation "
                             "(a ThirdParty type of SLUICE_EXTERNAL_PROVIDERS with a client in "
                             "SLUICE_API_THIRD_PARTY_CLIENTS)",
                             id.category, id.provider, id.version, id.owner);
    }
    if (call->scope[0] == '\0') {
        return api_call_fail(call, "AccessDeniedException",
                             "User: %s is not authorized to perform: codepipeline:%s on resource: "
                             "arn:aws:codepipeline:%s:%s:actiontype:%s (third-party jobs are "
                             "their partner's: a worker identity whose scope names the type)",
                             call->caller_arn, call->op, call->env->region, call->env->account,
                             type_key);
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
    rc = b->ops->job_poll(b, type_key, batch, NULL, NULL, nonce_list, batch, call->caller_arn,
                          api_call_now_ms(call), call->env->job_lease_ms, &jobs, err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "taking jobs", err);
    }
    json_t *list = json_array();
    size_t i;
    json_t *job;
    json_array_foreach(jobs, i, job)
    {
        json_array_append_new(list, json_pack("{s:s, s:O}", "clientId", client->id, "jobId",
                                              json_object_get(job, "id")));
    }
    json_decref(jobs);
    return api_call_succeed(call, json_pack("{s:o}", "jobs", list));
}

/* ---- GetThirdPartyJobDetails / AcknowledgeThirdPartyJob ------------------------------- */

int api_thirdparty_get_job(api_call *call)
{
    const char *job_id = NULL;
    api_backend_job job;
    int rc = api_thirdparty_open(call, false, &job_id, &job);
    if (rc != 0) {
        return rc;
    }
    if (!api_workers_job_held(call, &job)) {
        api_backend_job_clear(&job);
        return api_thirdparty_job_not_found(call, job_id); /* another partner's, or nobody's yet */
    }
    json_t *details = aws_job_render(job.record, job.nonce[0] != '\0' ? job.nonce : NULL);
    api_backend_job_clear(&job);
    if (details == NULL) {
        return api_call_fail(call, "InternalFailure", "out of memory");
    }
    json_object_del(details, "accountId"); /* not a member of ThirdPartyJobDetails */
    return api_call_succeed(call, json_pack("{s:o}", "jobDetails", details));
}

int api_thirdparty_acknowledge(api_call *call)
{
    const char *job_id = NULL;
    const char *nonce = NULL;
    api_backend_job job;
    int rc = api_workers_read_nonce(call, &nonce);
    if (rc == 0) {
        rc = api_thirdparty_open(call, false, &job_id, &job);
    }
    if (rc != 0) {
        return rc;
    }
    api_backend_job_clear(&job);
    return api_workers_job_acknowledge(call, job_id, nonce, "partner");
}

/* ---- PutThirdPartyJobSuccessResult / PutThirdPartyJobFailureResult -------------------- */

int api_thirdparty_put_success(api_call *call)
{
    const char *job_id = NULL;
    const char *continuation = NULL;
    const json_t *revision = NULL;
    const json_t *details = NULL;
    api_backend_job job;
    int rc = api_workers_read_revision(call, &revision);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "continuationToken", NULL, false, 1, 2048,
                              API_CHARSET_ANY, &continuation);
    }
    if (rc == 0) {
        rc = api_workers_read_details(call, &details);
    }
    if (rc == 0) {
        rc = api_thirdparty_open(call, true, &job_id, &job);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *detail =
        api_workers_success_detail(job_id, &job, continuation, details, revision, NULL);
    rc = api_workers_job_report(call, job_id, &job, detail, "Succeeded");
    api_backend_job_clear(&job);
    return rc;
}

int api_thirdparty_put_failure(api_call *call)
{
    const char *job_id = NULL;
    api_backend_job job;
    /* the job id is read (and checked) again by api_thirdparty_open; here for the detail */
    int rc = api_thirdparty_read_job_id(call, &job_id);
    json_t *detail = rc == 0 ? api_workers_read_failure(call, job_id) : NULL;
    if (detail == NULL) {
        return SLUICE_EINVAL;
    }
    rc = api_thirdparty_open(call, true, &job_id, &job);
    if (rc != 0) {
        json_decref(detail);
        return rc;
    }
    rc = api_workers_job_report(call, job_id, &job, detail, "Failed");
    api_backend_job_clear(&job);
    return rc;
}
