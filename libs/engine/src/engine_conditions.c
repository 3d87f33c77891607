/*
 * engine_conditions.c — condition and rule runs of V2 stage conditions (see
 * engine_conditions.h; CodePipeline user guide, "Stage conditions" and the rule
 * reference; shapes from botocore's StageConditionState / RuleExecution).
 */
#include "engine_conditions.h"

#include "engine_rules.h"
#include "engine_util.h"
#include "engine_vars.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

#define ENGINE_CONDITIONS_ERR_LEN       256
#define ENGINE_CONDITIONS_SUMMARY_QUOTE 1800 /* of a rule's summary in its condition's */

/* ---- lookups ------------------------------------------------------------------ */

static const engine_plan_stage *engine_conditions_plan_stage(const engine_machine *m,
                                                             const engine_execution *x, size_t s)
{
    return &engine_machine_plan(m, x)->stages[s];
}

engine_conditions_verdict engine_conditions_verdict_of(const engine_plan_stage *ps,
                                                       const engine_stage_run *sr,
                                                       engine_condition_kind kind)
{
    if (ps->conditions[kind].nconditions == 0) {
        return ENGINE_CONDITIONS_PASSED;
    }
    switch (sr->conditions[kind].status) {
    case ENGINE_COND_SUCCEEDED:
    case ENGINE_COND_OVERRIDDEN:
        return ENGINE_CONDITIONS_PASSED;
    case ENGINE_COND_FAILED:
    case ENGINE_COND_ERRORED:
        return ENGINE_CONDITIONS_FAILED;
    case ENGINE_COND_IN_PROGRESS:
        return ENGINE_CONDITIONS_PENDING;
    case ENGINE_COND_NONE:
    case ENGINE_COND_CANCELLED:
    case ENGINE_COND_ABANDONED:
    default:
        return ENGINE_CONDITIONS_UNDECIDED;
    }
}

bool engine_conditions_pending(const engine_stage_run *sr, engine_condition_kind *kind)
{
    for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
        if (sr->conditions[k].status == ENGINE_COND_IN_PROGRESS) {
            *kind = (engine_condition_kind)k;
            return true;
        }
    }
    return false;
}

engine_plan_result engine_conditions_engaged(const engine_plan_stage *ps,
                                             const engine_stage_run *sr, engine_condition_kind kind)
{
    const engine_stage_condition_run *run = &sr->conditions[kind];
    const engine_plan_conditions *plan = &ps->conditions[kind];
    for (size_t c = 0; c < run->nconditions && c < plan->nconditions; c++) {
        if (run->conditions[c].status == ENGINE_COND_FAILED ||
            run->conditions[c].status == ENGINE_COND_ERRORED) {
            engine_plan_result result = plan->conditions[c].result;
            return result != ENGINE_RESULT_NONE ? result : ENGINE_RESULT_FAIL;
        }
    }
    return ENGINE_RESULT_FAIL;
}

/* The declaration of the rule at where. */
static const engine_plan_rule *engine_conditions_plan_rule(const engine_plan *plan,
                                                           const engine_conditions_where *where)
{
    const engine_plan_conditions *pc = &plan->stages[where->s].conditions[where->kind];
    return &pc->conditions[where->c].rules[where->r];
}

engine_rule_run *engine_conditions_rule(const engine_conditions_where *where)
{
    engine_stage_condition_run *run = &where->x->stages[where->s].conditions[where->kind];
    return &run->conditions[where->c].rules[where->r];
}

bool engine_conditions_find(const engine_state *state, const char *id, bool by_job,
                            engine_conditions_where *where)
{
    bool found = false;
    for (size_t i = 0; id != NULL && i < state->nexecs; i++) {
        engine_execution *x = state->execs[i];
        for (size_t s = 0; s < x->nstages; s++) {
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                engine_stage_condition_run *run = &x->stages[s].conditions[k];
                for (size_t c = 0; c < run->nconditions; c++) {
                    for (size_t r = 0; r < run->conditions[c].nrules; r++) {
                        const engine_rule_run *rule = &run->conditions[c].rules[r];
                        const char *value = by_job ? rule->job_id : rule->rule_execution_id;
                        if (!engine_util_str_eq(value, id)) {
                            continue;
                        }
                        x->dirty = true; /* handed out mutable */
                        *where = (engine_conditions_where){x, s, (engine_condition_kind)k, c, r};
                        found = true;
                        if (rule->status == ENGINE_RULE_IN_PROGRESS) {
                            return true;
                        }
                    }
                }
            }
        }
    }
    return found;
}

