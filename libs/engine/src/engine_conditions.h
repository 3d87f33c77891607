/*
 * engine_conditions.h — evaluating the V2 stage conditions of one stage run,
 * private to libs/engine (CodePipeline user guide, "Stage conditions").
 *
 * A stage condition (beforeEntry, onSuccess, onFailure) holds conditions,
 * each an AND of rules. engine_conditions_begin starts every rule at once:
 * VariableCheck and DeploymentWindow are decided on the spot (engine_rules.h);
 * LambdaInvoke and Commands become a job (ENGINE_EFFECT_JOB, the rule job
 * document of engine_step.h) with a timeout timer, decided by its job result;
 * any other provider fails with "not evaluated by this installation".
 *
 * A condition fails as soon as one of its rules fails (its other running
 * rules are then abandoned) and succeeds when every rule succeeded; the stage
 * condition fails with its first failed condition (whose result engages) and
 * succeeds when every condition succeeded. What a verdict does to the stage is
 * engine_machine's business: this module only keeps the condition runs of
 * engine_state.h and the jobs and timers of rules. Every rule evaluation
 * that ends (succeeded, failed, abandoned) is archived at once
 * (ENGINE_ARCHIVE_RULE_EXECUTION with its RuleExecutionDetail), so the
 * history keeps every evaluation, retries' included.
 *
 * Pure; used by one thread at a time.
 */
#ifndef SLUICE_ENGINE_CONDITIONS_H
#define SLUICE_ENGINE_CONDITIONS_H

#include "engine_machine.h"

#define ENGINE_CONDITIONS_TIMER_PREFIX "rule-timeout:"

/* What a stage condition says about a stage run. */
typedef enum engine_conditions_verdict {
    ENGINE_CONDITIONS_PASSED = 0, /* succeeded, overridden, or nothing to check */
    ENGINE_CONDITIONS_FAILED,     /* a condition failed: its result engages */
    ENGINE_CONDITIONS_PENDING,    /* rules are running */
    ENGINE_CONDITIONS_UNDECIDED,  /* not evaluated in this stage run (or abandoned) */
} engine_conditions_verdict;

/* Where one rule run is. */
typedef struct engine_conditions_where {
    engine_execution *x;
    size_t s;
    engine_condition_kind kind;
    size_t c;
    size_t r;
} engine_conditions_where;

/* The verdict of kind for stage run sr of plan stage ps. */
engine_conditions_verdict engine_conditions_verdict_of(const engine_plan_stage *ps,
                                                       const engine_stage_run *sr,
                                                       engine_condition_kind kind);

/* True when some stage condition of sr is being evaluated; *kind receives which. */
bool engine_conditions_pending(const engine_stage_run *sr, engine_condition_kind *kind);

/* The result a failed kind engages: its first failed condition's, FAIL when that has none. */
engine_plan_result engine_conditions_engaged(const engine_plan_stage *ps,
                                             const engine_stage_run *sr,
                                             engine_condition_kind kind);

/*
 * Starts evaluating kind for stage s of x (a previous evaluation is dropped).
 * The verdict may be known on return (every rule decided at once).
 */
void engine_conditions_begin(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind);

/* Forgets the evaluation of kind in stage s of x (status back to not evaluated). */
void engine_conditions_reset(engine_machine *m, engine_execution *x, size_t s,
                             engine_condition_kind kind);

/*
 * Ends an evaluation in progress: running rules Abandoned (their timers
 * cancelled), the stage condition and its undecided conditions get status
 * (ENGINE_COND_ABANDONED on a stop, ENGINE_COND_CANCELLED on a cancellation,
 * ENGINE_COND_OVERRIDDEN for OverrideStageCondition).
 */
void engine_conditions_abandon(engine_machine *m, engine_execution *x, size_t s,
                               engine_condition_kind kind, engine_condition_status status);

/*
 * Finds the rule run whose job id (by_job) or rule execution id is id,
 * preferring a running one. False when none has it.
 */
bool engine_conditions_find(const engine_state *state, const char *id, bool by_job,
                            engine_conditions_where *where);

/* The rule run at where. */
engine_rule_run *engine_conditions_rule(const engine_conditions_where *where);

/* A job result for the running rule at where (Succeeded, Failed, or InProgress with a token). */
void engine_conditions_job_result(engine_machine *m, const engine_conditions_where *where,
                                  const engine_input_job *job);

/* The running rule at where reached its deadline: it fails (TimedOut). */
void engine_conditions_timeout(engine_machine *m, const engine_conditions_where *where);

#endif
