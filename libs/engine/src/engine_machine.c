/*
 * engine_machine.c — stages, runOrder groups, stage locks, stage conditions,
 * stops, retries (manual and automatic) and cancellation (see engine_machine.h
 * and the semantics in engine_step.h; reference §2 and §3).
 *
 * Locks and queues are derived from the executions (engine_state.h): an
 * execution waits before stage s (!in_stage) until the transitions into s are
 * enabled and, unless the pipeline is PARALLEL, no other execution is inside
 * s. engine_machine_pump admits waiting executions after every change.
 *
 * Everything that moves a stage on is decided in one place,
 * engine_machine_stage_check: the beforeEntry condition, the runOrder groups,
 * the onFailure condition and automatic retry, the onSuccess condition, and
 * stops. It runs after every change to the stage and acts once nothing that
 * it waits for (a running action or rule) is left.
 */
#include "engine_machine.h"

#include "engine_conditions.h"
#include "engine_events.h"
#include "engine_util.h"
#include "engine_votes.h"
#include "engine_vars.h"
#include "sluice/engine_view.h"
#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

#define ENGINE_MACHINE_ERR_LEN       256
#define ENGINE_MACHINE_AUTO_RETRIES  1    /* automatic retries of a stage per execution */
#define ENGINE_MACHINE_SUMMARY_QUOTE 1800 /* of a condition's summary in the execution's */
#define ENGINE_MACHINE_SUMMARY_MAX   2048 /* ExecutionSummary, in bytes */

const engine_plan *engine_machine_plan(const engine_machine *m, const engine_execution *x)
{
    return engine_state_plan_version(m->state, x->pipeline_version);
}

char *engine_machine_new_id(const engine_machine *m)
{
    char id[ENGINE_ID_LEN + 1];
    engine_ids_next(&m->ctx->ids, id);
    return engine_util_strdup(id);
}

static bool engine_machine_is_current(const engine_machine *m, const engine_execution *x)
{
    const engine_plan *plan = engine_state_plan(m->state);
    return plan != NULL && plan->version == x->pipeline_version;
}

/* ---- archive records ----------------------------------------------------- */

static void engine_machine_archive_exec(engine_machine *m, const engine_execution *x)
{
    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_ARCHIVE);
    e->archive = ENGINE_ARCHIVE_PIPELINE_EXECUTION;
    e->id = engine_util_strdup(x->id);
    e->execution_id = engine_util_strdup(x->id);
    e->body = engine_view_execution_record(m->state, x);
}

static void engine_machine_archive_action(engine_machine *m, const engine_execution *x, size_t s,
                                          size_t a)
{
    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_ARCHIVE);
    e->archive = ENGINE_ARCHIVE_ACTION_EXECUTION;
    e->id = engine_util_strdup(x->stages[s].actions[a].action_execution_id);
    e->execution_id = engine_util_strdup(x->id);
    e->body = engine_view_action_execution(m->state, x, s, a);
}

/* ---- executions ---------------------------------------------------------- */

static const char *engine_machine_exec_event(engine_exec_status status)
{
    switch (status) {
    case ENGINE_EXEC_STOPPED:
        return "STOPPED";
    case ENGINE_EXEC_SUCCEEDED:
        return "SUCCEEDED";
    case ENGINE_EXEC_SUPERSEDED:
        return "SUPERSEDED";
    case ENGINE_EXEC_FAILED:
        return "FAILED";
    case ENGINE_EXEC_CANCELLED:
        return "CANCELED";
    case ENGINE_EXEC_STOPPING:
        return "STOPPING";
    case ENGINE_EXEC_IN_PROGRESS:
    default:
        return "STARTED";
    }
}

/* Ends x with a terminal status: event, archive record. summary is copied (may be NULL). */
static void engine_machine_exec_finish(engine_machine *m, engine_execution *x,
                                       engine_exec_status status, const char *summary)
{
    x->status = status;
    engine_util_set(&x->status_summary, summary);
    x->update_ms = m->ctx->now_ms;
    engine_events_pipeline(m, x, engine_machine_exec_event(status), NULL);
    engine_machine_archive_exec(m, x);
}

/* ---- actions ------------------------------------------------------------- */

static char *engine_machine_timer_key(const engine_action_run *run)
{
    return engine_util_printf("action-timeout:%s", run->action_execution_id);
}

const char *engine_machine_skipped_producer(const engine_plan *plan, const engine_execution *x,
                                            const char *artifact)
{
    for (size_t s = 0; s < plan->nstages && s < x->nstages; s++) {
        const engine_plan_stage *ps = &plan->stages[s];
        for (size_t a = 0; a < ps->nactions; a++) {
            for (size_t o = 0; o < ps->actions[a].noutputs; o++) {
                if (strcmp(ps->actions[a].outputs[o].name, artifact) == 0) {
                    return x->stages[s].status == ENGINE_STAGE_SKIPPED ? ps->name : NULL;
                }
            }
        }
    }
    return NULL;
}

const engine_artifact *engine_machine_find_artifact(const engine_execution *x, const char *name)
{
    for (size_t s = 0; s < x->nstages; s++) {
        for (size_t a = 0; a < x->stages[s].nactions; a++) {
            const engine_action_run *run = &x->stages[s].actions[a];
            for (size_t o = 0; o < run->noutputs && run->status == ENGINE_ACTION_SUCCEEDED; o++) {
                if (strcmp(run->outputs[o].name, name) == 0) {
                    return &run->outputs[o];
                }
            }
        }
    }
    return NULL;
}

static const char *engine_machine_event_for(engine_action_status status)
{
    switch (status) {
    case ENGINE_ACTION_SUCCEEDED:
        return "SUCCEEDED";
    case ENGINE_ACTION_FAILED:
        return "FAILED";
    case ENGINE_ACTION_ABANDONED:
    default:
        return "ABANDONED";
    }
}

/*
 * Ends the running action (s, a) with status; event_state overrides the event
 * state (CANCELED for a cancellation) when non-NULL.
 */
static void engine_machine_action_end(engine_machine *m, engine_execution *x, size_t s, size_t a,
                                      engine_action_status status, const char *event_state)
{
    engine_action_run *run = &x->stages[s].actions[a];
    run->status = status;
    run->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    if (run->deadline_ms != 0) {
        engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_CANCEL);
        e->id = engine_machine_timer_key(run);
        e->execution_id = engine_util_strdup(x->id);
        run->deadline_ms = 0;
    }
    engine_events_action(m, x, s, a,
                         event_state != NULL ? event_state : engine_machine_event_for(status));
    engine_machine_archive_action(m, x, s, a);
}

