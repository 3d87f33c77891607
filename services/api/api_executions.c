/*
 * api_executions.c — execution reads and requests (see api_executions.h).
 *
 * Shapes: botocore's codepipeline model (GetPipelineStateOutput,
 * PipelineExecution, PipelineExecutionSummary, ActionExecutionDetail and the
 * request inputs of StartPipelineExecution ... PutApprovalResult).
 */
#include "api_executions.h"

#include "api_atypes.h"
#include "api_input.h"
#include "api_pipelines.h"
#include "api_request.h"
#include "api_token.h"

#include "sluice/aws_json.h"
#include "sluice/bus_request.h"
#include "sluice/engine_state.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_EXECUTIONS_PAGE_DEFAULT 100
#define API_EXECUTIONS_PAGE_MAX     100
#define API_EXECUTIONS_TIE_SLACK    64   /* history entries sharing the cursor's start time */
#define API_EXECUTIONS_ACTION_SCAN  2000 /* archived action executions scanned for one execution */

/* ---- the hot state ----------------------------------------------------------- */

int api_executions_state(api_call *call, const char *pipeline, api_backend_state_scope scope,
                         const char *execution_id, engine_state **state)
{
    char err[256] = "";
    json_t *doc = NULL;
    api_backend *b = call->env->backend;
    *state = NULL;
    int rc = b->ops->state_load(b, pipeline, scope, execution_id, &doc, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the pipeline state", err);
    }
    rc = engine_state_from_json(doc, state, err, sizeof err);
    json_decref(doc);
    if (rc != 0) {
        *state = NULL;
        return api_call_fail(call, "InternalFailure", "the stored pipeline state is unreadable: %s",
                             err);
    }
    return 0;
}

/* ---- GetPipelineState ------------------------------------------------------------ */

/* GetPipelineState of a pipeline without executions, from its definition. */
static json_t *api_executions_state_from_definition(const json_t *doc)
{
    const json_t *pipeline = json_object_get(doc, "pipeline");
    json_t *stages = json_array();
    size_t i;
    json_t *stage;
    json_array_foreach(json_object_get(pipeline, "stages"), i, stage)
    {
        json_t *actions = json_array();
        size_t j;
        json_t *action;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            json_array_append_new(
                actions, json_pack("{s:O}", "actionName", json_object_get(action, "name")));
        }
        json_array_append_new(
            stages, json_pack("{s:O, s:{s:b}, s:o}", "stageName", json_object_get(stage, "name"),
                              "inboundTransitionState", "enabled", 1, "actionStates", actions));
    }
    return json_pack("{s:O, s:O, s:o}", "pipelineName", json_object_get(pipeline, "name"),
                     "pipelineVersion", json_object_get(pipeline, "version"), "stageStates",
                     stages);
}

static int api_executions_read_pipeline(api_call *call, const char *member, const char **name,
                                        json_t **doc)
{
    int rc =
        api_input_string(call, call->input, member, NULL, true, 1, 100, API_CHARSET_NAME, name);
    if (rc == 0) {
        rc = api_pipelines_load(call, *name, doc, NULL);
    }
    return rc;
}

int api_executions_get_state(api_call *call)
{
    const char *name = NULL;
    json_t *doc = NULL;
    engine_state *state = NULL;
    json_t *output = NULL;
    int rc = api_executions_read_pipeline(call, "name", &name, &doc);
    if (rc == 0) {
        rc = api_executions_state(call, name, API_BACKEND_STATE_SHOWN, NULL, &state);
    }
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    if (state != NULL && engine_state_plan(state) != NULL) {
        output = engine_view_pipeline_state(state);
    } else {
        output = api_executions_state_from_definition(doc);
    }
    const json_t *meta = json_object_get(doc, "metadata");
    if (output != NULL) {
        json_object_set_new(
            output, "created",
            aws_json_timestamp((int64_t)json_integer_value(json_object_get(meta, "created"))));
        json_object_set_new(
            output, "updated",
            aws_json_timestamp((int64_t)json_integer_value(json_object_get(meta, "updated"))));
    }
    engine_state_free(state);
    json_decref(doc);
    if (output == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "rendering the state", NULL);
    }
    return api_call_succeed(call, output);
}

/* ---- GetPipelineExecution ---------------------------------------------------------- */

static int api_executions_not_found(api_call *call, const char *pipeline, const char *id)
{
    return api_call_fail(call, "PipelineExecutionNotFoundException",
                         "Pipeline execution %s does not exist in pipeline %s", id, pipeline);
}

