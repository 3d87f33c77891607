/*
 * con_approvals.h — which Manual approvals in progress the signed-in person
 * may answer (GET /console/api/approvals, docs/console.md).
 *
 * The console reads each pipeline's GetPipelineState and, when an action of
 * it waits with a token, its GetPipeline — both as the person — and hands
 * them here. An approval is the person's to answer when their role may
 * approve (the role table of libs/protocol, the api's) and, when the action
 * names SluiceApprovers, one entry names them: their ARN
 * (arn:aws:iam::<account>:user/<identity>, as the api records the vote), the
 * user name at its end, or "group:<g>" for one of their groups — matched by
 * model_approval_entry_matches, the function the engine counts votes with.
 * Hiding the others is a courtesy: the api and the engine decide each vote.
 *
 * Pure: no I/O, no globals. Out of memory aborts (the service's policy).
 * Thread-safe.
 */
#ifndef SLUICE_CON_APPROVALS_H
#define SLUICE_CON_APPROVALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CON_APPROVALS_MAX           500  /* approvals in one answer */
#define CON_APPROVALS_PIPELINES_MAX 1000 /* pipelines looked through for one answer */

/* Who asks. */
typedef struct con_approvals_who {
    const char *arn;           /* arn:aws:iam::<account>:user/<identity> */
    const char *role;          /* their role (protocol_roles.h) */
    const char *const *groups; /* their groups (the identities' groups=) */
    size_t ngroups;
} con_approvals_who;

/*
 * Whether who may answer an approval action whose configuration is
 * configuration (a JSON object of strings; NULL: none): their role may
 * approve and SluiceApprovers, when set, names them. A configuration whose
 * policy does not read (model_approval_policy_read fails) is nobody's.
 */
bool con_approvals_may_answer(const json_t *configuration, const con_approvals_who *who);

/*
 * True when GetPipelineState's answer state has an action whose latest
 * execution is InProgress with a token (only then is the declaration worth
 * reading). Anything not of that shape: false.
 */
bool con_approvals_pending(const json_t *state);

/*
 * Appends to out (a JSON array) one object per Manual approval (category
 * Approval, provider Manual) of pipeline's declaration decl (GetPipeline's
 * answer) that state (GetPipelineState's) shows InProgress with a token:
 * {"pipeline", "stage", "action", "executionId", "token", "status",
 * "lastStatusChange", "summary", "customData", "externalEntityLink",
 * "approvers", "requiredApprovals", "mayAnswer"} (absent members left out),
 * in the declaration's order — every one when all is true, else only those
 * who may answer. Members of the wrong type are skipped, never trusted.
 * Stops at CON_APPROVALS_MAX elements in out: returns the number appended,
 * or -1 when it stopped there with more to add.
 */
long con_approvals_collect(const char *pipeline, const json_t *decl, const json_t *state,
                           const con_approvals_who *who, bool all, json_t *out);

#endif
