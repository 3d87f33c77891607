/*
 * engine_state.c — the per-pipeline execution state: construction, lookups,
 * eviction and the lossless JSON form documented in engine_state.h.
 */
#include "sluice/engine_state.h"

#include "engine_util.h"
#include "sluice/engine_json.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

/* ---- names --------------------------------------------------------------- */

static const char *const engine_state_exec_names[] = {
    [ENGINE_EXEC_IN_PROGRESS] = "InProgress", [ENGINE_EXEC_STOPPING] = "Stopping",
    [ENGINE_EXEC_STOPPED] = "Stopped",        [ENGINE_EXEC_SUCCEEDED] = "Succeeded",
    [ENGINE_EXEC_SUPERSEDED] = "Superseded",  [ENGINE_EXEC_FAILED] = "Failed",
    [ENGINE_EXEC_CANCELLED] = "Cancelled",
};

static const char *const engine_state_stage_names[] = {
    [ENGINE_STAGE_NOT_STARTED] = "NotStarted", [ENGINE_STAGE_IN_PROGRESS] = "InProgress",
    [ENGINE_STAGE_STOPPING] = "Stopping",      [ENGINE_STAGE_STOPPED] = "Stopped",
    [ENGINE_STAGE_SUCCEEDED] = "Succeeded",    [ENGINE_STAGE_FAILED] = "Failed",
    [ENGINE_STAGE_CANCELLED] = "Cancelled",    [ENGINE_STAGE_SKIPPED] = "Skipped",
};

static const char *const engine_state_condition_names[] = {
    [ENGINE_COND_NONE] = "None",           [ENGINE_COND_IN_PROGRESS] = "InProgress",
    [ENGINE_COND_FAILED] = "Failed",       [ENGINE_COND_ERRORED] = "Errored",
    [ENGINE_COND_SUCCEEDED] = "Succeeded", [ENGINE_COND_CANCELLED] = "Cancelled",
    [ENGINE_COND_ABANDONED] = "Abandoned", [ENGINE_COND_OVERRIDDEN] = "Overridden",
};

static const char *const engine_state_rule_names[] = {
    [ENGINE_RULE_NOT_STARTED] = "NotStarted", [ENGINE_RULE_IN_PROGRESS] = "InProgress",
    [ENGINE_RULE_SUCCEEDED] = "Succeeded",    [ENGINE_RULE_FAILED] = "Failed",
    [ENGINE_RULE_ABANDONED] = "Abandoned",
};

static const char *const engine_state_trigger_names[] = {
    [ENGINE_RETRY_TRIGGER_NONE] = "None",
    [ENGINE_RETRY_TRIGGER_AUTOMATED] = "AutomatedStageRetry",
    [ENGINE_RETRY_TRIGGER_MANUAL] = "ManualStageRetry",
};

static const char *const engine_state_kind_keys[ENGINE_CONDITION_KINDS] = {
    "beforeEntry", "onSuccess", "onFailure"};

static const char *const engine_state_action_names[] = {
    [ENGINE_ACTION_NOT_STARTED] = "NotStarted", [ENGINE_ACTION_IN_PROGRESS] = "InProgress",
    [ENGINE_ACTION_SUCCEEDED] = "Succeeded",    [ENGINE_ACTION_FAILED] = "Failed",
    [ENGINE_ACTION_ABANDONED] = "Abandoned",
};

#define ENGINE_STATE_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* names[status] when status is inside the table, otherwise fallback. */
static const char *engine_state_name_lookup(const char *const *names, size_t n, size_t status,
                                            const char *fallback)
{
    return status < n ? names[status] : fallback;
}

const char *engine_state_exec_status_name(engine_exec_status status)
{
    return engine_state_name_lookup(engine_state_exec_names,
                                    ENGINE_STATE_COUNT(engine_state_exec_names), (size_t)status,
                                    "InProgress");
}

const char *engine_state_stage_status_name(engine_stage_status status)
{
    return engine_state_name_lookup(engine_state_stage_names,
                                    ENGINE_STATE_COUNT(engine_state_stage_names), (size_t)status,
                                    "NotStarted");
}

const char *engine_state_action_status_name(engine_action_status status)
{
    return engine_state_name_lookup(engine_state_action_names,
                                    ENGINE_STATE_COUNT(engine_state_action_names), (size_t)status,
                                    "NotStarted");
}

const char *engine_state_condition_status_name(engine_condition_status status)
{
    return engine_state_name_lookup(engine_state_condition_names,
                                    ENGINE_STATE_COUNT(engine_state_condition_names),
                                    (size_t)status, "None");
}

const char *engine_state_rule_status_name(engine_rule_status status)
{
    return engine_state_name_lookup(engine_state_rule_names,
                                    ENGINE_STATE_COUNT(engine_state_rule_names), (size_t)status,
                                    "NotStarted");
}

/* Index of name in names[], or -1. */
static int engine_state_name_index(const char *const *names, size_t n, const char *name)
{
    if (name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

bool engine_state_exec_terminal(engine_exec_status status)
{
    return status != ENGINE_EXEC_IN_PROGRESS && status != ENGINE_EXEC_STOPPING;
}

/* ---- lifecycle ----------------------------------------------------------- */

engine_state *engine_state_new(const char *pipeline)
{
    engine_state *state = engine_util_calloc(1, sizeof *state);
    state->pipeline = engine_util_strdup(pipeline != NULL ? pipeline : "");
    state->keep_terminal = ENGINE_STATE_KEEP_TERMINAL;
    return state;
}

static void engine_state_kvs_free(engine_kv *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].key);
        free(items[i].value);
    }
    free(items);
}

static void engine_state_artifacts_free(engine_artifact *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].name);
        free(items[i].bucket);
        free(items[i].key);
    }
    free(items);
}

void engine_state_action_run_clear(engine_action_run *run)
{
    int attempt = run->attempt;
    free(run->action_execution_id);
    free(run->job_id);
    free(run->token);
    free(run->summary);
    free(run->external_id);
    free(run->external_url);
    free(run->error_code);
    free(run->error_message);
    free(run->updated_by);
    free(run->continuation);
    engine_state_kvs_free(run->resolved, run->nresolved);
    engine_state_artifacts_free(run->inputs, run->ninputs);
    engine_state_artifacts_free(run->outputs, run->noutputs);
    engine_state_kvs_free(run->output_vars, run->noutput_vars);
    for (size_t i = 0; i < run->nvotes; i++) {
        free(run->votes[i].identity);
        free(run->votes[i].comment);
    }
    free(run->votes);
    memset(run, 0, sizeof *run);
    run->attempt = attempt;
    run->percent_complete = -1;
}

static void engine_state_rule_run_free(engine_rule_run *run)
{
    free(run->rule_execution_id);
    free(run->job_id);
    free(run->summary);
    free(run->external_id);
    free(run->external_url);
    free(run->error_code);
    free(run->error_message);
    free(run->continuation);
    engine_state_kvs_free(run->resolved, run->nresolved);
    engine_state_artifacts_free(run->inputs, run->ninputs);
}

void engine_state_condition_run_clear(engine_stage_condition_run *run)
{
    for (size_t c = 0; c < run->nconditions; c++) {
        engine_condition_run *cond = &run->conditions[c];
        for (size_t r = 0; r < cond->nrules; r++) {
            engine_state_rule_run_free(&cond->rules[r]);
        }
        free(cond->rules);
        free(cond->summary);
    }
    free(run->conditions);
    free(run->summary);
    memset(run, 0, sizeof *run);
}

