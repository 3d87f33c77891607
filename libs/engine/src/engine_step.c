/*
 * engine_step.c — one input in, a new state and effects out (see engine_step.h).
 *
 * This file checks every request against the state and answers it: a
 * rejected request gets CodePipeline's exception in the reply and changes
 * nothing; an accepted one is carried out by engine_machine and answered with
 * the API's result. After every input the waiting executions are admitted
 * where they can move, and the state is bounded (engine_state_evict).
 */
#include "sluice/engine_step.h"

#include "engine_conditions.h"
#include "engine_machine.h"
#include "engine_util.h"
#include "engine_votes.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_arn.h"
#include "sluice/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_STEP_MAX_REASON                 200 /* StopPipelineExecution reason */
#define ENGINE_STEP_MAX_TRANSITION_REASON      300 /* DisableStageTransition reason */
#define ENGINE_STEP_MAX_VARIABLES              50
#define ENGINE_STEP_MAX_VARIABLE_VALUE         1000
#define ENGINE_STEP_MAX_OVERRIDES              50
#define ENGINE_STEP_MAX_OUTPUT_VARIABLES_BYTES 122880 /* CodePipeline's output variables quota */
#define ENGINE_STEP_TIMER_PREFIX               "action-timeout:"
#define ENGINE_STEP_MAX_CLIENT_TOKEN           128
#define ENGINE_STEP_MAX_SUMMARY                2048 /* ExecutionSummary */
#define ENGINE_STEP_MAX_APPROVAL_SUMMARY       512
#define ENGINE_STEP_MAX_MESSAGE                5000 /* FailureDetails.message */
#define ENGINE_STEP_MAX_EXTERNAL_ID            1500
#define ENGINE_STEP_MAX_URL                    2048
#define ENGINE_STEP_MAX_TRIGGER_DETAIL         1024

static bool engine_step_too_long(const char *s, size_t max)
{
    return s != NULL && strlen(s) > max;
}

char *engine_step_pipeline_arn(const engine_ctx *ctx, const char *pipeline)
{
    char arn[PROTOCOL_ARN_MAX];
    if (protocol_arn_pipeline(arn, sizeof arn, ctx->region != NULL ? ctx->region : "us-east-1",
                              ctx->account != NULL ? ctx->account : "000000000000",
                              pipeline) != SLUICE_OK) {
        return NULL;
    }
    return engine_util_printf("%s", arn);
}

/* ---- replies ---------------------------------------------------------------- */

static void engine_step_reply(engine_machine *m, json_t *body, const char *execution_id)
{
    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_REPLY);
    e->id = engine_util_strdup(m->input->request_id);
    e->execution_id = engine_util_strdup(execution_id);
    e->body = body != NULL ? body : engine_util_obj();
}

static void engine_step_reject(engine_machine *m, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void engine_step_reject(engine_machine *m, const char *exception, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_REPLY);
    e->id = engine_util_strdup(m->input->request_id);
    e->exception = engine_util_strdup(exception);
    e->message = engine_util_strdup(message);
}

static json_t *engine_step_execution_body(const engine_execution *x)
{
    json_t *body = engine_util_obj();
    engine_util_put_str(body, "pipelineExecutionId", x->id);
    return body;
}

/* False (and a PipelineNotFoundException reply) before the pipeline exists. */
static bool engine_step_have_plan(engine_machine *m)
{
    if (engine_state_plan(m->state) != NULL) {
        return true;
    }
    engine_step_reject(m, "PipelineNotFoundException", "The pipeline %s does not exist",
                       m->state->pipeline);
    return false;
}

/* The index of the stage named name in plan, or ENGINE_PLAN_NOT_FOUND after rejecting the
 * request with StageNotFoundException. */
static size_t engine_step_stage_index(engine_machine *m, const engine_plan *plan, const char *name)
{
    size_t s = engine_plan_stage_index(plan, name);
    if (s == ENGINE_PLAN_NOT_FOUND) {
        engine_step_reject(m, "StageNotFoundException",
                           "The stage %s does not exist in pipeline %s", name, plan->name);
    }
    return s;
}

/*
 * The plan and *s, the index of its stage named stage, for a request on a
 * stage; NULL after rejecting it (PipelineNotFoundException before the
 * pipeline exists, StageNotFoundException for a stage it does not declare).
 */
static const engine_plan *engine_step_plan_stage(engine_machine *m, const char *stage, size_t *s)
{
    if (!engine_step_have_plan(m)) {
        return NULL;
    }
    const engine_plan *plan = engine_state_plan(m->state);
    *s = engine_step_stage_index(m, plan, stage);
    return *s != ENGINE_PLAN_NOT_FOUND ? plan : NULL;
}

/* ---- StartPipelineExecution ------------------------------------------------- */

static const engine_plan_action *engine_step_find_action(const engine_plan *plan, const char *name)
{
    for (size_t s = 0; s < plan->nstages; s++) {
        size_t a = engine_plan_action_index(&plan->stages[s], name);
        if (a != ENGINE_PLAN_NOT_FOUND) {
            return &plan->stages[s].actions[a];
        }
    }
    return NULL;
}