static void engine_machine_fail_run(engine_action_run *run, const char *code, const char *message)
{
    engine_util_set(&run->error_code, code);
    engine_util_set(&run->error_message, message);
    engine_util_set(&run->summary, message);
}

/*
 * The job document of the running action (s, a); commands / env carry the
 * resolved values. Returns a new reference.
 */
static json_t *engine_machine_job_body(engine_machine *m, const engine_execution *x, size_t s,
                                       size_t a, json_t *commands, json_t *env)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    const engine_plan_action *pa = &plan->stages[s].actions[a];
    const engine_action_run *run = &x->stages[s].actions[a];
    json_t *job = engine_util_obj();
    engine_util_put_str(job, "jobId", run->job_id);
    engine_util_put_str(job, "pipeline", m->state->pipeline);
    char *arn = engine_step_pipeline_arn(m->ctx, m->state->pipeline);
    engine_util_put_str(job, "pipelineArn", arn);
    free(arn);
    engine_util_put_int(job, "pipelineVersion", x->pipeline_version);
    engine_util_put_str(job, "pipelineExecutionId", x->id);
    engine_util_put_int(job, "pipelineExecutionAttempt", x->attempt);
    engine_util_put_str(job, "stage", plan->stages[s].name);
    engine_util_put_str(job, "action", pa->name);
    engine_util_put_str(job, "actionExecutionId", run->action_execution_id);
    engine_util_put_int(job, "attempt", run->attempt);
    engine_util_put(job, "actionTypeId", engine_util_action_type_json(pa));
    engine_util_put(job, "configuration", engine_util_kvs_object(run->resolved, run->nresolved));
    engine_util_put(job, "inputArtifacts", engine_util_artifacts_json(run->inputs, run->ninputs));
    json_t *outputs = engine_util_arr();
    for (size_t i = 0; i < pa->noutputs; i++) {
        json_t *out = engine_util_obj();
        engine_util_put_str(out, "name", pa->outputs[i].name);
        if (pa->outputs[i].nfiles > 0) {
            engine_util_put(out, "files",
                            engine_util_str_array(pa->outputs[i].files, pa->outputs[i].nfiles));
        }
        engine_util_push(outputs, out);
    }
    engine_util_put(job, "outputArtifacts", outputs);
    engine_util_put_str(job, "namespace", pa->namespace_);
    engine_util_put_str(job, "region", pa->region);
    engine_util_put_str(job, "roleArn", pa->role_arn);
    if (commands != NULL) {
        engine_util_put(job, "commands", json_incref(commands));
    }
    if (env != NULL) {
        engine_util_put(job, "environmentVariables", json_incref(env));
    }
    if (pa->noutput_variables > 0) {
        engine_util_put(job, "outputVariables",
                        engine_util_str_array(pa->output_variables, pa->noutput_variables));
    }
    for (size_t i = 0; i < x->noverrides; i++) {
        if (strcmp(x->overrides[i].action_name, pa->name) == 0) {
            json_t *rev = engine_util_obj();
            engine_util_put_str(rev, "revisionType", x->overrides[i].revision_type);
            engine_util_put_str(rev, "revisionValue", x->overrides[i].revision_value);
            engine_util_put(job, "sourceRevision", rev);
            break;
        }
    }
    engine_util_put_str(job, "continuationToken", run->continuation);
    if (run->token != NULL) {
        engine_util_put_str(job, "token", run->token);
        engine_util_put_rfc3339(job, "expires", run->deadline_ms);
        /* what the people deciding look at: the execution's source revisions so far */
        json_t *revisions = engine_util_arr();
        for (size_t i = 0; i < x->nrevisions; i++) {
            const engine_revision *r = &x->revisions[i];
            json_t *rev = engine_util_obj();
            engine_util_put_str(rev, "actionName", r->action_name);
            engine_util_put_str(rev, "name", r->name);
            engine_util_put_str(rev, "revisionId", r->revision_id);
            engine_util_put_str(rev, "revisionSummary", r->summary);
            engine_util_put_str(rev, "revisionUrl", r->url);
            if (r->created_ms != 0) {
                engine_util_put_rfc3339(rev, "created", r->created_ms);
            }
            engine_util_push(revisions, rev);
        }
        engine_util_put(job, "artifactRevisions", revisions);
    }
    engine_util_put_rfc3339(job, "created", m->ctx->now_ms);
    engine_util_put_rfc3339(job, "deadline", run->deadline_ms);
    return job;
}

/* Resolves commands and environment values of the action into JSON arrays (NULL when absent). */
static int engine_machine_resolve_extras(const engine_plan *plan, const engine_execution *x,
                                         const engine_plan_action *pa, json_t **commands,
                                         json_t **env, char *errbuf, size_t errlen)
{
    *commands = NULL;
    *env = NULL;
    if (pa->ncommands > 0) {
        *commands = engine_util_arr();
        for (size_t i = 0; i < pa->ncommands; i++) {
            char *value = NULL;
            int rc = engine_vars_resolve(plan, x, pa->commands[i], &value, errbuf, errlen);
            if (rc != 0) {
                return rc;
            }
            engine_util_push(*commands, engine_util_jstr(value));
            free(value);
        }
    }
    if (pa->nenv > 0) {
        *env = engine_util_arr();
        for (size_t i = 0; i < pa->nenv; i++) {
            char *value = NULL;
            int rc = engine_vars_resolve(plan, x, pa->env[i].value, &value, errbuf, errlen);
            if (rc != 0) {
                return rc;
            }
            json_t *var = engine_util_obj();
            engine_util_put_str(var, "name", pa->env[i].name);
            engine_util_put_str(var, "value", value);
            engine_util_put_str(var, "type", pa->env[i].type);
            engine_util_push(*env, var);
            free(value);
        }
    }
    return 0;
}

/* Resolves the configuration into run->resolved. */
static int engine_machine_resolve_config(const engine_plan *plan, const engine_execution *x,
                                         const engine_plan_action *pa, engine_action_run *run,
                                         char *errbuf, size_t errlen)
{
    if (pa->nconfig == 0) {
        return 0;
    }
    run->resolved = engine_util_calloc(pa->nconfig, sizeof *run->resolved);
    size_t total = 0;
    for (size_t i = 0; i < pa->nconfig; i++) {
        char *value = NULL;
        int rc = engine_vars_resolve(plan, x, pa->config[i].value, &value, errbuf, errlen);
        if (rc != 0) {
            return rc;
        }
        run->resolved[i].key = engine_util_strdup(pa->config[i].key);
        run->resolved[i].value = value;
        run->nresolved = i + 1;
        total += strlen(pa->config[i].key) + strlen(value);
        if (total > ENGINE_VARS_MAX_BYTES) {
            snprintf(errbuf, errlen, "Resolved configuration exceeds %d bytes",
                     ENGINE_VARS_MAX_BYTES);
            return -1;
        }
    }
    return 0;
}