int api_executions_get(api_call *call)
{
    const char *name = NULL;
    const char *id = NULL;
    json_t *doc = NULL;
    engine_state *state = NULL;
    json_t *record = NULL;
    char err[256] = "";
    int rc = api_input_string(call, call->input, "pipelineExecutionId", NULL, true, 0,
                              API_INPUT_NO_MAX, API_CHARSET_UUID, &id);
    if (rc == 0) {
        rc = api_executions_read_pipeline(call, "pipelineName", &name, &doc);
    }
    json_decref(doc);
    if (rc == 0) {
        rc = api_executions_state(call, name, API_BACKEND_STATE_ONE, id, &state);
    }
    if (rc != 0) {
        return rc;
    }
    const engine_execution *x = state != NULL ? engine_state_find(state, id) : NULL;
    if (x != NULL) {
        json_t *output = engine_view_pipeline_execution(state, x);
        engine_state_free(state);
        return api_call_succeed(call, output);
    }
    engine_state_free(state);
    api_backend *b = call->env->backend;
    rc = b->ops->history_execution(b, name, id, &record, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_executions_not_found(call, name, id);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the execution history", err);
    }
    json_t *output =
        json_pack("{s:O}", "pipelineExecution", json_object_get(record, "pipelineExecution"));
    json_decref(record);
    return api_call_succeed(call, output);
}

/* ---- paging over hot state + history --------------------------------------------- */

/* One listed item: its sort key and its rendering. */
typedef struct api_executions_item {
    int64_t start_ms;
    const char *id; /* borrowed from value */
    json_t *value;  /* owned */
} api_executions_item;

typedef struct api_executions_page {
    api_executions_item *items;
    size_t count;
    size_t cap;
} api_executions_page;

static void api_executions_page_free(api_executions_page *page)
{
    for (size_t i = 0; i < page->count; i++) {
        json_decref(page->items[i].value);
    }
    free(page->items);
    memset(page, 0, sizeof *page);
}