static void engine_state_exec_free(engine_execution *x)
{
    if (x == NULL) {
        return;
    }
    free(x->id);
    free(x->status_summary);
    free(x->trigger_type);
    free(x->trigger_detail);
    free(x->client_token);
    free(x->rollback_target);
    engine_state_kvs_free(x->variables, x->nvariables);
    for (size_t i = 0; i < x->noverrides; i++) {
        free(x->overrides[i].action_name);
        free(x->overrides[i].revision_type);
        free(x->overrides[i].revision_value);
    }
    free(x->overrides);
    for (size_t i = 0; i < x->nrevisions; i++) {
        free(x->revisions[i].action_name);
        free(x->revisions[i].name);
        free(x->revisions[i].revision_id);
        free(x->revisions[i].change_id);
        free(x->revisions[i].summary);
        free(x->revisions[i].url);
    }
    free(x->revisions);
    free(x->stop_reason);
    for (size_t s = 0; s < x->nstages; s++) {
        for (size_t a = 0; a < x->stages[s].nactions; a++) {
            engine_state_action_run_clear(&x->stages[s].actions[a]);
        }
        free(x->stages[s].actions);
        for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
            engine_state_condition_run_clear(&x->stages[s].conditions[k]);
        }
    }
    free(x->stages);
    free(x);
}

static void engine_state_transition_free(engine_transition *t)
{
    free(t->reason);
    free(t->changed_by);
}

static void engine_state_stage_state_free(engine_stage_state *st)
{
    free(st->name);
    engine_state_transition_free(&st->inbound);
    engine_state_transition_free(&st->outbound);
    free(st->latest_execution_id);
    engine_util_free_strs(st->action_latest, st->nactions);
}

void engine_state_free(engine_state *state)
{
    if (state == NULL) {
        return;
    }
    free(state->pipeline);
    for (size_t i = 0; i < state->nplans; i++) {
        engine_plan_free(state->plans[i]);
    }
    free(state->plans);
    for (size_t i = 0; i < state->nstages; i++) {
        engine_state_stage_state_free(&state->stages[i]);
    }
    free(state->stages);
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_state_exec_free(state->execs[i]);
    }
    free(state->execs);
    engine_util_free_strs(state->stored_ids, state->nstored_ids);
    free(state->plans_text);
    free(state);
}

/* Drops the kept text of the plans (they changed). */
static void engine_state_plans_changed(engine_state *state)
{
    free(state->plans_text);
    state->plans_text = NULL;
    state->plans_len = 0;
}

/* ---- lookups ------------------------------------------------------------- */

const engine_plan *engine_state_plan(const engine_state *state)
{
    return state->nplans > 0 ? state->plans[state->nplans - 1] : NULL;
}

const engine_plan *engine_state_plan_version(const engine_state *state, int64_t version)
{
    for (size_t i = 0; i < state->nplans; i++) {
        if (state->plans[i]->version == version) {
            return state->plans[i];
        }
    }
    return NULL;
}

engine_execution *engine_state_find(const engine_state *state, const char *execution_id)
{
    if (execution_id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < state->nexecs; i++) {
        if (strcmp(state->execs[i]->id, execution_id) == 0) {
            state->execs[i]->dirty = true; /* handed out mutable */
            return state->execs[i];
        }
    }
    return NULL;
}

/* True when the state holds an execution with that id (marks nothing). */
static bool engine_state_has(const engine_state *state, const char *execution_id)
{
    for (size_t i = 0; i < state->nexecs; i++) {
        if (strcmp(state->execs[i]->id, execution_id) == 0) {
            return true;
        }
    }
    return false;
}

engine_execution *engine_state_lock_holder(const engine_state *state, size_t stage)
{
    const engine_plan *plan = engine_state_plan(state);
    if (plan == NULL || plan->mode == MODEL_MODE_PARALLEL) {
        return NULL;
    }
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_execution *x = state->execs[i];
        if (!engine_state_exec_terminal(x->status) && x->in_stage && x->stage_index == stage &&
            x->pipeline_version == plan->version) {
            x->dirty = true; /* handed out mutable */
            return x;
        }
    }
    return NULL;
}

size_t engine_state_active_count(const engine_state *state)
{
    size_t n = 0;
    for (size_t i = 0; i < state->nexecs; i++) {
        if (!engine_state_exec_terminal(state->execs[i]->status)) {
            n++;
        }
    }
    return n;
}

/* ---- changes ------------------------------------------------------------- */

static void engine_state_append(engine_state *state, engine_execution *x)
{
    engine_util_reserve((void **)&state->execs, &state->cap_execs, state->nexecs + 1,
                        sizeof *state->execs);
    state->execs[state->nexecs++] = x;
}

static void engine_state_exec_shape(engine_execution *x, size_t nstages, const size_t *nactions)
{
    x->nstages = nstages;
    x->stages = engine_util_calloc(nstages, sizeof *x->stages);
    for (size_t s = 0; s < nstages; s++) {
        x->stages[s].nactions = nactions[s];
        x->stages[s].actions = engine_util_calloc(nactions[s], sizeof *x->stages[s].actions);
        for (size_t a = 0; a < nactions[s]; a++) {
            x->stages[s].actions[a].percent_complete = -1;
        }
    }
}

engine_execution *engine_state_new_execution(const char *id, const engine_plan *plan)
{
    engine_execution *x = engine_util_calloc(1, sizeof *x);
    x->id = engine_util_strdup(id);
    x->status = ENGINE_EXEC_IN_PROGRESS;
    x->pipeline_version = plan->version;
    x->mode = plan->mode;
    x->attempt = 1;
    size_t *nactions = engine_util_calloc(plan->nstages, sizeof *nactions);
    for (size_t s = 0; s < plan->nstages; s++) {
        nactions[s] = plan->stages[s].nactions;
    }
    engine_state_exec_shape(x, plan->nstages, nactions);
    free(nactions);
    return x;
}

void engine_state_execution_free(engine_execution *x)
{
    engine_state_exec_free(x);
}

engine_execution *engine_state_add_execution(engine_state *state, const char *id,
                                             const engine_plan *plan)
{
    engine_execution *x = engine_state_new_execution(id, plan);
    engine_state_append(state, x);
    return x;
}

static const engine_stage_state *engine_state_old_stage(const engine_stage_state *old, size_t nold,
                                                        const char *name)
{
    for (size_t i = 0; i < nold; i++) {
        if (strcmp(old[i].name, name) == 0) {
            return &old[i];
        }
    }
    return NULL;
}

static void engine_state_transition_copy(engine_transition *dst, const engine_transition *src)
{
    dst->enabled = src->enabled;
    dst->reason = engine_util_strdup(src->reason);
    dst->changed_by = engine_util_strdup(src->changed_by);
    dst->changed_at_ms = src->changed_at_ms;
}

void engine_state_install_plan(engine_state *state, engine_plan *plan)
{
    const engine_plan *old_plan = engine_state_plan(state);
    engine_stage_state *old = state->stages;
    size_t nold = state->nstages;

    engine_stage_state *stages = engine_util_calloc(plan->nstages, sizeof *stages);
    for (size_t s = 0; s < plan->nstages; s++) {
        const engine_plan_stage *ps = &plan->stages[s];
        engine_stage_state *st = &stages[s];
        st->name = engine_util_strdup(ps->name);
        st->nactions = ps->nactions;
        st->action_latest = engine_util_calloc(ps->nactions, sizeof *st->action_latest);
        const engine_stage_state *prev = engine_state_old_stage(old, nold, ps->name);
        if (prev == NULL) {
            st->inbound.enabled = true;
            st->outbound.enabled = true;
            continue;
        }
        engine_state_transition_copy(&st->inbound, &prev->inbound);
        engine_state_transition_copy(&st->outbound, &prev->outbound);
        st->latest_execution_id = engine_util_strdup(prev->latest_execution_id);
        size_t old_index = engine_plan_stage_index(old_plan, ps->name);
        const engine_plan_stage *old_stage =
            old_index != ENGINE_PLAN_NOT_FOUND ? &old_plan->stages[old_index] : NULL;
        for (size_t a = 0; a < ps->nactions; a++) {
            size_t oa = engine_plan_action_index(old_stage, ps->actions[a].name);
            if (oa != ENGINE_PLAN_NOT_FOUND && oa < prev->nactions) {
                st->action_latest[a] = engine_util_strdup(prev->action_latest[oa]);
            }
        }
    }
    for (size_t i = 0; i < nold; i++) {
        engine_state_stage_state_free(&old[i]);
    }
    free(old);
    state->stages = stages;
    state->nstages = plan->nstages;

    state->plans = engine_util_realloc(state->plans, state->nplans + 1, sizeof *state->plans);
    state->plans[state->nplans++] = plan;
    engine_state_plans_changed(state);
}

