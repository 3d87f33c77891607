/*
 * src_webhook.h — webhook deliveries of GitHub, GitLab and Gitea: their
 * signatures and what they say.
 *
 * GitHub signs each delivery with the webhook's secret: X-Hub-Signature-256
 * is "sha256=" + hex(HMAC-SHA256(secret, body)) (GitHub Docs, "Validating
 * webhook deliveries"); it is compared in constant time. A push event's body
 * names the repository (repository.full_name), the ref (refs/heads/<branch>
 * or refs/tags/<tag>) and the new head (after; 40 zeros when the ref was
 * deleted). Bodies are bounded (SRC_WEBHOOK_BODY_MAX, depth 64) before
 * jansson reads them.
 *
 * A delivery only hints that a branch moved: sluice-source asks the remote
 * for the head (src_poller.h), so a forged or stale "after" can start
 * nothing the remote does not hold. Deliveries are told apart by
 * X-GitHub-Delivery; a ring of the last SRC_WEBHOOK_SEEN_MAX ids drops
 * repeats.
 *
 * The same reader, src_webhook_change, turns each host's push, tag and
 * pull-request payloads into one src_change (src_trigger.h), which V2
 * triggers are matched against:
 *   GitHub  X-GitHub-Event push (refs/heads/<b> or refs/tags/<t>; "deleted"
 *           refs act on nothing) and pull_request (action opened and
 *           reopened → OPEN, synchronize → UPDATED, closed → CLOSED;
 *           number, pull_request.head.ref/.sha, .base.ref/.sha);
 *           repository.full_name. (GitHub Docs, "Webhook events and payloads".)
 *   GitLab  X-Gitlab-Event "Push Hook" and "Tag Push Hook" (ref, before,
 *           after — 40 zeros when deleted —, project.path_with_namespace)
 *           and "Merge Request Hook" (object_attributes.iid, .action open
 *           and reopen → OPEN, update with new commits (oldrev) → UPDATED,
 *           close and merge → CLOSED, .source_branch, .target_branch,
 *           .last_commit.id). (GitLab Docs, "Webhook events".)
 *   Gitea   X-Gitea-Event push (GitHub's shape), create (ref_type "tag" or
 *           "branch", ref, sha) and pull_request (action opened, reopened
 *           → OPEN, synchronized → UPDATED, closed → CLOSED; GitHub's
 *           shape). (Gitea Docs, "Webhooks".)
 * Verification: GitHub's X-Hub-Signature-256 (above); GitLab's
 * X-Gitlab-Token, the secret itself, compared in constant time (as SHA-256
 * digests, so its length does not show either); Gitea's X-Gitea-Signature,
 * hex(HMAC-SHA256(secret, body)) without a prefix.
 *
 * Pure; a ring is single-threaded (the caller locks).
 */
#ifndef SLUICE_SRC_WEBHOOK_H
#define SLUICE_SRC_WEBHOOK_H

#include "src_remote.h"
#include "src_trigger.h"

#include <stdbool.h>
#include <stddef.h>

#define SRC_WEBHOOK_BODY_MAX (1024 * 1024)
#define SRC_WEBHOOK_SEEN_MAX 1024
#define SRC_WEBHOOK_ID_MAX   64

typedef struct src_webhook_push {
    char full_name[SRC_REPO_ID_MAX + 1]; /* repository.full_name, a FullRepositoryId */
    char branch[SRC_BRANCH_MAX + 1];
    bool deleted; /* the branch was deleted */
} src_webhook_push;

typedef struct src_webhook_seen {
    char ids[SRC_WEBHOOK_SEEN_MAX][SRC_WEBHOOK_ID_MAX + 1];
    size_t next;
} src_webhook_seen;

/* True when header is "sha256=<hex HMAC-SHA256(secret, body)>" (constant-time compare). */
bool src_webhook_signature_ok(const char *secret, const void *body, size_t len, const char *header);

/*
 * Reads a push event's body. 0; SLUICE_ENOTFOUND when the ref is not a
 * branch (a tag); SLUICE_EPARSE (not JSON, too deep, a member missing or
 * malformed: err names it), SLUICE_ETOOBIG (over SRC_WEBHOOK_BODY_MAX).
 */
int src_webhook_github_push(const char *body, size_t len, src_webhook_push *out, char *err,
                            size_t errlen);

typedef enum src_webhook_host {
    SRC_WEBHOOK_GITHUB = 0,
    SRC_WEBHOOK_GITLAB,
    SRC_WEBHOOK_GITEA,
} src_webhook_host;

/* True when header is hex(HMAC-SHA256(secret, body)) (Gitea; constant-time compare). */
bool src_webhook_gitea_signature_ok(const char *secret, const void *body, size_t len,
                                    const char *header);

/* True when header equals secret (GitLab's X-Gitlab-Token; constant time). */
bool src_webhook_token_ok(const char *secret, const char *header);

/*
 * Reads a delivery of host whose event header is event into *out. 0 with a
 * change; SLUICE_ENOTFOUND when the delivery starts nothing (another event,
 * a deleted ref, a pull-request action that is none of the three; err says
 * which); SLUICE_EPARSE (not JSON, too deep, a member missing or malformed:
 * err names it), SLUICE_ETOOBIG (over SRC_WEBHOOK_BODY_MAX). *out is
 * cleared unless 0.
 */
int src_webhook_change(src_webhook_host host, const char *event, const char *body, size_t len,
                       src_change *out, char *err, size_t errlen);

/* Removes id from seen (a delivery that was not taken after all). */
void src_webhook_seen_forget(src_webhook_seen *seen, const char *id);

/*
 * Records delivery id in seen. True when it is new; false when the ring
 * holds it already (a repeat) or id is empty or longer than
 * SRC_WEBHOOK_ID_MAX (nothing recorded then).
 */
bool src_webhook_seen_add(src_webhook_seen *seen, const char *id);

#endif
