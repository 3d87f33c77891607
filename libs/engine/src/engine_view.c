/*
 * engine_view.c — GetPipelineState, GetPipelineExecution, ListPipelineExecutions
 * and ListActionExecutions shapes from the engine state (see engine_view.h;
 * shapes from botocore's codepipeline service model).
 */
#include "sluice/engine_view.h"

#include "engine_util.h"
#include "engine_votes.h"

#include <stdlib.h>
#include <string.h>

static const engine_plan *engine_view_plan(const engine_state *state, const engine_execution *x)
{
    return engine_state_plan_version(state, x->pipeline_version);
}

/* ExecutionType of x: ROLLBACK for a rollback execution (RollbackStage, automatic rollback). */
static const char *engine_view_execution_type(const engine_execution *x)
{
    return x->rollback_target != NULL ? "ROLLBACK" : "STANDARD";
}

/* executionType and, for a rollback, rollbackMetadata {rollbackTargetPipelineExecutionId}. */
static void engine_view_put_type(json_t *obj, const engine_execution *x)
{
    engine_util_put_str(obj, "executionType", engine_view_execution_type(x));
    if (x->rollback_target != NULL) {
        json_t *meta = engine_util_obj();
        engine_util_put_str(meta, "rollbackTargetPipelineExecutionId", x->rollback_target);
        engine_util_put(obj, "rollbackMetadata", meta);
    }
}

static json_t *engine_view_stage_execution(const engine_execution *x, const char *status)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "pipelineExecutionId", x->id);
    engine_util_put_str(obj, "status", status);
    engine_util_put_str(obj, "type", engine_view_execution_type(x));
    return obj;
}

/* ErrorDetails {code, message} of an action or rule run, or NULL when it has neither. */
static json_t *engine_view_error_details(const char *code, const char *message)
{
    if (code == NULL && message == NULL) {
        return NULL;
    }
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "code", code);
    engine_util_put_str(obj, "message", message);
    return obj;
}

/* ActionExecution (GetPipelineState's actionStates[].latestExecution). */
static json_t *engine_view_action_latest(const engine_action_run *run)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "actionExecutionId", run->action_execution_id);
    engine_util_put_str(obj, "status", engine_state_action_status_name(run->status));
    engine_util_put_str(obj, "summary", run->summary);
    engine_util_put_time(obj, "lastStatusChange", run->last_change_ms);
    engine_util_put_str(obj, "token", run->token);
    engine_util_put_str(obj, "lastUpdatedBy", run->updated_by);
    engine_util_put_str(obj, "externalExecutionId", run->external_id);
    engine_util_put_str(obj, "externalExecutionUrl", run->external_url);
    if (run->percent_complete >= 0) {
        engine_util_put_int(obj, "percentComplete", run->percent_complete);
    }
    json_t *errors = engine_view_error_details(run->error_code, run->error_message);
    if (errors != NULL) {
        engine_util_put(obj, "errorDetails", errors);
    }
    return obj;
}

/* The run of the action named (stage, action) in x, or NULL. */
static const engine_action_run *engine_view_find_run(const engine_state *state,
                                                     const engine_execution *x, const char *stage,
                                                     const char *action)
{
    const engine_plan *plan = engine_view_plan(state, x);
    size_t s = engine_plan_stage_index(plan, stage);
    if (s == ENGINE_PLAN_NOT_FOUND || s >= x->nstages) {
        return NULL;
    }
    size_t a = engine_plan_action_index(&plan->stages[s], action);
    if (a == ENGINE_PLAN_NOT_FOUND || a >= x->stages[s].nactions) {
        return NULL;
    }
    return &x->stages[s].actions[a];
}

/* RuleExecution (GetPipelineState's ruleStates[].latestExecution). */
static json_t *engine_view_rule_latest(const engine_rule_run *rule)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "ruleExecutionId", rule->rule_execution_id);
    engine_util_put_str(obj, "status", engine_state_rule_status_name(rule->status));
    engine_util_put_str(obj, "summary", rule->summary);
    engine_util_put_time(obj, "lastStatusChange", rule->last_change_ms);
    engine_util_put_str(obj, "externalExecutionId", rule->external_id);
    engine_util_put_str(obj, "externalExecutionUrl", rule->external_url);
    json_t *errors = engine_view_error_details(rule->error_code, rule->error_message);
    if (errors != NULL) {
        engine_util_put(obj, "errorDetails", errors);
    }
    return obj;
}

