/*
 * engine_input.c — engine inputs read from the JSON documents on the requests
 * topic (format in engine_input.h). Strings point into the kept document;
 * lists are allocated and released by engine_input_doc_free.
 */
#include "sluice/engine_input.h"

#include "engine_util.h"
#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <stdlib.h>
#include <string.h>

#define ENGINE_INPUT_MAX_ITEMS 1000 /* bound on any list in an input */

static const char *const engine_input_kind_names[] = {
    [ENGINE_INPUT_START] = PROTOCOL_REQUEST_START,
    [ENGINE_INPUT_JOB_RESULT] = PROTOCOL_REQUEST_JOB_RESULT,
    [ENGINE_INPUT_APPROVAL] = PROTOCOL_REQUEST_APPROVAL,
    [ENGINE_INPUT_TIMER] = PROTOCOL_REQUEST_TIMER,
    [ENGINE_INPUT_STOP] = PROTOCOL_REQUEST_STOP,
    [ENGINE_INPUT_RETRY] = PROTOCOL_REQUEST_RETRY,
    [ENGINE_INPUT_TRANSITION] = "StageTransition", /* read from the two names below */
    [ENGINE_INPUT_PIPELINE_UPDATED] = PROTOCOL_REQUEST_PIPELINE_UPDATED,
    [ENGINE_INPUT_VOTE] = PROTOCOL_REQUEST_VOTE,
    [ENGINE_INPUT_OVERRIDE] = PROTOCOL_REQUEST_OVERRIDE_CONDITION,
    [ENGINE_INPUT_ROLLBACK] = PROTOCOL_REQUEST_ROLLBACK,
};

const char *engine_input_kind_name(engine_input_kind kind)
{
    size_t n = sizeof engine_input_kind_names / sizeof engine_input_kind_names[0];
    return (size_t)kind < n ? engine_input_kind_names[kind] : "Unknown";
}

/* Parsing state: a sticky error like engine_util_rd, strings borrowed from the document. */
typedef struct engine_input_rd {
    int rc;
    char *errbuf;
    size_t errlen;
} engine_input_rd;

static void engine_input_fail(engine_input_rd *rd, const char *what, const char *key)
{
    if (rd->rc == 0) {
        rd->rc = sluice_error_set(rd->errbuf, rd->errlen, SLUICE_EPARSE, "engine input: %s '%s'",
                                  what, key);
    }
}

static json_t *engine_input_member(engine_input_rd *rd, const json_t *obj, const char *key,
                                   bool required)
{
    json_t *value = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (value == NULL || json_is_null(value)) {
        if (required) {
            engine_input_fail(rd, "missing member", key);
        }
        return NULL;
    }
    return value;
}

static const char *engine_input_str(engine_input_rd *rd, const json_t *obj, const char *key,
                                    bool required)
{
    json_t *value = engine_input_member(rd, obj, key, required);
    if (value == NULL) {
        return NULL;
    }
    if (!json_is_string(value)) {
        engine_input_fail(rd, "expected a string at", key);
        return NULL;
    }
    return json_string_value(value);
}

static bool engine_input_bool(engine_input_rd *rd, const json_t *obj, const char *key)
{
    json_t *value = engine_input_member(rd, obj, key, false);
    if (value != NULL && !json_is_boolean(value)) {
        engine_input_fail(rd, "expected a boolean at", key);
        return false;
    }
    return value != NULL && json_is_true(value);
}

static json_t *engine_input_list(engine_input_rd *rd, const json_t *obj, const char *key)
{
    json_t *value = engine_input_member(rd, obj, key, false);
    if (value == NULL) {
        return NULL;
    }
    if (!json_is_array(value) || json_array_size(value) > ENGINE_INPUT_MAX_ITEMS) {
        engine_input_fail(rd, "expected a bounded array at", key);
        return NULL;
    }
    return value;
}

/* Picks text among names (returning its index) or fails. */
static int engine_input_pick(engine_input_rd *rd, const char *text, const char *key,
                             const char *const *names, int n)
{
    for (int i = 0; text != NULL && i < n; i++) {
        if (strcmp(text, names[i]) == 0) {
            return i;
        }
    }
    if (text != NULL) {
        engine_input_fail(rd, "unexpected value at", key);
    }
    return 0;
}