/* ---- rule runs ----------------------------------------------------------------- */

static char *engine_conditions_timer_key(const engine_rule_run *rule)
{
    return engine_util_printf(ENGINE_CONDITIONS_TIMER_PREFIX "%s", rule->rule_execution_id);
}

/* Finds where rule (a run inside x) is; false when it is not x's. */
static bool engine_conditions_locate(engine_execution *x, const engine_rule_run *rule,
                                     engine_conditions_where *where)
{
    for (size_t s = 0; s < x->nstages; s++) {
        for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
            const engine_stage_condition_run *run = &x->stages[s].conditions[k];
            for (size_t c = 0; c < run->nconditions; c++) {
                const engine_condition_run *cond = &run->conditions[c];
                if (cond->nrules > 0 && rule >= cond->rules && rule < cond->rules + cond->nrules) {
                    *where = (engine_conditions_where){x, s, (engine_condition_kind)k, c,
                                                       (size_t)(rule - cond->rules)};
                    return true;
                }
            }
        }
    }
    return false;
}

/* Archives the evaluation rule of x that just ended (its RuleExecutionDetail). */
static void engine_conditions_archive(engine_machine *m, engine_execution *x,
                                      const engine_rule_run *rule)
{
    engine_conditions_where w;
    const engine_plan *plan = engine_machine_plan(m, x);
    if (rule->rule_execution_id == NULL || plan == NULL || !engine_conditions_locate(x, rule, &w) ||
        w.s >= plan->nstages || w.c >= plan->stages[w.s].conditions[w.kind].nconditions ||
        w.r >= plan->stages[w.s].conditions[w.kind].conditions[w.c].nrules) {
        return;
    }
    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_ARCHIVE);
    e->archive = ENGINE_ARCHIVE_RULE_EXECUTION;
    e->id = engine_util_strdup(rule->rule_execution_id);
    e->execution_id = engine_util_strdup(x->id);
    e->body = engine_view_rule_execution(m->state, x, w.s, (int)w.kind, w.c, w.r);
}

/* Ends a rule with status; a running rule's timer is cancelled; the evaluation is archived. */
static void engine_conditions_rule_end(engine_machine *m, engine_execution *x,
                                       engine_rule_run *rule, engine_rule_status status)
{
    rule->status = status;
    rule->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    if (rule->deadline_ms != 0) {
        engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_CANCEL);
        e->id = engine_conditions_timer_key(rule);
        e->execution_id = engine_util_strdup(x->id);
        rule->deadline_ms = 0;
    }
    engine_conditions_archive(m, x, rule);
}

static void engine_conditions_rule_fail(engine_machine *m, engine_execution *x,
                                        engine_rule_run *rule, const char *code,
                                        const char *message)
{
    engine_util_set(&rule->summary, message);
    engine_util_set(&rule->error_code, code);
    engine_util_set(&rule->error_message, message);
    engine_conditions_rule_end(m, x, rule, ENGINE_RULE_FAILED);
}