/* StageConditionState of one evaluated stage condition. */
static json_t *engine_view_condition_state(const engine_plan_conditions *plan,
                                           const engine_stage_condition_run *run)
{
    json_t *obj = engine_util_obj();
    json_t *latest = engine_util_obj();
    engine_util_put_str(latest, "status", engine_state_condition_status_name(run->status));
    engine_util_put_str(latest, "summary", run->summary);
    engine_util_put(obj, "latestExecution", latest);
    json_t *conditions = engine_util_arr();
    for (size_t c = 0; c < run->nconditions && c < plan->nconditions; c++) {
        const engine_condition_run *cond = &run->conditions[c];
        json_t *item = engine_util_obj();
        json_t *execution = engine_util_obj();
        engine_util_put_str(execution, "status", engine_state_condition_status_name(cond->status));
        engine_util_put_str(execution, "summary", cond->summary);
        engine_util_put_time(execution, "lastStatusChange", cond->last_change_ms);
        engine_util_put(item, "latestExecution", execution);
        json_t *rules = engine_util_arr();
        for (size_t r = 0; r < cond->nrules && r < plan->conditions[c].nrules; r++) {
            json_t *rule = engine_util_obj();
            engine_util_put_str(rule, "ruleName", plan->conditions[c].rules[r].name);
            if (cond->rules[r].status != ENGINE_RULE_NOT_STARTED) {
                engine_util_put(rule, "latestExecution", engine_view_rule_latest(&cond->rules[r]));
            }
            engine_util_push(rules, rule);
        }
        engine_util_put(item, "ruleStates", rules);
        engine_util_push(conditions, item);
    }
    engine_util_put(obj, "conditionStates", conditions);
    return obj;
}

static const char *const engine_view_condition_members[ENGINE_CONDITION_KINDS] = {
    "beforeEntryConditionState", "onSuccessConditionState", "onFailureConditionState"};

/* latestExecution, the condition states and retryStageMetadata of stage run sr. */
static void engine_view_stage_latest(json_t *obj, const engine_execution *latest,
                                     const engine_plan_stage *ps, const engine_stage_run *sr)
{
    engine_util_put(
        obj, "latestExecution",
        engine_view_stage_execution(latest, engine_state_stage_status_name(sr->status)));
    for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
        if (sr->conditions[k].status != ENGINE_COND_NONE) {
            engine_util_put(obj, engine_view_condition_members[k],
                            engine_view_condition_state(&ps->conditions[k], &sr->conditions[k]));
        }
    }
    if (sr->manual_retries > 0 || sr->auto_retries > 0) {
        json_t *retry = engine_util_obj();
        if (sr->auto_retries > 0) {
            engine_util_put_int(retry, "autoStageRetryAttempt", sr->auto_retries);
        }
        if (sr->manual_retries > 0) {
            engine_util_put_int(retry, "manualStageRetryAttempt", sr->manual_retries);
        }
        engine_util_put_str(retry, "latestRetryTrigger",
                            sr->retry_trigger == ENGINE_RETRY_TRIGGER_AUTOMATED
                                ? "AutomatedStageRetry"
                                : "ManualStageRetry");
        engine_util_put(obj, "retryStageMetadata", retry);
    }
}