static void engine_input_read_start(engine_input_rd *rd, const json_t *json, engine_input_doc *doc)
{
    engine_input_start *in = &doc->input.start;
    in->trigger_type = engine_input_str(rd, json, "triggerType", false);
    in->trigger_detail = engine_input_str(rd, json, "triggerDetail", false);
    in->client_token = engine_input_str(rd, json, "clientRequestToken", false);
    json_t *vars = engine_input_list(rd, json, "variables");
    if (vars != NULL && json_array_size(vars) > 0) {
        doc->kvs = engine_util_calloc(json_array_size(vars), sizeof *doc->kvs);
        for (size_t i = 0; i < json_array_size(vars); i++) {
            json_t *var = json_array_get(vars, i);
            doc->kvs[i].key = engine_input_str(rd, var, "name", true);
            doc->kvs[i].value = engine_input_str(rd, var, "value", true);
        }
        in->variables = doc->kvs;
        in->nvariables = json_array_size(vars);
    }
    json_t *revs = engine_input_list(rd, json, "sourceRevisions");
    if (revs != NULL && json_array_size(revs) > 0) {
        doc->overrides = engine_util_calloc(json_array_size(revs), sizeof *doc->overrides);
        for (size_t i = 0; i < json_array_size(revs); i++) {
            json_t *rev = json_array_get(revs, i);
            doc->overrides[i].action_name = engine_input_str(rd, rev, "actionName", true);
            doc->overrides[i].revision_type = engine_input_str(rd, rev, "revisionType", true);
            doc->overrides[i].revision_value = engine_input_str(rd, rev, "revisionValue", true);
        }
        in->overrides = doc->overrides;
        in->noverrides = json_array_size(revs);
    }
}

static void engine_input_read_job(engine_input_rd *rd, const json_t *json, engine_input_doc *doc)
{
    static const char *const outcomes[] = {"Succeeded", "Failed", "InProgress"};
    engine_input_job *in = &doc->input.job;
    in->job_id = engine_input_str(rd, json, "jobId", true);
    in->outcome = (engine_job_outcome)engine_input_pick(
        rd, engine_input_str(rd, json, "outcome", true), "outcome", outcomes, 3);
    in->continuation_token = engine_input_str(rd, json, "continuationToken", false);
    in->percent_complete = -1;
    json_t *details = engine_input_member(rd, json, "executionDetails", false);
    if (details != NULL) {
        in->summary = engine_input_str(rd, details, "summary", false);
        in->external_id = engine_input_str(rd, details, "externalExecutionId", false);
        in->external_url = engine_input_str(rd, details, "externalExecutionUrl", false);
        json_t *percent = engine_input_member(rd, details, "percentComplete", false);
        if (percent != NULL && json_is_integer(percent)) {
            in->percent_complete = (int)json_integer_value(percent);
        }
    }
    json_t *revision = engine_input_member(rd, json, "currentRevision", false);
    if (revision != NULL) {
        in->revision_id = engine_input_str(rd, revision, "revision", true);
        in->revision_change_id = engine_input_str(rd, revision, "changeIdentifier", false);
        in->revision_summary = engine_input_str(rd, revision, "revisionSummary", false);
        in->revision_url = engine_input_str(rd, revision, "revisionUrl", false);
        json_t *created = engine_input_member(rd, revision, "created", false);
        if (created != NULL && json_is_number(created)) {
            in->revision_created_ms = sluice_time_from_epoch_seconds(json_number_value(created));
        }
    }
    json_t *vars = engine_input_member(rd, json, "outputVariables", false);
    if (vars != NULL && json_is_object(vars) && json_object_size(vars) > 0 &&
        json_object_size(vars) <= ENGINE_INPUT_MAX_ITEMS) {
        doc->kvs = engine_util_calloc(json_object_size(vars), sizeof *doc->kvs);
        const char *key;
        json_t *value;
        size_t n = 0;
        json_object_foreach(vars, key, value)
        {
            if (!json_is_string(value)) {
                engine_input_fail(rd, "expected a string output variable at", key);
                break;
            }
            doc->kvs[n].key = key;
            doc->kvs[n].value = json_string_value(value);
            n++;
        }
        in->output_variables = doc->kvs;
        in->noutput_variables = n;
    } else if (vars != NULL) {
        engine_input_fail(rd, "expected a bounded object at", "outputVariables");
    }
    json_t *outputs = engine_input_list(rd, json, "outputArtifacts");
    if (outputs != NULL && json_array_size(outputs) > 0) {
        doc->artifacts = engine_util_calloc(json_array_size(outputs), sizeof *doc->artifacts);
        for (size_t i = 0; i < json_array_size(outputs); i++) {
            json_t *out = json_array_get(outputs, i);
            doc->artifacts[i].name = engine_input_str(rd, out, "name", true);
            doc->artifacts[i].bucket = engine_input_str(rd, out, "bucket", false);
            doc->artifacts[i].key = engine_input_str(rd, out, "key", false);
        }
        in->outputs = doc->artifacts;
        in->noutputs = json_array_size(outputs);
    }
    json_t *failure = engine_input_member(rd, json, "failureDetails", false);
    if (failure != NULL) {
        in->failure_type = engine_input_str(rd, failure, "type", false);
        in->failure_message = engine_input_str(rd, failure, "message", false);
        const char *external = engine_input_str(rd, failure, "externalExecutionId", false);
        if (external != NULL) {
            in->external_id = external;
        }
    }
}

