/*
 * api_conditions.c — stage conditions and rollback (see api_conditions.h).
 *
 * Shapes: botocore's codepipeline model (ListRuleTypesOutput, RuleType,
 * RuleConfigurationProperty, ListRuleExecutionsOutput, RuleExecutionDetail,
 * OverrideStageConditionInput, RollbackStageInput / Output).
 */
#include "api_conditions.h"

#include "api_executions.h"
#include "api_input.h"
#include "api_pipelines.h"
#include "api_request.h"
#include "api_token.h"

#include "sluice/aws_json.h"
#include "sluice/engine_state.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"
#include "sluice/model_validate.h"
#include "sluice/protocol_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_CONDITIONS_PAGE_DEFAULT  100
#define API_CONDITIONS_PAGE_MAX      100
#define API_CONDITIONS_TOKEN_KIND    "rules"
#define API_CONDITIONS_RULE_SCAN     2000 /* archived rule evaluations scanned for one execution */
#define API_CONDITIONS_TIE_SLACK     64   /* archived ones sharing the cursor's start time */
#define API_CONDITIONS_ACTION_SCAN   2000 /* archived action executions scanned for a target */
#define API_CONDITIONS_STAGE_ACTIONS MODEL_MAX_ACTIONS_PER_STAGE

/* ---- ListRuleTypes -------------------------------------------------------------- */

/* One configuration property of a rule type. */
typedef struct api_conditions_property {
    const char *name;
    bool required;
    const char *description;
} api_conditions_property;

/* A rule type the engine evaluates, with its input artifact counts. */
typedef struct api_conditions_rule_type {
    const char *provider;
    int min_artifacts;
    int max_artifacts;
    api_conditions_property properties[4];
    size_t nproperties;
} api_conditions_rule_type;

static const api_conditions_rule_type api_conditions_rule_types[] = {
    {"VariableCheck",
     0,
     0,
     {{"Variable", true, "The variable to check, e.g. #{SourceVariables.BranchName}"},
      {"Value", true, "The value the variable is compared with"},
      {"Operator", true, "EQ, NE, CONTAINS or MATCHES (a POSIX extended regular expression)"}},
     3},
    {"DeploymentWindow",
     0,
     0,
     {{"Cron", true, "The window: a cron expression of six or seven fields (seconds first)"},
      {"TimeZone", false, "The time zone of the expression (default UTC)"}},
     2},
    {"LambdaInvoke",
     0,
     5,
     {{"FunctionName", true, "The function invoked with the rule job"},
      {"UserParameters", false, "A string handed to the function"}},
     2},
    {"Commands", 0, 10, {{0}}, 0},
};

#define API_CONDITIONS_NRULE_TYPES                                                                 \
    (sizeof api_conditions_rule_types / sizeof api_conditions_rule_types[0])

static json_t *api_conditions_rule_type_json(const api_conditions_rule_type *t)
{
    json_t *properties = json_array();
    for (size_t i = 0; properties != NULL && i < t->nproperties; i++) {
        const api_conditions_property *p = &t->properties[i];
        json_array_append_new(
            properties, json_pack("{s:s, s:b, s:b, s:b, s:b, s:s, s:s}", "name", p->name,
                                  "required", p->required, "key", p->required, "secret", 0,
                                  "queryable", 0, "description", p->description, "type", "String"));
    }
    return json_pack("{s:{s:s, s:s, s:s, s:s}, s:o, s:{s:i, s:i}}", "id", "category", "Rule",
                     "owner", "AWS", "provider", t->provider, "version", "1",
                     "ruleConfigurationProperties", properties, "inputArtifactDetails",
                     "minimumCount", t->min_artifacts, "maximumCount", t->max_artifacts);
}

