/*
 * engine_script.h — table-driven engine tests: a pipeline, a list of inputs
 * and the expected statuses and effects, one line each.
 *
 * Inputs (L = an execution label such as E1, bound by "start L"):
 *   start L [token=T] [var=K=V] [trigger=Type] [rev=Action:TYPE:VALUE] [by=IDENTITY]
 *     (requested_by, the starter; ...:user/tester without it)
 *   succeed L Stage.Action [var=K=V] [out=Name@bucket/key] [rev=R] [summary=S]
 *   progress L Stage.Action CONTINUATION      fail L Stage.Action [Type] [message]
 *   approve L Stage.Action [summary]          reject L Stage.Action [summary]
 *     (these five take by=IDENTITY anywhere after L as the input's requested_by; job
 *      results have none without it, approvals ...:user/approver)
 *   vote L Stage.Action Approved|Rejected by=ID [group=G]... [email=E]... [comment]
 *                                             (an ApprovalVote input by ID)
 *   approve-token TOKEN Stage.Action          timeout L Stage.Action
 *   timer-early L Stage.Action                stop L [abandon] [reason]
 *   retry L Stage FAILED_ACTIONS|ALL_ACTIONS  disable Stage inbound|outbound reason
 *   enable Stage inbound|outbound             update VERSION [mode]
 *   resend                                    (the last job result's job id, as a success)
 *   tick MS                                   at RFC3339 (sets the clock)
 *   rule-succeed L Stage.kind.Rule [summary]  rule-fail L Stage.kind.Rule [Type] [message]
 *   rule-progress L Stage.kind.Rule TOKEN     rule-timeout L Stage.kind.Rule
 *     (kind: beforeEntry | onSuccess | onFailure; answers the rule's job / fires its timer)
 *   rollback L Stage TARGET [by=IDENTITY]     (RollbackStage; binds L to the new execution)
 *   rollback L Stage TARGET target=JSON       (the same, the target given from outside the
 *                                             state: engine_input.h's "target", ' for ")
 *   override L Stage BEFORE_ENTRY|ON_SUCCESS  (OverrideStageCondition)
 *   newest L                                  (binds L to the execution started last)
 *   keep N                                    (the state's keep_terminal from now on)
 * Expectations (about the state after, or the effects of, the last input):
 *   reply ok|<Exception>               status L <Status>
 *   stage L Stage <Status>             action L Stage.Action <Status>
 *   attempt L N                        action-attempt L Stage.Action N
 *   lock Stage L|-                     inbound Stage L... | -
 *   latest Stage L                     same L1 L2
 *   events L TOKEN... | -              TOKEN: P:STATE, S:Stage:STATE, A:Stage.Action:STATE
 *   vote-events L TOKEN... | -         TOKEN: V:Stage.Action:DECISION (Sluice Approval Vote;
 *                                      "detail" reads them with the same token)
 *   jobs Stage.Action... | -           timers set|cancel N
 *   no-events                          active N
 *   resolved L Stage.Action Key Value  ($L stands for L's id)
 *   error L Stage.Action CODE          deadline L Stage.Action MINUTES
 *   summary L Stage.Action TEXT        exec-summary L TEXT     (TEXT: contained)
 *   detail L TOKEN field VALUE         a detail field of that event of the last input
 *   job Stage.Action path VALUE        a member of that job of the last input (path as for
 *                                      "view"; '*': present)
 *   transition Stage inbound|outbound enabled|disabled
 *   rule L Stage.kind.Rule <Status>    rule-summary L Stage.kind.Rule TEXT (contained)
 *   condition L Stage kind <Status>    (ConditionExecutionStatus, "None" when not evaluated)
 *   archived-rule L Stage.kind.Rule <Status>|-  the last input archived the rule's latest
 *                                      evaluation once, with that status, as it is listed
 *                                      ('-': no record of that rule)
 *   view Stage path VALUE              a member of the stage's GetPipelineState entry, path
 *                                      dot-separated (numbers index arrays);
 *                                      '*' present, '-' absent
 *   action-view L Stage.Action path VALUE  the same for that action's ActionExecutionDetail
 *                                      in ListActionExecutions of L
 *   exec-view L path VALUE             a member of L's {pipelineExecution, summary} record
 * Jobs of rules show as Stage.Rule in "jobs" and "job".
 * '~' in a value stands for a space.
 *
 * Every input is also checked for determinism (replaying it on the state
 * saved before gives identical state and effects) and for a lossless JSON
 * round trip of the state.
 */
#ifndef ENGINE_SCRIPT_H
#define ENGINE_SCRIPT_H

#include "sluice/model.h"

typedef struct es_case {
    const char *name;
    model_execution_mode mode;
    const char *pipeline;      /* engine_builder.h spec */
    const char *variables;     /* pipeline variables, or NULL */
    const char *const *script; /* NULL-terminated */
    const char *conditions;    /* stage conditions (tb_conditions), or NULL */
} es_case;

/* Runs a case; returns the number of failed expectations (each printed to stderr). */
int es_run(const es_case *c);

#endif
