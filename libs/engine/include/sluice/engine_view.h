/*
 * engine_view.h — the CodePipeline read APIs rendered from an engine state.
 *
 * Each function returns a new JSON reference in the output shape of the API
 * named (member names from botocore's codepipeline model; times as epoch
 * seconds with milliseconds; absent members left out), computed from the hot
 * state only. Executions evicted from the state are in the history the
 * orchestrator built from ENGINE_EFFECT_ARCHIVE records, which use the same
 * shapes (engine_view_execution_record, engine_view_action_execution,
 * engine_view_rule_execution).
 *
 * Pure; the state is only read. Out of memory aborts (the engine's policy).
 */
#ifndef SLUICE_ENGINE_VIEW_H
#define SLUICE_ENGINE_VIEW_H

#include "sluice/engine_state.h"

#include <jansson.h>
#include <stddef.h>

/*
 * GetPipelineState output: {pipelineName, pipelineVersion, created, updated,
 * stageStates[{stageName, inboundExecution, inboundExecutions,
 * inboundTransitionState, actionStates[{actionName, currentRevision, latestExecution}],
 * latestExecution, beforeEntryConditionState, onSuccessConditionState,
 * onFailureConditionState, retryStageMetadata}]}. The condition states are
 * those of the stage's latest execution, present once evaluated there:
 * {latestExecution {status, summary}, conditionStates[{latestExecution
 * {status, summary, lastStatusChange}, ruleStates[{ruleName, latestExecution
 * {ruleExecutionId, status, summary, lastStatusChange, externalExecutionId,
 * externalExecutionUrl, errorDetails}}]}]}. retryStageMetadata
 * {autoStageRetryAttempt, manualStageRetryAttempt, latestRetryTrigger} once
 * the stage was retried. An empty object before the pipeline exists.
 */
json_t *engine_view_pipeline_state(const engine_state *state);

/* GetPipelineExecution output {"pipelineExecution": PipelineExecution}, or NULL when x is NULL. */
json_t *engine_view_pipeline_execution(const engine_state *state, const engine_execution *x);

/* One PipelineExecutionSummary. */
json_t *engine_view_execution_summary(const engine_state *state, const engine_execution *x);

/*
 * The archive record of x: {"pipelineExecution": PipelineExecution, "summary":
 * PipelineExecutionSummary}.
 */
json_t *engine_view_execution_record(const engine_state *state, const engine_execution *x);

/* ListPipelineExecutions output {"pipelineExecutionSummaries": [...]}, newest first. */
json_t *engine_view_list_executions(const engine_state *state);

/* ActionExecutionDetail of the latest attempt of action (s, a) of x (indexes into x's plan). */
json_t *engine_view_action_execution(const engine_state *state, const engine_execution *x, size_t s,
                                     size_t a);

/*
 * ListActionExecutions output {"actionExecutionDetails": [...]}, newest first:
 * the latest attempt of every started action of execution_id, or of every
 * execution in the state when execution_id is NULL. NULL when execution_id
 * names no execution in the state.
 */
json_t *engine_view_list_action_executions(const engine_state *state, const char *execution_id);

/*
 * ListRuleExecutions output {"ruleExecutionDetails": [...]}, newest first:
 * the latest evaluation of every evaluated rule of execution_id's stage
 * conditions, or of every execution in the state when execution_id is NULL
 * (RuleExecutionDetail: pipelineExecutionId, ruleExecutionId,
 * pipelineVersion, stageName, ruleName, startTime, lastUpdateTime, status,
 * input {ruleTypeId, configuration, resolvedConfiguration, roleArn, region,
 * inputArtifacts}, output {executionResult}). NULL when execution_id names
 * no execution in the state. Earlier evaluations (a stage retried) and those
 * of executions evicted from the state are in the history, archived from
 * ENGINE_ARCHIVE_RULE_EXECUTION records of the same shape.
 */
json_t *engine_view_list_rule_executions(const engine_state *state, const char *execution_id);

/*
 * RuleExecutionDetail of rule r of condition c of the stage condition kind
 * (engine_condition_kind) of stage s of x (indexes into x's plan and runs,
 * which the caller checked), as listed and archived.
 */
json_t *engine_view_rule_execution(const engine_state *state, const engine_execution *x, size_t s,
                                   int kind, size_t c, size_t r);

#endif