int api_conditions_list_rule_types(api_call *call)
{
    static const char *const owners[] = {"AWS"};
    const char *owner = NULL;
    const char *region = NULL;
    int rc = api_input_enum(call, call->input, "ruleOwnerFilter", NULL, false, owners, 1, &owner);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "regionFilter", NULL, false, 4, 30,
                              API_CHARSET_ANY, &region);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *list = json_array();
    bool here = region == NULL || strcmp(region, call->env->region) == 0;
    for (size_t i = 0; list != NULL && here && i < API_CONDITIONS_NRULE_TYPES; i++) {
        json_t *type = api_conditions_rule_type_json(&api_conditions_rule_types[i]);
        if (type != NULL) {
            json_array_append_new(list, type);
        }
    }
    json_t *output = json_pack("{s:o}", "ruleTypes", list);
    if (output == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "listing rule types", NULL);
    }
    return api_call_succeed(call, output);
}

/* ---- ListRuleExecutions ---------------------------------------------------------- */

/* The (start time, id) sort key of a RuleExecutionDetail; false when it has none. */
static bool api_conditions_key(const json_t *detail, int64_t *start_ms, const char **id)
{
    *id = json_string_value(json_object_get(detail, "ruleExecutionId"));
    return *id != NULL &&
           aws_json_timestamp_ms(json_object_get(detail, "startTime"), start_ms) == 0;
}

/* Newest first; equal times by id, descending. */
static int api_conditions_compare(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa;
    const json_t *b = *(const json_t *const *)pb;
    int64_t ta = 0;
    int64_t tb = 0;
    const char *ia = NULL;
    const char *ib = NULL;
    api_conditions_key(a, &ta, &ia);
    api_conditions_key(b, &tb, &ib);
    if (ta != tb) {
        return ta > tb ? -1 : 1;
    }
    return -strcmp(ia != NULL ? ia : "", ib != NULL ? ib : "");
}

/* A cursor: the (start time, id) of the last item of the previous page. */
typedef struct api_conditions_cursor {
    bool set;
    int64_t start_ms;
    char id[128];
} api_conditions_cursor;

static int api_conditions_read_cursor(api_call *call, api_conditions_cursor *cursor)
{
    const char *token = NULL;
    json_t *position = NULL;
    memset(cursor, 0, sizeof *cursor);
    int rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    if (rc != 0 || token == NULL) {
        return rc;
    }
    if (api_token_decode(token, API_CONDITIONS_TOKEN_KIND, &position) == 0 &&
        json_is_array(position) && json_array_size(position) == 2 &&
        json_is_integer(json_array_get(position, 0)) &&
        json_is_string(json_array_get(position, 1))) {
        cursor->set = true;
        cursor->start_ms = (int64_t)json_integer_value(json_array_get(position, 0));
        snprintf(cursor->id, sizeof cursor->id, "%s",
                 json_string_value(json_array_get(position, 1)));
        json_decref(position);
        return 0;
    }
    json_decref(position);
    return api_call_fail(call, "InvalidNextTokenException",
                         "The next token was invalid or does not belong to this listing");
}

/* True when detail comes after the cursor in the listing's order. */
static bool api_conditions_after(const json_t *detail, const api_conditions_cursor *cursor)
{
    int64_t start_ms = 0;
    const char *id = NULL;
    if (!api_conditions_key(detail, &start_ms, &id)) {
        return false;
    }
    if (!cursor->set) {
        return true;
    }
    if (start_ms != cursor->start_ms) {
        return start_ms < cursor->start_ms;
    }
    return strcmp(id, cursor->id) < 0;
}

/*
 * True when an item newer than detail, among items[0..n), is an evaluation of
 * the same rule of the same stage (startTimeRange Latest keeps the newest).
 */
