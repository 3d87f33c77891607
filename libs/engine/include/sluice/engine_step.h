/*
 * engine_step.h — CodePipeline's execution semantics as a pure state machine.
 *
 *   engine_step(state, ctx, input, effects): state changes in place, effects appended.
 *
 * No I/O, no clock, no randomness: the time (ctx.now_ms) and every fresh id
 * (ctx.ids) come from the caller, so the same state, input, time and id
 * source give the same new state and byte-identical effects. The orchestrator
 * is the shell: consume an input → load the state → step → compare-and-set
 * the new state together with the effects as outbox → publish → commit.
 *
 * Semantics (reference: CodePipeline user guide, "How pipeline executions
 * work", execution modes, retry, stop, transitions, approvals, variables):
 * - Stages run in order; within a stage the actions with the smallest runOrder
 *   start together, the next group only after every action of the group
 *   succeeded. A failed action lets the running ones finish, starts nothing
 *   new, then fails the stage and the execution.
 * - Stage lock: one execution inside a stage at a time. SUPERSEDED: an
 *   execution arriving at a locked stage (or a disabled transition) replaces
 *   the one waiting there, which ends Superseded; a running stage is never
 *   interrupted. QUEUED: waiting executions form a FIFO queue per stage.
 *   PARALLEL: no lock. Failure, stop and cancellation release the lock.
 * - Stop and wait: running actions finish, nothing new starts (Stopping →
 *   Stopped). Stop and abandon: running actions Abandoned at once (allowed
 *   while Stopping). An execution waiting between stages stops at once.
 * - Retry (the latest execution of a Failed or Stopped stage, same pipeline
 *   version, no other execution entered since): FAILED_ACTIONS re-runs the
 *   actions of the current group that did not succeed, ALL_ACTIONS restarts
 *   the stage; the execution attempt counter (pipeline-execution-attempt)
 *   grows, pipeline and stage emit RESUMED.
 * - Transitions: inbound (into a stage) or outbound (out of a stage) disabled
 *   hold executions before the stage; they can be superseded; on enable the
 *   waiting execution (QUEUED: the queue's head) enters.
 * - Variables #{variables.x}, #{codepipeline.PipelineExecutionId},
 *   #{<namespace>.<key>} are resolved in the configuration, commands and
 *   environment values just before an action starts; the resolved
 *   configuration is recorded. An unresolvable reference fails the action
 *   (ConfigurationError).
 * - Timeouts per action (engine_plan.h): a TIMER_SET effect per started
 *   action; when it fires before the action ended, the action fails with a
 *   summary naming the timeout.
 * - PIPELINE_UPDATED with a newer version cancels every non-terminal execution
 *   (Cancelled; running actions Abandoned; events CANCELED).
 * - Approvals: the token comes from ctx.ids when the action starts, is in the
 *   job and GetPipelineState; Approved → Succeeded, Rejected → Failed. While
 *   pending, the action's summary is its resolved CustomData (when set); the
 *   answer replaces it by the approver's summary and records the approver
 *   (the input's requested_by) as lastUpdatedBy / updatedBy.
 *   Every answer (APPROVAL, or VOTE with the voter's identity, groups and
 *   e-mail addresses) is a vote: recorded on the action run, published as a
 *   "Sluice Approval Vote" event, counted by the action's Sluice* policy keys
 *   when it has any (N of M, groups, ANY / MAJORITY rejection, no
 *   self-approval, timeout action; engine_votes.h); without them the first
 *   vote decides as above. A SluiceTimeoutAction APPROVE timeout succeeds.
 * - A job result given with requested_by records that identity as the
 *   action's lastUpdatedBy / updatedBy; one without keeps the previous.
 * - Duplicates are harmless: a job result for an attempt that is no longer
 *   running, a timer for an ended action, a repeated clientRequestToken or an
 *   already-installed pipeline version change nothing.
 * - Stage conditions (V2; reference §2.8): a condition passes when every
 *   rule passes; the first failed condition's result engages.
 *   VariableCheck and DeploymentWindow rules are decided inside the step
 *   (time = ctx.now_ms); LambdaInvoke and Commands rules become rule jobs
 *   (below) with a timeout (timeoutInMinutes, else 1 hour; timer key
 *   "rule-timeout:<ruleExecutionId>") and are decided by their JobResult;
 *   other rule types fail ("not evaluated by this installation"). When one
 *   rule fails, the condition's other running rules are abandoned.
 *   beforeEntry: evaluated once the execution holds the stage (lock and
 *   transitions allowed it in); the stage publishes STARTED only when it
 *   passes. FAIL: STARTED, FAILED, the execution fails. SKIP: the stage
 *   becomes Skipped, publishes no event (stage events have no such state)
 *   and the execution moves to the next stage; an action or rule needing an
 *   artifact of a skipped stage fails (ConfigurationError).
 *   onSuccess: evaluated after every action succeeded; FAIL fails stage and
 *   execution; ROLLBACK does the same, then rolls the stage back (below).
 *   onFailure: result RETRY retries the stage automatically, once per stage
 *   and execution, when an action failed (timeouts included; not stops, not
 *   condition failures) and its conditions, if any, pass: FAILED events,
 *   then exactly what RetryStageExecution with retryMode does (RESUMED,
 *   attempt + 1). Result ROLLBACK, when an action failed and its conditions,
 *   if any, pass: FAILED events, then the stage is rolled back. Otherwise
 *   (FAIL, a failed condition, the retry used) the execution fails as
 *   without onFailure.
 *   OverrideStageCondition (BEFORE_ENTRY or ON_SUCCESS): the condition being
 *   evaluated for the execution inside the stage stops (running rules
 *   Abandoned, status Overridden) and passes. Refused: another execution or
 *   stage (NotLatestPipelineExecutionException), no evaluation of that type
 *   running (ConditionNotOverridableException), a stopping execution
 *   (ConflictException).
 * - Rollback (reference §2.7): a new execution (executionType ROLLBACK,
 *   rollbackMetadata naming the target, trigger ManualRollback with the
 *   caller as detail, or AutomatedRollback with the failed execution's id)
 *   re-runs one stage, and only that stage, with the target's pipeline
 *   variables, source revisions and the artifacts and output variables of
 *   its earlier stages; it waits for the stage like any execution and
 *   succeeds once the stage succeeded. A target no longer in the state may
 *   come with the request (engine_input.h "target", read from the archive by
 *   the api) and is then checked the same way. RollbackStage refuses a target
 *   neither in the state nor given (PipelineExecutionNotFoundException), one
 *   that does not read (ValidationException), one of an older pipeline
 *   version (PipelineExecutionOutdatedException), one that did not succeed
 *   in the stage or is a rollback itself, a source stage and PARALLEL mode
 *   (UnableToRollbackStageException), and a stage held by an execution or
 *   with a rollback under way (ConflictException). An automatic rollback
 *   goes to the newest execution of the current version that succeeded in
 *   the stage and is not a rollback; there is none, or the failed execution
 *   is itself a rollback: the execution just fails.
 *   While a condition is evaluated the stage holds its lock. A stop abandons
 *   the running rules at once (both stop modes); a stop during beforeEntry
 *   leaves a stage that never started and cannot be retried. Retrying a
 *   stage whose beforeEntry condition did not pass evaluates it again; every
 *   retry evaluates onSuccess again, a manual retry onFailure too.
 *   GetPipelineState shows each evaluated condition, retryStageMetadata
 *   counts automatic and manual retries.
 *
 * Events use CodePipeline's detail-types and UPPERCASE states; API statuses
 * are PascalCase (engine_state.h).
 *
 * Job document (ENGINE_EFFECT_JOB body):
 *   {"jobId", "pipeline", "pipelineArn", "pipelineVersion", "pipelineExecutionId",
 *    "pipelineExecutionAttempt", "stage", "action", "actionExecutionId", "attempt",
 *    "actionTypeId": {"category", "owner", "provider", "version"},
 *    "configuration": {resolved},
 *    "inputArtifacts": [{"name", "s3location": {"bucket", "key"}}],
 *    "outputArtifacts": [{"name", "files"}], "namespace", "region", "roleArn",
 *    "commands": [resolved], "environmentVariables": [{"name", "value", "type"}],
 *    "outputVariables": [...], "sourceRevision": {"revisionType", "revisionValue"},
 *    "continuationToken", "token" and "expires" (approvals), "created", "deadline"}
 * Times in it are RFC 3339.
 *
 * Rule job document (a LambdaInvoke or Commands rule of a stage condition;
 * also ENGINE_EFFECT_JOB, answered with an ordinary JobResult):
 *   {"jobId", "pipeline", "pipelineArn", "pipelineVersion", "pipelineExecutionId",
 *    "pipelineExecutionAttempt", "stage", "rule", "ruleExecutionId",
 *    "conditionType": "BEFORE_ENTRY" | "ON_SUCCESS" | "ON_FAILURE",
 *    "ruleTypeId": {"category", "owner", "provider", "version"},
 *    "configuration": {resolved}, "inputArtifacts": [...], "commands": [resolved],
 *    "region", "roleArn", "continuationToken", "created", "deadline"}
 * Absent members are left out.
 */