/* Resolves the rule's configuration into rule->resolved. */
static int engine_conditions_resolve_config(const engine_plan *plan, const engine_execution *x,
                                            const engine_plan_rule *pr, engine_rule_run *rule,
                                            char *errbuf, size_t errlen)
{
    if (pr->nconfig == 0) {
        return SLUICE_OK;
    }
    rule->resolved = engine_util_calloc(pr->nconfig, sizeof *rule->resolved);
    for (size_t i = 0; i < pr->nconfig; i++) {
        char *value = NULL;
        int rc = engine_vars_resolve(plan, x, pr->config[i].value, &value, errbuf, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
        rule->resolved[i].key = engine_util_strdup(pr->config[i].key);
        rule->resolved[i].value = value;
        rule->nresolved = i + 1;
    }
    return SLUICE_OK;
}

/* Finds where the rule's input artifacts are; fails when a producer's stage was skipped. */
static int engine_conditions_inputs(const engine_plan *plan, const engine_execution *x,
                                    const engine_plan_rule *pr, engine_rule_run *rule, char *errbuf,
                                    size_t errlen)
{
    if (pr->ninputs == 0) {
        return SLUICE_OK;
    }
    rule->inputs = engine_util_calloc(pr->ninputs, sizeof *rule->inputs);
    for (size_t i = 0; i < pr->ninputs; i++) {
        const char *skipped = engine_machine_skipped_producer(plan, x, pr->inputs[i]);
        if (skipped != NULL) {
            return sluice_error_set(errbuf, errlen, SLUICE_ENOTFOUND,
                                    "Input artifact %s was not produced: stage %s was skipped",
                                    pr->inputs[i], skipped);
        }
        const engine_artifact *found = engine_machine_find_artifact(x, pr->inputs[i]);
        rule->inputs[i].name = engine_util_strdup(pr->inputs[i]);
        rule->inputs[i].bucket = engine_util_strdup(found != NULL ? found->bucket : NULL);
        rule->inputs[i].key = engine_util_strdup(found != NULL ? found->key : NULL);
        rule->ninputs = i + 1;
    }
    return SLUICE_OK;
}

/* The rule's commands, resolved, as a JSON array (NULL when it has none). */
static int engine_conditions_commands(const engine_plan *plan, const engine_execution *x,
                                      const engine_plan_rule *pr, json_t **out, char *errbuf,
                                      size_t errlen)
{
    *out = NULL;
    if (pr->ncommands == 0) {
        return SLUICE_OK;
    }
    json_t *commands = engine_util_arr();
    for (size_t i = 0; i < pr->ncommands; i++) {
        char *value = NULL;
        int rc = engine_vars_resolve(plan, x, pr->commands[i], &value, errbuf, errlen);
        if (rc != SLUICE_OK) {
            json_decref(commands);
            return rc;
        }
        engine_util_push(commands, engine_util_jstr(value));
        free(value);
    }
    *out = commands;
    return SLUICE_OK;
}

/* The rule job document (engine_step.h). */
static json_t *engine_conditions_job_body(engine_machine *m, const engine_conditions_where *w,
                                          json_t *commands)
{
    const engine_plan *plan = engine_machine_plan(m, w->x);
    const engine_plan_rule *pr = engine_conditions_plan_rule(plan, w);
    const engine_rule_run *rule = engine_conditions_rule(w);
    json_t *job = engine_util_obj();
    engine_util_put_str(job, "jobId", rule->job_id);
    engine_util_put_str(job, "pipeline", m->state->pipeline);
    char *arn = engine_step_pipeline_arn(m->ctx, m->state->pipeline);
    engine_util_put_str(job, "pipelineArn", arn);
    free(arn);
    engine_util_put_int(job, "pipelineVersion", w->x->pipeline_version);
    engine_util_put_str(job, "pipelineExecutionId", w->x->id);
    engine_util_put_int(job, "pipelineExecutionAttempt", w->x->attempt);
    engine_util_put_str(job, "stage", plan->stages[w->s].name);
    engine_util_put_str(job, "rule", pr->name);
    engine_util_put_str(job, "ruleExecutionId", rule->rule_execution_id);
    engine_util_put_str(job, "conditionType", engine_plan_condition_type_name(w->kind));
    json_t *type = engine_util_obj();
    engine_util_put_str(type, "category", pr->category[0] != '\0' ? pr->category : "Rule");
    engine_util_put_str(type, "owner", pr->owner != NULL ? pr->owner : "AWS");
    engine_util_put_str(type, "provider", pr->provider);
    engine_util_put_str(type, "version", pr->version != NULL ? pr->version : "1");
    engine_util_put(job, "ruleTypeId", type);
    engine_util_put(job, "configuration", engine_util_kvs_object(rule->resolved, rule->nresolved));
    engine_util_put(job, "inputArtifacts", engine_util_artifacts_json(rule->inputs, rule->ninputs));
    if (commands != NULL) {
        engine_util_put(job, "commands", json_incref(commands));
    }
    engine_util_put_str(job, "region", pr->region);
    engine_util_put_str(job, "roleArn", pr->role_arn);
    engine_util_put_str(job, "continuationToken", rule->continuation);
    engine_util_put_rfc3339(job, "created", m->ctx->now_ms);
    engine_util_put_rfc3339(job, "deadline", rule->deadline_ms);
    return job;
}

static void engine_conditions_publish_job(engine_machine *m, const engine_conditions_where *w,
                                          json_t *commands)
{
    const engine_rule_run *rule = engine_conditions_rule(w);
    engine_effect *job = engine_effects_add(m->effects, ENGINE_EFFECT_JOB);
    job->id = engine_util_strdup(rule->job_id);
    job->execution_id = engine_util_strdup(w->x->id);
    job->body = engine_conditions_job_body(m, w, commands);
}

/* Starts one rule: decided at once, or a job and a timer. */
static void engine_conditions_rule_start(engine_machine *m, const engine_conditions_where *w)
{
    const engine_plan *plan = engine_machine_plan(m, w->x);
    const engine_plan_rule *pr = engine_conditions_plan_rule(plan, w);
    engine_rule_run *rule = engine_conditions_rule(w);
    rule->status = ENGINE_RULE_IN_PROGRESS;
    rule->rule_execution_id = engine_machine_new_id(m);
    rule->start_ms = m->ctx->now_ms;
    rule->last_change_ms = m->ctx->now_ms;

    char err[ENGINE_CONDITIONS_ERR_LEN] = "";
    json_t *commands = NULL;
    engine_rules_kind kind = engine_rules_kind_of(pr);
    int rc = engine_conditions_resolve_config(plan, w->x, pr, rule, err, sizeof err);
    if (rc == SLUICE_OK) {
        rc = engine_conditions_inputs(plan, w->x, pr, rule, err, sizeof err);
    }
    if (rc == SLUICE_OK && kind == ENGINE_RULES_JOB) {
        rc = engine_conditions_commands(plan, w->x, pr, &commands, err, sizeof err);
    }
    if (rc != SLUICE_OK) {
        engine_conditions_rule_fail(m, w->x, rule, "ConfigurationError", err);
        return;
    }
    switch (kind) {
    case ENGINE_RULES_INTERNAL: {
        engine_rules_verdict verdict;
        engine_rules_evaluate(pr, rule->resolved, rule->nresolved, m->ctx->now_ms, &verdict);
        if (verdict.error_code != NULL) {
            engine_conditions_rule_fail(m, w->x, rule, verdict.error_code, verdict.summary);
        } else {
            engine_util_set(&rule->summary, verdict.summary);
            engine_conditions_rule_end(m, w->x, rule,
                                       verdict.passed ? ENGINE_RULE_SUCCEEDED : ENGINE_RULE_FAILED);
        }
        engine_rules_verdict_free(&verdict);
        break;
    }
    case ENGINE_RULES_JOB: {
        rule->job_id = engine_machine_new_id(m);
        rule->deadline_ms = m->ctx->now_ms + engine_plan_rule_timeout_ms(pr);
        engine_conditions_publish_job(m, w, commands);
        engine_effect *timer = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_SET);
        timer->id = engine_conditions_timer_key(rule);
        timer->execution_id = engine_util_strdup(w->x->id);
        timer->deadline_ms = rule->deadline_ms;
        break;
    }
    case ENGINE_RULES_UNKNOWN:
    default: {
        char *message = engine_util_printf("rule type %s/%s is not evaluated by this installation",
                                           pr->provider, pr->version != NULL ? pr->version : "1");
        engine_conditions_rule_fail(m, w->x, rule, "ConfigurationError", message);
        free(message);
        break;
    }
    }
    json_decref(commands);
}