static bool api_conditions_superseded(json_t *const *items, size_t n, const json_t *detail)
{
    const char *stage = json_string_value(json_object_get(detail, "stageName"));
    const char *rule = json_string_value(json_object_get(detail, "ruleName"));
    for (size_t j = 0; stage != NULL && rule != NULL && j < n; j++) {
        const char *ostage = json_string_value(json_object_get(items[j], "stageName"));
        const char *orule = json_string_value(json_object_get(items[j], "ruleName"));
        if (ostage != NULL && orule != NULL && strcmp(stage, ostage) == 0 &&
            strcmp(rule, orule) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Sorts details and answers the page after cursor of at most max items (with
 * latest_only, only the newest evaluation of each rule of each stage).
 */
static int api_conditions_page(api_call *call, json_t *details, const api_conditions_cursor *cursor,
                               size_t max, bool latest_only)
{
    size_t n = json_array_size(details);
    json_t **items = n > 0 ? calloc(n, sizeof *items) : NULL;
    if (n > 0 && items == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "listing rule executions", NULL);
    }
    for (size_t i = 0; i < n; i++) {
        items[i] = json_array_get(details, i);
    }
    if (n > 1) {
        qsort(items, n, sizeof items[0], api_conditions_compare);
    }
    if (latest_only) {
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (!api_conditions_superseded(items, kept, items[i])) {
                items[kept++] = items[i];
            }
        }
        n = kept;
    }
    json_t *list = json_array();
    const json_t *last = NULL;
    bool more = false;
    for (size_t i = 0; list != NULL && i < n; i++) {
        if (!api_conditions_after(items[i], cursor)) {
            continue;
        }
        if (json_array_size(list) == max) {
            more = true;
            break;
        }
        json_array_append(list, items[i]);
        last = items[i];
    }
    free(items);
    json_t *output = json_pack("{s:o}", "ruleExecutionDetails", list);
    if (output == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "listing rule executions", NULL);
    }
    int64_t start_ms = 0;
    const char *id = NULL;
    if (more && last != NULL && api_conditions_key(last, &start_ms, &id)) {
        char next[API_TOKEN_MAX + 1];
        json_t *position = json_pack("[I, s]", (json_int_t)start_ms, id);
        if (position != NULL &&
            api_token_encode(API_CONDITIONS_TOKEN_KIND, position, next, sizeof next) == 0) {
            json_object_set_new(output, "nextToken", json_string(next));
        }
        json_decref(position);
    }
    return api_call_succeed(call, output);
}

/*
 * Appends to details (the working state's evaluations) the archived ones of
 * pipeline name that the listing may show: those of execution id (any when
 * NULL) started at or before the cursor (from the newest with all: a Latest
 * listing needs the newer ones to tell which are superseded), not already in
 * details (by ruleExecutionId), reading at most limit records. *found: one
 * was appended.
 */
static int api_conditions_add_archived(api_call *call, const char *name, const char *id,
                                       const api_conditions_cursor *cursor, bool all, size_t limit,
                                       json_t *details, bool *found)
{
    api_backend *b = call->env->backend;
    json_t *archived = NULL;
    char err[256] = "";
    *found = false;
    int64_t max_start_ms = cursor->set && !all ? cursor->start_ms : INT64_MAX;
    int rc = b->ops->history_rules(b, name, max_start_ms, limit, &archived, err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the rule history", err);
    }
    json_t *seen = json_object();
    if (seen == NULL) {
        json_decref(archived);
        return api_call_backend_fail(call, SLUICE_ENOMEM, "listing rule executions", NULL);
    }
    size_t i;
    json_t *detail;
    json_array_foreach(details, i, detail)
    {
        const char *rule_id = json_string_value(json_object_get(detail, "ruleExecutionId"));
        if (rule_id != NULL) {
            json_object_set_new(seen, rule_id, json_true());
        }
    }
    json_array_foreach(archived, i, detail)
    {
        const char *rule_id = json_string_value(json_object_get(detail, "ruleExecutionId"));
        const char *exec = json_string_value(json_object_get(detail, "pipelineExecutionId"));
        if (rule_id == NULL || exec == NULL || (id != NULL && strcmp(exec, id) != 0) ||
            json_object_get(seen, rule_id) != NULL) {
            continue;
        }
        json_object_set_new(seen, rule_id, json_true());
        json_array_append(details, detail);
        *found = true;
    }
    json_decref(seen);
    json_decref(archived);
    return 0;
}