static bool engine_state_pinned(const engine_state *state, const char *id)
{
    for (size_t s = 0; s < state->nstages; s++) {
        if (engine_util_str_eq(state->stages[s].latest_execution_id, id)) {
            return true;
        }
        for (size_t a = 0; a < state->stages[s].nactions; a++) {
            if (engine_util_str_eq(state->stages[s].action_latest[a], id)) {
                return true;
            }
        }
    }
    return false;
}

/*
 * Marks in keep[] (parallel to state->execs) the rollback target of every
 * stage: the newest execution of the current plan that succeeded in it and
 * is not a rollback (what RollbackStage and an automatic rollback go back
 * to), so that it stays in the state.
 */
static void engine_state_mark_rollback_targets(const engine_state *state, bool *keep)
{
    const engine_plan *plan = engine_state_plan(state);
    for (size_t s = 0; plan != NULL && s < state->nstages; s++) {
        for (size_t i = state->nexecs; i > 0; i--) {
            const engine_execution *y = state->execs[i - 1];
            if (y->rollback_target == NULL && y->pipeline_version == plan->version &&
                s < y->nstages && y->stages[s].status == ENGINE_STAGE_SUCCEEDED) {
                keep[i - 1] = true;
                break;
            }
        }
    }
}

void engine_state_evict(engine_state *state)
{
    size_t unpinned_terminal = 0;
    bool *keep = engine_util_calloc(state->nexecs > 0 ? state->nexecs : 1, sizeof *keep);
    engine_state_mark_rollback_targets(state, keep);
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        keep[i] = keep[i] || engine_state_pinned(state, x->id);
        if (engine_state_exec_terminal(x->status) && !keep[i]) {
            unpinned_terminal++;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_execution *x = state->execs[i];
        bool drop = unpinned_terminal > state->keep_terminal &&
                    engine_state_exec_terminal(x->status) && !keep[i];
        if (drop) {
            unpinned_terminal--;
            engine_state_exec_free(x);
            continue;
        }
        state->execs[kept++] = x;
    }
    free(keep);
    state->nexecs = kept;

    size_t kept_plans = 0;
    for (size_t p = 0; p < state->nplans; p++) {
        engine_plan *plan = state->plans[p];
        bool used = p + 1 == state->nplans;
        for (size_t i = 0; i < state->nexecs && !used; i++) {
            used = state->execs[i]->pipeline_version == plan->version;
        }
        if (!used) {
            engine_plan_free(plan);
            continue;
        }
        state->plans[kept_plans++] = plan;
    }
    if (kept_plans != state->nplans) {
        engine_state_plans_changed(state);
    }
    state->nplans = kept_plans;
}

/* ---- JSON out ------------------------------------------------------------ */

static json_t *engine_state_artifacts_json(const engine_artifact *items, size_t n)
{
    json_t *arr = engine_util_arr();
    for (size_t i = 0; i < n; i++) {
        json_t *obj = engine_util_obj();
        engine_util_put_str(obj, "name", items[i].name);
        engine_util_put_str(obj, "bucket", items[i].bucket);
        engine_util_put_str(obj, "key", items[i].key);
        engine_util_push(arr, obj);
    }
    return arr;
}

static json_t *engine_state_transition_json(const engine_transition *t)
{
    json_t *obj = engine_util_obj();
    engine_util_put_bool(obj, "enabled", t->enabled);
    engine_util_put_str(obj, "disabledReason", t->reason);
    engine_util_put_str(obj, "lastChangedBy", t->changed_by);
    engine_util_put_int(obj, "lastChangedAt", t->changed_at_ms);
    return obj;
}

/*
 * Members equal to their defaults (not started, 0, -1, empty) are left out; the reader restores
 * them.
 */
static json_t *engine_state_action_json(const engine_action_run *r)
{
    json_t *obj = engine_util_obj();
    if (r->status != ENGINE_ACTION_NOT_STARTED) {
        engine_util_put_str(obj, "status", engine_state_action_status_name(r->status));
    }
    if (r->attempt != 0) {
        engine_util_put_int(obj, "attempt", r->attempt);
    }
    engine_util_put_str(obj, "actionExecutionId", r->action_execution_id);
    engine_util_put_str(obj, "jobId", r->job_id);
    engine_util_put_str(obj, "token", r->token);
    if (r->start_ms != 0) {
        engine_util_put_int(obj, "startTime", r->start_ms);
    }
    if (r->last_change_ms != 0) {
        engine_util_put_int(obj, "lastStatusChange", r->last_change_ms);
    }
    if (r->deadline_ms != 0) {
        engine_util_put_int(obj, "deadline", r->deadline_ms);
    }
    engine_util_put_str(obj, "summary", r->summary);
    engine_util_put_str(obj, "externalExecutionId", r->external_id);
    engine_util_put_str(obj, "externalExecutionUrl", r->external_url);
    if (r->percent_complete != -1) {
        engine_util_put_int(obj, "percentComplete", r->percent_complete);
    }
    engine_util_put_str(obj, "errorCode", r->error_code);
    engine_util_put_str(obj, "errorMessage", r->error_message);
    engine_util_put_str(obj, "updatedBy", r->updated_by);
    engine_util_put_str(obj, "continuationToken", r->continuation);
    if (r->nresolved > 0) {
        engine_util_put(obj, "resolvedConfiguration",
                        engine_util_kvs_object(r->resolved, r->nresolved));
    }
    if (r->ninputs > 0) {
        engine_util_put(obj, "inputArtifacts", engine_state_artifacts_json(r->inputs, r->ninputs));
    }
    if (r->noutputs > 0) {
        engine_util_put(obj, "outputArtifacts",
                        engine_state_artifacts_json(r->outputs, r->noutputs));
    }
    if (r->noutput_vars > 0) {
        engine_util_put(obj, "outputVariables",
                        engine_util_kvs_object(r->output_vars, r->noutput_vars));
    }
    if (r->nvotes > 0) {
        json_t *votes = engine_util_arr();
        for (size_t i = 0; i < r->nvotes; i++) {
            json_t *vote = engine_util_obj();
            engine_util_put_str(vote, "identity", r->votes[i].identity);
            engine_util_put_int(vote, "time", r->votes[i].at_ms);
            engine_util_put_str(vote, "status", r->votes[i].approved ? "Approved" : "Rejected");
            engine_util_put_str(vote, "comment", r->votes[i].comment);
            engine_util_push(votes, vote);
        }
        engine_util_put(obj, "votes", votes);
    }
    return obj;
}

static json_t *engine_state_rule_json(const engine_rule_run *r)
{
    json_t *obj = engine_util_obj();
    if (r->status != ENGINE_RULE_NOT_STARTED) {
        engine_util_put_str(obj, "status", engine_state_rule_status_name(r->status));
    }
    engine_util_put_str(obj, "ruleExecutionId", r->rule_execution_id);
    engine_util_put_str(obj, "jobId", r->job_id);
    if (r->start_ms != 0) {
        engine_util_put_int(obj, "startTime", r->start_ms);
    }
    if (r->last_change_ms != 0) {
        engine_util_put_int(obj, "lastStatusChange", r->last_change_ms);
    }
    if (r->deadline_ms != 0) {
        engine_util_put_int(obj, "deadline", r->deadline_ms);
    }
    engine_util_put_str(obj, "summary", r->summary);
    engine_util_put_str(obj, "externalExecutionId", r->external_id);
    engine_util_put_str(obj, "externalExecutionUrl", r->external_url);
    engine_util_put_str(obj, "errorCode", r->error_code);
    engine_util_put_str(obj, "errorMessage", r->error_message);
    engine_util_put_str(obj, "continuationToken", r->continuation);
    if (r->nresolved > 0) {
        engine_util_put(obj, "resolvedConfiguration",
                        engine_util_kvs_object(r->resolved, r->nresolved));
    }
    if (r->ninputs > 0) {
        engine_util_put(obj, "inputArtifacts", engine_state_artifacts_json(r->inputs, r->ninputs));
    }
    return obj;
}