static bool api_executions_page_has(const api_executions_page *page, const char *id)
{
    for (size_t i = 0; i < page->count; i++) {
        if (strcmp(page->items[i].id, id) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Adds value (a reference taken) keyed by its member id_member and its
 * startTime; items without them, or already present, are dropped.
 */
static int api_executions_page_add(api_executions_page *page, json_t *value, const char *id_member)
{
    const char *id = json_string_value(json_object_get(value, id_member));
    int64_t start_ms = 0;
    if (id == NULL || aws_json_timestamp_ms(json_object_get(value, "startTime"), &start_ms) != 0 ||
        api_executions_page_has(page, id)) {
        json_decref(value);
        return 0;
    }
    if (page->count == page->cap) {
        size_t cap = page->cap == 0 ? 32 : page->cap * 2;
        api_executions_item *items = realloc(page->items, cap * sizeof *items);
        if (items == NULL) {
            json_decref(value);
            return SLUICE_ENOMEM;
        }
        page->items = items;
        page->cap = cap;
    }
    page->items[page->count++] = (api_executions_item){start_ms, id, value};
    return 0;
}

/* Newest first; equal times by id, descending. */
static int api_executions_item_compare(const void *pa, const void *pb)
{
    const api_executions_item *a = pa;
    const api_executions_item *b = pb;
    if (a->start_ms != b->start_ms) {
        return a->start_ms > b->start_ms ? -1 : 1;
    }
    return -strcmp(a->id, b->id);
}

/* A cursor: the (start time, id) of the last item of the previous page. */
typedef struct api_executions_cursor {
    bool set;
    int64_t start_ms;
    char id[128];
} api_executions_cursor;

static bool api_executions_before_cursor(const api_executions_item *item,
                                         const api_executions_cursor *cursor)
{
    if (!cursor->set) {
        return true;
    }
    if (item->start_ms != cursor->start_ms) {
        return item->start_ms < cursor->start_ms;
    }
    return strcmp(item->id, cursor->id) < 0;
}

/* Reads nextToken of listing kind into cursor; the call fails for a bad token. */
static int api_executions_read_cursor(api_call *call, const char *kind,
                                      api_executions_cursor *cursor)
{
    const char *token = NULL;
    json_t *position = NULL;
    memset(cursor, 0, sizeof *cursor);
    int rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    if (rc != 0 || token == NULL) {
        return rc;
    }
    if (api_token_decode(token, kind, &position) == 0 && json_is_array(position) &&
        json_array_size(position) == 2 && json_is_integer(json_array_get(position, 0)) &&
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

/*
 * Sorts the page, keeps up to max items after the cursor and finishes the
 * call with {list_member: [...], "nextToken"} (the token when more remain).
 */
static int api_executions_page_answer(api_call *call, api_executions_page *page,
                                      const api_executions_cursor *cursor, size_t max,
                                      const char *kind, const char *list_member)
{
    if (page->count > 1) {
        qsort(page->items, page->count, sizeof page->items[0], api_executions_item_compare);
    }
    json_t *list = json_array();
    const api_executions_item *last = NULL;
    bool more = false;
    for (size_t i = 0; i < page->count; i++) {
        const api_executions_item *item = &page->items[i];
        if (!api_executions_before_cursor(item, cursor)) {
            continue;
        }
        if (json_array_size(list) == max) {
            more = true;
            break;
        }
        json_array_append(list, item->value);
        last = item;
    }
    json_t *output = json_pack("{s:o}", list_member, list);
    if (more && last != NULL && output != NULL) {
        char next[API_TOKEN_MAX + 1];
        json_t *position = json_pack("[I, s]", (json_int_t)last->start_ms, last->id);
        if (position != NULL && api_token_encode(kind, position, next, sizeof next) == 0) {
            json_object_set_new(output, "nextToken", json_string(next));
        }
        json_decref(position);
    }
    return api_call_succeed(call, output);
}

/* ---- ListPipelineExecutions --------------------------------------------------------- */

/* True when x succeeded in the stage named stage (of its own plan). */
static bool api_executions_succeeded_in(const engine_state *state, const engine_execution *x,
                                        const char *stage)
{
    const engine_plan *plan = engine_state_plan_version(state, x->pipeline_version);
    if (plan == NULL) {
        return false;
    }
    for (size_t s = 0; s < plan->nstages && s < x->nstages; s++) {
        if (strcmp(plan->stages[s].name, stage) == 0) {
            return x->stages[s].status == ENGINE_STAGE_SUCCEEDED;
        }
    }
    return false;
}

int api_executions_list(api_call *call)
{
    const char *name = NULL;
    const char *stage = NULL;
    const json_t *filter = NULL;
    const json_t *succeeded = NULL;
    int64_t max = API_EXECUTIONS_PAGE_DEFAULT;
    json_t *doc = NULL;
    json_t *records = NULL;
    engine_state *state = NULL;
    api_executions_cursor cursor;
    api_executions_page page = {0};
    char err[256] = "";
    int rc = api_input_int(call, call->input, "maxResults", NULL, false, 1, API_EXECUTIONS_PAGE_MAX,
                           &max, NULL);
    if (rc == 0) {
        rc = api_input_object(call, call->input, "filter", NULL, false, &filter);
    }
    if (rc == 0 && filter != NULL) {
        rc = api_input_object(call, filter, "succeededInStage", "filter.succeededInStage", false,
                              &succeeded);
    }
    if (rc == 0 && succeeded != NULL) {
        rc = api_input_string(call, succeeded, "stageName", "filter.succeededInStage.stageName",
                              false, 1, 100, API_CHARSET_NAME, &stage);
    }
    if (rc == 0) {
        rc = api_executions_read_cursor(call, "executions", &cursor);
    }
    if (rc == 0) {
        rc = api_executions_read_pipeline(call, "pipelineName", &name, &doc);
    }
    json_decref(doc);
    if (rc == 0) {
        rc = api_executions_state(call, name, API_BACKEND_STATE_ALL, NULL, &state);
    }
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; state != NULL && i < state->nexecs && rc == 0; i++) {
        const engine_execution *x = state->execs[i];
        if (stage != NULL && !api_executions_succeeded_in(state, x, stage)) {
            continue;
        }
        rc = api_executions_page_add(&page, engine_view_execution_summary(state, x),
                                     "pipelineExecutionId");
    }
    size_t limit = (size_t)max + (state != NULL ? state->nexecs : 0) + 1 + API_EXECUTIONS_TIE_SLACK;
    api_backend *b = call->env->backend;
    if (rc == 0) {
        rc = b->ops->history_executions(b, name, cursor.set ? cursor.start_ms : INT64_MAX, limit,
                                        &records, err, sizeof err);
        if (rc != 0) {
            rc = api_call_backend_fail(call, rc, "reading the execution history", err);
        }
    }
    size_t i;
    json_t *record;
    json_array_foreach(records, i, record)
    {
        json_t *summary = json_object_get(record, "summary");
        const char *id = json_string_value(json_object_get(summary, "pipelineExecutionId"));
        if (rc != 0 || id == NULL || (state != NULL && engine_state_find(state, id) != NULL)) {
            continue;
        }
        /* Archived records carry no stage detail: a succeeded execution succeeded in every stage.
         */
        const char *status = json_string_value(json_object_get(summary, "status"));
        if (stage != NULL && (status == NULL || strcmp(status, "Succeeded") != 0)) {
            continue;
        }
        rc = api_executions_page_add(&page, json_incref(summary), "pipelineExecutionId");
    }
    if (rc == 0) {
        rc = api_executions_page_answer(call, &page, &cursor, (size_t)max, "executions",
                                        "pipelineExecutionSummaries");
    } else if (!api_call_failed(call)) {
        rc = api_call_backend_fail(call, rc, "listing executions", NULL);
    }
    api_executions_page_free(&page);
    json_decref(records);
    engine_state_free(state);
    return rc;
}

/* ---- ListActionExecutions ------------------------------------------------------------- */

int api_executions_read_filter(api_call *call, const char **id, bool *latest_only)
{
    const json_t *filter = NULL;
    const json_t *latest = NULL;
    const char *range = NULL;
    static const char *const ranges[] = {"Latest", "All"};
    *id = NULL;
    *latest_only = false;
    int rc = api_input_object(call, call->input, "filter", NULL, false, &filter);
    if (rc != 0 || filter == NULL) {
        return rc;
    }
    rc = api_input_string(call, filter, "pipelineExecutionId", "filter.pipelineExecutionId", false,
                          0, API_INPUT_NO_MAX, API_CHARSET_UUID, id);
    if (rc == 0) {
        rc = api_input_object(call, filter, "latestInPipelineExecution",
                              "filter.latestInPipelineExecution", false, &latest);
    }
    if (rc != 0 || latest == NULL) {
        return rc;
    }
    const char *latest_id = NULL;
    rc = api_input_string(call, latest, "pipelineExecutionId",
                          "filter.latestInPipelineExecution.pipelineExecutionId", true, 0,
                          API_INPUT_NO_MAX, API_CHARSET_UUID, &latest_id);
    if (rc == 0) {
        rc = api_input_enum(call, latest, "startTimeRange",
                            "filter.latestInPipelineExecution.startTimeRange", true, ranges, 2,
                            &range);
    }
    if (rc == 0 && *id != NULL && strcmp(*id, latest_id) != 0) {
        rc = api_call_fail(call, "ValidationException",
                           "filter.pipelineExecutionId and filter.latestInPipelineExecution name "
                           "different executions");
    }
    if (rc == 0) {
        *id = latest_id;
        *latest_only = strcmp(range, "Latest") == 0;
    }
    return rc;
}

/*
 * startTimeRange Latest: keeps, of each action (stage and action name), only
 * its newest action execution in the page (an earlier attempt, before a
 * retry, is dropped).
 */
static void api_executions_keep_latest(api_executions_page *page)
{
    if (page->count > 1) {
        qsort(page->items, page->count, sizeof page->items[0], api_executions_item_compare);
    }
    size_t kept = 0;
    for (size_t i = 0; i < page->count; i++) {
        const json_t *value = page->items[i].value;
        const char *stage = json_string_value(json_object_get(value, "stageName"));
        const char *action = json_string_value(json_object_get(value, "actionName"));
        bool newer = false;
        for (size_t j = 0; j < kept && !newer; j++) {
            const json_t *other = page->items[j].value;
            const char *ostage = json_string_value(json_object_get(other, "stageName"));
            const char *oaction = json_string_value(json_object_get(other, "actionName"));
            newer = stage != NULL && action != NULL && ostage != NULL && oaction != NULL &&
                    strcmp(stage, ostage) == 0 && strcmp(action, oaction) == 0;
        }
        if (newer) {
            json_decref(page->items[i].value);
        } else {
            page->items[kept++] = page->items[i];
        }
    }
    page->count = kept;
}

int api_executions_list_actions(api_call *call)
{
    const char *name = NULL;
    const char *id = NULL;
    bool latest_only = false;
    int64_t max = API_EXECUTIONS_PAGE_DEFAULT;
    json_t *doc = NULL;
    json_t *details = NULL;
    engine_state *state = NULL;
    api_executions_cursor cursor;
    api_executions_page page = {0};
    char err[256] = "";
    int rc = api_input_int(call, call->input, "maxResults", NULL, false, 1, API_EXECUTIONS_PAGE_MAX,
                           &max, NULL);
    if (rc == 0) {
        rc = api_executions_read_filter(call, &id, &latest_only);
    }
    if (rc == 0) {
        rc = api_executions_read_cursor(call, "actions", &cursor);
    }
    if (rc == 0) {
        rc = api_executions_read_pipeline(call, "pipelineName", &name, &doc);
    }
    json_decref(doc);
    if (rc == 0) {
        rc = api_executions_state(
            call, name, id != NULL ? API_BACKEND_STATE_ONE : API_BACKEND_STATE_ALL, id, &state);
    }
    if (rc != 0) {
        return rc;
    }
    bool known = id == NULL;
    size_t nhot = 0;
    if (state != NULL && (id == NULL || engine_state_find(state, id) != NULL)) {
        json_t *view = engine_view_list_action_executions(state, id);
        json_t *list = json_object_get(view, "actionExecutionDetails");
        size_t i;
        json_t *detail;
        json_array_foreach(list, i, detail)
        {
            if (rc == 0) {
                rc = api_executions_page_add(&page, json_incref(detail), "actionExecutionId");
            }
        }
        nhot = json_array_size(list);
        json_decref(view);
        known = true;
    }
    size_t limit =
        id != NULL ? API_EXECUTIONS_ACTION_SCAN : (size_t)max + nhot + 1 + API_EXECUTIONS_TIE_SLACK;
    api_backend *b = call->env->backend;
    if (rc == 0) {
        rc = b->ops->history_actions(b, name, cursor.set ? cursor.start_ms : INT64_MAX, limit,
                                     &details, err, sizeof err);
        if (rc != 0) {
            rc = api_call_backend_fail(call, rc, "reading the action history", err);
        }
    }
    size_t i;
    json_t *detail;
    json_array_foreach(details, i, detail)
    {
        const char *exec = json_string_value(json_object_get(detail, "pipelineExecutionId"));
        if (rc != 0 || exec == NULL || (id != NULL && strcmp(exec, id) != 0)) {
            continue;
        }
        known = true;
        rc = api_executions_page_add(&page, json_incref(detail), "actionExecutionId");
    }
    if (rc == 0 && !known) {
        json_t *record = NULL;
        int found = b->ops->history_execution(b, name, id, &record, err, sizeof err);
        json_decref(record);
        if (found == SLUICE_ENOTFOUND) {
            rc = api_executions_not_found(call, name, id);
        } else if (found != 0) {
            rc = api_call_backend_fail(call, found, "reading the execution history", err);
        }
    }
    if (rc == 0 && latest_only) {
        api_executions_keep_latest(&page);
    }
    if (rc == 0) {
        rc = api_executions_page_answer(call, &page, &cursor, (size_t)max, "actions",
                                        "actionExecutionDetails");
    }
    if (rc == 0) {
        /* secret values of registered action types read "****" (api_atypes.h) */
        rc = api_atypes_mask_action_executions(
            call, json_object_get(call->output, "actionExecutionDetails"));
    } else if (!api_call_failed(call)) {
        rc = api_call_backend_fail(call, rc, "listing action executions", NULL);
    }
    api_executions_page_free(&page);
    json_decref(details);
    engine_state_free(state);
    return rc;
}

/* ---- requests ------------------------------------------------------------------------ */

/* Copies the list member `name` of the input into detail when present. */
static void api_executions_copy(json_t *detail, const json_t *input, const char *name)
{
    json_t *value = json_object_get(input, name);
    if (value != NULL && !json_is_null(value)) {
        json_object_set_new(detail, name, json_deep_copy(value));
    }
}

/* One PipelineVariable: name and value, both required. */
static int api_executions_check_variable(api_call *call, const json_t *variable, const char *path,
                                         const json_t *list, size_t index)
{
    char field[128];
    const char *ignored = NULL;
    (void)list;
    (void)index;
    snprintf(field, sizeof field, "%s.name", path);
    int rc = api_input_string(call, variable, "name", field, true, 1, 128, API_CHARSET_VARIABLE,
                              &ignored);
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.value", path);
        rc = api_input_string(call, variable, "value", field, true, 1, 1000, API_CHARSET_ANY,
                              &ignored);
    }
    return rc;
}

static int api_executions_check_variables(api_call *call)
{
    const json_t *variables = NULL;
    int rc = api_input_array(call, call->input, "variables", NULL, false, 1, 50, &variables);
    if (rc != 0) {
        return rc;
    }
    return api_input_structures(call, variables, "variables", api_executions_check_variable);
}

/* One SourceRevisionOverride: actionName, revisionType and revisionValue, all required. */
static int api_executions_check_revision(api_call *call, const json_t *revision, const char *path,
                                         const json_t *list, size_t index)
{
    static const char *const types[] = {"COMMIT_ID", "IMAGE_DIGEST", "S3_OBJECT_VERSION_ID",
                                        "S3_OBJECT_KEY"};
    char field[128];
    const char *ignored = NULL;
    (void)list;
    (void)index;
    snprintf(field, sizeof field, "%s.actionName", path);
    int rc = api_input_string(call, revision, "actionName", field, true, 1, 100, API_CHARSET_NAME,
                              &ignored);
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.revisionType", path);
        rc = api_input_enum(call, revision, "revisionType", field, true, types, 4, &ignored);
    }
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.revisionValue", path);
        rc = api_input_string(call, revision, "revisionValue", field, true, 1, 1500,
                              API_CHARSET_ANY, &ignored);
    }
    return rc;
}

static int api_executions_check_revisions(api_call *call)
{
    const json_t *revisions = NULL;
    int rc = api_input_array(call, call->input, "sourceRevisions", NULL, false, 0, 50, &revisions);
    if (rc != 0) {
        return rc;
    }
    return api_input_structures(call, revisions, "sourceRevisions", api_executions_check_revision);
}

int api_executions_read_stage(api_call *call, const char *execution_member, const char **name,
                              const char **stage, const char **execution_id)
{
    int rc = api_input_string(call, call->input, "pipelineName", NULL, true, 1, 100,
                              API_CHARSET_NAME, name);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "stageName", NULL, true, 1, 100, API_CHARSET_NAME,
                              stage);
    }
    if (rc == 0 && execution_member != NULL) {
        rc = api_input_string(call, call->input, execution_member, NULL, true, 0, API_INPUT_NO_MAX,
                              API_CHARSET_UUID, execution_id);
    }
    return rc;
}