static bool engine_step_client_token_ok(const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n > ENGINE_STEP_MAX_CLIENT_TOKEN) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = token[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The value variable name takes for a start request: its override, else the default, else "". */
static const char *engine_step_start_value(const engine_plan *plan, size_t v,
                                           const engine_input_start *in)
{
    for (size_t i = 0; i < in->nvariables; i++) {
        if (strcmp(in->variables[i].key, plan->variables[v].name) == 0) {
            return in->variables[i].value;
        }
    }
    return plan->variables[v].default_value != NULL ? plan->variables[v].default_value : "";
}

/* True when a repeated clientRequestToken asks for what execution x already is. */
static bool engine_step_same_start(const engine_execution *x, const engine_plan *plan,
                                   const engine_input_start *in)
{
    if (x->pipeline_version == plan->version) {
        for (size_t v = 0; v < plan->nvariables && v < x->nvariables; v++) {
            if (strcmp(x->variables[v].value, engine_step_start_value(plan, v, in)) != 0) {
                return false;
            }
        }
    }
    if (x->noverrides != in->noverrides) {
        return false;
    }
    for (size_t i = 0; i < in->noverrides; i++) {
        const engine_override *o = &x->overrides[i];
        if (!engine_util_str_eq(o->action_name, in->overrides[i].action_name) ||
            !engine_util_str_eq(o->revision_type, in->overrides[i].revision_type) ||
            !engine_util_str_eq(o->revision_value, in->overrides[i].revision_value)) {
            return false;
        }
    }
    return true;
}

static bool engine_step_check_start(engine_machine *m, const engine_plan *plan,
                                    const engine_input_start *in)
{
    if (in->client_token != NULL && !engine_step_client_token_ok(in->client_token)) {
        engine_step_reject(m, "ValidationException",
                           "clientRequestToken must be 1 to %d letters, digits or hyphens",
                           ENGINE_STEP_MAX_CLIENT_TOKEN);
        return false;
    }
    if (engine_step_too_long(in->trigger_detail, ENGINE_STEP_MAX_TRIGGER_DETAIL)) {
        engine_step_reject(m, "ValidationException",
                           "The trigger detail is longer than %d characters",
                           ENGINE_STEP_MAX_TRIGGER_DETAIL);
        return false;
    }
    if (in->nvariables > ENGINE_STEP_MAX_VARIABLES || in->noverrides > ENGINE_STEP_MAX_OVERRIDES) {
        engine_step_reject(m, "ValidationException", "Too many variables or source revisions");
        return false;
    }
    for (size_t i = 0; i < in->nvariables; i++) {
        const char *name = in->variables[i].key;
        const char *value = in->variables[i].value;
        bool declared = false;
        for (size_t v = 0; name != NULL && v < plan->nvariables; v++) {
            declared = declared || strcmp(plan->variables[v].name, name) == 0;
        }
        if (!declared) {
            engine_step_reject(m, "ValidationException",
                               "Variable %s is not declared in pipeline %s",
                               name != NULL ? name : "(null)", plan->name);
            return false;
        }
        if (value == NULL || value[0] == '\0' || strlen(value) > ENGINE_STEP_MAX_VARIABLE_VALUE) {
            engine_step_reject(m, "ValidationException",
                               "Variable %s needs a value of 1 to %d characters", name,
                               ENGINE_STEP_MAX_VARIABLE_VALUE);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(in->variables[j].key, name) == 0) {
                engine_step_reject(m, "ValidationException", "Variable %s is given twice", name);
                return false;
            }
        }
    }
    for (size_t i = 0; i < in->noverrides; i++) {
        const engine_input_override *o = &in->overrides[i];
        const engine_plan_action *pa =
            o->action_name != NULL ? engine_step_find_action(plan, o->action_name) : NULL;
        if (pa == NULL || !engine_plan_action_is_source(pa)) {
            engine_step_reject(m, "ValidationException",
                               "Source revision override names no source action: %s",
                               o->action_name != NULL ? o->action_name : "(null)");
            return false;
        }
        if (o->revision_type == NULL || o->revision_value == NULL) {
            engine_step_reject(m, "ValidationException",
                               "Source revision override for %s needs a type and a value",
                               o->action_name);
            return false;
        }
    }
    return true;
}

static void engine_step_fill_execution(engine_machine *m, engine_execution *x,
                                       const engine_plan *plan, const engine_input_start *in)
{
    x->trigger_type =
        engine_util_strdup(in->trigger_type != NULL ? in->trigger_type : "StartPipelineExecution");
    x->trigger_detail = engine_util_strdup(in->trigger_detail != NULL ? in->trigger_detail
                                                                      : m->input->requested_by);
    x->client_token = engine_util_strdup(in->client_token);
    x->start_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    if (plan->nvariables > 0) {
        x->variables = engine_util_calloc(plan->nvariables, sizeof *x->variables);
        for (size_t v = 0; v < plan->nvariables; v++) {
            x->variables[v].key = engine_util_strdup(plan->variables[v].name);
            x->variables[v].value = engine_util_strdup(engine_step_start_value(plan, v, in));
        }
        x->nvariables = plan->nvariables;
    }
    if (in->noverrides > 0) {
        x->overrides = engine_util_calloc(in->noverrides, sizeof *x->overrides);
        for (size_t i = 0; i < in->noverrides; i++) {
            x->overrides[i].action_name = engine_util_strdup(in->overrides[i].action_name);
            x->overrides[i].revision_type = engine_util_strdup(in->overrides[i].revision_type);
            x->overrides[i].revision_value = engine_util_strdup(in->overrides[i].revision_value);
        }
        x->noverrides = in->noverrides;
    }
}

static void engine_step_start(engine_machine *m)
{
    const engine_input_start *in = &m->input->start;
    if (!engine_step_have_plan(m)) {
        return;
    }
    const engine_plan *plan = engine_state_plan(m->state);
    if (!engine_step_check_start(m, plan, in)) {
        return;
    }
    if (in->client_token != NULL) {
        for (size_t i = 0; i < m->state->nexecs; i++) {
            const engine_execution *x = m->state->execs[i];
            if (!engine_util_str_eq(x->client_token, in->client_token)) {
                continue;
            }
            if (!engine_step_same_start(x, plan, in)) {
                engine_step_reject(
                    m, "ConflictException",
                    "clientRequestToken %s was used for a different request (execution %s)",
                    in->client_token, x->id);
                return;
            }
            engine_step_reply(m, engine_step_execution_body(x), x->id);
            return;
        }
    }
    if (engine_state_active_count(m->state) >= ENGINE_STATE_MAX_ACTIVE) {
        engine_step_reject(m, "ConcurrentPipelineExecutionsLimitExceededException",
                           "The pipeline %s already has %d executions in progress", plan->name,
                           ENGINE_STATE_MAX_ACTIVE);
        return;
    }
    char *id = engine_machine_new_id(m);
    engine_execution *x = engine_state_add_execution(m->state, id, plan);
    free(id);
    engine_step_fill_execution(m, x, plan, in);
    engine_machine_start(m, x);
    engine_step_reply(m, engine_step_execution_body(x), x->id);
}