/* Reads a bounded list of strings at key into doc->strs from *used on; returns their count. */
static size_t engine_input_strings(engine_input_rd *rd, const json_t *json, const char *key,
                                   engine_input_doc *doc, size_t *used)
{
    json_t *list = engine_input_list(rd, json, key);
    size_t n = list != NULL ? json_array_size(list) : 0;
    for (size_t i = 0; i < n && rd->rc == 0; i++) {
        json_t *item = json_array_get(list, i);
        if (!json_is_string(item)) {
            engine_input_fail(rd, "expected strings in", key);
            return 0;
        }
        doc->strs[(*used)++] = json_string_value(item);
    }
    return n;
}

static void engine_input_read_vote(engine_input_rd *rd, const json_t *json, engine_input_doc *doc)
{
    static const char *const statuses[] = {"Rejected", "Approved"};
    engine_input_vote *in = &doc->input.vote;
    in->stage = engine_input_str(rd, json, "stageName", true);
    in->action = engine_input_str(rd, json, "actionName", true);
    in->token = engine_input_str(rd, json, "token", true);
    in->identity = engine_input_str(rd, json, "identity", true);
    json_t *result = engine_input_member(rd, json, "result", true);
    in->approved = engine_input_pick(rd, engine_input_str(rd, result, "status", true), "status",
                                     statuses, 2) == 1;
    in->comment = engine_input_str(rd, result, "summary", false);
    json_t *groups = engine_input_list(rd, json, "groups");
    json_t *emails = engine_input_list(rd, json, "emails");
    size_t total = (groups != NULL ? json_array_size(groups) : 0) +
                   (emails != NULL ? json_array_size(emails) : 0);
    if (rd->rc != 0 || total == 0) {
        return;
    }
    doc->strs = engine_util_calloc(total, sizeof *doc->strs);
    size_t used = 0;
    in->groups = doc->strs;
    in->ngroups = engine_input_strings(rd, json, "groups", doc, &used);
    in->emails = doc->strs + used;
    in->nemails = engine_input_strings(rd, json, "emails", doc, &used);
}