/*
 * A pending approval's summary: its resolved CustomData, cut to the bound of
 * ExecutionSummary at a UTF-8 character boundary. NULL when CustomData is
 * absent or empty.
 */
static char *engine_machine_approval_summary(const engine_action_run *run)
{
    const char *custom = NULL;
    for (size_t i = 0; i < run->nresolved; i++) {
        if (engine_util_str_eq(run->resolved[i].key, "CustomData")) {
            custom = run->resolved[i].value;
        }
    }
    if (custom == NULL || custom[0] == '\0') {
        return NULL;
    }
    size_t len = strlen(custom);
    if (len > ENGINE_MACHINE_SUMMARY_MAX) {
        len = ENGINE_MACHINE_SUMMARY_MAX;
        while (len > 0 && ((unsigned char)custom[len] & 0xC0) == 0x80) {
            len--; /* custom[len] continues a character: cut before that character */
        }
    }
    return engine_util_printf("%.*s", (int)len, custom);
}

/*
 * Starts action (s, a) of x: a new attempt with fresh ids, then a job and a
 * timer, or an immediate failure when its variables do not resolve. A manual
 * approval shows its resolved CustomData as summary while it waits.
 */
static void engine_machine_action_start(engine_machine *m, engine_execution *x, size_t s, size_t a)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    const engine_plan_action *pa = &plan->stages[s].actions[a];
    engine_action_run *run = &x->stages[s].actions[a];
    engine_state_action_run_clear(run);
    run->attempt++;
    run->status = ENGINE_ACTION_IN_PROGRESS;
    run->action_execution_id = engine_machine_new_id(m);
    run->job_id = engine_machine_new_id(m);
    if (engine_plan_action_is_approval(pa)) {
        run->token = engine_machine_new_id(m);
    }
    run->start_ms = m->ctx->now_ms;
    run->last_change_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    if (engine_machine_is_current(m, x) && s < m->state->nstages &&
        a < m->state->stages[s].nactions) {
        engine_util_set(&m->state->stages[s].action_latest[a], x->id);
    }
    char err[ENGINE_MACHINE_ERR_LEN] = "";
    int rc = SLUICE_OK;
    if (pa->ninputs > 0) {
        run->inputs = engine_util_calloc(pa->ninputs, sizeof *run->inputs);
        for (size_t i = 0; i < pa->ninputs; i++) {
            const engine_artifact *found = engine_machine_find_artifact(x, pa->inputs[i]);
            const char *skipped = engine_machine_skipped_producer(plan, x, pa->inputs[i]);
            run->inputs[i].name = engine_util_strdup(pa->inputs[i]);
            run->inputs[i].bucket = engine_util_strdup(found != NULL ? found->bucket : NULL);
            run->inputs[i].key = engine_util_strdup(found != NULL ? found->key : NULL);
            if (skipped != NULL && rc == SLUICE_OK) {
                rc = sluice_error_set(err, sizeof err, SLUICE_ENOTFOUND,
                                      "Input artifact %s was not produced: stage %s was skipped",
                                      pa->inputs[i], skipped);
            }
        }
        run->ninputs = pa->ninputs;
    }

    json_t *commands = NULL;
    json_t *env = NULL;
    if (rc == SLUICE_OK) {
        rc = engine_machine_resolve_config(plan, x, pa, run, err, sizeof err);
    }
    if (rc == 0) {
        rc = engine_machine_resolve_extras(plan, x, pa, &commands, &env, err, sizeof err);
    }
    engine_events_action(m, x, s, a, "STARTED");
    if (rc != 0) {
        engine_machine_fail_run(run, "ConfigurationError", err);
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_FAILED, NULL);
        json_decref(commands);
        json_decref(env);
        return;
    }
    run->deadline_ms = m->ctx->now_ms + engine_plan_action_timeout_ms(pa);
    if (engine_plan_action_is_approval(pa)) {
        free(run->summary);
        run->summary = engine_machine_approval_summary(run);
    }

    engine_effect *job = engine_effects_add(m->effects, ENGINE_EFFECT_JOB);
    job->id = engine_util_strdup(run->job_id);
    job->execution_id = engine_util_strdup(x->id);
    job->body = engine_machine_job_body(m, x, s, a, commands, env);
    json_decref(commands);
    json_decref(env);

    engine_effect *timer = engine_effects_add(m->effects, ENGINE_EFFECT_TIMER_SET);
    timer->id = engine_machine_timer_key(run);
    timer->execution_id = engine_util_strdup(x->id);
    timer->deadline_ms = run->deadline_ms;
}

/* ---- stages -------------------------------------------------------------- */

static const char *engine_machine_stage_event(engine_stage_status status)
{
    switch (status) {
    case ENGINE_STAGE_STOPPING:
        return "STOPPING";
    case ENGINE_STAGE_STOPPED:
        return "STOPPED";
    case ENGINE_STAGE_SUCCEEDED:
        return "SUCCEEDED";
    case ENGINE_STAGE_FAILED:
        return "FAILED";
    case ENGINE_STAGE_CANCELLED:
        return "CANCELED";
    case ENGINE_STAGE_IN_PROGRESS:
    case ENGINE_STAGE_NOT_STARTED:
    case ENGINE_STAGE_SKIPPED:
    default:
        return "STARTED";
    }
}

/*
 * Sets the status of stage s of x with its event. IN_PROGRESS publishes
 * STARTED (once per entry); the other statuses publish their event only for
 * a stage that started: a stage still evaluating its beforeEntry condition
 * has published nothing and stops or is cancelled silently.
 */
static void engine_machine_stage_set(engine_machine *m, engine_execution *x, size_t s,
                                     engine_stage_status status)
{
    engine_stage_run *sr = &x->stages[s];
    sr->status = status;
    x->update_ms = m->ctx->now_ms;
    if (status == ENGINE_STAGE_IN_PROGRESS) {
        if (sr->started) {
            return;
        }
        sr->started = true;
    } else if (!sr->started) {
        return;
    }
    engine_events_stage(m, x, s, engine_machine_stage_event(status));
}

static void engine_machine_start_group(engine_machine *m, engine_execution *x, size_t s)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    for (size_t a = 0; a < ps->nactions; a++) {
        if (ps->actions[a].run_order == x->stages[s].run_order) {
            engine_machine_action_start(m, x, s, a);
        }
    }
}

