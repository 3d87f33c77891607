/*
 * api_conditions.h — V2 stage conditions and rollback: ListRuleTypes,
 * ListRuleExecutions, OverrideStageCondition, RollbackStage.
 *
 * Shapes: botocore's codepipeline model (RuleType, RuleExecutionDetail and
 * the inputs of the four operations).
 *
 * ListRuleTypes answers the rule types the engine evaluates (libs/engine
 * engine_rules.h, engine_conditions.h): VariableCheck and DeploymentWindow,
 * decided inside the orchestrator, and LambdaInvoke and Commands, run as
 * rule jobs — each with its configuration properties. ruleOwnerFilter is
 * AWS (the only owner); a regionFilter other than the installation's region
 * lists none.
 *
 * ListRuleExecutions lists every rule evaluation: those of the executions in
 * the orchestrator's hot state (engine_view_list_rule_executions: the latest
 * evaluation of every rule of each stage condition evaluated) and the
 * archived ones (history_rules: every evaluation that ended, a retry's
 * earlier ones and those of evicted executions), one per ruleExecutionId,
 * newest first, paginated with a (start time, id) cursor in nextToken like
 * ListActionExecutions; startTimeRange Latest keeps the newest evaluation
 * of each rule of each stage.
 *
 * OverrideStageCondition and RollbackStage are checked against the model's
 * constraints and sent to the orchestrator, whose engine decides them
 * (engine_step.h) and whose reply answers the call.
 *
 * Handlers follow api_call.h. Thread-safe.
 */
#ifndef SLUICE_API_CONDITIONS_H
#define SLUICE_API_CONDITIONS_H

#include "api_call.h"

/*
 * The operations, one handler each: read call->input (borrowed), return 0
 * with the output set on the call, or a negative code with the call failed
 * (api_call.h). None keeps anything after it returns.
 */
int api_conditions_list_rule_types(api_call *call);
int api_conditions_list_rule_executions(api_call *call);
int api_conditions_override(api_call *call);
int api_conditions_rollback(api_call *call);

#endif