static json_t *engine_state_conditions_json(const engine_stage_condition_run *run)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "status", engine_state_condition_status_name(run->status));
    engine_util_put_str(obj, "summary", run->summary);
    engine_util_put_int(obj, "lastStatusChange", run->last_change_ms);
    json_t *conditions = engine_util_arr();
    for (size_t c = 0; c < run->nconditions; c++) {
        const engine_condition_run *cond = &run->conditions[c];
        json_t *item = engine_util_obj();
        engine_util_put_str(item, "status", engine_state_condition_status_name(cond->status));
        engine_util_put_str(item, "summary", cond->summary);
        engine_util_put_int(item, "lastStatusChange", cond->last_change_ms);
        json_t *rules = engine_util_arr();
        for (size_t r = 0; r < cond->nrules; r++) {
            engine_util_push(rules, engine_state_rule_json(&cond->rules[r]));
        }
        engine_util_put(item, "rules", rules);
        engine_util_push(conditions, item);
    }
    engine_util_put(obj, "conditions", conditions);
    return obj;
}

static json_t *engine_state_exec_json(const engine_execution *x)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "id", x->id);
    engine_util_put_str(obj, "status", engine_state_exec_status_name(x->status));
    engine_util_put_str(obj, "statusSummary", x->status_summary);
    engine_util_put_int(obj, "pipelineVersion", x->pipeline_version);
    engine_util_put_str(obj, "executionMode", engine_plan_mode_name(x->mode));
    json_t *trigger = engine_util_obj();
    engine_util_put_str(trigger, "triggerType", x->trigger_type);
    engine_util_put_str(trigger, "triggerDetail", x->trigger_detail);
    engine_util_put(obj, "trigger", trigger);
    engine_util_put_str(obj, "clientRequestToken", x->client_token);
    if (x->rollback_target != NULL) {
        engine_util_put_str(obj, "rollbackTarget", x->rollback_target);
        engine_util_put_int(obj, "rollbackStage", (int64_t)x->rollback_stage);
    }
    json_t *vars = engine_util_arr();
    for (size_t i = 0; i < x->nvariables; i++) {
        json_t *var = engine_util_obj();
        engine_util_put_str(var, "name", x->variables[i].key);
        engine_util_put_str(var, "resolvedValue", x->variables[i].value);
        engine_util_push(vars, var);
    }
    engine_util_put(obj, "variables", vars);
    json_t *overrides = engine_util_arr();
    for (size_t i = 0; i < x->noverrides; i++) {
        json_t *o = engine_util_obj();
        engine_util_put_str(o, "actionName", x->overrides[i].action_name);
        engine_util_put_str(o, "revisionType", x->overrides[i].revision_type);
        engine_util_put_str(o, "revisionValue", x->overrides[i].revision_value);
        engine_util_push(overrides, o);
    }
    engine_util_put(obj, "sourceRevisionOverrides", overrides);
    json_t *revisions = engine_util_arr();
    for (size_t i = 0; i < x->nrevisions; i++) {
        const engine_revision *r = &x->revisions[i];
        json_t *o = engine_util_obj();
        engine_util_put_str(o, "actionName", r->action_name);
        engine_util_put_str(o, "name", r->name);
        engine_util_put_str(o, "revisionId", r->revision_id);
        engine_util_put_str(o, "revisionChangeIdentifier", r->change_id);
        engine_util_put_str(o, "revisionSummary", r->summary);
        engine_util_put_int(o, "created", r->created_ms);
        engine_util_put_str(o, "revisionUrl", r->url);
        engine_util_push(revisions, o);
    }
    engine_util_put(obj, "artifactRevisions", revisions);
    engine_util_put_int(obj, "startTime", x->start_ms);
    engine_util_put_int(obj, "lastUpdateTime", x->update_ms);
    engine_util_put_bool(obj, "stopRequested", x->stop_requested);
    engine_util_put_bool(obj, "abandon", x->abandon);
    engine_util_put_str(obj, "stopReason", x->stop_reason);
    engine_util_put_int(obj, "attempt", x->attempt);
    engine_util_put_int(obj, "eventSeq", (int64_t)x->event_seq);
    engine_util_put_int(obj, "stageIndex", (int64_t)x->stage_index);
    engine_util_put_bool(obj, "inStage", x->in_stage);
    engine_util_put_int(obj, "waitSeq", (int64_t)x->wait_seq);
    json_t *stages = engine_util_arr();
    for (size_t s = 0; s < x->nstages; s++) {
        const engine_stage_run *sr = &x->stages[s];
        json_t *st = engine_util_obj();
        engine_util_put_str(st, "status", engine_state_stage_status_name(sr->status));
        engine_util_put_int(st, "runOrder", sr->run_order);
        engine_util_put_int(st, "manualRetries", sr->manual_retries);
        if (sr->auto_retries != 0) {
            engine_util_put_int(st, "autoRetries", sr->auto_retries);
        }
        if (sr->retry_trigger != ENGINE_RETRY_TRIGGER_NONE) {
            engine_util_put_str(st, "retryTrigger", engine_state_trigger_names[sr->retry_trigger]);
        }
        if (sr->status != ENGINE_STAGE_NOT_STARTED) {
            engine_util_put_bool(st, "started", sr->started);
        }
        json_t *actions = engine_util_arr();
        for (size_t a = 0; a < sr->nactions; a++) {
            engine_util_push(actions, engine_state_action_json(&sr->actions[a]));
        }
        engine_util_put(st, "actions", actions);
        for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
            if (sr->conditions[k].status != ENGINE_COND_NONE) {
                engine_util_put(st, engine_state_kind_keys[k],
                                engine_state_conditions_json(&sr->conditions[k]));
            }
        }
        engine_util_push(stages, st);
    }
    engine_util_put(obj, "stages", stages);
    return obj;
}

/* The state document's members before "plans". */
static json_t *engine_state_head_json(const engine_state *state)
{
    json_t *obj = engine_util_obj();
    engine_util_put_int(obj, "format", ENGINE_STATE_FORMAT);
    engine_util_put_str(obj, "pipeline", state->pipeline);
    engine_util_put_int(obj, "created", state->created_ms);
    engine_util_put_int(obj, "updated", state->updated_ms);
    engine_util_put_int(obj, "waitCounter", (int64_t)state->wait_counter);
    engine_util_put_int(obj, "keepTerminal", (int64_t)state->keep_terminal);
    return obj;
}

static json_t *engine_state_plans_json(const engine_state *state)
{
    json_t *plans = engine_util_arr();
    for (size_t i = 0; i < state->nplans; i++) {
        engine_util_push(plans, engine_plan_to_json(state->plans[i]));
    }
    return plans;
}

/* Adds the document's "stages" to obj. */
static void engine_state_put_stages(const engine_state *state, json_t *obj)
{
    json_t *stages = engine_util_arr();
    for (size_t s = 0; s < state->nstages; s++) {
        const engine_stage_state *st = &state->stages[s];
        json_t *o = engine_util_obj();
        engine_util_put_str(o, "name", st->name);
        engine_util_put(o, "inbound", engine_state_transition_json(&st->inbound));
        engine_util_put(o, "outbound", engine_state_transition_json(&st->outbound));
        engine_util_put_str(o, "latestExecutionId", st->latest_execution_id);
        json_t *latest = engine_util_arr();
        for (size_t a = 0; a < st->nactions; a++) {
            engine_util_push(latest, engine_util_jstr(st->action_latest[a]));
        }
        engine_util_put(o, "actionLatest", latest);
        engine_util_push(stages, o);
    }
    engine_util_put(obj, "stages", stages);
}