static json_t *engine_view_stage_state(const engine_state *state, const engine_plan *plan, size_t s)
{
    const engine_stage_state *st = &state->stages[s];
    const engine_plan_stage *ps = &plan->stages[s];
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "stageName", ps->name);

    /* inbound executions: waiting before this stage, oldest first */
    json_t *inbound = engine_util_arr();
    uint64_t last_seq = 0;
    for (;;) {
        const engine_execution *next = NULL;
        for (size_t i = 0; i < state->nexecs; i++) {
            const engine_execution *x = state->execs[i];
            if (engine_state_exec_terminal(x->status) || x->in_stage || x->stage_index != s ||
                x->pipeline_version != plan->version || x->wait_seq <= last_seq) {
                continue;
            }
            if (next == NULL || x->wait_seq < next->wait_seq) {
                next = x;
            }
        }
        if (next == NULL) {
            break;
        }
        last_seq = next->wait_seq;
        engine_util_push(inbound, engine_view_stage_execution(next, "InProgress"));
    }
    if (json_array_size(inbound) > 0) {
        engine_util_put(obj, "inboundExecution", json_deep_copy(json_array_get(inbound, 0)));
        engine_util_put(obj, "inboundExecutions", inbound);
    } else {
        json_decref(inbound);
    }

    json_t *transition = engine_util_obj();
    engine_util_put_bool(transition, "enabled", st->inbound.enabled);
    engine_util_put_str(transition, "lastChangedBy", st->inbound.changed_by);
    engine_util_put_time(transition, "lastChangedAt", st->inbound.changed_at_ms);
    engine_util_put_str(transition, "disabledReason", st->inbound.reason);
    engine_util_put(obj, "inboundTransitionState", transition);

    json_t *actions = engine_util_arr();
    for (size_t a = 0; a < ps->nactions; a++) {
        json_t *action = engine_util_obj();
        engine_util_put_str(action, "actionName", ps->actions[a].name);
        const engine_execution *x =
            a < st->nactions ? engine_state_find(state, st->action_latest[a]) : NULL;
        const engine_action_run *run =
            x != NULL ? engine_view_find_run(state, x, ps->name, ps->actions[a].name) : NULL;
        for (size_t i = 0; x != NULL && i < x->nrevisions; i++) {
            const engine_revision *r = &x->revisions[i];
            if (engine_util_str_eq(r->action_name, ps->actions[a].name)) {
                json_t *revision = engine_util_obj();
                engine_util_put_str(revision, "revisionId", r->revision_id);
                engine_util_put_str(revision, "revisionChangeId", r->change_id);
                /* always dated: a revision recorded without a time (older state) by its
                 * execution's start */
                engine_util_put_time(revision, "created",
                                     r->created_ms != 0 ? r->created_ms : x->start_ms);
                engine_util_put(action, "currentRevision", revision);
            }
        }
        if (run != NULL && run->status != ENGINE_ACTION_NOT_STARTED) {
            engine_util_put(action, "latestExecution", engine_view_action_latest(run));
        }
        engine_util_push(actions, action);
    }
    engine_util_put(obj, "actionStates", actions);

    const engine_execution *latest = engine_state_find(state, st->latest_execution_id);
    if (latest != NULL) {
        const engine_plan *lplan = engine_view_plan(state, latest);
        size_t ls = engine_plan_stage_index(lplan, ps->name);
        if (ls != ENGINE_PLAN_NOT_FOUND && ls < latest->nstages &&
            latest->stages[ls].status != ENGINE_STAGE_NOT_STARTED) {
            engine_view_stage_latest(obj, latest, &lplan->stages[ls], &latest->stages[ls]);
        }
    }
    return obj;
}

json_t *engine_view_pipeline_state(const engine_state *state)
{
    json_t *obj = engine_util_obj();
    const engine_plan *plan = engine_state_plan(state);
    if (plan == NULL) {
        return obj;
    }
    engine_util_put_str(obj, "pipelineName", plan->name);
    engine_util_put_int(obj, "pipelineVersion", plan->version);
    json_t *stages = engine_util_arr();
    for (size_t s = 0; s < plan->nstages && s < state->nstages; s++) {
        engine_util_push(stages, engine_view_stage_state(state, plan, s));
    }
    engine_util_put(obj, "stageStates", stages);
    engine_util_put_time(obj, "created", state->created_ms);
    engine_util_put_time(obj, "updated", state->updated_ms);
    return obj;
}

static json_t *engine_view_trigger(const engine_execution *x)
{
    json_t *trigger = engine_util_obj();
    engine_util_put_str(trigger, "triggerType", x->trigger_type);
    engine_util_put_str(trigger, "triggerDetail", x->trigger_detail);
    return trigger;
}

static json_t *engine_view_execution_body(const engine_state *state, const engine_execution *x)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "pipelineName", state->pipeline);
    engine_util_put_int(obj, "pipelineVersion", x->pipeline_version);
    engine_util_put_str(obj, "pipelineExecutionId", x->id);
    engine_util_put_str(obj, "status", engine_state_exec_status_name(x->status));
    engine_util_put_str(obj, "statusSummary", x->status_summary);
    json_t *revisions = engine_util_arr();
    for (size_t i = 0; i < x->nrevisions; i++) {
        const engine_revision *r = &x->revisions[i];
        json_t *rev = engine_util_obj();
        engine_util_put_str(rev, "name", r->name);
        engine_util_put_str(rev, "revisionId", r->revision_id);
        engine_util_put_str(rev, "revisionChangeIdentifier", r->change_id);
        engine_util_put_str(rev, "revisionSummary", r->summary);
        engine_util_put_time(rev, "created", r->created_ms);
        engine_util_put_str(rev, "revisionUrl", r->url);
        engine_util_push(revisions, rev);
    }
    engine_util_put(obj, "artifactRevisions", revisions);
    json_t *vars = engine_util_arr();
    for (size_t i = 0; i < x->nvariables; i++) {
        json_t *var = engine_util_obj();
        engine_util_put_str(var, "name", x->variables[i].key);
        engine_util_put_str(var, "resolvedValue", x->variables[i].value);
        engine_util_push(vars, var);
    }
    engine_util_put(obj, "variables", vars);
    engine_util_put(obj, "trigger", engine_view_trigger(x));
    engine_util_put_str(obj, "executionMode", engine_plan_mode_name(x->mode));
    engine_view_put_type(obj, x);
    return obj;
}