int api_conditions_list_rule_executions(api_call *call)
{
    const char *name = NULL;
    const char *id = NULL;
    bool latest_only = false;
    int64_t max = API_CONDITIONS_PAGE_DEFAULT;
    json_t *doc = NULL;
    json_t *state_doc = NULL;
    json_t *view = NULL;
    engine_state *state = NULL;
    api_conditions_cursor cursor;
    char err[256] = "";
    int rc = api_input_string(call, call->input, "pipelineName", NULL, true, 1, 100,
                              API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_int(call, call->input, "maxResults", NULL, false, 1, API_CONDITIONS_PAGE_MAX,
                           &max, NULL);
    }
    if (rc == 0) {
        rc = api_executions_read_filter(call, &id, &latest_only);
    }
    if (rc == 0) {
        rc = api_conditions_read_cursor(call, &cursor);
    }
    if (rc == 0) {
        rc = api_pipelines_load(call, name, &doc, NULL);
    }
    json_decref(doc);
    if (rc != 0) {
        return rc;
    }
    api_backend *b = call->env->backend;
    rc = b->ops->state_load(b, name, id != NULL ? API_BACKEND_STATE_ONE : API_BACKEND_STATE_ALL, id,
                            &state_doc, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        rc = 0; /* the orchestrator holds nothing yet */
    } else if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the pipeline state", err);
    } else {
        rc = engine_state_from_json(state_doc, &state, err, sizeof err);
        json_decref(state_doc);
        if (rc != 0) {
            return api_call_fail(call, "InternalFailure",
                                 "the stored pipeline state is unreadable: %s", err);
        }
    }
    if (state != NULL) {
        view = engine_view_list_rule_executions(state, id);
    }
    engine_state_free(state);
    bool hot = view != NULL;
    if (view == NULL) {
        view = json_pack("{s:[]}", "ruleExecutionDetails");
    }
    json_t *details = json_object_get(view, "ruleExecutionDetails");
    if (view == NULL || details == NULL) {
        json_decref(view);
        return api_call_backend_fail(call, SLUICE_ENOMEM, "listing rule executions", NULL);
    }
    /* earlier evaluations (retries) and those of evicted executions are in the history */
    size_t limit = id != NULL
                       ? API_CONDITIONS_RULE_SCAN
                       : (size_t)max + json_array_size(details) + 1 + API_CONDITIONS_TIE_SLACK;
    bool archived = false;
    rc = api_conditions_add_archived(call, name, id, &cursor, latest_only, limit, details,
                                     &archived);
    if (rc != 0) {
        json_decref(view);
        return rc;
    }
    if (!hot && !archived && id != NULL) {
        /* neither in the working state nor with archived evaluations: is it known at all? */
        json_t *record = NULL;
        int found = b->ops->history_execution(b, name, id, &record, err, sizeof err);
        json_decref(record);
        if (found == SLUICE_ENOTFOUND) {
            json_decref(view);
            return api_call_fail(call, "PipelineExecutionNotFoundException",
                                 "Pipeline execution %s does not exist in pipeline %s", id, name);
        }
        if (found != 0) {
            json_decref(view);
            return api_call_backend_fail(call, found, "reading the execution history", err);
        }
    }
    rc = api_conditions_page(call, details, &cursor, (size_t)max, latest_only);
    json_decref(view);
    return rc;
}

/* ---- requests ---------------------------------------------------------------------- */

int api_conditions_override(api_call *call)
{
    static const char *const types[] = {"BEFORE_ENTRY", "ON_SUCCESS"};
    const char *name = NULL;
    const char *stage = NULL;
    const char *id = NULL;
    const char *type = NULL;
    int rc = api_executions_read_stage(call, "pipelineExecutionId", &name, &stage, &id);
    if (rc == 0) {
        rc = api_input_enum(call, call->input, "conditionType", NULL, true, types, 2, &type);
    }
    if (rc != 0) {
        return rc;
    }
    rc = api_executions_send(call, name,
                             json_pack("{s:s, s:s, s:s, s:s}", "type",
                                       PROTOCOL_REQUEST_OVERRIDE_CONDITION, "pipelineExecutionId",
                                       id, "stageName", stage, "conditionType", type));
    if (rc == 0) {
        rc = api_call_succeed(call, NULL); /* the operation has no output members */
    }
    return rc;
}

/* ---- RollbackStage -------------------------------------------------------------------- */