/* ---- job results, approvals, timers ----------------------------------------- */

typedef struct engine_step_where {
    engine_execution *x;
    size_t s;
    size_t a;
} engine_step_where;

/* Finds the action run whose field (as read by field) equals value; prefers a running one. */
static bool engine_step_find_run(const engine_state *state, const char *value,
                                 const char *(*field)(const engine_action_run *),
                                 engine_step_where *where)
{
    bool found = false;
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_execution *x = state->execs[i];
        for (size_t s = 0; s < x->nstages; s++) {
            for (size_t a = 0; a < x->stages[s].nactions; a++) {
                const engine_action_run *run = &x->stages[s].actions[a];
                if (!engine_util_str_eq(field(run), value)) {
                    continue;
                }
                x->dirty = true; /* handed out mutable */
                where->x = x;
                where->s = s;
                where->a = a;
                found = true;
                if (run->status == ENGINE_ACTION_IN_PROGRESS) {
                    return true;
                }
            }
        }
    }
    return found;
}

static const char *engine_step_job_field(const engine_action_run *run)
{
    return run->job_id;
}

static const char *engine_step_exec_id_field(const engine_action_run *run)
{
    return run->action_execution_id;
}

static bool engine_step_running(const engine_step_where *w)
{
    return w->x->stages[w->s].actions[w->a].status == ENGINE_ACTION_IN_PROGRESS &&
           !engine_state_exec_terminal(w->x->status);
}

static size_t engine_step_kv_bytes(const engine_input_kv *items, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += (items[i].key != NULL ? strlen(items[i].key) : 0) +
                 (items[i].value != NULL ? strlen(items[i].value) : 0);
    }
    return total;
}

/* False (and a rejection) when a field of a job result is out of CodePipeline's bounds. */
static bool engine_step_job_fields_ok(engine_machine *m, const engine_input_job *in)
{
    if (engine_step_too_long(in->summary, ENGINE_STEP_MAX_SUMMARY) ||
        engine_step_too_long(in->revision_summary, ENGINE_STEP_MAX_SUMMARY) ||
        engine_step_too_long(in->failure_message, ENGINE_STEP_MAX_MESSAGE) ||
        engine_step_too_long(in->external_id, ENGINE_STEP_MAX_EXTERNAL_ID) ||
        engine_step_too_long(in->revision_id, ENGINE_STEP_MAX_EXTERNAL_ID) ||
        engine_step_too_long(in->external_url, ENGINE_STEP_MAX_URL) ||
        engine_step_too_long(in->revision_url, ENGINE_STEP_MAX_URL) ||
        engine_step_too_long(in->continuation_token, ENGINE_STEP_MAX_URL)) {
        engine_step_reject(m, "ValidationException",
                           "A field of the job result is longer than CodePipeline allows");
        return false;
    }
    for (size_t i = 0; i < in->noutput_variables; i++) {
        if (in->output_variables[i].key == NULL || in->output_variables[i].value == NULL) {
            engine_step_reject(m, "ValidationException",
                               "Output variables need a name and a value");
            return false;
        }
    }
    if (engine_step_kv_bytes(in->output_variables, in->noutput_variables) >
        ENGINE_STEP_MAX_OUTPUT_VARIABLES_BYTES) {
        engine_step_reject(m, "OutputVariablesSizeExceededException",
                           "Output variables exceed %d bytes",
                           ENGINE_STEP_MAX_OUTPUT_VARIABLES_BYTES);
        return false;
    }
    return true;
}

/* A job result for a rule of a stage condition (LambdaInvoke, Commands). */
static void engine_step_rule_result(engine_machine *m, const engine_conditions_where *w)
{
    const engine_input_job *in = &m->input->job;
    if (engine_conditions_rule(w)->status != ENGINE_RULE_IN_PROGRESS ||
        engine_state_exec_terminal(w->x->status)) {
        engine_step_reject(m, "InvalidJobStateException", "Job %s is no longer in progress",
                           in->job_id);
        return;
    }
    if (!engine_step_job_fields_ok(m, in)) {
        return;
    }
    char *execution_id = engine_util_strdup(w->x->id);
    engine_machine_rule_result(m, w, in);
    engine_step_reply(m, NULL, execution_id);
    free(execution_id);
}

static void engine_step_job_result(engine_machine *m)
{
    const engine_input_job *in = &m->input->job;
    engine_step_where w = {0};
    if (!engine_step_find_run(m->state, in->job_id, engine_step_job_field, &w)) {
        engine_conditions_where rule;
        if (engine_conditions_find(m->state, in->job_id, true, &rule)) {
            engine_step_rule_result(m, &rule);
            return;
        }
        engine_step_reject(m, "JobNotFoundException", "No job with id %s", in->job_id);
        return;
    }
    if (!engine_step_running(&w)) {
        engine_step_reject(m, "InvalidJobStateException", "Job %s is no longer in progress",
                           in->job_id);
        return;
    }
    const engine_plan_action *pa = &engine_machine_plan(m, w.x)->stages[w.s].actions[w.a];
    if (engine_plan_action_is_approval(pa)) {
        engine_step_reject(m, "InvalidJobStateException",
                           "Job %s is a manual approval; answer it with PutApprovalResult",
                           in->job_id);
        return;
    }
    if (!engine_step_job_fields_ok(m, in)) {
        return;
    }
    char *execution_id = engine_util_strdup(w.x->id);
    engine_machine_job_result(m, w.x, w.s, w.a, in);
    engine_step_reply(m, NULL, execution_id);
    free(execution_id);
}