static void engine_machine_arrive(engine_machine *m, engine_execution *x, size_t s);
static void engine_machine_auto_rollback(engine_machine *m, engine_execution *x, size_t s);
static void engine_machine_resume(engine_machine *m, engine_execution *x, size_t s,
                                  engine_retry_mode mode, bool automatic);

/* The summary of a failed execution: the first failed action of the stage. */
static char *engine_machine_failure_summary(const engine_machine *m, const engine_execution *x,
                                            size_t s)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    for (size_t a = 0; a < ps->nactions; a++) {
        const engine_action_run *run = &x->stages[s].actions[a];
        if (run->status == ENGINE_ACTION_FAILED) {
            return engine_util_printf(
                "Action %s in stage %s failed: %s", ps->actions[a].name, ps->name,
                run->error_message != NULL ? run->error_message : "the job failed");
        }
    }
    return engine_util_printf("Stage %s failed", ps->name);
}

/* Fails stage s (STARTED first if it never started) and the execution with summary. */
static void engine_machine_stage_fail(engine_machine *m, engine_execution *x, size_t s,
                                      const char *summary)
{
    engine_machine_stage_set(m, x, s, ENGINE_STAGE_IN_PROGRESS);
    engine_machine_stage_set(m, x, s, ENGINE_STAGE_FAILED);
    engine_machine_exec_finish(m, x, ENGINE_EXEC_FAILED, summary);
}

/*
 * Fails stage s because its kind condition failed (result FAIL); with result
 * ROLLBACK the stage is then rolled back (engine_machine_auto_rollback).
 */
static void engine_machine_condition_fail(engine_machine *m, engine_execution *x, size_t s,
                                          engine_condition_kind kind)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    const engine_stage_condition_run *run = &x->stages[s].conditions[kind];
    bool rollback = engine_conditions_engaged(ps, &x->stages[s], kind) == ENGINE_RESULT_ROLLBACK;
    char *summary = engine_util_printf(
        "Stage %s: the %s condition failed: %.*s", ps->name, engine_plan_condition_kind_name(kind),
        ENGINE_MACHINE_SUMMARY_QUOTE, run->summary != NULL ? run->summary : "a rule failed");
    engine_machine_stage_fail(m, x, s, summary);
    free(summary);
    if (rollback) {
        engine_machine_auto_rollback(m, x, s);
    }
}

/*
 * The beforeEntry condition failed with result SKIP: the stage is Skipped
 * (no stage event: CodePipeline's stage events have no such state) and the
 * execution moves on to the next stage.
 */
static void engine_machine_stage_skip(engine_machine *m, engine_execution *x, size_t s)
{
    x->stages[s].status = ENGINE_STAGE_SKIPPED;
    x->update_ms = m->ctx->now_ms;
    engine_machine_arrive(m, x, s + 1);
}

/* The stop of x is complete in stage s. */
static void engine_machine_stage_stopped(engine_machine *m, engine_execution *x, size_t s)
{
    engine_stage_run *sr = &x->stages[s];
    engine_machine_stage_set(m, x, s, ENGINE_STAGE_STOPPED);
    if (!sr->started) {
        /* stopped while its entry condition ran: it never entered, nothing to retry */
        x->in_stage = false;
    }
    engine_machine_exec_finish(m, x, ENGINE_EXEC_STOPPED, NULL);
}

/*
 * An action of the current group failed. With onFailure result RETRY and the
 * automatic retry not used yet, or result ROLLBACK, the onFailure conditions
 * (if any) decide: they pass, the stage is retried (or, once stage and
 * execution failed, rolled back); otherwise stage and execution fail.
 * Returns true when it acted, false when the onFailure evaluation just began.
 */
static bool engine_machine_stage_failed(engine_machine *m, engine_execution *x, size_t s)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    const engine_plan_conditions *on_failure = &ps->conditions[ENGINE_CONDITION_ON_FAILURE];
    engine_stage_run *sr = &x->stages[s];
    bool retry = on_failure->present && on_failure->result == ENGINE_RESULT_RETRY &&
                 sr->auto_retries < ENGINE_MACHINE_AUTO_RETRIES;
    bool rollback = on_failure->present && on_failure->result == ENGINE_RESULT_ROLLBACK &&
                    x->rollback_target == NULL;
    if (retry || rollback) {
        switch (engine_conditions_verdict_of(ps, sr, ENGINE_CONDITION_ON_FAILURE)) {
        case ENGINE_CONDITIONS_UNDECIDED:
            engine_conditions_begin(m, x, s, ENGINE_CONDITION_ON_FAILURE);
            return false;
        case ENGINE_CONDITIONS_FAILED:
        case ENGINE_CONDITIONS_PENDING:
            retry = false;
            rollback = false;
            break;
        case ENGINE_CONDITIONS_PASSED:
        default:
            break;
        }
    }
    char *summary = engine_machine_failure_summary(m, x, s);
    engine_machine_stage_set(m, x, s, ENGINE_STAGE_FAILED);
    engine_machine_exec_finish(m, x, ENGINE_EXEC_FAILED, summary);
    free(summary);
    if (retry) {
        engine_machine_resume(m, x, s,
                              on_failure->retry_all_actions ? ENGINE_RETRY_ALL_ACTIONS
                                                            : ENGINE_RETRY_FAILED_ACTIONS,
                              true);
    } else if (rollback) {
        engine_machine_auto_rollback(m, x, s);
    }
    return true;
}

/*
 * Moves stage s of x on once nothing runs in it: the beforeEntry condition,
 * the next runOrder group, failure (onFailure, automatic retry), the
 * onSuccess condition, success (then the next stage), or stop.
 */