json_t *engine_view_pipeline_execution(const engine_state *state, const engine_execution *x)
{
    if (x == NULL) {
        return NULL;
    }
    json_t *obj = engine_util_obj();
    engine_util_put(obj, "pipelineExecution", engine_view_execution_body(state, x));
    return obj;
}

json_t *engine_view_execution_summary(const engine_state *state, const engine_execution *x)
{
    (void)state;
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "pipelineExecutionId", x->id);
    engine_util_put_str(obj, "status", engine_state_exec_status_name(x->status));
    engine_util_put_str(obj, "statusSummary", x->status_summary);
    engine_util_put_time(obj, "startTime", x->start_ms);
    engine_util_put_time(obj, "lastUpdateTime", x->update_ms);
    json_t *sources = engine_util_arr();
    for (size_t i = 0; i < x->nrevisions; i++) {
        const engine_revision *r = &x->revisions[i];
        json_t *src = engine_util_obj();
        engine_util_put_str(src, "actionName", r->action_name);
        engine_util_put_str(src, "revisionId", r->revision_id);
        engine_util_put_str(src, "revisionSummary", r->summary);
        engine_util_put_str(src, "revisionUrl", r->url);
        engine_util_push(sources, src);
    }
    engine_util_put(obj, "sourceRevisions", sources);
    engine_util_put(obj, "trigger", engine_view_trigger(x));
    if (x->stop_requested) {
        json_t *stop = engine_util_obj();
        engine_util_put_str(stop, "reason", x->stop_reason != NULL ? x->stop_reason : "");
        engine_util_put(obj, "stopTrigger", stop);
    }
    engine_util_put_str(obj, "executionMode", engine_plan_mode_name(x->mode));
    engine_view_put_type(obj, x);
    return obj;
}

json_t *engine_view_execution_record(const engine_state *state, const engine_execution *x)
{
    json_t *obj = engine_util_obj();
    engine_util_put(obj, "pipelineExecution", engine_view_execution_body(state, x));
    engine_util_put(obj, "summary", engine_view_execution_summary(state, x));
    return obj;
}

json_t *engine_view_list_executions(const engine_state *state)
{
    json_t *list = engine_util_arr();
    for (size_t i = state->nexecs; i > 0; i--) {
        engine_util_push(list, engine_view_execution_summary(state, state->execs[i - 1]));
    }
    json_t *obj = engine_util_obj();
    engine_util_put(obj, "pipelineExecutionSummaries", list);
    return obj;
}