static void engine_input_read_rest(engine_input_rd *rd, const json_t *json, engine_input *input)
{
    static const char *const statuses[] = {"Rejected", "Approved"};
    static const char *const modes[] = {"FAILED_ACTIONS", "ALL_ACTIONS"};
    static const char *const directions[] = {"Inbound", "Outbound"};
    static const char *const condition_types[] = {"BEFORE_ENTRY", "ON_SUCCESS"};
    switch (input->kind) {
    case ENGINE_INPUT_APPROVAL: {
        input->approval.stage = engine_input_str(rd, json, "stageName", true);
        input->approval.action = engine_input_str(rd, json, "actionName", true);
        input->approval.token = engine_input_str(rd, json, "token", true);
        json_t *result = engine_input_member(rd, json, "result", true);
        input->approval.approved =
            engine_input_pick(rd, engine_input_str(rd, result, "status", true), "status", statuses,
                              2) == 1;
        input->approval.summary = engine_input_str(rd, result, "summary", false);
        break;
    }
    case ENGINE_INPUT_TIMER:
        input->timer.key = engine_input_str(rd, json, "key", true);
        break;
    case ENGINE_INPUT_STOP:
        input->stop.execution_id = engine_input_str(rd, json, "pipelineExecutionId", true);
        input->stop.abandon = engine_input_bool(rd, json, "abandon");
        input->stop.reason = engine_input_str(rd, json, "reason", false);
        break;
    case ENGINE_INPUT_RETRY:
        input->retry.execution_id = engine_input_str(rd, json, "pipelineExecutionId", true);
        input->retry.stage = engine_input_str(rd, json, "stageName", true);
        input->retry.mode = (engine_retry_mode)engine_input_pick(
            rd, engine_input_str(rd, json, "retryMode", true), "retryMode", modes, 2);
        break;
    case ENGINE_INPUT_TRANSITION:
        input->transition.stage = engine_input_str(rd, json, "stageName", true);
        input->transition.outbound =
            engine_input_pick(rd, engine_input_str(rd, json, "transitionType", true),
                              "transitionType", directions, 2) == 1;
        input->transition.reason = engine_input_str(rd, json, "reason", false);
        break;
    case ENGINE_INPUT_OVERRIDE:
        input->override_condition.execution_id =
            engine_input_str(rd, json, "pipelineExecutionId", true);
        input->override_condition.stage = engine_input_str(rd, json, "stageName", true);
        input->override_condition.on_success =
            engine_input_pick(rd, engine_input_str(rd, json, "conditionType", true),
                              "conditionType", condition_types, 2) == 1;
        break;
    case ENGINE_INPUT_ROLLBACK:
        input->rollback.stage = engine_input_str(rd, json, "stageName", true);
        input->rollback.target_execution_id =
            engine_input_str(rd, json, "targetPipelineExecutionId", true);
        input->rollback.target = engine_input_member(rd, json, "target", false);
        if (input->rollback.target != NULL && !json_is_object(input->rollback.target)) {
            engine_input_fail(rd, "not an object", "target");
        }
        break;
    default:
        break;
    }
}

int engine_input_from_json(json_t *json, engine_input_doc *doc, char *errbuf, size_t errlen)
{
    engine_input_rd rd = {.rc = 0, .errbuf = errbuf, .errlen = errlen};
    memset(doc, 0, sizeof *doc);
    if (!json_is_object(json)) {
        return sluice_error_set(errbuf, errlen, SLUICE_EPARSE, "engine input: not a JSON object");
    }
    const char *type = engine_input_str(&rd, json, "type", true);
    if (type == NULL) {
        return rd.rc;
    }
    engine_input *input = &doc->input;
    if (strcmp(type, PROTOCOL_REQUEST_DISABLE_TRANSITION) == 0 ||
        strcmp(type, PROTOCOL_REQUEST_ENABLE_TRANSITION) == 0) {
        input->kind = ENGINE_INPUT_TRANSITION;
        input->transition.enabled = strcmp(type, PROTOCOL_REQUEST_ENABLE_TRANSITION) == 0;
    } else {
        size_t n = sizeof engine_input_kind_names / sizeof engine_input_kind_names[0];
        size_t k = 0;
        while (k < n && strcmp(engine_input_kind_names[k], type) != 0) {
            k++;
        }
        if (k == n || k == ENGINE_INPUT_TRANSITION) {
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "engine input: unknown type '%s'", type);
        }
        input->kind = (engine_input_kind)k;
    }
    input->request_id = engine_input_str(&rd, json, "requestId", false);
    input->requested_by = engine_input_str(&rd, json, "requestedBy", false);
    if (input->kind == ENGINE_INPUT_START) {
        engine_input_read_start(&rd, json, doc);
    } else if (input->kind == ENGINE_INPUT_JOB_RESULT) {
        engine_input_read_job(&rd, json, doc);
    } else if (input->kind == ENGINE_INPUT_VOTE) {
        engine_input_read_vote(&rd, json, doc);
    } else {
        engine_input_read_rest(&rd, json, input);
    }
    if (rd.rc != 0) {
        engine_input_doc_free(doc);
        return rd.rc;
    }
    doc->json = json_incref(json);
    return SLUICE_OK;
}

void engine_input_doc_free(engine_input_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    free(doc->kvs);
    free(doc->overrides);
    free(doc->artifacts);
    free(doc->strs);
    json_decref(doc->json);
    memset(doc, 0, sizeof *doc);
}