/* ---- condition runs ---------------------------------------------------------------- */

static void engine_conditions_set(engine_machine *m, engine_condition_run *cond,
                                  engine_condition_status status, const char *summary)
{
    cond->status = status;
    engine_util_set(&cond->summary, summary);
    cond->last_change_ms = m->ctx->now_ms;
}

/* Abandons the running rules of condition c. */
static void engine_conditions_abandon_rules(engine_machine *m, engine_execution *x,
                                            engine_condition_run *cond)
{
    for (size_t r = 0; r < cond->nrules; r++) {
        if (cond->rules[r].status == ENGINE_RULE_IN_PROGRESS) {
            engine_conditions_rule_end(m, x, &cond->rules[r], ENGINE_RULE_ABANDONED);
        }
    }
}

/* Decides conditions and the stage condition from their rules, once they can be decided. */
static void engine_conditions_settle(engine_machine *m, engine_execution *x, size_t s,
                                     engine_condition_kind kind)
{
    const engine_plan_stage *ps = engine_conditions_plan_stage(m, x, s);
    engine_stage_condition_run *run = &x->stages[s].conditions[kind];
    if (run->status != ENGINE_COND_IN_PROGRESS) {
        return;
    }
    const engine_condition_run *failed = NULL;
    bool all_succeeded = true;
    for (size_t c = 0; c < run->nconditions; c++) {
        engine_condition_run *cond = &run->conditions[c];
        if (cond->status == ENGINE_COND_IN_PROGRESS) {
            const engine_plan_condition *pc = &ps->conditions[kind].conditions[c];
            size_t failed_rule = cond->nrules;
            bool running = false;
            for (size_t r = 0; r < cond->nrules; r++) {
                if (cond->rules[r].status == ENGINE_RULE_FAILED && failed_rule == cond->nrules) {
                    failed_rule = r;
                }
                running = running || cond->rules[r].status == ENGINE_RULE_IN_PROGRESS;
            }
            if (failed_rule < cond->nrules) {
                const engine_rule_run *rule = &cond->rules[failed_rule];
                char *summary =
                    engine_util_printf("Rule %s failed: %.*s", pc->rules[failed_rule].name,
                                       ENGINE_CONDITIONS_SUMMARY_QUOTE,
                                       rule->summary != NULL ? rule->summary : "no reason given");
                engine_conditions_abandon_rules(m, x, cond);
                engine_conditions_set(m, cond, ENGINE_COND_FAILED, summary);
                free(summary);
            } else if (!running) {
                engine_conditions_set(m, cond, ENGINE_COND_SUCCEEDED,
                                      cond->nrules == 1 ? "The rule succeeded"
                                                        : "Every rule succeeded");
            }
        }
        if (cond->status == ENGINE_COND_FAILED && failed == NULL) {
            failed = cond;
        }
        all_succeeded = all_succeeded && cond->status == ENGINE_COND_SUCCEEDED;
    }
    if (failed != NULL) {
        for (size_t c = 0; c < run->nconditions; c++) {
            engine_condition_run *cond = &run->conditions[c];
            if (cond->status == ENGINE_COND_IN_PROGRESS) {
                engine_conditions_abandon_rules(m, x, cond);
                engine_conditions_set(m, cond, ENGINE_COND_ABANDONED, NULL);
            }
        }
        run->status = ENGINE_COND_FAILED;
        engine_util_set(&run->summary, failed->summary);
        run->last_change_ms = m->ctx->now_ms;
    } else if (all_succeeded) {
        run->status = ENGINE_COND_SUCCEEDED;
        engine_util_set(&run->summary, "The conditions were met");
        run->last_change_ms = m->ctx->now_ms;
    }
    x->update_ms = m->ctx->now_ms;
}