/*
 * A vote on an approval (PutApprovalResult: the vote of requested_by, without groups or
 * e-mail addresses). CodePipeline's checks first (pipeline, stage, action, token, still
 * waiting), then the policy's (engine_votes.h).
 */
static void engine_step_vote(engine_machine *m, const engine_input_vote *in)
{
    if (!engine_step_have_plan(m)) {
        return;
    }
    if (engine_step_too_long(in->comment, ENGINE_STEP_MAX_APPROVAL_SUMMARY)) {
        engine_step_reject(m, "ValidationException",
                           "The approval summary is longer than %d characters",
                           ENGINE_STEP_MAX_APPROVAL_SUMMARY);
        return;
    }
    const engine_plan *plan = engine_state_plan(m->state);
    size_t s = engine_step_stage_index(m, plan, in->stage);
    if (s == ENGINE_PLAN_NOT_FOUND) {
        return;
    }
    size_t a = engine_plan_action_index(&plan->stages[s], in->action);
    if (a == ENGINE_PLAN_NOT_FOUND) {
        engine_step_reject(m, "ActionNotFoundException", "The action %s does not exist in stage %s",
                           in->action, in->stage);
        return;
    }
    for (size_t i = 0; i < m->state->nexecs; i++) {
        engine_execution *x = m->state->execs[i];
        if (x->pipeline_version != plan->version || s >= x->nstages || a >= x->stages[s].nactions ||
            !sluice_secret_equal(x->stages[s].actions[a].token, in->token)) {
            continue;
        }
        x->dirty = true; /* handed out mutable */
        engine_step_where w = {.x = x, .s = s, .a = a};
        if (!engine_step_running(&w)) {
            engine_step_reject(
                m, "ApprovalAlreadyCompletedException",
                "The approval request with token %s was already answered or has ended", in->token);
            return;
        }
        model_approval_policy policy;
        char msg[512];
        if (engine_votes_policy(&plan->stages[s].actions[a], &policy, msg, sizeof msg) != 0) {
            /* PutApprovalResult's errors have no declaration exceptions */
            engine_step_reject(m, "ValidationException", "%s", msg);
            return;
        }
        const char *refusal = engine_votes_refusal(m, x, s, a, &policy, in, msg, sizeof msg);
        if (refusal != NULL) {
            engine_step_reject(m, refusal, "%s", msg);
            return;
        }
        engine_votes_cast(m, x, s, a, &policy, in);
        json_t *body = engine_util_obj();
        engine_util_put_time(body, "approvedAt", m->ctx->now_ms);
        engine_step_reply(m, body, x->id);
        return;
    }
    engine_step_reject(m, "InvalidApprovalTokenException",
                       "The token %s is not the approval token of %s/%s", in->token, in->stage,
                       in->action);
}

static void engine_step_approval(engine_machine *m)
{
    const engine_input_approval *in = &m->input->approval;
    engine_input_vote vote = {.stage = in->stage,
                              .action = in->action,
                              .token = in->token,
                              .identity = m->input->requested_by,
                              .approved = in->approved,
                              .comment = in->summary};
    engine_step_vote(m, &vote);
}

/* A rule's timeout timer fired. */
static void engine_step_rule_timer(engine_machine *m)
{
    const char *key = m->input->timer.key;
    const char *id = key + strlen(ENGINE_CONDITIONS_TIMER_PREFIX);
    engine_conditions_where w;
    if (!engine_conditions_find(m->state, id, false, &w) ||
        engine_conditions_rule(&w)->status != ENGINE_RULE_IN_PROGRESS ||
        engine_state_exec_terminal(w.x->status)) {
        engine_step_reply(m, NULL, NULL); /* the rule already ended: nothing to do */
        return;
    }
    const engine_rule_run *rule = engine_conditions_rule(&w);
    if (m->ctx->now_ms < rule->deadline_ms) {
        engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_SET);
        e->id = engine_util_strdup(key);
        e->execution_id = engine_util_strdup(w.x->id);
        e->deadline_ms = rule->deadline_ms;
        engine_step_reply(m, NULL, w.x->id);
        return;
    }
    char *execution_id = engine_util_strdup(w.x->id);
    engine_machine_rule_timeout(m, &w);
    engine_step_reply(m, NULL, execution_id);
    free(execution_id);
}

static void engine_step_timer(engine_machine *m)
{
    const char *key = m->input->timer.key;
    if (strncmp(key, ENGINE_CONDITIONS_TIMER_PREFIX, strlen(ENGINE_CONDITIONS_TIMER_PREFIX)) == 0) {
        engine_step_rule_timer(m);
        return;
    }
    size_t prefix = strlen(ENGINE_STEP_TIMER_PREFIX);
    engine_step_where w = {0};
    if (strncmp(key, ENGINE_STEP_TIMER_PREFIX, prefix) != 0 ||
        !engine_step_find_run(m->state, key + prefix, engine_step_exec_id_field, &w) ||
        !engine_step_running(&w)) {
        engine_step_reply(m, NULL, NULL); /* the action already ended: nothing to do */
        return;
    }
    engine_action_run *run = &w.x->stages[w.s].actions[w.a];
    if (m->ctx->now_ms < run->deadline_ms) {
        /* fired early (clock skew): ask again for the real deadline */
        engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_SET);
        e->id = engine_util_strdup(key);
        e->execution_id = engine_util_strdup(w.x->id);
        e->deadline_ms = run->deadline_ms;
        engine_step_reply(m, NULL, w.x->id);
        return;
    }
    char *execution_id = engine_util_strdup(w.x->id);
    engine_machine_timeout(m, w.x, w.s, w.a);
    engine_step_reply(m, NULL, execution_id);
    free(execution_id);
}