static void engine_machine_stage_check(engine_machine *m, engine_execution *x, size_t s)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    engine_stage_run *sr = &x->stages[s];
    for (;;) {
        if (sr->status != ENGINE_STAGE_IN_PROGRESS && sr->status != ENGINE_STAGE_STOPPING) {
            return;
        }
        engine_condition_kind pending;
        if (engine_conditions_pending(sr, &pending)) {
            if (x->status != ENGINE_EXEC_STOPPING) {
                return; /* rules are running */
            }
            engine_conditions_abandon(m, x, s, pending, ENGINE_COND_ABANDONED);
        }
        bool failed = false;
        for (size_t a = 0; a < ps->nactions; a++) {
            const engine_action_run *run = &sr->actions[a];
            if (run->status == ENGINE_ACTION_IN_PROGRESS) {
                return;
            }
            if (ps->actions[a].run_order == sr->run_order &&
                run->status != ENGINE_ACTION_SUCCEEDED) {
                failed = true;
            }
        }
        if (x->status == ENGINE_EXEC_STOPPING) {
            engine_machine_stage_stopped(m, x, s);
            return;
        }
        if (sr->run_order == 0) {
            /* not entered yet: the beforeEntry condition first */
            switch (engine_conditions_verdict_of(ps, sr, ENGINE_CONDITION_BEFORE_ENTRY)) {
            case ENGINE_CONDITIONS_UNDECIDED:
                engine_conditions_begin(m, x, s, ENGINE_CONDITION_BEFORE_ENTRY);
                continue;
            case ENGINE_CONDITIONS_PENDING:
                return;
            case ENGINE_CONDITIONS_FAILED:
                if (engine_conditions_engaged(ps, sr, ENGINE_CONDITION_BEFORE_ENTRY) ==
                        ENGINE_RESULT_SKIP &&
                    !sr->started) {
                    engine_machine_stage_skip(m, x, s);
                } else {
                    engine_machine_condition_fail(m, x, s, ENGINE_CONDITION_BEFORE_ENTRY);
                }
                return;
            case ENGINE_CONDITIONS_PASSED:
            default:
                break;
            }
            engine_machine_stage_set(m, x, s, ENGINE_STAGE_IN_PROGRESS);
            sr->run_order = engine_plan_next_run_order(ps, 0);
            if (sr->run_order != 0) {
                engine_machine_start_group(m, x, s);
                continue;
            }
        }
        if (failed) {
            if (engine_machine_stage_failed(m, x, s)) {
                return;
            }
            continue;
        }
        int next = engine_plan_next_run_order(ps, sr->run_order);
        if (next != 0) {
            sr->run_order = next;
            engine_machine_start_group(m, x, s);
            continue;
        }
        switch (engine_conditions_verdict_of(ps, sr, ENGINE_CONDITION_ON_SUCCESS)) {
        case ENGINE_CONDITIONS_UNDECIDED:
            engine_conditions_begin(m, x, s, ENGINE_CONDITION_ON_SUCCESS);
            continue;
        case ENGINE_CONDITIONS_PENDING:
            return;
        case ENGINE_CONDITIONS_FAILED:
            engine_machine_condition_fail(m, x, s, ENGINE_CONDITION_ON_SUCCESS);
            return;
        case ENGINE_CONDITIONS_PASSED:
        default:
            break;
        }
        engine_machine_stage_set(m, x, s, ENGINE_STAGE_SUCCEEDED);
        engine_machine_arrive(m, x, s + 1);
        return;
    }
}

/*
 * x enters stage s (it holds the lock from now on): its beforeEntry condition
 * is evaluated, then the first runOrder group starts.
 */
static void engine_machine_stage_enter(engine_machine *m, engine_execution *x, size_t s)
{
    engine_stage_run *sr = &x->stages[s];
    x->stage_index = s;
    x->in_stage = true;
    for (size_t a = 0; a < sr->nactions; a++) {
        engine_state_action_run_clear(&sr->actions[a]);
        sr->actions[a].status = ENGINE_ACTION_NOT_STARTED;
    }
    for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
        engine_conditions_reset(m, x, s, (engine_condition_kind)k);
    }
    if (engine_machine_is_current(m, x) && s < m->state->nstages) {
        engine_util_set(&m->state->stages[s].latest_execution_id, x->id);
    }
    sr->started = false;
    sr->run_order = 0;
    sr->status = ENGINE_STAGE_IN_PROGRESS;
    x->update_ms = m->ctx->now_ms;
    engine_machine_stage_check(m, x, s);
}

/*
 * x finished stage s - 1 (or started, s == 0) and now waits for stage s; past the last stage it
 * succeeds, and so does a rollback execution past the stage it re-runs.
 */
static void engine_machine_arrive(engine_machine *m, engine_execution *x, size_t s)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    x->in_stage = false;
    x->stage_index = s;
    if (s >= plan->nstages || (x->rollback_target != NULL && s > x->rollback_stage)) {
        engine_machine_exec_finish(m, x, ENGINE_EXEC_SUCCEEDED, NULL);
        return;
    }
    x->wait_seq = ++m->state->wait_counter;
    if (plan->mode != MODEL_MODE_SUPERSEDED) {
        return;
    }
    for (size_t i = 0; i < m->state->nexecs; i++) {
        engine_execution *y = m->state->execs[i];
        if (y != x && !engine_state_exec_terminal(y->status) && !y->in_stage &&
            y->stage_index == s && y->pipeline_version == x->pipeline_version) {
            y->dirty = true;
            char *summary = engine_util_printf("Superseded by pipeline execution %s", x->id);
            engine_machine_exec_finish(m, y, ENGINE_EXEC_SUPERSEDED, summary);
            free(summary);
        }
    }
}

void engine_machine_start(engine_machine *m, engine_execution *x)
{
    engine_events_pipeline(m, x, "STARTED", NULL);
    engine_machine_arrive(m, x, 0);
}

/* ---- rollback ------------------------------------------------------------------ */

bool engine_machine_source_stage(const engine_plan_stage *ps)
{
    for (size_t a = 0; a < ps->nactions; a++) {
        if (engine_plan_action_is_source(&ps->actions[a])) {
            return true;
        }
    }
    return false;
}

const engine_execution *engine_machine_rollback_target(const engine_state *state, size_t s,
                                                       const engine_execution *except)
{
    const engine_plan *plan = engine_state_plan(state);
    for (size_t i = state->nexecs; plan != NULL && i > 0; i--) {
        const engine_execution *y = state->execs[i - 1];
        if (y != except && y->rollback_target == NULL && y->pipeline_version == plan->version &&
            s < y->nstages && y->stages[s].status == ENGINE_STAGE_SUCCEEDED) {
            return y;
        }
    }
    return NULL;
}

