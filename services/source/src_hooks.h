/*
 * src_hooks.h — the webhook endpoint of sluice-source:
 *
 *   POST /webhooks/github   GitHub push deliveries (paste
 *                           http(s)://<host>:7073/webhooks/github as the
 *                           webhook's Payload URL, content type
 *                           application/json, and the connection's
 *                           webhookSecret as its secret)
 *
 * A delivery is accepted when X-Hub-Signature-256 verifies with the
 * webhookSecret of one of the connections (src_repos.h); otherwise 401. Then:
 * a repeated X-GitHub-Delivery is 200 and dropped; "ping" is 200; a push to
 * a branch pokes the watch of <connection baseUrl>/<repository.full_name><suffix>
 * and that branch (src_poller_poke) and is 202; tags, deleted branches and
 * other events are 202 and ignored; a body that is not a push is 400. Every
 * outcome is counted (sluice_source_webhooks_total{result}: accepted,
 * refused, duplicate, ignored, malformed). Bodies are bounded by the HTTP
 * server (1 MiB).
 *
 * Runs on the HTTP server's thread; the delivery ring is under its own lock.
 */
#ifndef SLUICE_SRC_HOOKS_H
#define SLUICE_SRC_HOOKS_H

#include "src_poller.h"
#include "src_repos.h"
#include "src_webhook.h"

#include "sluice/http_metrics.h"
#include "sluice/http_server.h"

#include <pthread.h>

typedef struct src_hooks {
    const src_repos *repos;
    src_poller *poller;
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

#endif