/* ---- StopPipelineExecution, RetryStageExecution ------------------------------ */

static void engine_step_stop(engine_machine *m)
{
    const engine_input_stop *in = &m->input->stop;
    engine_execution *x = engine_state_find(m->state, in->execution_id);
    if (x == NULL) {
        /* botocore's StopPipelineExecution errors have no PipelineExecutionNotFoundException */
        engine_step_reject(m, "PipelineExecutionNotStoppableException",
                           "Pipeline execution %s does not exist in pipeline %s and cannot be "
                           "stopped",
                           in->execution_id, m->state->pipeline);
        return;
    }
    if (in->reason != NULL && strlen(in->reason) > ENGINE_STEP_MAX_REASON) {
        engine_step_reject(m, "ValidationException", "The reason is longer than %d characters",
                           ENGINE_STEP_MAX_REASON);
        return;
    }
    if (engine_state_exec_terminal(x->status)) {
        engine_step_reject(m, "PipelineExecutionNotStoppableException",
                           "Pipeline execution %s is %s and cannot be stopped", x->id,
                           engine_state_exec_status_name(x->status));
        return;
    }
    if (x->status == ENGINE_EXEC_STOPPING && !in->abandon) {
        engine_step_reject(
            m, "DuplicatedStopRequestException",
            "Pipeline execution %s is already stopping; only stop and abandon is allowed", x->id);
        return;
    }
    engine_machine_stop(m, x, in->abandon, in->reason);
    engine_step_reply(m, engine_step_execution_body(x), x->id);
}

static void engine_step_retry(engine_machine *m)
{
    const engine_input_retry *in = &m->input->retry;
    size_t s = 0;
    const engine_plan *plan = engine_step_plan_stage(m, in->stage, &s);
    if (plan == NULL) {
        return;
    }
    engine_execution *x = engine_state_find(m->state, in->execution_id);
    if (x == NULL) {
        /* botocore's RetryStageExecution errors have no PipelineExecutionNotFoundException */
        engine_step_reject(m, "StageNotRetryableException",
                           "Pipeline execution %s does not exist in pipeline %s: stage %s cannot "
                           "be retried",
                           in->execution_id, plan->name, in->stage);
        return;
    }
    if (x->pipeline_version != plan->version) {
        engine_step_reject(m, "StageNotRetryableException",
                           "The pipeline structure changed since execution %s ran stage %s", x->id,
                           in->stage);
        return;
    }
    engine_stage_status status = s < x->nstages ? x->stages[s].status : ENGINE_STAGE_NOT_STARTED;
    if (x->status != ENGINE_EXEC_FAILED && x->status != ENGINE_EXEC_STOPPED) {
        engine_step_reject(m, "StageNotRetryableException",
                           "Pipeline execution %s is %s; only a failed or "
                           "stopped stage can be retried",
                           x->id, engine_state_exec_status_name(x->status));
        return;
    }
    if (!x->in_stage || x->stage_index != s ||
        (status != ENGINE_STAGE_FAILED && status != ENGINE_STAGE_STOPPED)) {
        engine_step_reject(
            m, "StageNotRetryableException",
            "Stage %s of pipeline execution %s has no failed or stopped actions to retry",
            in->stage, x->id);
        return;
    }
    if (plan->mode != MODEL_MODE_PARALLEL &&
        (!engine_util_str_eq(m->state->stages[s].latest_execution_id, x->id) ||
         engine_state_lock_holder(m->state, s) != NULL)) {
        engine_step_reject(m, "NotLatestPipelineExecutionException",
                           "Pipeline execution %s is not the latest execution of stage %s", x->id,
                           in->stage);
        return;
    }
    engine_machine_retry(m, x, s, in->mode);
    engine_step_reply(m, engine_step_execution_body(x), x->id);
}

/* ---- stage conditions, rollback ------------------------------------------------ */

/*
 * OverrideStageCondition: only the condition being evaluated for the
 * execution holding the stage can be overridden (ConditionNotOverridableException
 * otherwise); an execution that is not inside the stage is not its latest
 * (NotLatestPipelineExecutionException); a stopping one is busy (ConflictException).
 */
static void engine_step_override(engine_machine *m)
{
    const engine_input_override_condition *in = &m->input->override_condition;
    size_t s = 0;
    const engine_plan *plan = engine_step_plan_stage(m, in->stage, &s);
    if (plan == NULL) {
        return;
    }
    engine_condition_kind kind =
        in->on_success ? ENGINE_CONDITION_ON_SUCCESS : ENGINE_CONDITION_BEFORE_ENTRY;
    const char *type = engine_plan_condition_type_name(kind);
    engine_execution *x = engine_state_find(m->state, in->execution_id);
    if (x == NULL || x->pipeline_version != plan->version || !x->in_stage || x->stage_index != s ||
        engine_state_exec_terminal(x->status)) {
        engine_step_reject(m, "NotLatestPipelineExecutionException",
                           "Pipeline execution %s is not the execution in stage %s",
                           in->execution_id, in->stage);
        return;
    }
    if (x->status == ENGINE_EXEC_STOPPING) {
        engine_step_reject(m, "ConflictException", "Pipeline execution %s is stopping", x->id);
        return;
    }
    if (x->stages[s].conditions[kind].status != ENGINE_COND_IN_PROGRESS) {
        engine_step_reject(m, "ConditionNotOverridableException",
                           "The %s condition of stage %s is not being evaluated for pipeline "
                           "execution %s",
                           type, in->stage, x->id);
        return;
    }
    engine_machine_override(m, x, s, kind);
    engine_step_reply(m, NULL, x->id);
}