json_t *engine_view_action_execution(const engine_state *state, const engine_execution *x, size_t s,
                                     size_t a)
{
    const engine_plan *plan = engine_view_plan(state, x);
    const engine_plan_action *pa = &plan->stages[s].actions[a];
    const engine_action_run *run = &x->stages[s].actions[a];
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "pipelineExecutionId", x->id);
    engine_util_put_str(obj, "actionExecutionId", run->action_execution_id);
    engine_util_put_int(obj, "pipelineVersion", x->pipeline_version);
    engine_util_put_str(obj, "stageName", plan->stages[s].name);
    engine_util_put_str(obj, "actionName", pa->name);
    engine_util_put_time(obj, "startTime", run->start_ms);
    engine_util_put_time(obj, "lastUpdateTime", run->last_change_ms);
    engine_util_put_str(obj, "updatedBy", run->updated_by);
    engine_util_put_str(obj, "status", engine_state_action_status_name(run->status));

    json_t *input = engine_util_obj();
    engine_util_put(input, "actionTypeId", engine_util_action_type_json(pa));
    engine_util_put(input, "configuration", engine_util_kvs_object(pa->config, pa->nconfig));
    engine_util_put(input, "resolvedConfiguration",
                    engine_util_kvs_object(run->resolved, run->nresolved));
    engine_util_put_str(input, "roleArn", pa->role_arn);
    engine_util_put_str(input, "region", pa->region);
    engine_util_put(input, "inputArtifacts", engine_util_artifacts_json(run->inputs, run->ninputs));
    engine_util_put_str(input, "namespace", pa->namespace_);
    engine_util_put(obj, "input", input);

    json_t *output = engine_util_obj();
    engine_util_put(output, "outputArtifacts",
                    engine_util_artifacts_json(run->outputs, run->noutputs));
    json_t *result = engine_util_obj();
    engine_util_put_str(result, "externalExecutionId", run->external_id);
    engine_util_put_str(result, "externalExecutionSummary", run->summary);
    engine_util_put_str(result, "externalExecutionUrl", run->external_url);
    json_t *errors = engine_view_error_details(run->error_code, run->error_message);
    if (errors != NULL) {
        engine_util_put(result, "errorDetails", errors);
    }
    engine_util_put(output, "executionResult", result);
    engine_util_put(output, "outputVariables",
                    engine_util_kvs_object(run->output_vars, run->noutput_vars));
    if (run->nvotes > 0) {
        engine_util_put(output, "sluiceApprovalVotes", engine_votes_json(run)); /* Sluice's own */
    }
    engine_util_put(obj, "output", output);
    return obj;
}

typedef struct engine_view_ref {
    const engine_execution *x;
    size_t s;
    size_t a;
    int64_t start_ms;
    size_t order; /* position in the state, for a stable sort */
} engine_view_ref;

static int engine_view_ref_compare(const void *pa, const void *pb)
{
    const engine_view_ref *ra = pa;
    const engine_view_ref *rb = pb;
    if (ra->start_ms != rb->start_ms) {
        return ra->start_ms > rb->start_ms ? -1 : 1;
    }
    return ra->order > rb->order ? -1 : (ra->order < rb->order ? 1 : 0);
}

json_t *engine_view_list_action_executions(const engine_state *state, const char *execution_id)
{
    if (execution_id != NULL && engine_state_find(state, execution_id) == NULL) {
        return NULL;
    }
    size_t count = 0;
    size_t cap = 0;
    engine_view_ref *refs = NULL;
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        if (execution_id != NULL && strcmp(x->id, execution_id) != 0) {
            continue;
        }
        for (size_t s = 0; s < x->nstages; s++) {
            for (size_t a = 0; a < x->stages[s].nactions; a++) {
                const engine_action_run *run = &x->stages[s].actions[a];
                if (run->status == ENGINE_ACTION_NOT_STARTED || run->action_execution_id == NULL) {
                    continue;
                }
                engine_util_reserve((void **)&refs, &cap, count + 1, sizeof *refs);
                refs[count] = (engine_view_ref){
                    .x = x, .s = s, .a = a, .start_ms = run->start_ms, .order = count};
                count++;
            }
        }
    }
    if (count > 1) {
        qsort(refs, count, sizeof *refs, engine_view_ref_compare);
    }
    json_t *list = engine_util_arr();
    for (size_t i = 0; i < count; i++) {
        engine_util_push(list,
                         engine_view_action_execution(state, refs[i].x, refs[i].s, refs[i].a));
    }
    free(refs);
    json_t *obj = engine_util_obj();
    engine_util_put(obj, "actionExecutionDetails", list);
    return obj;
}

/* ---- ListRuleExecutions ------------------------------------------------------------ */

typedef struct engine_view_rule_ref {
    const engine_execution *x;
    size_t s;
    int kind;
    size_t c;
    size_t r;
    int64_t start_ms;
    size_t order;
} engine_view_rule_ref;

static int engine_view_rule_ref_compare(const void *pa, const void *pb)
{
    const engine_view_rule_ref *ra = pa;
    const engine_view_rule_ref *rb = pb;
    if (ra->start_ms != rb->start_ms) {
        return ra->start_ms > rb->start_ms ? -1 : 1;
    }
    return ra->order > rb->order ? -1 : (ra->order < rb->order ? 1 : 0);
}

