/*
 * src_hooks.h — the webhook endpoints of sluice-source:
 *
 *   POST /webhooks/github   GitHub deliveries (paste
 *                           http(s)://<host>:7073/webhooks/github as the
 *                           webhook's Payload URL, content type
 *                           application/json, and the connection's
 *                           webhookSecret as its secret); verified by
 *                           X-Hub-Signature-256, ids X-GitHub-Delivery
 *   POST /webhooks/gitlab   GitLab deliveries (URL .../webhooks/gitlab, the
 *                           webhookSecret as the Secret token); verified by
 *                           X-Gitlab-Token, ids Idempotency-Key or
 *                           X-Gitlab-Event-UUID
 *   POST /webhooks/gitea    Gitea deliveries (URL .../webhooks/gitea,
 *                           content type application/json, the
 *                           webhookSecret as its secret); verified by
 *                           X-Gitea-Signature, ids X-Gitea-Delivery
 *
 * A delivery is accepted when it verifies with the webhookSecret of one of
 * the connections (src_repos.h, src_webhook.h); otherwise 401. Then: a
 * missing delivery id is 400; a repeated one is 200 and dropped; GitHub's
 * "ping" is 200; a push, tag push or pull-request event (src_webhook_change)
 * is queued for V2 trigger matching (src_changes.h) and is 202 — a push to
 * a branch also pokes the watch of <connection baseUrl>/<repository><suffix>
 * and that branch (src_poller_poke), for V1 sources; deleted refs, other
 * pull-request actions and other events are 202 and ignored; a malformed
 * body is 400; a full change queue is 503 (the id is forgotten, so a
 * redelivery is taken). Every outcome is counted
 * (sluice_source_webhooks_total{result}: accepted, refused, duplicate,
 * ignored, malformed, busy). Bodies are bounded by the HTTP server (1 MiB).
 *
 * Runs on the HTTP server's thread; the delivery ring is under its own lock.
 */
#ifndef SLUICE_SRC_HOOKS_H
#define SLUICE_SRC_HOOKS_H

#include "src_changes.h"
#include "src_poller.h"
#include "src_repos.h"
#include "src_webhook.h"

#include "sluice/http_metrics.h"
#include "sluice/http_server.h"

#include <pthread.h>

typedef struct src_hooks {
    const src_repos *repos;
    src_poller *poller;
    src_changes *changes; /* NULL: no V2 triggers (set after src_hooks_init) */
    pthread_mutex_t lock;
    src_webhook_seen seen;
    http_metrics_family *deliveries;
} src_hooks;

/* Initialises hooks and declares its metric in registry. 0, or SLUICE_ENOMEM. */
int src_hooks_init(src_hooks *hooks, const src_repos *repos, src_poller *poller,
                   http_metrics *registry);

/* Frees the lock. */
void src_hooks_clear(src_hooks *hooks);

/* POST /webhooks/github (ctx = src_hooks *). */
void src_hooks_github(const http_request *req, http_response *resp, void *ctx);

/* POST /webhooks/gitlab (ctx = src_hooks *). */
void src_hooks_gitlab(const http_request *req, http_response *resp, void *ctx);

/* POST /webhooks/gitea (ctx = src_hooks *). */
void src_hooks_gitea(const http_request *req, http_response *resp, void *ctx);

#endif