/* The outputs of one archived action (target format of engine_input.h) into run. */
static void engine_step_outside_action(engine_util_rd *rd, const json_t *obj,
                                       engine_action_run *run)
{
    run->status = ENGINE_ACTION_SUCCEEDED;
    json_t *outputs = engine_util_rd_arr(rd, obj, "outputArtifacts", false);
    size_t n = outputs != NULL ? json_array_size(outputs) : 0;
    if (n > 0) {
        run->outputs = engine_util_calloc(n, sizeof *run->outputs);
        for (size_t o = 0; o < n && rd->rc == 0; o++) {
            json_t *art = json_array_get(outputs, o);
            json_t *loc = engine_util_rd_obj(rd, art, "s3location", false);
            run->outputs[o].name = engine_util_rd_str(rd, art, "name", true);
            run->outputs[o].bucket =
                loc != NULL ? engine_util_rd_str(rd, loc, "bucket", false) : NULL;
            run->outputs[o].key = loc != NULL ? engine_util_rd_str(rd, loc, "key", false) : NULL;
            run->noutputs = o + 1;
        }
    }
    json_t *vars = engine_util_rd_obj(rd, obj, "outputVariables", false);
    n = vars != NULL ? json_object_size(vars) : 0;
    if (n > 0) {
        run->output_vars = engine_util_calloc(n, sizeof *run->output_vars);
        const char *key;
        json_t *value;
        json_object_foreach(vars, key, value)
        {
            if (!json_is_string(value) || run->noutput_vars >= n) {
                engine_util_rd_fail(rd, "not a string: outputVariables", key);
                break;
            }
            run->output_vars[run->noutput_vars].key = engine_util_strdup(key);
            run->output_vars[run->noutput_vars].value =
                engine_util_strdup(json_string_value(value));
            run->noutput_vars++;
        }
    }
}

/* The stages of an archived target, matched by name to plan's (the others stay NotStarted). */
static void engine_step_outside_stages(engine_util_rd *rd, const json_t *obj,
                                       const engine_plan *plan, engine_execution *x)
{
    json_t *stages = engine_util_rd_arr(rd, obj, "stages", false);
    for (size_t i = 0; stages != NULL && i < json_array_size(stages) && rd->rc == 0; i++) {
        json_t *stage = json_array_get(stages, i);
        char *name = engine_util_rd_str(rd, stage, "stageName", true);
        char *status = engine_util_rd_str(rd, stage, "status", true);
        size_t s = name != NULL ? engine_plan_stage_index(plan, name) : ENGINE_PLAN_NOT_FOUND;
        if (s != ENGINE_PLAN_NOT_FOUND && status != NULL) {
            x->stages[s].status = engine_util_str_eq(status, "Succeeded") ? ENGINE_STAGE_SUCCEEDED
                                  : engine_util_str_eq(status, "Skipped") ? ENGINE_STAGE_SKIPPED
                                                                          : ENGINE_STAGE_FAILED;
            json_t *actions = engine_util_rd_arr(rd, stage, "actions", false);
            for (size_t j = 0; actions != NULL && j < json_array_size(actions) && rd->rc == 0;
                 j++) {
                json_t *action = json_array_get(actions, j);
                char *aname = engine_util_rd_str(rd, action, "actionName", true);
                for (size_t a = 0; aname != NULL && a < plan->stages[s].nactions; a++) {
                    if (strcmp(plan->stages[s].actions[a].name, aname) == 0 &&
                        x->stages[s].actions[a].status != ENGINE_ACTION_SUCCEEDED) {
                        engine_step_outside_action(rd, action, &x->stages[s].actions[a]);
                    }
                }
                free(aname);
            }
        }
        free(name);
        free(status);
    }
}

/*
 * A rollback target given from outside the state (engine_input.h "target"),
 * detached and shaped for plan; NULL with errbuf set when it does not parse.
 */
static engine_execution *engine_step_outside_target(const json_t *obj, const engine_plan *plan,
                                                    char *errbuf, size_t errlen)
{
    engine_util_rd rd = {.rc = 0, .errbuf = errbuf, .errlen = errlen};
    char *id = engine_util_rd_str(&rd, obj, "pipelineExecutionId", true);
    if (id == NULL) {
        return NULL;
    }
    engine_execution *x = engine_state_new_execution(id, plan);
    free(id);
    x->status = ENGINE_EXEC_SUCCEEDED;
    x->pipeline_version = engine_util_rd_int(&rd, obj, "pipelineVersion", true, 0);
    if (engine_util_rd_bool(&rd, obj, "rollback", false, false)) {
        x->rollback_target = engine_util_strdup("");
    }
    json_t *vars = engine_util_rd_arr(&rd, obj, "variables", false);
    size_t n = vars != NULL ? json_array_size(vars) : 0;
    if (n > 0) {
        x->variables = engine_util_calloc(n, sizeof *x->variables);
        for (size_t i = 0; i < n && rd.rc == 0; i++) {
            json_t *var = json_array_get(vars, i);
            x->variables[i].key = engine_util_rd_str(&rd, var, "name", true);
            x->variables[i].value = engine_util_rd_str(&rd, var, "resolvedValue", true);
            x->nvariables = i + 1;
        }
    }
    json_t *revisions = engine_util_rd_arr(&rd, obj, "artifactRevisions", false);
    n = revisions != NULL ? json_array_size(revisions) : 0;
    if (n > 0) {
        x->revisions = engine_util_calloc(n, sizeof *x->revisions);
        for (size_t i = 0; i < n && rd.rc == 0; i++) {
            json_t *o = json_array_get(revisions, i);
            engine_revision *r = &x->revisions[i];
            r->action_name = engine_util_rd_str(&rd, o, "actionName", false);
            r->name = engine_util_rd_str(&rd, o, "name", false);
            r->revision_id = engine_util_rd_str(&rd, o, "revisionId", false);
            r->change_id = engine_util_rd_str(&rd, o, "revisionChangeIdentifier", false);
            r->summary = engine_util_rd_str(&rd, o, "revisionSummary", false);
            json_t *created = json_object_get(o, "created");
            r->created_ms =
                json_is_number(created) ? (int64_t)(json_number_value(created) * 1000.0 + 0.5) : 0;
            r->url = engine_util_rd_str(&rd, o, "revisionUrl", false);
            x->nrevisions = i + 1;
        }
    }
    engine_step_outside_stages(&rd, obj, plan, x);
    if (rd.rc != 0) {
        engine_state_execution_free(x);
        return NULL;
    }
    return x;
}