/* The latest archived record of each action of stage (declared actions, by name). */
static size_t api_conditions_latest(const json_t *details, const char *id, const json_t *stage,
                                    const json_t **latest, size_t max)
{
    const char *stage_name = json_string_value(json_object_get(stage, "name"));
    const json_t *actions = json_object_get(stage, "actions");
    size_t n = json_array_size(actions) < max ? json_array_size(actions) : max;
    size_t found = 0;
    for (size_t a = 0; a < n; a++) {
        const char *name = json_string_value(json_object_get(json_array_get(actions, a), "name"));
        latest[a] = NULL;
        double newest = -1.0;
        size_t i;
        const json_t *d;
        json_array_foreach(details, i, d)
        {
            const char *exec = json_string_value(json_object_get(d, "pipelineExecutionId"));
            const char *st = json_string_value(json_object_get(d, "stageName"));
            const char *an = json_string_value(json_object_get(d, "actionName"));
            double start = json_number_value(json_object_get(d, "startTime"));
            if (exec != NULL && st != NULL && an != NULL && name != NULL && stage_name != NULL &&
                strcmp(exec, id) == 0 && strcmp(st, stage_name) == 0 && strcmp(an, name) == 0 &&
                start >= newest) {
                latest[a] = d;
                newest = start;
            }
        }
        found += latest[a] != NULL;
    }
    return found;
}

/*
 * The "target" of a RollbackStage request (engine_input.h) for an archived
 * execution: its record, and the archived action executions of the stages up
 * to stage index s of the declaration. An archived record has no stage
 * statuses: a stage succeeded when the execution did and the stage ran actions
 * (skipped when it ran none), or when every action of it succeeded and a later
 * stage ran actions.
 */
static json_t *api_conditions_target(const json_t *record, const json_t *details,
                                     const json_t *stages, size_t s)
{
    const json_t *exec = json_object_get(record, "pipelineExecution");
    const json_t *summary = json_object_get(record, "summary");
    const char *id = json_string_value(json_object_get(exec, "pipelineExecutionId"));
    const char *status = json_string_value(json_object_get(exec, "status"));
    const char *type = json_string_value(json_object_get(exec, "executionType"));
    bool succeeded = status != NULL && strcmp(status, "Succeeded") == 0;
    json_t *revisions = json_deep_copy(json_object_get(exec, "artifactRevisions"));
    const json_t *sources = json_object_get(summary, "sourceRevisions");
    size_t i;
    json_t *rev;
    json_array_foreach(revisions, i, rev)
    {
        json_t *action = json_object_get(json_array_get(sources, i), "actionName");
        if (json_is_string(action)) {
            json_object_set(rev, "actionName", action);
        }
    }
    json_t *target = json_pack(
        "{s:s, s:O, s:b, s:o, s:O, s:[]}", "pipelineExecutionId", id != NULL ? id : "",
        "pipelineVersion", json_object_get(exec, "pipelineVersion"), "rollback",
        type != NULL && strcmp(type, "ROLLBACK") == 0, "artifactRevisions",
        revisions != NULL ? revisions : json_array(), "variables",
        json_is_array(json_object_get(exec, "variables")) ? json_object_get(exec, "variables")
                                                          : json_array(),
        "stages");
    if (target == NULL || id == NULL) {
        json_decref(target);
        return NULL;
    }
    const json_t *latest[API_CONDITIONS_STAGE_ACTIONS];
    bool later_ran = false; /* a stage after the one looked at ran actions */
    json_t *list = json_object_get(target, "stages");
    size_t nstages = json_array_size(stages);
    for (size_t t = nstages; t > 0; t--) {
        const json_t *stage = json_array_get(stages, t - 1);
        size_t nactions = json_array_size(json_object_get(stage, "actions"));
        size_t ran =
            api_conditions_latest(details, id, stage, latest, API_CONDITIONS_STAGE_ACTIONS);
        if (t - 1 > s) {
            later_ran = later_ran || ran > 0;
            continue;
        }
        json_t *actions = json_array();
        size_t ok = 0;
        for (size_t a = 0; a < nactions && a < API_CONDITIONS_STAGE_ACTIONS; a++) {
            const char *st = json_string_value(json_object_get(latest[a], "status"));
            if (st == NULL || strcmp(st, "Succeeded") != 0) {
                continue;
            }
            ok++;
            const json_t *output = json_object_get(latest[a], "output");
            json_t *action =
                json_pack("{s:O}", "actionName", json_object_get(latest[a], "actionName"));
            if (json_object_get(output, "outputArtifacts") != NULL) {
                json_object_set(action, "outputArtifacts",
                                json_object_get(output, "outputArtifacts"));
            }
            if (json_object_get(output, "outputVariables") != NULL) {
                json_object_set(action, "outputVariables",
                                json_object_get(output, "outputVariables"));
            }
            json_array_append_new(actions, action);
        }
        const char *stage_status = ran == 0 && (succeeded || later_ran)           ? "Skipped"
                                   : (succeeded || (later_ran && ok == nactions)) ? "Succeeded"
                                                                                  : "Failed";
        json_array_insert_new(list, 0,
                              json_pack("{s:O, s:s, s:o}", "stageName",
                                        json_object_get(stage, "name"), "status", stage_status,
                                        "actions", actions));
        later_ran = later_ran || ran > 0;
    }
    return target;
}