void engine_conditions_reset(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind)
{
    engine_stage_condition_run *run = &x->stages[s].conditions[kind];
    if (run->status == ENGINE_COND_IN_PROGRESS) {
        engine_conditions_abandon(m, x, s, kind, ENGINE_COND_ABANDONED);
    }
    engine_state_condition_run_clear(run);
}

void engine_conditions_begin(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind)
{
    const engine_plan_conditions *plan = &engine_conditions_plan_stage(m, x, s)->conditions[kind];
    engine_stage_condition_run *run = &x->stages[s].conditions[kind];
    engine_conditions_reset(m, x, s, kind);
    run->status = ENGINE_COND_IN_PROGRESS;
    run->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    if (plan->nconditions > 0) {
        run->conditions = engine_util_calloc(plan->nconditions, sizeof *run->conditions);
        run->nconditions = plan->nconditions;
    }
    for (size_t c = 0; c < plan->nconditions; c++) {
        engine_condition_run *cond = &run->conditions[c];
        cond->status = ENGINE_COND_IN_PROGRESS;
        cond->last_change_ms = m->ctx->now_ms;
        if (plan->conditions[c].nrules > 0) {
            cond->rules = engine_util_calloc(plan->conditions[c].nrules, sizeof *cond->rules);
            cond->nrules = plan->conditions[c].nrules;
        }
    }
    for (size_t c = 0; c < run->nconditions; c++) {
        for (size_t r = 0; r < run->conditions[c].nrules; r++) {
            engine_conditions_where w = {x, s, kind, c, r};
            engine_conditions_rule_start(m, &w);
        }
    }
    engine_conditions_settle(m, x, s, kind);
}