int api_executions_send(api_call *call, const char *pipeline, json_t *detail)
{
    json_t *doc = NULL;
    int rc = api_pipelines_load(call, pipeline, &doc, NULL);
    json_decref(doc);
    if (rc != 0) {
        json_decref(detail);
        return rc;
    }
    if (detail == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "building the request", NULL);
    }
    return api_request_send(call, pipeline, PROTOCOL_DETAIL_REQUEST, detail, true);
}

int api_executions_start(api_call *call)
{
    const char *name = NULL;
    const char *token = NULL;
    int rc =
        api_input_string(call, call->input, "name", NULL, true, 1, 100, API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "clientRequestToken", NULL, false, 1, 128,
                              API_CHARSET_TOKEN, &token);
    }
    if (rc == 0) {
        rc = api_executions_check_variables(call);
    }
    if (rc == 0) {
        rc = api_executions_check_revisions(call);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *detail = json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_START, "triggerType",
                               "StartPipelineExecution", "triggerDetail", call->caller_arn);
    if (detail != NULL) {
        if (token != NULL) {
            json_object_set_new(detail, "clientRequestToken", json_string(token));
        }
        api_executions_copy(detail, call->input, "variables");
        api_executions_copy(detail, call->input, "sourceRevisions");
    }
    return api_executions_send(call, name, detail);
}