/*
 * The target of a RollbackStage no longer in the orchestrator's working state
 * is read from the archive here and handed to the engine in the request
 * (engine_input.h "target"); one still in the state is the engine's to find.
 * 0 with *target (NULL: none to add), or the call failed.
 */
static int api_conditions_archived_target(api_call *call, const char *name, const json_t *doc,
                                          const char *stage, const char *id, json_t **target)
{
    *target = NULL;
    engine_state *state = NULL;
    int rc = api_executions_state(call, name, API_BACKEND_STATE_ONE, id, &state);
    bool hot = state != NULL && engine_state_find(state, id) != NULL;
    engine_state_free(state);
    if (rc != 0 || hot) {
        return rc;
    }
    const json_t *stages = json_object_get(json_object_get(doc, "pipeline"), "stages");
    size_t s = json_array_size(stages);
    for (size_t i = 0; i < json_array_size(stages); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(stages, i), "name"));
        if (n != NULL && strcmp(n, stage) == 0) {
            s = i;
        }
    }
    if (s == json_array_size(stages)) {
        return 0; /* the engine answers StageNotFoundException */
    }
    api_backend *b = call->env->backend;
    json_t *record = NULL;
    json_t *details = NULL;
    char err[256] = "";
    rc = b->ops->history_execution(b, name, id, &record, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return 0; /* the engine answers PipelineExecutionNotFoundException */
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the execution history", err);
    }
    double until =
        json_number_value(json_object_get(json_object_get(record, "summary"), "lastUpdateTime"));
    rc = b->ops->history_actions(b, name, (int64_t)(until * 1000.0) + 1000,
                                 API_CONDITIONS_ACTION_SCAN, &details, err, sizeof err);
    if (rc != 0) {
        json_decref(record);
        return api_call_backend_fail(call, rc, "reading the action history", err);
    }
    *target = api_conditions_target(record, details, stages, s);
    json_decref(record);
    json_decref(details);
    if (*target == NULL) {
        return api_call_fail(call, "InternalFailure",
                             "the archived record of pipeline execution %s is unreadable", id);
    }
    return 0;
}

int api_conditions_rollback(api_call *call)
{
    const char *name = NULL;
    const char *stage = NULL;
    const char *target = NULL;
    int rc = api_executions_read_stage(call, "targetPipelineExecutionId", &name, &stage, &target);
    if (rc != 0) {
        return rc;
    }
    json_t *doc = NULL;
    json_t *archived = NULL;
    rc = api_pipelines_load(call, name, &doc, NULL);
    if (rc == 0) {
        rc = api_conditions_archived_target(call, name, doc, stage, target, &archived);
    }
    json_decref(doc);
    if (rc != 0) {
        return rc;
    }
    json_t *detail = json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_ROLLBACK, "stageName",
                               stage, "targetPipelineExecutionId", target);
    if (detail != NULL && archived != NULL) {
        json_object_set_new(detail, "target", archived);
    } else {
        json_decref(archived);
    }
    if (detail == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "building the request", NULL);
    }
    return api_request_send(call, name, PROTOCOL_DETAIL_REQUEST, detail, true);
}
