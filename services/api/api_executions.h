/*
 * api_executions.h — pipeline executions: reads and requests.
 *
 * Reads: GetPipelineState, GetPipelineExecution, ListPipelineExecutions,
 * ListActionExecutions. They render the orchestrator's hot state
 * (the pipeline record sluice:{<p>}:state and the execution records a call
 * needs, joined and read with engine_state_from_json and rendered by
 * libs/engine engine_view_*) merged with the history the
 * orchestrator archives (executions and action executions no longer in the
 * hot state). Listings are newest first and paginated with a (start time,
 * id) cursor in nextToken, so pages stay stable while executions come and go.
 * A pipeline the orchestrator has not picked up yet shows its stages from the
 * definition, without executions.
 *
 * Requests: StartPipelineExecution, StopPipelineExecution, RetryStageExecution,
 * EnableStageTransition, DisableStageTransition, PutApprovalResult. Each is
 * checked against the model's constraints, then sent to the orchestrator,
 * whose reply answers the call (api_request.h): the api never changes
 * execution state itself. The caller's ARN travels as requestedBy (and as the
 * trigger detail of a start), which the engine records as lastChangedBy,
 * lastUpdatedBy and trigger.triggerDetail.
 *
 * Handlers follow api_call.h. Thread-safe.
 */
#ifndef SLUICE_API_EXECUTIONS_H
#define SLUICE_API_EXECUTIONS_H

#include "api_backend.h"
#include "api_call.h"

#include "sluice/engine_state.h"

/*
 * The operations, one handler each: read call->input (borrowed), return 0
 * with the output set on the call, or a negative code with the call failed
 * (api_call.h). None keeps anything after it returns.
 */
/*
 * Loads the engine state of pipeline with the executions scope names (see
 * api_backend.h): 0 with *state (NULL when the orchestrator holds none yet; the
 * caller frees it with engine_state_free), or the call failed (its answer set).
 */
int api_executions_state(api_call *call, const char *pipeline, api_backend_state_scope scope,
                         const char *execution_id, engine_state **state);

/*
 * Reads the pipelineName and stageName members of call->input, then, unless
 * execution_member is NULL, that member as an execution id (a UUID) into
 * *execution_id; in that order, the first refusal failing the call. All
 * borrowed from the input. 0 or failed.
 */
int api_executions_read_stage(api_call *call, const char *execution_member, const char **name,
                              const char **stage, const char **execution_id);

/*
 * Checks that pipeline exists, then sends the request detail (a reference
 * taken; NULL counts as out of memory) to the orchestrator and answers the
 * call with its reply (api_request.h). 0 or failed.
 */
int api_executions_send(api_call *call, const char *pipeline, json_t *detail);

/*
 * Reads the filter of ListActionExecutions / ListRuleExecutions:
 * filter.pipelineExecutionId or filter.latestInPipelineExecution (the two must
 * agree) into *id (borrowed; NULL: none); *latest_only is true for
 * startTimeRange Latest. 0 or failed.
 */
int api_executions_read_filter(api_call *call, const char **id, bool *latest_only);

int api_executions_get_state(api_call *call);
int api_executions_get(api_call *call);
int api_executions_list(api_call *call);
int api_executions_list_actions(api_call *call);
int api_executions_start(api_call *call);
int api_executions_stop(api_call *call);
int api_executions_retry(api_call *call);
int api_executions_enable_transition(api_call *call);
int api_executions_disable_transition(api_call *call);
int api_executions_approve(api_call *call);

#endif
