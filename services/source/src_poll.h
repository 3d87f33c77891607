/*
 * src_poll.h — what polling watches and what a change starts: the pure core
 * of change detection by polling (PollForSourceChanges).
 *
 * A watch is one distinct remote and branch, or one object of the artifact
 * store (AWS/S3: S3Bucket and S3ObjectKey, url "s3://<bucket>", its
 * revision the object's version, src_s3.h); its users are the (pipeline,
 * source action) pairs that poll it, however many. A git Source action
 * polls when its PollForSourceChanges (CodeCommit) or DetectChanges
 * (CodeStarSourceConnection) is true — the default when absent, as V1's —
 * (an S3 action when its PollForSourceChanges is)
 * and no V2 trigger names it (a pipeline's triggers disable the default
 * change detection of the sources they name; webhooks drive those,
 * src_trigger.h). Actions whose repository or connection the repositories file
 * does not declare are not watched.
 *
 * Each watch is checked once per interval, jittered by ±10 %; a watch whose
 * check failed waits twice as long after each failure, up to 16 intervals.
 *
 * A change — the branch head differs from the one seen last — starts each
 * user's pipeline with a StartPipelineExecution request:
 *   {"type": "StartPipelineExecution", "pipeline",
 *    "triggerType": "PollForSourceChanges" (or "Webhook" when a delivery asked),
 *    "triggerDetail": <the source: CodeCommit's repository ARN, or the ConnectionArn
 *                      and FullRepositoryId>,
 *    "clientRequestToken": "poll-" + 40 hex digits of SHA-256(pipeline, action, commit),
 *    "sourceRevisions": [{"actionName", "revisionType": "COMMIT_ID", "revisionValue"}]}
 * The token makes a repeat — after a crash, or from a second replica that
 * saw the same change — start nothing new (the engine answers a repeated
 * token with the execution it started).
 *
 * Pure; a set is single-threaded.
 */
#ifndef SLUICE_SRC_POLL_H
#define SLUICE_SRC_POLL_H

#include "src_action.h"
#include "src_repos.h"

#include "sluice/protocol_names.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRC_POLL_WATCHES_MAX 10000
#define SRC_POLL_USERS_MAX   1000 /* users of one watch */
#define SRC_POLL_ACTION_MAX  100  /* bytes of an action name */
#define SRC_POLL_DETAIL_MAX  1024 /* triggerDetail's bound */
#define SRC_POLL_TOKEN_LEN   45   /* "poll-" + 40 hex digits */
#define SRC_POLL_BACKOFF_MAX 16   /* intervals a failing watch waits at most */

typedef struct src_poll_user {
    char pipeline[PROTOCOL_PIPELINE_NAME_MAX + 1];
    char action[SRC_POLL_ACTION_MAX + 1];
    char detail[SRC_POLL_DETAIL_MAX + 1]; /* the trigger detail */
} src_poll_user;

typedef struct src_poll_watch {
    char url[SRC_URL_MAX];
    char branch[SRC_BRANCH_MAX + 1];
    src_remote_kind kind;
    const src_credentials *credentials; /* borrowed from the repositories */
    bool s3;                            /* an AWS/S3 object: bucket and key */
    char bucket[SRC_ACTION_S3_BUCKET_MAX];
    char key[SRC_ACTION_S3_KEY_MAX]; /* "" for a git watch */
    src_poll_user *users;
    size_t nusers;
    int64_t due_ms;    /* when it is checked next (0: at once) */
    unsigned failures; /* checks failed in a row */
    bool webhook;      /* a webhook delivery asked for this check: trigger Webhook */
} src_poll_watch;

typedef struct src_poll_set {
    src_poll_watch *watches;
    size_t count;
} src_poll_set;

/* Frees the watches and their users; the set is empty afterwards. Accepts an empty set. */
void src_poll_set_clear(src_poll_set *set);

/*
 * Adds the polling source actions of definition ({"pipeline": {...}}; its
 * name is the pipeline's) to set. region and account name CodeCommit
 * repositories in trigger details. 0; SLUICE_ETOOBIG beyond the bounds (the
 * set keeps what fitted); SLUICE_ENOMEM. A malformed declaration adds
 * nothing and is not an error.
 */
int src_poll_collect(src_poll_set *set, const src_repos *repos, const json_t *definition,
                     const char *region, const char *account);

/*
 * Carries the timing (due time, failures, a webhook's request) of every watch of old that is
 * still in next over to next (by remote and branch). old is left as it was.
 */
void src_poll_carry(src_poll_set *next, const src_poll_set *old);

/* The index of the (git) watch of url and branch in set, or -1. */
long src_poll_find(const src_poll_set *set, const char *url, const char *branch);

/* As src_poll_find, with the watch's S3 object key ("" for git watches). */
long src_poll_find_key(const src_poll_set *set, const char *url, const char *branch,
                       const char *key);

/*
 * When a watch is checked next: now + interval × 2^failures (at most
 * SRC_POLL_BACKOFF_MAX intervals), jittered by ±10 % from random.
 */
int64_t src_poll_next_due(int64_t now_ms, int64_t interval_ms, unsigned failures, uint32_t random);

/*
 * A clientRequestToken into out: prefix (five characters, e.g. "poll-") and
 * the first 40 hex digits of SHA-256 over parts, each but the last followed
 * by a NUL — the same parts give the same token in every replica and after
 * every restart.
 */
void src_poll_derive_token(const char *prefix, const char *const *parts, size_t nparts,
                           char out[SRC_POLL_TOKEN_LEN + 1]);

/* The clientRequestToken of (pipeline, action, commit) into out: "poll-" + ... */
void src_poll_token(const char *pipeline, const char *action, const char *commit,
                    char out[SRC_POLL_TOKEN_LEN + 1]);

/*
 * The StartPipelineExecution request detail of user for commit, with
 * trigger_type ("PollForSourceChanges", or "Webhook" for a check a webhook
 * delivery asked for): a new reference, or NULL.
 */
json_t *src_poll_start_request(const src_poll_user *user, const char *commit,
                               const char *trigger_type);

/*
 * As src_poll_start_request for any source: sourceRevisions names revision
 * with revision_type ("COMMIT_ID", "S3_OBJECT_VERSION_ID"); revision_type
 * NULL sends none (an object of an unversioned bucket: the job takes the
 * latest). The token is derived from revision alike.
 */
json_t *src_poll_start_request_of(const src_poll_user *user, const char *revision,
                                  const char *revision_type, const char *trigger_type);

#endif
