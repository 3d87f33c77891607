/*
 * api_actions.c — PutActionRevision and ListDeployActionExecutionTargets (see api_actions.h).
 *
 * Shapes: botocore's codepipeline model (PutActionRevisionInput/Output,
 * ActionRevision, ListDeployActionExecutionTargetsInput/Output,
 * DeployActionExecutionTarget, TargetFilter). Reads render the
 * orchestrator's state from the backend (engine_view.h); the start is a
 * request to the orchestrator like StartPipelineExecution's.
 */
#include "api_actions.h"

#include "api_executions.h"
#include "api_input.h"
#include "api_pipelines.h"
#include "api_request.h"

#include "sluice/aws_json.h"
#include "sluice/engine_state.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

#define API_ACTIONS_HISTORY_SCAN 200  /* archived executions looked through for a revision */
#define API_ACTIONS_ACTIONS_SCAN 2000 /* archived action executions looked through for one */
#define API_ACTIONS_TARGETS_MAX  100  /* MaxResults */

/* The action named action of stage stage in the definition document, or NULL. */
static const json_t *api_actions_find(const json_t *doc, const char *stage, const char *action,
                                      bool *stage_found)
{
    size_t i;
    const json_t *st;
    *stage_found = false;
    json_array_foreach(json_object_get(json_object_get(doc, "pipeline"), "stages"), i, st)
    {
        if (!json_is_string(json_object_get(st, "name")) ||
            strcmp(json_string_value(json_object_get(st, "name")), stage) != 0) {
            continue;
        }
        *stage_found = true;
        size_t j;
        const json_t *a;
        json_array_foreach(json_object_get(st, "actions"), j, a)
        {
            const char *name = json_string_value(json_object_get(a, "name"));
            if (name != NULL && strcmp(name, action) == 0) {
                return a;
            }
        }
    }
    return NULL;
}

/* ---- PutActionRevision ------------------------------------------------------------------ */

/*
 * The id of an execution that already used revision for action: the hot
 * state's artifactRevisions first, then the archived executions'
 * sourceRevisions. 0 with *used (a new reference, or NULL), or the call failed.
 */
static int api_actions_used_by(api_call *call, const char *pipeline, const char *action,
                               const char *revision, json_t **used)
{
    engine_state *state = NULL;
    json_t *records = NULL;
    char err[256] = "";
    *used = NULL;
    int rc = api_executions_state(call, pipeline, API_BACKEND_STATE_ALL, NULL, &state);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = state != NULL ? state->nexecs : 0; i > 0 && *used == NULL; i--) {
        const engine_execution *x = state->execs[i - 1];
        for (size_t r = 0; r < x->nrevisions; r++) {
            const engine_revision *rev = &x->revisions[r];
            if (rev->action_name != NULL && rev->revision_id != NULL &&
                strcmp(rev->action_name, action) == 0 && strcmp(rev->revision_id, revision) == 0) {
                *used = json_string(x->id);
                break;
            }
        }
    }
    engine_state_free(state);
    if (*used != NULL) {
        return 0;
    }
    api_backend *b = call->env->backend;
    rc = b->ops->history_executions(b, pipeline, INT64_MAX, API_ACTIONS_HISTORY_SCAN, &records, err,
                                    sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the execution history", err);
    }
    size_t i;
    json_t *record;
    json_array_foreach(records, i, record)
    {
        const json_t *summary = json_object_get(record, "summary");
        size_t j;
        json_t *source;
        json_array_foreach(json_object_get(summary, "sourceRevisions"), j, source)
        {
            const char *name = json_string_value(json_object_get(source, "actionName"));
            const char *id = json_string_value(json_object_get(source, "revisionId"));
            if (*used == NULL && name != NULL && id != NULL && strcmp(name, action) == 0 &&
                strcmp(id, revision) == 0) {
                *used = json_incref(json_object_get(summary, "pipelineExecutionId"));
            }
        }
    }
    json_decref(records);
    return 0;
}

