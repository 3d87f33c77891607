/*
 * src_webhook.h — GitHub push deliveries: their signature and what they say.
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
 * Pure; a ring is single-threaded (the caller locks).
 */
#ifndef SLUICE_SRC_WEBHOOK_H
#define SLUICE_SRC_WEBHOOK_H

#include "src_remote.h"

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

/*
 * Records delivery id in seen. True when it is new; false when the ring
 * holds it already (a repeat) or id is empty or longer than
 * SRC_WEBHOOK_ID_MAX (nothing recorded then).
 */
bool src_webhook_seen_add(src_webhook_seen *seen, const char *id);

#endif
