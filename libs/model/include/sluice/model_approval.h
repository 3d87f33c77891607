/*
 * model_approval.h — Sluice's approval policy: the opt-in configuration keys
 * of an AWS/Manual action that decide how its votes are counted.
 *
 *   SluiceApprovers          who may vote: identities (an ARN, or an IAM user
 *                            name matching ".../<name>" of the voter's ARN) and
 *                            "group:<name>" (a group of Sluice's identity
 *                            configuration), comma-separated; absent: anyone
 *                            allowed to answer approvals
 *   SluiceRequiredApprovals  N, approvals needed (1..50; default 1); with only
 *                            identities listed, at most their number
 *   SluiceRejectionRule      ANY (default: one rejection rejects) | MAJORITY
 *                            (rejected once N votes reject, as approved once N
 *                            approve: with 3 approvers and N = 2, the majority)
 *   SluiceAllowSelfApproval  true (default) | false: the identity that started
 *                            the execution, or whose e-mail authored a source
 *                            revision, may not approve (it may still reject)
 *   SluiceTimeoutAction      REJECT (default, CodePipeline's) | APPROVE: what
 *                            the approval's timeout does
 *
 * With none of the first four keys the first vote decides, as in CodePipeline.
 * The values take no variables (#{...}): the policy is fixed by the
 * declaration. AWS rejects every one of these keys (unknown configuration of
 * AWS/Manual): they make a declaration Sluice-only.
 *
 * Pure; no allocation; thread-safe.
 */
#ifndef SLUICE_MODEL_APPROVAL_H
#define SLUICE_MODEL_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_APPROVAL_KEY_APPROVERS "SluiceApprovers"
#define MODEL_APPROVAL_KEY_REQUIRED  "SluiceRequiredApprovals"
#define MODEL_APPROVAL_KEY_REJECTION "SluiceRejectionRule"
#define MODEL_APPROVAL_KEY_SELF      "SluiceAllowSelfApproval"
#define MODEL_APPROVAL_KEY_TIMEOUT   "SluiceTimeoutAction"

#define MODEL_APPROVAL_MAX_APPROVERS 50  /* entries of SluiceApprovers */
#define MODEL_APPROVAL_MAX_ENTRY     256 /* bytes of one entry (an ARN or group:<name>) */
#define MODEL_APPROVAL_MAX_REQUIRED  50
#define MODEL_APPROVAL_GROUP_PREFIX  "group:"

/* One entry of SluiceApprovers; name points into the configuration value (not terminated). */
typedef struct model_approval_entry {
    const char *name; /* the identity, or the group's name without "group:" */
    size_t len;
    bool group;
} model_approval_entry;

typedef struct model_approval_policy {
    bool counted; /* one of Approvers / RequiredApprovals / RejectionRule / AllowSelfApproval set */
    bool any_key; /* any Sluice key set (counted, or SluiceTimeoutAction) */
    model_approval_entry approvers[MODEL_APPROVAL_MAX_APPROVERS];
    size_t napprovers; /* 0: anyone allowed to answer approvals may vote */
    int required;      /* N; 1 by default */
    bool reject_majority;
    bool allow_self;
    bool approve_on_timeout;
} model_approval_policy;

/* Returns the configuration value of key, or NULL when absent. */
typedef const char *(*model_approval_lookup)(const void *ctx, const char *key);

/*
 * Reads the policy from an action's configuration through lookup(ctx, key).
 * 0 with *out filled (defaults for absent keys), or SLUICE_EINVAL with
 * *bad_key set to the offending key and errbuf saying what is wrong with its
 * value (e.g. "SluiceRequiredApprovals must be a whole number from 1 to 50,
 * not \"x\""); *out is then unspecified. The entries borrow the values
 * lookup returned, which must outlive *out.
 */
int model_approval_policy_read(model_approval_lookup lookup, const void *ctx,
                               model_approval_policy *out, const char **bad_key, char *errbuf,
                               size_t errlen);

/* True when key is one of the policy keys above (NULL: false). */
bool model_approval_is_policy_key(const char *key);

/*
 * True when entry names the identity (exactly, or identity ends with "/" and the entry's name),
 * or — for a group entry — one of groups[0..ngroups) equals its name.
 */
bool model_approval_entry_matches(const model_approval_entry *entry, const char *identity,
                                  const char *const *groups, size_t ngroups);

#endif