int api_executions_stop(api_call *call)
{
    const char *name = NULL;
    const char *id = NULL;
    const char *reason = NULL;
    bool abandon = false;
    int rc = api_input_string(call, call->input, "pipelineName", NULL, true, 1, 100,
                              API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "pipelineExecutionId", NULL, true, 0,
                              API_INPUT_NO_MAX, API_CHARSET_UUID, &id);
    }
    if (rc == 0) {
        rc = api_input_bool(call, call->input, "abandon", NULL, false, &abandon);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "reason", NULL, false, 0, 200, API_CHARSET_ANY,
                              &reason);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *detail = json_pack("{s:s, s:s, s:b}", "type", PROTOCOL_REQUEST_STOP,
                               "pipelineExecutionId", id, "abandon", abandon);
    if (detail != NULL && reason != NULL) {
        json_object_set_new(detail, "reason", json_string(reason));
    }
    return api_executions_send(call, name, detail);
}

int api_executions_retry(api_call *call)
{
    static const char *const modes[] = {"FAILED_ACTIONS", "ALL_ACTIONS"};
    const char *name = NULL;
    const char *stage = NULL;
    const char *id = NULL;
    const char *mode = NULL;
    int rc = api_executions_read_stage(call, "pipelineExecutionId", &name, &stage, &id);
    if (rc == 0) {
        rc = api_input_enum(call, call->input, "retryMode", NULL, true, modes, 2, &mode);
    }
    if (rc != 0) {
        return rc;
    }
    return api_executions_send(call, name,
                               json_pack("{s:s, s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_RETRY,
                                         "pipelineExecutionId", id, "stageName", stage, "retryMode",
                                         mode));
}