json_t *engine_state_to_json(const engine_state *state)
{
    json_t *obj = engine_state_head_json(state);
    engine_util_put(obj, "plans", engine_state_plans_json(state));
    engine_state_put_stages(state, obj);
    json_t *execs = engine_util_arr();
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_util_push(execs, engine_state_exec_json(state->execs[i]));
    }
    engine_util_put(obj, "executions", execs);
    return obj;
}

/* ---- JSON in ------------------------------------------------------------- */

static engine_kv *engine_state_read_kvs(engine_util_rd *rd, const json_t *obj, const char *key,
                                        size_t *n)
{
    *n = 0;
    json_t *map = engine_util_rd_obj(rd, obj, key, false);
    if (map == NULL || json_object_size(map) == 0) {
        return NULL;
    }
    engine_kv *items = engine_util_calloc(json_object_size(map), sizeof *items);
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v)
    {
        if (!json_is_string(v)) {
            engine_util_rd_fail(rd, "expected string values in", key);
            break;
        }
        items[*n].key = engine_util_strdup(k);
        items[*n].value = engine_util_strdup(json_string_value(v));
        (*n)++;
    }
    return items;
}

static engine_artifact *engine_state_read_artifacts(engine_util_rd *rd, const json_t *obj,
                                                    const char *key, size_t *n)
{
    *n = 0;
    json_t *arr = engine_util_rd_arr(rd, obj, key, false);
    if (arr == NULL || json_array_size(arr) == 0) {
        return NULL;
    }
    engine_artifact *items = engine_util_calloc(json_array_size(arr), sizeof *items);
    for (size_t i = 0; i < json_array_size(arr) && rd->rc == 0; i++) {
        json_t *item = json_array_get(arr, i);
        items[i].name = engine_util_rd_str(rd, item, "name", true);
        items[i].bucket = engine_util_rd_str(rd, item, "bucket", false);
        items[i].key = engine_util_rd_str(rd, item, "key", false);
        *n = i + 1;
    }
    return items;
}

static int engine_state_read_enum(engine_util_rd *rd, const json_t *obj, const char *key,
                                  const char *const *names, size_t nnames)
{
    char *text = engine_util_rd_str(rd, obj, key, true);
    int value = engine_state_name_index(names, nnames, text);
    if (text != NULL && value < 0) {
        engine_util_rd_fail(rd, "unknown status", text);
    }
    free(text);
    return value < 0 ? 0 : value;
}

static void engine_state_read_action(engine_util_rd *rd, const json_t *obj, engine_action_run *r)
{
    r->status = ENGINE_ACTION_NOT_STARTED;
    if (json_object_get(obj, "status") != NULL) {
        r->status = (engine_action_status)engine_state_read_enum(
            rd, obj, "status", engine_state_action_names,
            ENGINE_STATE_COUNT(engine_state_action_names));
    }
    r->attempt = (int)engine_util_rd_int(rd, obj, "attempt", false, 0);
    r->action_execution_id = engine_util_rd_str(rd, obj, "actionExecutionId", false);
    r->job_id = engine_util_rd_str(rd, obj, "jobId", false);
    r->token = engine_util_rd_str(rd, obj, "token", false);
    r->start_ms = engine_util_rd_int(rd, obj, "startTime", false, 0);
    r->last_change_ms = engine_util_rd_int(rd, obj, "lastStatusChange", false, 0);
    r->deadline_ms = engine_util_rd_int(rd, obj, "deadline", false, 0);
    r->summary = engine_util_rd_str(rd, obj, "summary", false);
    r->external_id = engine_util_rd_str(rd, obj, "externalExecutionId", false);
    r->external_url = engine_util_rd_str(rd, obj, "externalExecutionUrl", false);
    r->percent_complete = (int)engine_util_rd_int(rd, obj, "percentComplete", false, -1);
    r->error_code = engine_util_rd_str(rd, obj, "errorCode", false);
    r->error_message = engine_util_rd_str(rd, obj, "errorMessage", false);
    r->updated_by = engine_util_rd_str(rd, obj, "updatedBy", false);
    r->continuation = engine_util_rd_str(rd, obj, "continuationToken", false);
    r->resolved = engine_state_read_kvs(rd, obj, "resolvedConfiguration", &r->nresolved);
    r->inputs = engine_state_read_artifacts(rd, obj, "inputArtifacts", &r->ninputs);
    r->outputs = engine_state_read_artifacts(rd, obj, "outputArtifacts", &r->noutputs);
    r->output_vars = engine_state_read_kvs(rd, obj, "outputVariables", &r->noutput_vars);
    json_t *votes = engine_util_rd_arr(rd, obj, "votes", false);
    if (votes != NULL && json_array_size(votes) > ENGINE_STATE_MAX_VOTES) {
        engine_util_rd_fail(rd, "more than ENGINE_STATE_MAX_VOTES entries in", "votes");
    } else if (votes != NULL && json_array_size(votes) > 0) {
        r->votes = engine_util_calloc(json_array_size(votes), sizeof *r->votes);
        for (size_t i = 0; i < json_array_size(votes) && rd->rc == 0; i++) {
            json_t *item = json_array_get(votes, i);
            engine_vote *v = &r->votes[i];
            v->identity = engine_util_rd_str(rd, item, "identity", false);
            v->at_ms = engine_util_rd_int(rd, item, "time", true, 0);
            char *status = engine_util_rd_str(rd, item, "status", true);
            if (status != NULL && strcmp(status, "Approved") != 0 &&
                strcmp(status, "Rejected") != 0) {
                engine_util_rd_fail(rd, "unknown vote status", status);
            }
            v->approved = status != NULL && strcmp(status, "Approved") == 0;
            free(status);
            v->comment = engine_util_rd_str(rd, item, "comment", false);
            r->nvotes = i + 1;
        }
    }
}

static void engine_state_read_rule(engine_util_rd *rd, const json_t *obj, engine_rule_run *r)
{
    r->status = ENGINE_RULE_NOT_STARTED;
    if (json_object_get(obj, "status") != NULL) {
        r->status =
            (engine_rule_status)engine_state_read_enum(rd, obj, "status", engine_state_rule_names,
                                                       ENGINE_STATE_COUNT(engine_state_rule_names));
    }
    r->rule_execution_id = engine_util_rd_str(rd, obj, "ruleExecutionId", false);
    r->job_id = engine_util_rd_str(rd, obj, "jobId", false);
    r->start_ms = engine_util_rd_int(rd, obj, "startTime", false, 0);
    r->last_change_ms = engine_util_rd_int(rd, obj, "lastStatusChange", false, 0);
    r->deadline_ms = engine_util_rd_int(rd, obj, "deadline", false, 0);
    r->summary = engine_util_rd_str(rd, obj, "summary", false);
    r->external_id = engine_util_rd_str(rd, obj, "externalExecutionId", false);
    r->external_url = engine_util_rd_str(rd, obj, "externalExecutionUrl", false);
    r->error_code = engine_util_rd_str(rd, obj, "errorCode", false);
    r->error_message = engine_util_rd_str(rd, obj, "errorMessage", false);
    r->continuation = engine_util_rd_str(rd, obj, "continuationToken", false);
    r->resolved = engine_state_read_kvs(rd, obj, "resolvedConfiguration", &r->nresolved);
    r->inputs = engine_state_read_artifacts(rd, obj, "inputArtifacts", &r->ninputs);
}

static engine_condition_status engine_state_read_condition_status(engine_util_rd *rd,
                                                                  const json_t *obj)
{
    return (engine_condition_status)engine_state_read_enum(
        rd, obj, "status", engine_state_condition_names,
        ENGINE_STATE_COUNT(engine_state_condition_names));
}