/* What target ran the stages before s with, copied into the rollback execution x. */
static void engine_machine_rollback_copy(engine_execution *x, const engine_execution *target,
                                         size_t s)
{
    if (target->nvariables > 0) {
        x->variables = engine_util_calloc(target->nvariables, sizeof *x->variables);
        for (size_t v = 0; v < target->nvariables; v++) {
            x->variables[v].key = engine_util_strdup(target->variables[v].key);
            x->variables[v].value = engine_util_strdup(target->variables[v].value);
        }
        x->nvariables = target->nvariables;
    }
    if (target->noverrides > 0) {
        x->overrides = engine_util_calloc(target->noverrides, sizeof *x->overrides);
        for (size_t i = 0; i < target->noverrides; i++) {
            x->overrides[i].action_name = engine_util_strdup(target->overrides[i].action_name);
            x->overrides[i].revision_type = engine_util_strdup(target->overrides[i].revision_type);
            x->overrides[i].revision_value =
                engine_util_strdup(target->overrides[i].revision_value);
        }
        x->noverrides = target->noverrides;
    }
    if (target->nrevisions > 0) {
        x->revisions = engine_util_calloc(target->nrevisions, sizeof *x->revisions);
        for (size_t i = 0; i < target->nrevisions; i++) {
            const engine_revision *r = &target->revisions[i];
            x->revisions[i] = (engine_revision){
                .action_name = engine_util_strdup(r->action_name),
                .name = engine_util_strdup(r->name),
                .revision_id = engine_util_strdup(r->revision_id),
                .change_id = engine_util_strdup(r->change_id),
                .summary = engine_util_strdup(r->summary),
                .created_ms = r->created_ms,
                .url = engine_util_strdup(r->url),
            };
        }
        x->nrevisions = target->nrevisions;
    }
    /* the earlier stages are not run again: their results (no action execution of their own,
     * so no listing shows them) are what the stage's actions resolve artifacts and variables in */
    for (size_t t = 0; t < s && t < x->nstages && t < target->nstages; t++) {
        if (target->stages[t].status == ENGINE_STAGE_SKIPPED) {
            x->stages[t].status = ENGINE_STAGE_SKIPPED;
        }
        for (size_t a = 0; a < x->stages[t].nactions && a < target->stages[t].nactions; a++) {
            const engine_action_run *from = &target->stages[t].actions[a];
            engine_action_run *to = &x->stages[t].actions[a];
            if (from->status != ENGINE_ACTION_SUCCEEDED) {
                continue;
            }
            to->status = ENGINE_ACTION_SUCCEEDED;
            if (from->noutputs > 0) {
                to->outputs = engine_util_calloc(from->noutputs, sizeof *to->outputs);
                for (size_t o = 0; o < from->noutputs; o++) {
                    to->outputs[o].name = engine_util_strdup(from->outputs[o].name);
                    to->outputs[o].bucket = engine_util_strdup(from->outputs[o].bucket);
                    to->outputs[o].key = engine_util_strdup(from->outputs[o].key);
                }
                to->noutputs = from->noutputs;
            }
            if (from->noutput_vars > 0) {
                to->output_vars = engine_util_calloc(from->noutput_vars, sizeof *to->output_vars);
                for (size_t v = 0; v < from->noutput_vars; v++) {
                    to->output_vars[v].key = engine_util_strdup(from->output_vars[v].key);
                    to->output_vars[v].value = engine_util_strdup(from->output_vars[v].value);
                }
                to->noutput_vars = from->noutput_vars;
            }
        }
    }
}

engine_execution *engine_machine_rollback(engine_machine *m, const engine_execution *target,
                                          size_t s, const char *trigger_type,
                                          const char *trigger_detail)
{
    const engine_plan *plan = engine_state_plan(m->state);
    char *id = engine_machine_new_id(m);
    engine_execution *x = engine_state_add_execution(m->state, id, plan);
    free(id);
    x->trigger_type = engine_util_strdup(trigger_type);
    x->trigger_detail = engine_util_strdup(trigger_detail);
    x->start_ms = m->ctx->now_ms;
    x->update_ms = m->ctx->now_ms;
    x->rollback_target = engine_util_strdup(target->id);
    x->rollback_stage = s;
    engine_machine_rollback_copy(x, target, s);
    engine_events_pipeline(m, x, "STARTED", NULL);
    engine_machine_arrive(m, x, s);
    return x;
}

/*
 * onFailure or onSuccess result ROLLBACK: x has just failed in stage s, which
 * is rolled back to the newest execution that succeeded in it (none: x just
 * stays failed). A rollback execution is never rolled back itself.
 */
static void engine_machine_auto_rollback(engine_machine *m, engine_execution *x, size_t s)
{
    const engine_plan *plan = engine_state_plan(m->state);
    if (x->rollback_target != NULL || !engine_machine_is_current(m, x) ||
        plan->mode == MODEL_MODE_PARALLEL || engine_machine_source_stage(&plan->stages[s]) ||
        engine_state_active_count(m->state) >= ENGINE_STATE_MAX_ACTIVE) {
        return;
    }
    const engine_execution *target = engine_machine_rollback_target(m->state, s, x);
    if (target != NULL) {
        engine_machine_rollback(m, target, s, "AutomatedRollback", x->id);
    }
}

void engine_machine_override(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind)
{
    engine_conditions_abandon(m, x, s, kind, ENGINE_COND_OVERRIDDEN);
    engine_machine_stage_check(m, x, s);
}

/* ---- admission ------------------------------------------------------------ */

static bool engine_machine_open(const engine_state *state, size_t s)
{
    if (!state->stages[s].inbound.enabled) {
        return false;
    }
    return s == 0 || state->stages[s - 1].outbound.enabled;
}

/* The next execution waiting before stage s (smallest wait_seq), or NULL. */
static engine_execution *engine_machine_next_waiting(const engine_state *state, int64_t version,
                                                     size_t s)
{
    engine_execution *best = NULL;
    for (size_t i = 0; i < state->nexecs; i++) {
        engine_execution *x = state->execs[i];
        if (engine_state_exec_terminal(x->status) || x->in_stage || x->stage_index != s ||
            x->pipeline_version != version) {
            continue;
        }
        if (best == NULL || x->wait_seq < best->wait_seq) {
            best = x;
        }
    }
    if (best != NULL) {
        best->dirty = true; /* handed out mutable */
    }
    return best;
}

void engine_machine_pump(engine_machine *m)
{
    const engine_plan *plan = engine_state_plan(m->state);
    if (plan == NULL) {
        return;
    }
    bool moved = true;
    while (moved) {
        moved = false;
        for (size_t s = 0; s < plan->nstages; s++) {
            if (!engine_machine_open(m->state, s)) {
                continue;
            }
            for (;;) {
                if (plan->mode != MODEL_MODE_PARALLEL &&
                    engine_state_lock_holder(m->state, s) != NULL) {
                    break;
                }
                engine_execution *x = engine_machine_next_waiting(m->state, plan->version, s);
                if (x == NULL) {
                    break;
                }
                engine_machine_stage_enter(m, x, s);
                moved = true;
            }
        }
    }
}

/* ---- results -------------------------------------------------------------- */

static void engine_machine_take_details(engine_action_run *run, const engine_input_job *job)
{
    if (job->summary != NULL) {
        engine_util_set(&run->summary, job->summary);
    }
    if (job->external_id != NULL) {
        engine_util_set(&run->external_id, job->external_id);
    }
    if (job->external_url != NULL) {
        engine_util_set(&run->external_url, job->external_url);
    }
    if (job->percent_complete >= 0 && job->percent_complete <= 100) {
        run->percent_complete = job->percent_complete;
    }
}

