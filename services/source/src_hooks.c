/*
 * src_hooks.c — host deliveries into pokes of the poller and trigger changes (see src_hooks.h).
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
    hooks->changes = NULL;
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

/* The connection whose webhookSecret verifies the delivery of host, or NULL. */
static const src_connection *src_hooks_verify(const src_hooks *hooks, const http_request *req,
                                              src_webhook_host host)
{
    const char *header =
        http_request_header(req, host == SRC_WEBHOOK_GITLAB  ? "X-Gitlab-Token"
                                 : host == SRC_WEBHOOK_GITEA ? "X-Gitea-Signature"
                                                             : "X-Hub-Signature-256");
    for (size_t i = 0; i < src_repos_connection_count(hooks->repos); i++) {
        const src_connection *c = src_repos_connection_at(hooks->repos, i);
        if (c->webhook_secret == NULL || header == NULL) {
            continue;
        }
        bool ok =
            host == SRC_WEBHOOK_GITLAB ? src_webhook_token_ok(c->webhook_secret, header)
            : host == SRC_WEBHOOK_GITEA
                ? src_webhook_gitea_signature_ok(c->webhook_secret, req->body, req->body_len,
                                                 header)
                : src_webhook_signature_ok(c->webhook_secret, req->body, req->body_len, header);
        if (ok) {
            return c;
        }
    }
    return NULL;
}

static const char *const src_hooks_hosts[] = {"GitHub", "GitLab", "Gitea"};

/* The delivery id of a request of host ("" when none), prefixed per host, into out. */
static void src_hooks_delivery(const http_request *req, src_webhook_host host, char *out,
                               size_t outlen, const char **header_name)
{
    const char *id = NULL;
    if (host == SRC_WEBHOOK_GITLAB) {
        /* Idempotency-Key stays the same across GitLab's retries; the event UUID otherwise */
        id = http_request_header(req, "Idempotency-Key");
        *header_name = "X-Gitlab-Event-UUID or Idempotency-Key";
        if (id == NULL || id[0] == '\0') {
            id = http_request_header(req, "X-Gitlab-Event-UUID");
        }
    } else if (host == SRC_WEBHOOK_GITEA) {
        id = http_request_header(req, "X-Gitea-Delivery");
        *header_name = "X-Gitea-Delivery";
    } else {
        id = http_request_header(req, "X-GitHub-Delivery");
        *header_name = "X-GitHub-Delivery";
    }
    out[0] = '\0';
    if (id == NULL || id[0] == '\0' || strlen(id) > SRC_WEBHOOK_ID_MAX - 3) {
        return;
    }
    /* GitHub's ids as they are; the other hosts' apart from them */
    snprintf(out, outlen, "%s%s",
             host == SRC_WEBHOOK_GITLAB  ? "gl:"
             : host == SRC_WEBHOOK_GITEA ? "gt:"
                                         : "",
             id);
}

static void src_hooks_deliver(src_hooks *hooks, const http_request *req, http_response *resp,
                              src_webhook_host host)
{
    const char *hostname = src_hooks_hosts[host];
    const src_connection *conn = src_hooks_verify(hooks, req, host);
    if (conn == NULL) {
        src_hooks_answer(hooks, resp, 401, "refused",
                         host == SRC_WEBHOOK_GITLAB
                             ? "X-Gitlab-Token is not the webhookSecret of any connection"
                         : host == SRC_WEBHOOK_GITEA
                             ? "X-Gitea-Signature does not verify with the webhookSecret of any "
                               "connection"
                             : "X-Hub-Signature-256 does not verify with the webhookSecret of "
                               "any connection");
        return;
    }
    char delivery[SRC_WEBHOOK_ID_MAX + 1];
    const char *delivery_header = "";
    src_hooks_delivery(req, host, delivery, sizeof delivery, &delivery_header);
    if (delivery[0] == '\0') {
        char message[128];
        snprintf(message, sizeof message, "%s is missing or too long", delivery_header);
        src_hooks_answer(hooks, resp, 400, "malformed", message);
        return;
    }
    pthread_mutex_lock(&hooks->lock);
    bool fresh = src_webhook_seen_add(&hooks->seen, delivery);
    pthread_mutex_unlock(&hooks->lock);
    if (!fresh) {
        src_hooks_answer(hooks, resp, 200, "duplicate", "this delivery was received before");
        return;
    }
    const char *event = http_request_header(req, host == SRC_WEBHOOK_GITLAB  ? "X-Gitlab-Event"
                                                 : host == SRC_WEBHOOK_GITEA ? "X-Gitea-Event"
                                                                             : "X-GitHub-Event");
    if (host == SRC_WEBHOOK_GITHUB && event != NULL && strcmp(event, "ping") == 0) {
        src_hooks_answer(hooks, resp, 200, "accepted", "pong");
        return;
    }
    src_change change;
    char err[256] = "";
    int rc = src_webhook_change(host, event != NULL ? event : "", req->body, req->body_len, &change,
                                err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        src_hooks_answer(hooks, resp, 202, "ignored", err);
        return;
    }
    if (rc != 0) {
        src_hooks_answer(hooks, resp, 400, "malformed", err);
        return;
    }
    char url[SRC_URL_MAX];
    char why[256];
    if (src_remote_join(conn->base_url, change.full_name, conn->suffix, url, sizeof url, why,
                        sizeof why) != 0) {
        src_hooks_answer(hooks, resp, 400, "malformed", why);
        return;
    }
    /* V2 triggers first: a full queue is 503, and the delivery may come again */
    if (hooks->changes != NULL &&
        !src_changes_put(hooks->changes, &change, url,
                         host == SRC_WEBHOOK_GITLAB ? SRC_CHANGES_REFS_MERGE_REQUESTS
                                                    : SRC_CHANGES_REFS_PULL)) {
        pthread_mutex_lock(&hooks->lock);
        src_webhook_seen_forget(&hooks->seen, delivery);
        pthread_mutex_unlock(&hooks->lock);
        src_hooks_answer(hooks, resp, 503, "busy", "too many changes wait; deliver it again");
        return;
    }
    if (change.kind == SRC_CHANGE_BRANCH) {
        src_poller_poke(hooks->poller, url, change.ref); /* V1 sources of that branch */
    }
    SLUICE_INFO("webhook %s (%s): %s of %s %s", delivery, hostname,
                change.kind == SRC_CHANGE_PULL_REQUEST ? "pull request"
                : change.kind == SRC_CHANGE_TAG        ? "tag push"
                                                       : "push",
                change.full_name, change.ref);
    src_hooks_answer(hooks, resp, 202, "accepted",
                     change.kind == SRC_CHANGE_BRANCH ? "the branch is checked now"
                                                      : "the change is matched against triggers");
}

void src_hooks_github(const http_request *req, http_response *resp, void *ctx)
{
    src_hooks_deliver(ctx, req, resp, SRC_WEBHOOK_GITHUB);
}

void src_hooks_gitlab(const http_request *req, http_response *resp, void *ctx)
{
    src_hooks_deliver(ctx, req, resp, SRC_WEBHOOK_GITLAB);
}

void src_hooks_gitea(const http_request *req, http_response *resp, void *ctx)
{
    src_hooks_deliver(ctx, req, resp, SRC_WEBHOOK_GITEA);
}
