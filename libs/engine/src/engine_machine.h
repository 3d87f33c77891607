/*
 * engine_machine.h — the moving parts of an execution, private to libs/engine.
 *
 * engine_step checks a request and then calls one of these to carry it out;
 * they change the state and append events, jobs, timers and archive records
 * to the step's effects (stage conditions through engine_conditions.h).
 * They never reject anything: every precondition was checked by engine_step,
 * which also writes the reply.
 *
 * Pure; used by one thread at a time.
 */
#ifndef SLUICE_ENGINE_MACHINE_H
#define SLUICE_ENGINE_MACHINE_H

#include "sluice/engine_step.h"

/* One step in progress. */
typedef struct engine_machine {
    engine_state *state;
    const engine_ctx *ctx;
    const engine_input *input;
    engine_effects *effects;
} engine_machine;

/* The plan x runs. */
const engine_plan *engine_machine_plan(const engine_machine *m, const engine_execution *x);

/* A new execution id, job id or token from ctx->ids; caller frees. */
char *engine_machine_new_id(const engine_machine *m);

/* Emits STARTED for a new execution x and lets it arrive at the first stage. */
void engine_machine_start(engine_machine *m, engine_execution *x);

/* Admits waiting executions wherever locks and transitions allow, until nothing moves. */
void engine_machine_pump(engine_machine *m);

/* A job result for the running action (s, a) of x; records the input's requested_by, if any. */
void engine_machine_job_result(engine_machine *m, engine_execution *x, size_t s, size_t a,
                               const engine_input_job *job);

/*
 * Decides the running approval action (s, a) of x: approved → Succeeded,
 * else Failed ("Approval rejected[: detail]"). summary replaces the action's
 * summary, by (may be NULL) becomes its lastUpdatedBy.
 */
void engine_machine_approval(engine_machine *m, engine_execution *x, size_t s, size_t a,
                             bool approved, const char *by, const char *summary,
                             const char *detail);

/* The running action (s, a) of x reached its deadline. */
void engine_machine_timeout(engine_machine *m, engine_execution *x, size_t s, size_t a);

/* Stop (and maybe abandon) the non-terminal execution x. */
void engine_machine_stop(engine_machine *m, engine_execution *x, bool abandon, const char *reason);

/* Retry stage s of x, which is Failed or Stopped there (RetryStageExecution). */
void engine_machine_retry(engine_machine *m, engine_execution *x, size_t s, engine_retry_mode mode);

struct engine_conditions_where;

/* A job result for a running rule of a stage condition (engine_conditions.h). */
void engine_machine_rule_result(engine_machine *m, const struct engine_conditions_where *where,
                                const engine_input_job *job);

/* A running rule of a stage condition reached its deadline. */
void engine_machine_rule_timeout(engine_machine *m, const struct engine_conditions_where *where);

/* Where x stored artifact name (a succeeded producer's output), or NULL. */
const engine_artifact *engine_machine_find_artifact(const engine_execution *x, const char *name);

/* The name of the stage that should have produced artifact when x skipped it, or NULL. */
const char *engine_machine_skipped_producer(const engine_plan *plan, const engine_execution *x,
                                            const char *artifact);

/*
 * Overrides the stage condition of kind being evaluated in stage s of x
 * (OverrideStageCondition): its running rules are Abandoned, it becomes
 * Overridden, which passes, and the stage moves on.
 */
void engine_machine_override(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind);

/* True when stage ps holds a source action (a source stage cannot be rolled back). */
bool engine_machine_source_stage(const engine_plan_stage *ps);

/*
 * The newest execution a rollback of stage s can go back to: it runs the
 * current plan, succeeded in s and is not a rollback execution itself;
 * except is never chosen. NULL when there is none.
 */
const engine_execution *engine_machine_rollback_target(const engine_state *state, size_t s,
                                                       const engine_execution *except);

/*
 * Starts a rollback execution (executionType ROLLBACK, trigger_type
 * ManualRollback or AutomatedRollback, trigger_detail copied) that re-runs
 * stage s of the current plan, and only that stage, with what target ran
 * it with: target's pipeline variables, source revisions, and the output
 * artifacts and output variables of its actions in the stages before s. It
 * emits STARTED and waits for stage s like any execution. Returns it; the
 * state owns it.
 */
engine_execution *engine_machine_rollback(engine_machine *m, const engine_execution *target,
                                          size_t s, const char *trigger_type,
                                          const char *trigger_detail);

/* Cancels every non-terminal execution (a new pipeline version was installed). */
void engine_machine_cancel_all(engine_machine *m);

#endif