static void engine_state_read_conditions(engine_util_rd *rd, const json_t *obj,
                                         engine_stage_condition_run *run)
{
    run->status = engine_state_read_condition_status(rd, obj);
    run->summary = engine_util_rd_str(rd, obj, "summary", false);
    run->last_change_ms = engine_util_rd_int(rd, obj, "lastStatusChange", false, 0);
    json_t *conditions = engine_util_rd_arr(rd, obj, "conditions", true);
    if (conditions == NULL || json_array_size(conditions) == 0 || rd->rc != 0) {
        return;
    }
    run->conditions = engine_util_calloc(json_array_size(conditions), sizeof *run->conditions);
    for (size_t c = 0; c < json_array_size(conditions) && rd->rc == 0; c++) {
        json_t *item = json_array_get(conditions, c);
        engine_condition_run *cond = &run->conditions[c];
        run->nconditions = c + 1;
        cond->status = engine_state_read_condition_status(rd, item);
        cond->summary = engine_util_rd_str(rd, item, "summary", false);
        cond->last_change_ms = engine_util_rd_int(rd, item, "lastStatusChange", false, 0);
        json_t *rules = engine_util_rd_arr(rd, item, "rules", true);
        if (rules == NULL || json_array_size(rules) == 0) {
            continue;
        }
        cond->rules = engine_util_calloc(json_array_size(rules), sizeof *cond->rules);
        for (size_t r = 0; r < json_array_size(rules) && rd->rc == 0; r++) {
            cond->nrules = r + 1;
            engine_state_read_rule(rd, json_array_get(rules, r), &cond->rules[r]);
        }
    }
}

static model_execution_mode engine_state_read_mode(engine_util_rd *rd, const json_t *obj)
{
    char *text = engine_util_rd_str(rd, obj, "executionMode", true);
    model_execution_mode mode = MODEL_MODE_SUPERSEDED;
    if (engine_util_str_eq(text, "QUEUED")) {
        mode = MODEL_MODE_QUEUED;
    } else if (engine_util_str_eq(text, "PARALLEL")) {
        mode = MODEL_MODE_PARALLEL;
    } else if (text != NULL && strcmp(text, "SUPERSEDED") != 0) {
        engine_util_rd_fail(rd, "unknown executionMode", text);
    }
    free(text);
    return mode;
}

static void engine_state_read_exec_lists(engine_util_rd *rd, const json_t *obj, engine_execution *x)
{
    json_t *vars = engine_util_rd_arr(rd, obj, "variables", false);
    if (vars != NULL && json_array_size(vars) > 0) {
        x->variables = engine_util_calloc(json_array_size(vars), sizeof *x->variables);
        for (size_t i = 0; i < json_array_size(vars) && rd->rc == 0; i++) {
            json_t *var = json_array_get(vars, i);
            x->variables[i].key = engine_util_rd_str(rd, var, "name", true);
            x->variables[i].value = engine_util_rd_str(rd, var, "resolvedValue", true);
            x->nvariables = i + 1;
        }
    }
    json_t *overrides = engine_util_rd_arr(rd, obj, "sourceRevisionOverrides", false);
    if (overrides != NULL && json_array_size(overrides) > 0) {
        x->overrides = engine_util_calloc(json_array_size(overrides), sizeof *x->overrides);
        for (size_t i = 0; i < json_array_size(overrides) && rd->rc == 0; i++) {
            json_t *o = json_array_get(overrides, i);
            x->overrides[i].action_name = engine_util_rd_str(rd, o, "actionName", true);
            x->overrides[i].revision_type = engine_util_rd_str(rd, o, "revisionType", true);
            x->overrides[i].revision_value = engine_util_rd_str(rd, o, "revisionValue", true);
            x->noverrides = i + 1;
        }
    }
    json_t *revisions = engine_util_rd_arr(rd, obj, "artifactRevisions", false);
    if (revisions != NULL && json_array_size(revisions) > 0) {
        x->revisions = engine_util_calloc(json_array_size(revisions), sizeof *x->revisions);
        for (size_t i = 0; i < json_array_size(revisions) && rd->rc == 0; i++) {
            json_t *o = json_array_get(revisions, i);
            engine_revision *r = &x->revisions[i];
            r->action_name = engine_util_rd_str(rd, o, "actionName", false);
            r->name = engine_util_rd_str(rd, o, "name", false);
            r->revision_id = engine_util_rd_str(rd, o, "revisionId", false);
            r->change_id = engine_util_rd_str(rd, o, "revisionChangeIdentifier", false);
            r->summary = engine_util_rd_str(rd, o, "revisionSummary", false);
            r->created_ms = engine_util_rd_int(rd, o, "created", false, 0);
            r->url = engine_util_rd_str(rd, o, "revisionUrl", false);
            x->nrevisions = i + 1;
        }
    }
}

static engine_execution *engine_state_read_exec(engine_util_rd *rd, const json_t *obj)
{
    engine_execution *x = engine_util_calloc(1, sizeof *x);
    x->id = engine_util_rd_str(rd, obj, "id", true);
    x->status = (engine_exec_status)engine_state_read_enum(
        rd, obj, "status", engine_state_exec_names, ENGINE_STATE_COUNT(engine_state_exec_names));
    x->status_summary = engine_util_rd_str(rd, obj, "statusSummary", false);
    x->pipeline_version = engine_util_rd_int(rd, obj, "pipelineVersion", true, 1);
    x->mode = engine_state_read_mode(rd, obj);
    json_t *trigger = engine_util_rd_obj(rd, obj, "trigger", true);
    if (trigger != NULL) {
        x->trigger_type = engine_util_rd_str(rd, trigger, "triggerType", false);
        x->trigger_detail = engine_util_rd_str(rd, trigger, "triggerDetail", false);
    }
    x->client_token = engine_util_rd_str(rd, obj, "clientRequestToken", false);
    x->rollback_target = engine_util_rd_str(rd, obj, "rollbackTarget", false);
    x->rollback_stage = (size_t)engine_util_rd_int(rd, obj, "rollbackStage", false, 0);
    engine_state_read_exec_lists(rd, obj, x);
    x->start_ms = engine_util_rd_int(rd, obj, "startTime", true, 0);
    x->update_ms = engine_util_rd_int(rd, obj, "lastUpdateTime", true, 0);
    x->stop_requested = engine_util_rd_bool(rd, obj, "stopRequested", false, false);
    x->abandon = engine_util_rd_bool(rd, obj, "abandon", false, false);
    x->stop_reason = engine_util_rd_str(rd, obj, "stopReason", false);
    x->attempt = (int)engine_util_rd_int(rd, obj, "attempt", true, 1);
    x->event_seq = (uint64_t)engine_util_rd_int(rd, obj, "eventSeq", true, 0);
    x->stage_index = (size_t)engine_util_rd_int(rd, obj, "stageIndex", true, 0);
    x->in_stage = engine_util_rd_bool(rd, obj, "inStage", true, false);
    x->wait_seq = (uint64_t)engine_util_rd_int(rd, obj, "waitSeq", false, 0);
    json_t *stages = engine_util_rd_arr(rd, obj, "stages", true);
    if (stages != NULL && json_array_size(stages) > 0 && rd->rc == 0) {
        x->stages = engine_util_calloc(json_array_size(stages), sizeof *x->stages);
        for (size_t s = 0; s < json_array_size(stages) && rd->rc == 0; s++) {
            json_t *st = json_array_get(stages, s);
            engine_stage_run *sr = &x->stages[s];
            x->nstages = s + 1;
            sr->status = (engine_stage_status)engine_state_read_enum(
                rd, st, "status", engine_state_stage_names,
                ENGINE_STATE_COUNT(engine_state_stage_names));
            sr->run_order = (int)engine_util_rd_int(rd, st, "runOrder", false, 0);
            sr->manual_retries = (int)engine_util_rd_int(rd, st, "manualRetries", false, 0);
            sr->auto_retries = (int)engine_util_rd_int(rd, st, "autoRetries", false, 0);
            sr->retry_trigger =
                sr->manual_retries > 0 ? ENGINE_RETRY_TRIGGER_MANUAL : ENGINE_RETRY_TRIGGER_NONE;
            if (json_object_get(st, "retryTrigger") != NULL) {
                sr->retry_trigger = (engine_retry_trigger)engine_state_read_enum(
                    rd, st, "retryTrigger", engine_state_trigger_names,
                    ENGINE_STATE_COUNT(engine_state_trigger_names));
            }
            /* absent for a stage not entered, and in states written before "started"
             * existed, where every entered stage had started */
            sr->started = engine_util_rd_bool(rd, st, "started", false,
                                              sr->status != ENGINE_STAGE_NOT_STARTED);
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                json_t *conditions = engine_util_rd_obj(rd, st, engine_state_kind_keys[k], false);
                if (conditions != NULL) {
                    engine_state_read_conditions(rd, conditions, &sr->conditions[k]);
                }
            }
            json_t *actions = engine_util_rd_arr(rd, st, "actions", true);
            if (actions == NULL || json_array_size(actions) == 0) {
                continue;
            }
            sr->actions = engine_util_calloc(json_array_size(actions), sizeof *sr->actions);
            for (size_t a = 0; a < json_array_size(actions) && rd->rc == 0; a++) {
                sr->nactions = a + 1;
                engine_state_read_action(rd, json_array_get(actions, a), &sr->actions[a]);
            }
        }
    }
    return x;
}