static void engine_machine_take_outputs(engine_action_run *run, const engine_plan_action *pa,
                                        const engine_input_job *job)
{
    if (job->noutput_variables > 0) {
        run->output_vars = engine_util_calloc(job->noutput_variables, sizeof *run->output_vars);
        for (size_t i = 0; i < job->noutput_variables; i++) {
            run->output_vars[i].key = engine_util_strdup(job->output_variables[i].key);
            run->output_vars[i].value = engine_util_strdup(job->output_variables[i].value);
        }
        run->noutput_vars = job->noutput_variables;
    }
    if (pa->noutputs == 0) {
        return;
    }
    run->outputs = engine_util_calloc(pa->noutputs, sizeof *run->outputs);
    for (size_t i = 0; i < pa->noutputs; i++) {
        run->outputs[i].name = engine_util_strdup(pa->outputs[i].name);
        for (size_t j = 0; j < job->noutputs; j++) {
            if (engine_util_str_eq(job->outputs[j].name, pa->outputs[i].name)) {
                run->outputs[i].bucket = engine_util_strdup(job->outputs[j].bucket);
                run->outputs[i].key = engine_util_strdup(job->outputs[j].key);
                break;
            }
        }
    }
    run->noutputs = pa->noutputs;
}

/*
 * Records a source action's current revision in the execution's
 * artifactRevisions; a revision the worker gave no creation time is dated
 * now_ms (when its result came), so currentRevision.created is always set.
 */
static void engine_machine_take_revision(engine_execution *x, const engine_plan_action *pa,
                                         const engine_input_job *job, int64_t now_ms)
{
    if (job->revision_id == NULL) {
        return;
    }
    engine_revision *r = NULL;
    for (size_t i = 0; i < x->nrevisions; i++) {
        if (engine_util_str_eq(x->revisions[i].action_name, pa->name)) {
            r = &x->revisions[i];
            free(r->action_name);
            free(r->name);
            free(r->revision_id);
            free(r->change_id);
            free(r->summary);
            free(r->url);
            break;
        }
    }
    if (r == NULL) {
        x->revisions = engine_util_realloc(x->revisions, x->nrevisions + 1, sizeof *x->revisions);
        r = &x->revisions[x->nrevisions++];
    }
    memset(r, 0, sizeof *r);
    r->action_name = engine_util_strdup(pa->name);
    r->name = engine_util_strdup(pa->noutputs > 0 ? pa->outputs[0].name : pa->name);
    r->revision_id = engine_util_strdup(job->revision_id);
    r->change_id = engine_util_strdup(job->revision_change_id);
    r->summary = engine_util_strdup(job->revision_summary);
    r->created_ms = job->revision_created_ms != 0 ? job->revision_created_ms : now_ms;
    r->url = engine_util_strdup(job->revision_url);
}

void engine_machine_job_result(engine_machine *m, engine_execution *x, size_t s, size_t a,
                               const engine_input_job *job)
{
    const engine_plan_action *pa = &engine_machine_plan(m, x)->stages[s].actions[a];
    engine_action_run *run = &x->stages[s].actions[a];
    engine_machine_take_details(run, job);
    if (m->input->requested_by != NULL) {
        /* lastUpdatedBy / updatedBy: the identity that reported the result */
        engine_util_set(&run->updated_by, m->input->requested_by);
    }
    x->update_ms = m->ctx->now_ms;
    switch (job->outcome) {
    case ENGINE_JOB_IN_PROGRESS: {
        /* CodePipeline completes the job and creates a new one carrying the continuation token. */
        free(run->job_id);
        run->job_id = engine_machine_new_id(m);
        engine_util_set(&run->continuation, job->continuation_token);
        json_t *commands = NULL;
        json_t *env = NULL;
        char err[ENGINE_MACHINE_ERR_LEN];
        const engine_plan *plan = engine_machine_plan(m, x);
        if (engine_machine_resolve_extras(plan, x, pa, &commands, &env, err, sizeof err) != 0) {
            json_decref(commands);
            json_decref(env);
            commands = NULL;
            env = NULL;
        }
        engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_JOB);
        e->id = engine_util_strdup(run->job_id);
        e->execution_id = engine_util_strdup(x->id);
        e->body = engine_machine_job_body(m, x, s, a, commands, env);
        json_decref(commands);
        json_decref(env);
        return;
    }
    case ENGINE_JOB_SUCCEEDED:
        free(run->continuation);
        run->continuation = NULL;
        engine_machine_take_outputs(run, pa, job);
        engine_machine_take_revision(x, pa, job, m->ctx->now_ms);
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_SUCCEEDED, NULL);
        break;
    case ENGINE_JOB_FAILED:
    default:
        engine_machine_fail_run(run, job->failure_type != NULL ? job->failure_type : "JobFailed",
                                job->failure_message != NULL ? job->failure_message
                                                             : "The job failed");
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_FAILED, NULL);
        break;
    }
    engine_machine_stage_check(m, x, s);
}

void engine_machine_approval(engine_machine *m, engine_execution *x, size_t s, size_t a,
                             bool approved, const char *by, const char *summary, const char *detail)
{
    engine_action_run *run = &x->stages[s].actions[a];
    engine_util_set(&run->summary, summary);
    engine_util_set(&run->updated_by, by);
    if (approved) {
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_SUCCEEDED, NULL);
    } else {
        char *message = detail != NULL && detail[0] != '\0'
                            ? engine_util_printf("Approval rejected: %s", detail)
                            : engine_util_strdup("Approval rejected");
        engine_util_set(&run->error_code, "JobFailed");
        engine_util_set(&run->error_message, message);
        free(message);
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_FAILED, NULL);
    }
    engine_machine_stage_check(m, x, s);
}

void engine_machine_timeout(engine_machine *m, engine_execution *x, size_t s, size_t a)
{
    const engine_plan_action *pa = &engine_machine_plan(m, x)->stages[s].actions[a];
    engine_action_run *run = &x->stages[s].actions[a];
    char *duration = engine_util_duration(engine_plan_action_timeout_ms(pa));
    if (engine_plan_action_is_approval(pa) && engine_votes_approve_on_timeout(pa)) {
        char *summary = engine_util_printf(
            "Approved on timeout: no decision within %s (SluiceTimeoutAction APPROVE)", duration);
        free(duration);
        engine_util_set(&run->summary, summary);
        free(summary);
        engine_machine_action_end(m, x, s, a, ENGINE_ACTION_SUCCEEDED, NULL);
        engine_machine_stage_check(m, x, s);
        return;
    }
    char *message =
        engine_plan_action_is_approval(pa)
            ? engine_util_printf("Approval timed out: no response within %s", duration)
            : engine_util_printf("Action timed out: it did not complete within %s", duration);
    engine_machine_fail_run(run, "TimedOut", message);
    free(message);
    free(duration);
    engine_machine_action_end(m, x, s, a, ENGINE_ACTION_FAILED, NULL);
    engine_machine_stage_check(m, x, s);
}