static int api_executions_transition(api_call *call, bool enable)
{
    static const char *const types[] = {"Inbound", "Outbound"};
    const char *name = NULL;
    const char *stage = NULL;
    const char *type = NULL;
    const char *reason = NULL;
    int rc = api_executions_read_stage(call, NULL, &name, &stage, NULL);
    if (rc == 0) {
        rc = api_input_enum(call, call->input, "transitionType", NULL, true, types, 2, &type);
    }
    if (rc == 0 && !enable) {
        rc = api_input_string(call, call->input, "reason", NULL, true, 1, 300, API_CHARSET_REASON,
                              &reason);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *detail =
        json_pack("{s:s, s:s, s:s}", "type",
                  enable ? PROTOCOL_REQUEST_ENABLE_TRANSITION : PROTOCOL_REQUEST_DISABLE_TRANSITION,
                  "stageName", stage, "transitionType", type);
    if (detail != NULL && reason != NULL) {
        json_object_set_new(detail, "reason", json_string(reason));
    }
    rc = api_executions_send(call, name, detail);
    if (rc == 0) {
        rc = api_call_succeed(call, NULL); /* the operation has no output members */
    }
    return rc;
}

int api_executions_enable_transition(api_call *call)
{
    return api_executions_transition(call, true);
}

int api_executions_disable_transition(api_call *call)
{
    return api_executions_transition(call, false);
}

int api_executions_approve(api_call *call)
{
    static const char *const statuses[] = {"Approved", "Rejected"};
    const char *name = NULL;
    const char *stage = NULL;
    const char *action = NULL;
    const char *token = NULL;
    const char *status = NULL;
    const char *summary = NULL;
    const json_t *result = NULL;
    int rc = api_executions_read_stage(call, NULL, &name, &stage, NULL);
    if (rc == 0) {
        rc = api_input_string(call, call->input, "actionName", NULL, true, 1, 100, API_CHARSET_NAME,
                              &action);
    }
    if (rc == 0) {
        rc = api_input_object(call, call->input, "result", NULL, true, &result);
    }
    if (rc == 0) {
        rc = api_input_string(call, result, "summary", "result.summary", true, 0, 512,
                              API_CHARSET_ANY, &summary);
    }
    if (rc == 0) {
        rc = api_input_enum(call, result, "status", "result.status", true, statuses, 2, &status);
    }
    if (rc == 0) {
        rc = api_input_string(call, call->input, "token", NULL, true, 0, API_INPUT_NO_MAX,
                              API_CHARSET_UUID, &token);
    }
    if (rc != 0) {
        return rc;
    }
    /* A vote by the caller, with the groups and e-mail address of its identity (engine_input.h). */
    const char *groups[AWS_CREDENTIAL_MAX_GROUPS];
    const char *emails[1];
    const aws_credential *profile = call->profile;
    bus_request_vote vote = {.stage = stage,
                             .action = action,
                             .token = token,
                             .identity = call->caller_arn,
                             .groups = groups,
                             .emails = emails,
                             .status = status,
                             .summary = summary};
    for (size_t i = 0; profile != NULL && i < profile->ngroups; i++) {
        groups[vote.ngroups++] = profile->groups[i];
    }
    if (profile != NULL && profile->email[0] != '\0') {
        emails[vote.nemails++] = profile->email;
    }
    return api_executions_send(call, name, bus_request_vote_detail(&vote));
}