/* The revisionType a Source job of provider takes its revision as. */
static const char *api_actions_revision_type(const json_t *action)
{
    const json_t *type = json_object_get(action, "actionTypeId");
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    if (owner != NULL && provider != NULL && strcmp(owner, "AWS") == 0) {
        if (strcmp(provider, "S3") == 0) {
            return "S3_OBJECT_VERSION_ID";
        }
        if (strcmp(provider, "ECR") == 0) {
            return "IMAGE_DIGEST";
        }
    }
    return "COMMIT_ID";
}

int api_actions_put_revision(api_call *call)
{
    const char *name = NULL;
    const char *stage = NULL;
    const char *action_name = NULL;
    const json_t *revision = NULL;
    const char *revision_id = NULL;
    const char *change_id = NULL;
    json_t *doc = NULL;
    json_t *used = NULL;
    int64_t created_ms = 0;
    int rc = api_input_string(call, call->input, "pipelineName", NULL, true, 1, 100,
                              API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "stageName", NULL, true, 1, 100, API_CHARSET_NAME,
                              &stage);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "actionName", NULL, true, 1, 100, API_CHARSET_NAME,
                              &action_name);
    }
    if (rc == 0) {
        rc = api_input_object(call, call->input, "actionRevision", NULL, true, &revision);
    }
    if (rc == 0) {
        rc = api_input_string(call, revision, "revisionId", "actionRevision.revisionId", true, 1,
                              1500, API_CHARSET_ANY, &revision_id);
    }
    if (rc == 0) {
        rc = api_input_string(call, revision, "revisionChangeId", "actionRevision.revisionChangeId",
                              true, 1, 100, API_CHARSET_ANY, &change_id);
    }
    if (rc == 0) {
        const json_t *created = json_object_get(revision, "created");
        if (created == NULL || json_is_null(created)) {
            rc = api_input_missing(call, "actionRevision.created");
        } else if (aws_json_timestamp_ms(created, &created_ms) != 0) {
            rc = api_call_fail(call, "SerializationException",
                               "Member 'actionRevision.created' must be a timestamp (epoch "
                               "seconds)");
        }
    }
    if (rc == 0) {
        rc = api_pipelines_load(call, name, &doc, NULL);
    }
    if (rc != 0) {
        return rc;
    }
    bool stage_found = false;
    const json_t *action = api_actions_find(doc, stage, action_name, &stage_found);
    const char *category =
        json_string_value(json_object_get(json_object_get(action, "actionTypeId"), "category"));
    if (!stage_found) {
        rc = api_call_fail(call, "StageNotFoundException",
                           "The stage %s was not found in pipeline %s", stage, name);
    } else if (action == NULL) {
        rc = api_call_fail(call, "ActionNotFoundException",
                           "The action %s was not found in stage %s of pipeline %s", action_name,
                           stage, name);
    } else if (category == NULL || strcmp(category, "Source") != 0) {
        rc = api_call_fail(call, "ValidationException",
                           "The action %s of stage %s is not a Source action; only a source "
                           "action takes a revision",
                           action_name, stage);
    }
    if (rc == 0) {
        rc = api_actions_used_by(call, name, action_name, revision_id, &used);
    }
    if (rc != 0 || used != NULL) {
        json_decref(doc);
        if (rc == 0) {
            rc = api_call_succeed(
                call, json_pack("{s:b, s:o}", "newRevision", 0, "pipelineExecutionId", used));
        }
        return rc;
    }
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "type", PROTOCOL_REQUEST_START,
                  "triggerType", "PutActionRevision", "triggerDetail", call->caller_arn,
                  "sourceRevisions", "actionName", action_name, "revisionType",
                  api_actions_revision_type(action), "revisionValue", revision_id);
    json_decref(doc);
    if (detail == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "building the request", NULL);
    }
    rc = api_request_send(call, name, PROTOCOL_DETAIL_REQUEST, detail, true);
    if (rc == 0 && call->output != NULL) {
        json_t *id = json_object_get(call->output, "pipelineExecutionId");
        rc = api_call_succeed(
            call, json_pack("{s:b, s:O*}", "newRevision", 1, "pipelineExecutionId", id));
    }
    return rc;
}