/* ---- stop, retry, cancel ----------------------------------------------------- */

void engine_machine_stop(engine_machine *m, engine_execution *x, bool abandon, const char *reason)
{
    x->stop_requested = true;
    x->abandon = x->abandon || abandon;
    if (reason != NULL) {
        engine_util_set(&x->stop_reason, reason);
    }
    x->update_ms = m->ctx->now_ms;
    if (x->status == ENGINE_EXEC_IN_PROGRESS) {
        x->status = ENGINE_EXEC_STOPPING;
        engine_events_pipeline(m, x, "STOPPING", x->stop_reason != NULL ? x->stop_reason : "");
        if (x->in_stage) {
            engine_machine_stage_set(m, x, x->stage_index, ENGINE_STAGE_STOPPING);
        }
    }
    if (!x->in_stage) {
        /* waiting between stages: nothing runs, it stops at once */
        engine_machine_exec_finish(m, x, ENGINE_EXEC_STOPPED, NULL);
        return;
    }
    size_t s = x->stage_index;
    if (abandon) {
        for (size_t a = 0; a < x->stages[s].nactions; a++) {
            if (x->stages[s].actions[a].status == ENGINE_ACTION_IN_PROGRESS) {
                engine_machine_action_end(m, x, s, a, ENGINE_ACTION_ABANDONED, NULL);
            }
        }
    }
    engine_machine_stage_check(m, x, s);
}

/*
 * Restarts stage s of x, which is Failed or Stopped there: RESUMED events, the
 * attempt grows, the onSuccess condition (and after a manual retry the
 * onFailure condition) will be evaluated afresh.
 * A stage whose beforeEntry condition did not pass evaluates it again;
 * otherwise FAILED_ACTIONS re-runs the actions of the current group that did
 * not succeed and ALL_ACTIONS restarts from the first group.
 */
static void engine_machine_resume(engine_machine *m, engine_execution *x, size_t s,
                                  engine_retry_mode mode, bool automatic)
{
    const engine_plan_stage *ps = &engine_machine_plan(m, x)->stages[s];
    engine_stage_run *sr = &x->stages[s];
    x->status = ENGINE_EXEC_IN_PROGRESS;
    x->attempt++;
    x->stop_requested = false;
    x->abandon = false;
    free(x->stop_reason);
    x->stop_reason = NULL;
    free(x->status_summary);
    x->status_summary = NULL;
    x->update_ms = m->ctx->now_ms;
    if (automatic) {
        sr->auto_retries++;
        sr->retry_trigger = ENGINE_RETRY_TRIGGER_AUTOMATED;
    } else {
        sr->manual_retries++;
        sr->retry_trigger = ENGINE_RETRY_TRIGGER_MANUAL;
    }
    if (engine_machine_is_current(m, x) && s < m->state->nstages) {
        engine_util_set(&m->state->stages[s].latest_execution_id, x->id);
    }
    engine_events_pipeline(m, x, "RESUMED", NULL);
    sr->status = ENGINE_STAGE_IN_PROGRESS;
    sr->started = true;
    engine_events_stage(m, x, s, "RESUMED");
    engine_conditions_reset(m, x, s, ENGINE_CONDITION_ON_SUCCESS);
    if (!automatic) {
        /* the onFailure evaluation that granted an automatic retry stays visible */
        engine_conditions_reset(m, x, s, ENGINE_CONDITION_ON_FAILURE);
    }
    if (engine_conditions_verdict_of(ps, sr, ENGINE_CONDITION_BEFORE_ENTRY) !=
        ENGINE_CONDITIONS_PASSED) {
        engine_conditions_reset(m, x, s, ENGINE_CONDITION_BEFORE_ENTRY);
        sr->run_order = 0;
    } else if (mode == ENGINE_RETRY_ALL_ACTIONS) {
        /* restart from the first group; later groups keep their old results until they run again */
        sr->run_order = engine_plan_next_run_order(ps, 0);
    }
    for (size_t a = 0; a < ps->nactions && sr->run_order != 0; a++) {
        bool rerun =
            mode == ENGINE_RETRY_ALL_ACTIONS || sr->actions[a].status != ENGINE_ACTION_SUCCEEDED;
        if (ps->actions[a].run_order == sr->run_order && rerun) {
            engine_machine_action_start(m, x, s, a);
        }
    }
    engine_machine_stage_check(m, x, s);
}

void engine_machine_retry(engine_machine *m, engine_execution *x, size_t s, engine_retry_mode mode)
{
    engine_machine_resume(m, x, s, mode, false);
}

void engine_machine_rule_result(engine_machine *m, const engine_conditions_where *where,
                                const engine_input_job *job)
{
    engine_conditions_job_result(m, where, job);
    engine_machine_stage_check(m, where->x, where->s);
}

void engine_machine_rule_timeout(engine_machine *m, const engine_conditions_where *where)
{
    engine_conditions_timeout(m, where);
    engine_machine_stage_check(m, where->x, where->s);
}

void engine_machine_cancel_all(engine_machine *m)
{
    for (size_t i = 0; i < m->state->nexecs; i++) {
        engine_execution *x = m->state->execs[i];
        if (engine_state_exec_terminal(x->status)) {
            continue;
        }
        x->dirty = true;
        if (x->in_stage) {
            size_t s = x->stage_index;
            for (size_t a = 0; a < x->stages[s].nactions; a++) {
                if (x->stages[s].actions[a].status == ENGINE_ACTION_IN_PROGRESS) {
                    engine_machine_action_end(m, x, s, a, ENGINE_ACTION_ABANDONED, "CANCELED");
                }
            }
            for (int k = 0; k < ENGINE_CONDITION_KINDS; k++) {
                engine_conditions_abandon(m, x, s, (engine_condition_kind)k, ENGINE_COND_CANCELLED);
            }
            engine_machine_stage_set(m, x, s, ENGINE_STAGE_CANCELLED);
        }
        engine_machine_exec_finish(
            m, x, ENGINE_EXEC_CANCELLED,
            "The pipeline definition was updated before the execution could be completed");
    }
}