static void engine_state_read_transition(engine_util_rd *rd, const json_t *obj, const char *key,
                                         engine_transition *t)
{
    json_t *o = engine_util_rd_obj(rd, obj, key, true);
    if (o == NULL) {
        return;
    }
    t->enabled = engine_util_rd_bool(rd, o, "enabled", true, true);
    t->reason = engine_util_rd_str(rd, o, "disabledReason", false);
    t->changed_by = engine_util_rd_str(rd, o, "lastChangedBy", false);
    t->changed_at_ms = engine_util_rd_int(rd, o, "lastChangedAt", false, 0);
}

/* A stage condition run is absent or parallels the plan's conditions and rules. */
static bool engine_state_conditions_fit(const engine_plan_conditions *plan,
                                        const engine_stage_condition_run *run)
{
    if (run->status == ENGINE_COND_NONE) {
        return run->nconditions == 0;
    }
    if (run->nconditions != plan->nconditions) {
        return false;
    }
    for (size_t c = 0; c < run->nconditions; c++) {
        if (run->conditions[c].nrules != plan->conditions[c].nrules) {
            return false;
        }
    }
    return true;
}

/* Checks that executions and stage states fit the plans they refer to. */
static void engine_state_check_shape(engine_util_rd *rd, const engine_state *state)
{
    const engine_plan *current = engine_state_plan(state);
    if (current == NULL ? state->nstages != 0 : current->nstages != state->nstages) {
        engine_util_rd_fail(rd, "stage states do not match the current plan", "stages");
        return;
    }
    for (size_t s = 0; s < state->nstages; s++) {
        if (state->stages[s].nactions != current->stages[s].nactions) {
            engine_util_rd_fail(rd, "action states do not match the plan in stage",
                                state->stages[s].name);
            return;
        }
    }
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        const engine_plan *plan = engine_state_plan_version(state, x->pipeline_version);
        bool fits = plan != NULL && plan->nstages == x->nstages && x->stage_index <= x->nstages;
        for (size_t s = 0; fits && s < x->nstages; s++) {
            fits = plan->stages[s].nactions == x->stages[s].nactions;
            for (int k = 0; fits && k < ENGINE_CONDITION_KINDS; k++) {
                fits = engine_state_conditions_fit(&plan->stages[s].conditions[k],
                                                   &x->stages[s].conditions[k]);
            }
        }
        if (!fits) {
            engine_util_rd_fail(rd, "execution does not match its pipeline version", x->id);
            return;
        }
    }
}

int engine_state_from_json(const json_t *json, engine_state **out, char *errbuf, size_t errlen)
{
    engine_util_rd rd = {.rc = 0, .errbuf = errbuf, .errlen = errlen};
    int64_t format = engine_util_rd_int(&rd, json, "format", true, 0);
    if (rd.rc == 0 && format != ENGINE_STATE_FORMAT) {
        return sluice_error_set(errbuf, errlen, SLUICE_EPARSE,
                                "engine state: unsupported format %lld", (long long)format);
    }
    engine_state *state = engine_util_calloc(1, sizeof *state);
    state->pipeline = engine_util_rd_str(&rd, json, "pipeline", true);
    state->created_ms = engine_util_rd_int(&rd, json, "created", false, 0);
    state->updated_ms = engine_util_rd_int(&rd, json, "updated", false, 0);
    state->wait_counter = (uint64_t)engine_util_rd_int(&rd, json, "waitCounter", false, 0);
    state->keep_terminal =
        (size_t)engine_util_rd_int(&rd, json, "keepTerminal", false, ENGINE_STATE_KEEP_TERMINAL);
    if (state->keep_terminal > ENGINE_STATE_MAX_KEEP_TERMINAL) {
        state->keep_terminal = ENGINE_STATE_MAX_KEEP_TERMINAL;
    }

    json_t *plans = engine_util_rd_arr(&rd, json, "plans", true);
    if (plans != NULL && json_array_size(plans) > 0 && rd.rc == 0) {
        state->plans = engine_util_calloc(json_array_size(plans), sizeof *state->plans);
        for (size_t i = 0; i < json_array_size(plans) && rd.rc == 0; i++) {
            engine_plan *plan = NULL;
            rd.rc = engine_plan_from_json(json_array_get(plans, i), &plan, errbuf, errlen);
            if (rd.rc == 0) {
                state->plans[state->nplans++] = plan;
            }
        }
    }
    json_t *stages = engine_util_rd_arr(&rd, json, "stages", true);
    if (stages != NULL && json_array_size(stages) > 0 && rd.rc == 0) {
        state->stages = engine_util_calloc(json_array_size(stages), sizeof *state->stages);
        for (size_t s = 0; s < json_array_size(stages) && rd.rc == 0; s++) {
            json_t *o = json_array_get(stages, s);
            engine_stage_state *st = &state->stages[s];
            state->nstages = s + 1;
            st->name = engine_util_rd_str(&rd, o, "name", true);
            engine_state_read_transition(&rd, o, "inbound", &st->inbound);
            engine_state_read_transition(&rd, o, "outbound", &st->outbound);
            st->latest_execution_id = engine_util_rd_str(&rd, o, "latestExecutionId", false);
            json_t *latest = engine_util_rd_arr(&rd, o, "actionLatest", true);
            if (latest == NULL || json_array_size(latest) == 0) {
                continue;
            }
            st->action_latest =
                engine_util_calloc(json_array_size(latest), sizeof *st->action_latest);
            st->nactions = json_array_size(latest);
            for (size_t a = 0; a < st->nactions; a++) {
                json_t *id = json_array_get(latest, a);
                if (json_is_string(id)) {
                    st->action_latest[a] = engine_util_strdup(json_string_value(id));
                } else if (!json_is_null(id)) {
                    engine_util_rd_fail(&rd, "expected ids in", "actionLatest");
                }
            }
        }
    }
    json_t *execs = engine_util_rd_arr(&rd, json, "executions", true);
    for (size_t i = 0; execs != NULL && i < json_array_size(execs) && rd.rc == 0; i++) {
        engine_state_append(state, engine_state_read_exec(&rd, json_array_get(execs, i)));
    }
    if (rd.rc == 0) {
        engine_state_check_shape(&rd, state);
    }
    if (rd.rc == 0 && state->nexecs > 0) {
        /* What was read may have records; a removed one's record is deleted (absent is fine). */
        state->stored_ids = engine_util_calloc(state->nexecs, sizeof *state->stored_ids);
        for (size_t i = 0; i < state->nexecs; i++) {
            state->stored_ids[i] = engine_util_strdup(state->execs[i]->id);
        }
        state->nstored_ids = state->nexecs;
    }
    if (rd.rc != 0) {
        engine_state_free(state);
        return rd.rc;
    }
    *out = state;
    return SLUICE_OK;
}