/* ---- ListDeployActionExecutionTargets --------------------------------------------------- */

/* The ActionExecutionDetail of action_execution_id: hot state, then history. A new reference. */
static int api_actions_find_execution(api_call *call, const char *pipeline,
                                      const char *action_execution_id, json_t **found)
{
    engine_state *state = NULL;
    json_t *details = NULL;
    char err[256] = "";
    *found = NULL;
    int rc = api_executions_state(call, pipeline, API_BACKEND_STATE_ALL, NULL, &state);
    if (rc != 0) {
        return rc;
    }
    json_t *view = state != NULL ? engine_view_list_action_executions(state, NULL) : NULL;
    engine_state_free(state);
    size_t i;
    json_t *detail;
    json_array_foreach(json_object_get(view, "actionExecutionDetails"), i, detail)
    {
        const char *id = json_string_value(json_object_get(detail, "actionExecutionId"));
        if (*found == NULL && id != NULL && strcmp(id, action_execution_id) == 0) {
            *found = json_incref(detail);
        }
    }
    json_decref(view);
    if (*found != NULL) {
        return 0;
    }
    api_backend *b = call->env->backend;
    rc = b->ops->history_actions(b, pipeline, INT64_MAX, API_ACTIONS_ACTIONS_SCAN, &details, err,
                                 sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the action history", err);
    }
    json_array_foreach(details, i, detail)
    {
        const char *id = json_string_value(json_object_get(detail, "actionExecutionId"));
        if (*found == NULL && id != NULL && strcmp(id, action_execution_id) == 0) {
            *found = json_incref(detail);
        }
    }
    json_decref(details);
    return 0;
}

/* The targets an action execution reports: an array (possibly empty), a new reference. */
static json_t *api_actions_targets(const json_t *detail)
{
    json_t *targets = json_array();
    const json_t *input = json_object_get(detail, "input");
    const json_t *type = json_object_get(input, "actionTypeId");
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    if (targets == NULL || owner == NULL || category == NULL || provider == NULL ||
        strcmp(owner, "AWS") != 0 || strcmp(category, "Deploy") != 0 ||
        strcmp(provider, "S3") != 0) {
        return targets; /* only Sluice's S3 deploy reports a target */
    }
    const json_t *config = json_object_get(input, "resolvedConfiguration");
    if (config == NULL) {
        config = json_object_get(input, "configuration");
    }
    const char *bucket = json_string_value(json_object_get(config, "BucketName"));
    const char *key = json_string_value(json_object_get(config, "ObjectKey"));
    const char *status = json_string_value(json_object_get(detail, "status"));
    if (bucket == NULL || status == NULL) {
        return targets;
    }
    char target_id[2048];
    snprintf(target_id, sizeof target_id, "s3://%.1000s%s%.1000s", bucket, key != NULL ? "/" : "",
             key != NULL ? key : "");
    json_t *target =
        json_pack("{s:s, s:s, s:s, s:O*, s:[]}", "targetId", target_id, "targetType", "S3Bucket",
                  "status", status, "startTime", json_object_get(detail, "startTime"), "events");
    if (target != NULL && strcmp(status, "InProgress") != 0) {
        json_t *end = json_object_get(detail, "lastUpdateTime");
        if (end != NULL) {
            json_object_set(target, "endTime", end);
        }
    }
    if (target != NULL) {
        json_array_append_new(targets, target);
    }
    return targets;
}