/*
 * RollbackStage: the target must exist (PipelineExecutionNotFoundException),
 * have run the current pipeline version (PipelineExecutionOutdatedException),
 * have succeeded in the stage, not be a rollback itself, and the stage must
 * not be a source stage nor the pipeline PARALLEL (UnableToRollbackStageException);
 * a stage an execution is running, or a rollback of it under way, is busy
 * (ConflictException).
 */
static void engine_step_rollback_to(engine_machine *m, const engine_input_rollback *in,
                                    const engine_plan *plan, size_t s,
                                    const engine_execution *target);

static void engine_step_rollback(engine_machine *m)
{
    const engine_input_rollback *in = &m->input->rollback;
    size_t s = 0;
    const engine_plan *plan = engine_step_plan_stage(m, in->stage, &s);
    if (plan == NULL) {
        return;
    }
    const engine_execution *target = engine_state_find(m->state, in->target_execution_id);
    engine_execution *outside = NULL;
    if (target == NULL && in->target != NULL) {
        char err[256] = "";
        outside = engine_step_outside_target(in->target, plan, err, sizeof err);
        if (outside == NULL || strcmp(outside->id, in->target_execution_id) != 0) {
            engine_step_reject(
                m, "ValidationException", "RollbackStage: the archived target %s does not read: %s",
                in->target_execution_id, outside == NULL ? err : "another execution's record");
            engine_state_execution_free(outside);
            return;
        }
        target = outside;
    }
    engine_step_rollback_to(m, in, plan, s, target);
    engine_state_execution_free(outside);
}

/* RollbackStage to target (NULL: not found), in the state or read from outside it. */
static void engine_step_rollback_to(engine_machine *m, const engine_input_rollback *in,
                                    const engine_plan *plan, size_t s,
                                    const engine_execution *target)
{
    if (target == NULL) {
        engine_step_reject(m, "PipelineExecutionNotFoundException",
                           "Pipeline execution %s does not exist in pipeline %s (or is older "
                           "than the executions the pipeline keeps)",
                           in->target_execution_id, plan->name);
        return;
    }
    if (target->pipeline_version != plan->version) {
        engine_step_reject(m, "PipelineExecutionOutdatedException",
                           "Pipeline execution %s ran pipeline version %lld, not the current "
                           "version %lld",
                           target->id, (long long)target->pipeline_version,
                           (long long)plan->version);
        return;
    }
    const char *why = NULL;
    if (plan->mode == MODEL_MODE_PARALLEL) {
        why = "a pipeline in PARALLEL mode cannot roll back a stage";
    } else if (engine_machine_source_stage(&plan->stages[s])) {
        why = "a source stage cannot be rolled back";
    } else if (target->rollback_target != NULL) {
        why = "the target is a rollback execution";
    } else if (target->stages[s].status != ENGINE_STAGE_SUCCEEDED) {
        why = "the target did not succeed in the stage";
    }
    if (why != NULL) {
        engine_step_reject(m, "UnableToRollbackStageException",
                           "Cannot roll back stage %s to pipeline execution %s: %s", in->stage,
                           target->id, why);
        return;
    }
    const engine_execution *holder = engine_state_lock_holder(m->state, s);
    for (size_t i = 0; holder == NULL && i < m->state->nexecs; i++) {
        const engine_execution *y = m->state->execs[i];
        if (y->rollback_target != NULL && y->rollback_stage == s &&
            !engine_state_exec_terminal(y->status)) {
            holder = y;
        }
    }
    if (holder != NULL) {
        engine_step_reject(m, "ConflictException",
                           "Stage %s is busy with pipeline execution %s; roll it back once that "
                           "has finished",
                           in->stage, holder->id);
        return;
    }
    if (engine_state_active_count(m->state) >= ENGINE_STATE_MAX_ACTIVE) {
        engine_step_reject(m, "ConflictException",
                           "The pipeline %s already has %d executions in progress", plan->name,
                           ENGINE_STATE_MAX_ACTIVE);
        return;
    }
    engine_execution *x =
        engine_machine_rollback(m, target, s, "ManualRollback", m->input->requested_by);
    engine_step_reply(m, engine_step_execution_body(x), x->id);
}

/* ---- transitions, pipeline updates ------------------------------------------- */

static void engine_step_transition(engine_machine *m)
{
    const engine_input_transition *in = &m->input->transition;
    size_t s = 0;
    const engine_plan *plan = engine_step_plan_stage(m, in->stage, &s);
    if (plan == NULL) {
        return;
    }
    if (!in->enabled && (in->reason == NULL || in->reason[0] == '\0' ||
                         strlen(in->reason) > ENGINE_STEP_MAX_TRANSITION_REASON)) {
        engine_step_reject(m, "ValidationException",
                           "Disabling a transition needs a reason of 1 to %d characters",
                           ENGINE_STEP_MAX_TRANSITION_REASON);
        return;
    }
    engine_transition *t =
        in->outbound ? &m->state->stages[s].outbound : &m->state->stages[s].inbound;
    t->enabled = in->enabled;
    engine_util_set(&t->reason, in->enabled ? NULL : in->reason);
    engine_util_set(&t->changed_by, m->input->requested_by);
    t->changed_at_ms = m->ctx->now_ms;
    engine_step_reply(m, NULL, NULL);
}