/* ---- split records --------------------------------------------------------- */

static uint64_t engine_state_hash(const char *text, size_t len)
{
    uint64_t hash = 14695981039346656037ull; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++) {
        hash = (hash ^ (unsigned char)text[i]) * 1099511628211ull;
    }
    return hash != 0 ? hash : 1; /* 0 means "not stored" */
}

static char *engine_state_dump(const json_t *json, size_t *len)
{
    char *text = engine_json_dumps(json, len); /* json_dumps's bytes, faster */
    if (text == NULL) {
        abort(); /* the engine's documents always dump */
    }
    return text;
}

/*
 * The pipeline record's text: its head members, then "plans" from the kept
 * text (rendered once when missing), then the rest — the bytes json_dumps
 * gives for the whole record, whose members keep this order.
 */
static char *engine_state_pipeline_text(engine_state *state, size_t *len)
{
    if (state->plans_text == NULL) {
        json_t *plans = engine_state_plans_json(state);
        state->plans_text = engine_state_dump(plans, &state->plans_len);
        json_decref(plans);
    }
    json_t *head = engine_state_head_json(state);
    size_t head_len = 0;
    char *head_text = engine_state_dump(head, &head_len);
    json_decref(head);
    json_t *tail = engine_util_obj();
    engine_state_put_stages(state, tail);
    json_t *ids = engine_util_arr();
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_util_push(ids, engine_util_jstr(state->execs[i]->id));
    }
    engine_util_put(tail, "executionIds", ids);
    json_t *waiting = engine_util_arr();
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        if (!engine_state_exec_terminal(x->status) && !x->in_stage) {
            engine_util_push(waiting, engine_util_jstr(x->id));
        }
    }
    engine_util_put(tail, "waitingIds", waiting);
    size_t tail_len = 0;
    char *tail_text = engine_state_dump(tail, &tail_len);
    json_decref(tail);
    /* head "{…}" and tail "{…}" both hold members: {head…,"plans":<plans>,tail…} */
    static const char plans_key[] = ",\"plans\":";
    size_t n = head_len - 1 + sizeof plans_key - 1 + state->plans_len + 1 + tail_len - 1;
    char *text = engine_util_calloc(n + 1, 1);
    size_t at = 0;
    memcpy(text + at, head_text, head_len - 1);
    at += head_len - 1;
    memcpy(text + at, plans_key, sizeof plans_key - 1);
    at += sizeof plans_key - 1;
    memcpy(text + at, state->plans_text, state->plans_len);
    at += state->plans_len;
    text[at++] = ',';
    memcpy(text + at, tail_text + 1, tail_len - 1);
    free(head_text);
    free(tail_text);
    *len = n;
    return text;
}

int engine_state_records_render(engine_state *state, bool all, engine_state_records *out)
{
    memset(out, 0, sizeof *out);
    out->pipeline = engine_state_pipeline_text(state, &out->pipeline_len);
    out->nexecs = state->nexecs;
    size_t n = state->nexecs > 0 ? state->nexecs : 1;
    out->hashes = engine_util_calloc(n, sizeof *out->hashes);
    out->changed_ids = engine_util_calloc(n, sizeof *out->changed_ids);
    out->changed = engine_util_calloc(n, sizeof *out->changed);
    out->changed_lens = engine_util_calloc(n, sizeof *out->changed_lens);
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        if (!all && !x->dirty && x->stored_hash != 0) {
            out->hashes[i] = x->stored_hash; /* not handed out since it was stored */
            continue;
        }
        json_t *json = engine_state_exec_json(x);
        size_t len = 0;
        char *text = engine_state_dump(json, &len);
        json_decref(json);
        out->hashes[i] = engine_state_hash(text, len);
        if (!all && x->stored_hash == out->hashes[i]) {
            free(text);
            continue;
        }
        out->changed_ids[out->nchanged] = x->id;
        out->changed[out->nchanged] = text;
        out->changed_lens[out->nchanged] = len;
        out->nchanged++;
    }
    if (state->nstored_ids > 0) {
        out->removed_ids = engine_util_calloc(state->nstored_ids, sizeof *out->removed_ids);
        for (size_t i = 0; i < state->nstored_ids; i++) {
            if (!engine_state_has(state, state->stored_ids[i])) {
                out->removed_ids[out->nremoved++] = state->stored_ids[i];
            }
        }
    }
    return SLUICE_OK;
}

const char *engine_state_records_verify(const engine_state *state)
{
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        if (x->dirty || x->stored_hash == 0) {
            continue;
        }
        json_t *json = engine_state_exec_json(x);
        size_t len = 0;
        char *text = engine_state_dump(json, &len);
        json_decref(json);
        uint64_t hash = engine_state_hash(text, len);
        free(text);
        if (hash != x->stored_hash) {
            return x->id;
        }
    }
    return NULL;
}

void engine_state_records_free(engine_state_records *records)
{
    free(records->pipeline);
    for (size_t i = 0; i < records->nchanged; i++) {
        free(records->changed[i]);
    }
    free(records->hashes);
    free(records->changed_ids);
    free(records->changed);
    free(records->changed_lens);
    free(records->removed_ids);
    memset(records, 0, sizeof *records);
}

void engine_state_records_commit(engine_state *state, const engine_state_records *records)
{
    size_t n = records->nexecs < state->nexecs ? records->nexecs : state->nexecs;
    for (size_t i = 0; i < n; i++) {
        state->execs[i]->stored_hash = records->hashes[i];
        state->execs[i]->dirty = false;
    }
    engine_util_free_strs(state->stored_ids, state->nstored_ids);
    state->stored_ids = NULL;
    state->nstored_ids = 0;
    if (state->nexecs > 0) {
        state->stored_ids = engine_util_calloc(state->nexecs, sizeof *state->stored_ids);
        for (size_t i = 0; i < state->nexecs; i++) {
            state->stored_ids[i] = engine_util_strdup(state->execs[i]->id);
        }
        state->nstored_ids = state->nexecs;
    }
}

json_t *engine_state_records_merge(const json_t *pipeline, json_t *const *execs, size_t nexecs,
                                   char *errbuf, size_t errlen)
{
    const json_t *ids = json_object_get(pipeline, "executionIds");
    if (!json_is_object(pipeline) || (ids != NULL && !json_is_array(ids))) {
        sluice_error_set(errbuf, errlen, SLUICE_EPARSE,
                         "pipeline record: not an object with executionIds");
        return NULL;
    }
    json_t *doc = json_deep_copy(pipeline);
    if (doc == NULL) {
        abort();
    }
    json_object_del(doc, "executionIds");
    json_object_del(doc, "waitingIds");
    json_t *list = engine_util_arr();
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        json_t *found = NULL;
        /* records usually come in the order of the ids: try the same index first */
        for (size_t k = 0; id != NULL && k < nexecs && found == NULL; k++) {
            json_t *rec = execs[(i + k) % nexecs];
            if (json_is_object(rec) &&
                engine_util_str_eq(json_string_value(json_object_get(rec, "id")), id)) {
                found = rec;
            }
        }
        if (found == NULL) {
            sluice_error_set(errbuf, errlen, SLUICE_EPARSE, "pipeline record: execution %s %s",
                             id != NULL ? id : "(not a string)",
                             id != NULL ? "has no record" : "in executionIds");
            json_decref(list);
            json_decref(doc);
            return NULL;
        }
        engine_util_push(list, json_incref(found));
    }
    engine_util_put(doc, "executions", list);
    return doc;
}