/* Checks one TargetFilter of the filters list. */
static int api_actions_check_filter(api_call *call, const json_t *filter, const char *path,
                                    const json_t *list, size_t index)
{
    static const char *const names[] = {"TARGET_STATUS"};
    char field[128];
    const char *ignored = NULL;
    const json_t *values = NULL;
    (void)list;
    (void)index;
    snprintf(field, sizeof field, "%s.name", path);
    int rc = api_input_enum(call, filter, "name", field, false, names, 1, &ignored);
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.values", path);
        rc = api_input_array(call, filter, "values", field, false, 0, API_INPUT_NO_MAX, &values);
    }
    size_t i;
    const json_t *value;
    json_array_foreach(values, i, value)
    {
        if (rc == 0 && (!json_is_string(value) || json_string_length(value) == 0)) {
            rc = api_call_fail(
                call, json_is_string(value) ? "ValidationException" : "SerializationException",
                "1 validation error detected: Value at '%s.%zu.member' failed to "
                "satisfy constraint: Member must be a string of at least 1 "
                "character",
                field, i + 1);
        }
    }
    return rc;
}

/* True when target passes every TARGET_STATUS filter of filters. */
static bool api_actions_target_matches(const json_t *target, const json_t *filters)
{
    const char *status = json_string_value(json_object_get(target, "status"));
    size_t i;
    const json_t *filter;
    json_array_foreach(filters, i, filter)
    {
        const json_t *values = json_object_get(filter, "values");
        if (json_object_get(filter, "name") == NULL || json_array_size(values) == 0) {
            continue;
        }
        bool any = false;
        size_t j;
        const json_t *value;
        json_array_foreach(values, j, value)
        {
            any = any || (status != NULL && strcmp(json_string_value(value), status) == 0);
        }
        if (!any) {
            return false;
        }
    }
    return true;
}

int api_actions_list_deploy_targets(api_call *call)
{
    const char *name = NULL;
    const char *id = NULL;
    const char *token = NULL;
    const json_t *filters = NULL;
    int64_t max = API_ACTIONS_TARGETS_MAX;
    json_t *doc = NULL;
    json_t *detail = NULL;
    int rc = api_input_string(call, call->input, "pipelineName", NULL, false, 1, 100,
                              API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "actionExecutionId", NULL, true, 0,
                              API_INPUT_NO_MAX, API_CHARSET_ANY, &id);
    }
    if (rc == 0) {
        rc = api_input_array(call, call->input, "filters", NULL, false, 0, API_INPUT_NO_MAX,
                             &filters);
    }
    if (rc == 0) {
        rc = api_input_structures(call, filters, "filters", api_actions_check_filter);
    }
    if (rc == 0) {
        rc = api_input_int(call, call->input, "maxResults", NULL, false, 1, API_ACTIONS_TARGETS_MAX,
                           &max, NULL);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, 2048, API_CHARSET_ANY,
                              &token);
    }
    if (rc == 0 && name == NULL) {
        rc = api_call_fail(call, "ValidationException",
                           "pipelineName is required: Sluice finds an action execution within "
                           "its pipeline");
    }
    if (rc == 0) {
        rc = api_pipelines_load(call, name, &doc, NULL);
        json_decref(doc);
    }
    if (rc == 0 && token != NULL) {
        /* an action execution reports at most one target: no token was ever handed out */
        rc = api_call_fail(call, "InvalidNextTokenException",
                           "The next token was invalid or does not belong to this listing");
    }
    if (rc == 0) {
        rc = api_actions_find_execution(call, name, id, &detail);
    }
    if (rc != 0) {
        return rc;
    }
    if (detail == NULL) {
        return api_call_fail(call, "ActionExecutionNotFoundException",
                             "The action execution %.200s was not found in pipeline %s", id, name);
    }
    json_t *targets = api_actions_targets(detail);
    json_decref(detail);
    json_t *listed = json_array();
    size_t i;
    json_t *target;
    json_array_foreach(targets, i, target)
    {
        if (json_array_size(listed) < (size_t)max && api_actions_target_matches(target, filters)) {
            json_array_append(listed, target);
        }
    }
    json_decref(targets);
    return api_call_succeed(call, json_pack("{s:o}", "targets", listed));
}