void engine_conditions_abandon(engine_machine *m, engine_execution *x, size_t s,
                               engine_condition_kind kind, engine_condition_status status)
{
    engine_stage_condition_run *run = &x->stages[s].conditions[kind];
    if (run->status != ENGINE_COND_IN_PROGRESS) {
        return;
    }
    for (size_t c = 0; c < run->nconditions; c++) {
        engine_condition_run *cond = &run->conditions[c];
        engine_conditions_abandon_rules(m, x, cond);
        if (cond->status == ENGINE_COND_IN_PROGRESS) {
            engine_conditions_set(m, cond, status, NULL);
        }
    }
    run->status = status;
    engine_util_set(&run->summary, status == ENGINE_COND_CANCELLED
                                       ? "The pipeline definition was updated"
                                   : status == ENGINE_COND_OVERRIDDEN
                                       ? "The condition was overridden (OverrideStageCondition)"
                                       : "The pipeline execution was stopped");
    run->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
}

/* ---- results ------------------------------------------------------------------------- */

void engine_conditions_job_result(engine_machine *m, const engine_conditions_where *w,
                                  const engine_input_job *job)
{
    engine_rule_run *rule = engine_conditions_rule(w);
    if (job->summary != NULL) {
        engine_util_set(&rule->summary, job->summary);
    }
    if (job->external_id != NULL) {
        engine_util_set(&rule->external_id, job->external_id);
    }
    if (job->external_url != NULL) {
        engine_util_set(&rule->external_url, job->external_url);
    }
    w->x->update_ms = m->ctx->now_ms;
    switch (job->outcome) {
    case ENGINE_JOB_IN_PROGRESS: {
        const engine_plan *plan = engine_machine_plan(m, w->x);
        const engine_plan_rule *pr = engine_conditions_plan_rule(plan, w);
        free(rule->job_id);
        rule->job_id = engine_machine_new_id(m);
        engine_util_set(&rule->continuation, job->continuation_token);
        json_t *commands = NULL;
        char err[ENGINE_CONDITIONS_ERR_LEN];
        if (engine_conditions_commands(plan, w->x, pr, &commands, err, sizeof err) != SLUICE_OK) {
            commands = NULL;
        }
        engine_conditions_publish_job(m, w, commands);
        json_decref(commands);
        return;
    }
    case ENGINE_JOB_SUCCEEDED:
        free(rule->continuation);
        rule->continuation = NULL;
        engine_conditions_rule_end(m, w->x, rule, ENGINE_RULE_SUCCEEDED);
        break;
    case ENGINE_JOB_FAILED:
    default:
        engine_conditions_rule_fail(
            m, w->x, rule, job->failure_type != NULL ? job->failure_type : "JobFailed",
            job->failure_message != NULL ? job->failure_message : "The job failed");
        break;
    }
    engine_conditions_settle(m, w->x, w->s, w->kind);
}

void engine_conditions_timeout(engine_machine *m, const engine_conditions_where *w)
{
    const engine_plan *plan = engine_machine_plan(m, w->x);
    const engine_plan_rule *pr = engine_conditions_plan_rule(plan, w);
    char *duration = engine_util_duration(engine_plan_rule_timeout_ms(pr));
    char *message = engine_util_printf("Rule timed out: it did not complete within %s", duration);
    engine_conditions_rule_fail(m, w->x, engine_conditions_rule(w), "TimedOut", message);
    free(message);
    free(duration);
    engine_conditions_settle(m, w->x, w->s, w->kind);
}