json_t *engine_view_rule_execution(const engine_state *state, const engine_execution *x, size_t s,
                                   int kind, size_t c, size_t r)
{
    const engine_plan *plan = engine_view_plan(state, x);
    const engine_plan_stage *ps = &plan->stages[s];
    const engine_plan_rule *pr = &ps->conditions[kind].conditions[c].rules[r];
    const engine_rule_run *rule = &x->stages[s].conditions[kind].conditions[c].rules[r];
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "pipelineExecutionId", x->id);
    engine_util_put_str(obj, "ruleExecutionId", rule->rule_execution_id);
    engine_util_put_int(obj, "pipelineVersion", x->pipeline_version);
    engine_util_put_str(obj, "stageName", ps->name);
    engine_util_put_str(obj, "ruleName", pr->name);
    engine_util_put_time(obj, "startTime", rule->start_ms);
    engine_util_put_time(obj, "lastUpdateTime", rule->last_change_ms);
    engine_util_put_str(obj, "status", engine_state_rule_status_name(rule->status));
    json_t *input = engine_util_obj();
    json_t *type = engine_util_obj();
    engine_util_put_str(type, "category", pr->category[0] != '\0' ? pr->category : "Rule");
    engine_util_put_str(type, "owner", pr->owner != NULL ? pr->owner : "AWS");
    engine_util_put_str(type, "provider", pr->provider);
    engine_util_put_str(type, "version", pr->version != NULL ? pr->version : "1");
    engine_util_put(input, "ruleTypeId", type);
    engine_util_put(input, "configuration", engine_util_kvs_object(pr->config, pr->nconfig));
    engine_util_put(input, "resolvedConfiguration",
                    engine_util_kvs_object(rule->resolved, rule->nresolved));
    engine_util_put_str(input, "roleArn", pr->role_arn);
    engine_util_put_str(input, "region", pr->region);
    engine_util_put(input, "inputArtifacts",
                    engine_util_artifacts_json(rule->inputs, rule->ninputs));
    engine_util_put(obj, "input", input);
    json_t *result = engine_util_obj();
    engine_util_put_str(result, "externalExecutionId", rule->external_id);
    engine_util_put_str(result, "externalExecutionSummary", rule->summary);
    engine_util_put_str(result, "externalExecutionUrl", rule->external_url);
    json_t *errors = engine_view_error_details(rule->error_code, rule->error_message);
    if (errors != NULL) {
        engine_util_put(result, "errorDetails", errors);
    }
    json_t *output = engine_util_obj();
    engine_util_put(output, "executionResult", result);
    engine_util_put(obj, "output", output);
    return obj;
}

json_t *engine_view_list_rule_executions(const engine_state *state, const char *execution_id)
{
    if (execution_id != NULL && engine_state_find(state, execution_id) == NULL) {
        return NULL;
    }
    size_t count = 0;
    size_t cap = 0;
    engine_view_rule_ref *refs = NULL;
    for (size_t i = 0; i < state->nexecs; i++) {
        const engine_execution *x = state->execs[i];
        const engine_plan *plan = engine_view_plan(state, x);
        if (plan == NULL || (execution_id != NULL && strcmp(x->id, execution_id) != 0)) {
            continue;
        }
        for (size_t s = 0; s < x->nstages && s < plan->nstages; s++) {
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                const engine_stage_condition_run *run = &x->stages[s].conditions[k];
                const engine_plan_conditions *pc = &plan->stages[s].conditions[k];
                for (size_t c = 0; c < run->nconditions && c < pc->nconditions; c++) {
                    size_t nrules = run->conditions[c].nrules < pc->conditions[c].nrules
                                        ? run->conditions[c].nrules
                                        : pc->conditions[c].nrules;
                    for (size_t r = 0; r < nrules; r++) {
                        const engine_rule_run *rule = &run->conditions[c].rules[r];
                        if (rule->status == ENGINE_RULE_NOT_STARTED ||
                            rule->rule_execution_id == NULL) {
                            continue;
                        }
                        engine_util_reserve((void **)&refs, &cap, count + 1, sizeof *refs);
                        refs[count] = (engine_view_rule_ref){.x = x,
                                                             .s = s,
                                                             .kind = k,
                                                             .c = c,
                                                             .r = r,
                                                             .start_ms = rule->start_ms,
                                                             .order = count};
                        count++;
                    }
                }
            }
        }
    }
    if (count > 1) {
        qsort(refs, count, sizeof *refs, engine_view_rule_ref_compare);
    }
    json_t *list = engine_util_arr();
    for (size_t i = 0; i < count; i++) {
        engine_util_push(list, engine_view_rule_execution(state, refs[i].x, refs[i].s, refs[i].kind,
                                                          refs[i].c, refs[i].r));
    }
    free(refs);
    json_t *obj = engine_util_obj();
    engine_util_put(obj, "ruleExecutionDetails", list);
    return obj;
}
