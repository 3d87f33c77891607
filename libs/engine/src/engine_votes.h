/*
 * engine_votes.h — votes on Manual approvals and the policy that counts them,
 * private to libs/engine.
 *
 * Every accepted vote (PutApprovalResult, or an ApprovalVote naming the
 * voter, its groups and e-mail addresses) is recorded on the approval's
 * action run — who, when, Approved / Rejected, comment; at most
 * ENGINE_STATE_MAX_VOTES per attempt — and published as a "Sluice Approval
 * Vote" event. The action's policy (model_approval.h, read from the plan's
 * declared configuration) then decides:
 *   - no counting key: the vote decides, exactly as CodePipeline's
 *     PutApprovalResult (summary = the comment, lastUpdatedBy = the voter);
 *   - otherwise the approval passes once SluiceRequiredApprovals approve, is
 *     rejected by one rejection (ANY) or once as many reject (MAJORITY), and
 *     waits in between; its summary is the tally ("1 of 2 approvals;
 *     rejected by nobody").
 * A vote the policy refuses changes nothing (engine_votes_refusal names the
 * exception): someone not in SluiceApprovers (AccessDeniedException), the
 * starter or a source revision's author approving when self-approval is off
 * (AccessDeniedException), a second vote by the same identity
 * (ApprovalAlreadyCompletedException), a full vote list (LimitExceededException).
 *
 * The starter is the execution's trigger detail (the api records the caller's
 * ARN there); authors are the "AuthorEmail" output variables of the
 * execution's source actions, when their provider produced one.
 *
 * Pure; used by one thread at a time.
 */
#ifndef SLUICE_ENGINE_VOTES_H
#define SLUICE_ENGINE_VOTES_H

#include "engine_machine.h"
#include "sluice/model_approval.h"

#define ENGINE_VOTES_MAX_GROUPS 100 /* groups carried by one vote */
#define ENGINE_VOTES_MAX_EMAILS 20  /* e-mail addresses carried by one vote */
#define ENGINE_VOTES_MAX_NAME   512 /* bytes of an identity, a group or an e-mail address */
#define ENGINE_VOTES_AUTHOR_VAR "AuthorEmail"

/*
 * The policy of the approval action pa. 0, or -1 with errbuf set when its
 * configuration is not a valid policy (a stored plan was validated: not expected).
 */
int engine_votes_policy(const engine_plan_action *pa, model_approval_policy *out, char *errbuf,
                        size_t errlen);

/* True when pa's SluiceTimeoutAction is APPROVE. */
bool engine_votes_approve_on_timeout(const engine_plan_action *pa);

/*
 * NULL when vote may be cast on the running approval (s, a) of x under
 * policy; otherwise the exception to answer with, its message in msg.
 */
const char *engine_votes_refusal(const engine_machine *m, const engine_execution *x, size_t s,
                                 size_t a, const model_approval_policy *policy,
                                 const engine_input_vote *vote, char *msg, size_t msglen);

/* Records an accepted vote, publishes its event and decides the approval when the policy says. */
void engine_votes_cast(engine_machine *m, engine_execution *x, size_t s, size_t a,
                       const model_approval_policy *policy, const engine_input_vote *vote);

/* The votes of run in the API's shape ([{"identity", "time", "status", "comment"}]); a new
 * reference. */
json_t *engine_votes_json(const engine_action_run *run);

#endif