#ifndef SLUICE_ENGINE_STEP_H
#define SLUICE_ENGINE_STEP_H

#include "sluice/engine_effects.h"
#include "sluice/engine_ids.h"
#include "sluice/engine_input.h"
#include "sluice/engine_state.h"

#include <stddef.h>
#include <stdint.h>

/* What the caller hands in besides the input. */
typedef struct engine_ctx {
    int64_t now_ms;       /* the time of this step (epoch milliseconds) */
    engine_id_source ids; /* fresh ids for this step */
    const char *account;  /* 12-digit account for ARNs and envelopes; "000000000000" when NULL */
    const char *region;   /* region for ARNs and envelopes; "us-east-1" when NULL */
} engine_ctx;

/*
 * Applies input to state at ctx->now_ms and appends the effects to effects.
 *
 * Returns 0 when the input was handled; exactly one ENGINE_EFFECT_REPLY is
 * then among the effects. Requests rejected with a CodePipeline exception
 * return 0 too: they leave the state unchanged and append only that reply,
 * carrying the exception. Returns SLUICE_EINVAL with
 * detail in errbuf when the input itself is malformed (a required field
 * missing); state and effects are then unchanged. Out of memory aborts.
 *
 * state and effects are owned by the caller; input and ctx are borrowed.
 */
int engine_step(engine_state *state, const engine_ctx *ctx, const engine_input *input,
                engine_effects *effects, char *errbuf, size_t errlen);

/* The pipeline ARN (protocol_arn_pipeline); NULL when over PROTOCOL_ARN_MAX. Caller frees. */
char *engine_step_pipeline_arn(const engine_ctx *ctx, const char *pipeline);

#endif