static int engine_step_update(engine_machine *m, char *errbuf, size_t errlen)
{
    engine_plan *plan = engine_plan_from_model(m->input->update.pipeline);
    const engine_plan *current = engine_state_plan(m->state);
    if (m->state->pipeline[0] == '\0' && current == NULL) {
        engine_util_set(&m->state->pipeline, plan->name);
    }
    if (strcmp(plan->name, m->state->pipeline) != 0) {
        int rc = sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                  "pipeline %s given to the state of pipeline %s", plan->name,
                                  m->state->pipeline);
        engine_plan_free(plan);
        return rc;
    }
    json_t *body = engine_util_obj();
    if (current != NULL && plan->version <= current->version) {
        /* a repeat (or an older version arriving late): nothing changes */
        engine_util_put_int(body, "version", current->version);
        engine_plan_free(plan);
        engine_step_reply(m, body, NULL);
        return SLUICE_OK;
    }
    engine_util_put_int(body, "version", plan->version);
    engine_machine_cancel_all(m);
    if (current == NULL) {
        m->state->created_ms = m->ctx->now_ms;
    }
    m->state->updated_ms = m->ctx->now_ms;
    engine_state_install_plan(m->state, plan);
    engine_step_reply(m, body, NULL);
    return SLUICE_OK;
}

/* ---- entry ----------------------------------------------------------------- */

static int engine_step_check_input(const engine_input *input, char *errbuf, size_t errlen)
{
    const char *missing = NULL;
    switch (input->kind) {
    case ENGINE_INPUT_START:
        for (size_t i = 0; i < input->start.nvariables && missing == NULL; i++) {
            missing = input->start.variables[i].key == NULL ? "variables[].name" : NULL;
        }
        break;
    case ENGINE_INPUT_JOB_RESULT:
        missing = input->job.job_id == NULL ? "jobId" : NULL;
        if (missing == NULL && input->job.outcome == ENGINE_JOB_IN_PROGRESS &&
            input->job.continuation_token == NULL) {
            missing = "continuationToken";
        }
        break;
    case ENGINE_INPUT_APPROVAL:
        missing = input->approval.stage == NULL    ? "stageName"
                  : input->approval.action == NULL ? "actionName"
                  : input->approval.token == NULL  ? "token"
                                                   : NULL;
        break;
    case ENGINE_INPUT_VOTE:
        missing = input->vote.stage == NULL      ? "stageName"
                  : input->vote.action == NULL   ? "actionName"
                  : input->vote.token == NULL    ? "token"
                  : input->vote.identity == NULL ? "identity"
                                                 : NULL;
        for (size_t i = 0; i < input->vote.ngroups && missing == NULL; i++) {
            missing = input->vote.groups[i] == NULL ? "groups[]" : NULL;
        }
        for (size_t i = 0; i < input->vote.nemails && missing == NULL; i++) {
            missing = input->vote.emails[i] == NULL ? "emails[]" : NULL;
        }
        break;
    case ENGINE_INPUT_TIMER:
        missing = input->timer.key == NULL ? "key" : NULL;
        break;
    case ENGINE_INPUT_STOP:
        missing = input->stop.execution_id == NULL ? "pipelineExecutionId" : NULL;
        break;
    case ENGINE_INPUT_RETRY:
        missing = input->retry.execution_id == NULL ? "pipelineExecutionId"
                  : input->retry.stage == NULL      ? "stageName"
                                                    : NULL;
        break;
    case ENGINE_INPUT_TRANSITION:
        missing = input->transition.stage == NULL ? "stageName" : NULL;
        break;
    case ENGINE_INPUT_PIPELINE_UPDATED:
        missing = input->update.pipeline == NULL ? "pipeline" : NULL;
        break;
    case ENGINE_INPUT_OVERRIDE:
        missing = input->override_condition.execution_id == NULL ? "pipelineExecutionId"
                  : input->override_condition.stage == NULL      ? "stageName"
                                                                 : NULL;
        break;
    case ENGINE_INPUT_ROLLBACK:
        missing = input->rollback.stage == NULL                 ? "stageName"
                  : input->rollback.target_execution_id == NULL ? "targetPipelineExecutionId"
                                                                : NULL;
        break;
    default:
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "unknown input kind %d",
                                (int)input->kind);
    }
    if (missing != NULL) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "%s input without %s",
                                engine_input_kind_name(input->kind), missing);
    }
    return SLUICE_OK;
}

int engine_step(engine_state *state, const engine_ctx *ctx, const engine_input *input,
                engine_effects *effects, char *errbuf, size_t errlen)
{
    int rc = engine_step_check_input(input, errbuf, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    engine_machine m = {.state = state, .ctx = ctx, .input = input, .effects = effects};
    switch (input->kind) {
    case ENGINE_INPUT_START:
        engine_step_start(&m);
        break;
    case ENGINE_INPUT_JOB_RESULT:
        engine_step_job_result(&m);
        break;
    case ENGINE_INPUT_APPROVAL:
        engine_step_approval(&m);
        break;
    case ENGINE_INPUT_VOTE:
        engine_step_vote(&m, &input->vote);
        break;
    case ENGINE_INPUT_TIMER:
        engine_step_timer(&m);
        break;
    case ENGINE_INPUT_STOP:
        engine_step_stop(&m);
        break;
    case ENGINE_INPUT_RETRY:
        engine_step_retry(&m);
        break;
    case ENGINE_INPUT_TRANSITION:
        engine_step_transition(&m);
        break;
    case ENGINE_INPUT_OVERRIDE:
        engine_step_override(&m);
        break;
    case ENGINE_INPUT_ROLLBACK:
        engine_step_rollback(&m);
        break;
    case ENGINE_INPUT_PIPELINE_UPDATED:
    default:
        rc = engine_step_update(&m, errbuf, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        break;
    }
    engine_machine_pump(&m);
    engine_state_evict(state);
    return SLUICE_OK;
}
