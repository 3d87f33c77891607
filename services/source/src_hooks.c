/*
 * src_hooks.c — GitHub deliveries into pokes of the poller (see src_hooks.h).
 */
#include "src_hooks.h"

#include "sluice/error.h"
#include "sluice/log.h"

#include <jansson.h>
#include <string.h>

int src_hooks_init(src_hooks *hooks, const src_repos *repos, src_poller *poller,
                   http_metrics *registry)
{
    static const char *const labels[] = {"result"};
    memset(&hooks->seen, 0, sizeof hooks->seen);
    hooks->repos = repos;
    hooks->poller = poller;
    hooks->deliveries = http_metrics_counter(registry, "sluice_source_webhooks_total",
                                             "webhook deliveries, by result", labels, 1);
    if (hooks->deliveries == NULL || pthread_mutex_init(&hooks->lock, NULL) != 0) {
        return SLUICE_ENOMEM;
    }
    return 0;
}

void src_hooks_clear(src_hooks *hooks)
{
    pthread_mutex_destroy(&hooks->lock);
}

static void src_hooks_answer(src_hooks *hooks, http_response *resp, int status, const char *result,
                             const char *message)
{
    const char *labels[] = {result};
    http_metrics_inc(hooks->deliveries, labels, 1);
    json_t *body = json_pack("{s:s, s:s}", "result", result, "message", message);
    http_response_set_json(resp, status, body);
    json_decref(body);
}

void src_hooks_github(const http_request *req, http_response *resp, void *ctx)
{
    src_hooks *hooks = ctx;
    const char *signature = http_request_header(req, "X-Hub-Signature-256");
    const src_connection *conn = NULL;
    for (size_t i = 0; i < src_repos_connection_count(hooks->repos) && conn == NULL; i++) {
        const src_connection *c = src_repos_connection_at(hooks->repos, i);
        if (c->webhook_secret != NULL &&
            src_webhook_signature_ok(c->webhook_secret, req->body, req->body_len, signature)) {
            conn = c;
        }
    }
    if (conn == NULL) {
        src_hooks_answer(hooks, resp, 401, "refused",
                         "X-Hub-Signature-256 does not verify with the webhookSecret of any "
                         "connection");
        return;
    }
    const char *delivery = http_request_header(req, "X-GitHub-Delivery");
    pthread_mutex_lock(&hooks->lock);
    bool fresh = src_webhook_seen_add(&hooks->seen, delivery);
    pthread_mutex_unlock(&hooks->lock);
    if (!fresh) {
        src_hooks_answer(hooks, resp, delivery == NULL || delivery[0] == '\0' ? 400 : 200,
                         delivery == NULL || delivery[0] == '\0' ? "malformed" : "duplicate",
                         delivery == NULL || delivery[0] == '\0'
                             ? "X-GitHub-Delivery is missing or too long"
                             : "this delivery was received before");
        return;
    }
    const char *event = http_request_header(req, "X-GitHub-Event");
    if (event != NULL && strcmp(event, "ping") == 0) {
        src_hooks_answer(hooks, resp, 200, "accepted", "pong");
        return;
    }
    if (event == NULL || strcmp(event, "push") != 0) {
        src_hooks_answer(hooks, resp, 202, "ignored", "only push events are acted on");
        return;
    }
    src_webhook_push push;
    char err[256] = "";
    int rc = src_webhook_github_push(req->body, req->body_len, &push, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND || (rc == 0 && push.deleted)) {
        src_hooks_answer(hooks, resp, 202, "ignored",
                         rc == 0 ? "the branch was deleted" : "tags start nothing");
        return;
    }
    if (rc != 0) {
        src_hooks_answer(hooks, resp, 400, "malformed", err);
        return;
    }
    char url[SRC_URL_MAX];
    char why[256];
    if (src_remote_join(conn->base_url, push.full_name, conn->suffix, url, sizeof url, why,
                        sizeof why) != 0) {
        src_hooks_answer(hooks, resp, 400, "malformed", why);
        return;
    }
    src_poller_poke(hooks->poller, url, push.branch);
    SLUICE_INFO("webhook %s: push to %s %s", delivery, push.full_name, push.branch);
    src_hooks_answer(hooks, resp, 202, "accepted", "the branch is checked now");
}
