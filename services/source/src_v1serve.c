/*
 * src_v1serve.c — POST /webhooks/<id> (see src_v1serve.h).
 */
#include "src_v1serve.h"

#include "src_bus.h"
#include "src_v1hook.h"
#include "src_webhook.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/jsontext.h"
#include "sluice/log.h"
#include "sluice/state_def.h"
#include "sluice/time.h"

#include <stdlib.h>
#include <string.h>

#define SRC_V1SERVE_DEPTH_MAX 64

typedef struct src_v1serve_body {
    sluice_buf buf;
    bool too_big;
} src_v1serve_body;

static void src_v1serve_answer(src_v1serve *s, http_response *resp, int status, const char *result,
                               const char *message)
{
    const char *labels[] = {result};
    http_metrics_inc(s->deliveries, labels, 1);
    json_t *body = json_pack("{s:s, s:s}", "result", result, "message", message);
    http_response_set_json(resp, status, body);
    json_decref(body);
}

/*
 * Reads the webhook id and its pipeline's definition with the HTTP side's
 * connection. 0; SLUICE_ENOTFOUND; another code when Redis failed.
 */
static int src_v1serve_load(src_v1serve *s, const char *id, json_t **record, json_t **definition,
                            char *err, size_t errlen)
{
    *record = NULL;
    *definition = NULL;
    pthread_mutex_lock(&s->redis_lock);
    int rc = 0;
    if (s->redis == NULL) {
        rc = state_redis_new(&s->redis_cfg, &s->redis, err, errlen);
    }
    if (rc == 0) {
        rc = state_webhook_find(s->redis, id, record, err, errlen);
    }
    if (rc == 0) {
        const char *pipeline = json_string_value(
            json_object_get(json_object_get(*record, "definition"), "targetPipeline"));
        rc = state_def_load(s->redis, pipeline, 0, definition, err, errlen);
    }
    pthread_mutex_unlock(&s->redis_lock);
    if (rc != 0) {
        json_decref(*record);
        *record = NULL;
    }
    return rc;
}

/* Queues the start of record's pipeline; false when the queue is full. */
static bool src_v1serve_enqueue(src_v1serve *s, const json_t *record, json_t *detail)
{
    bool queued = false;
    pthread_mutex_lock(&s->lock);
    if (s->nqueued < SRC_V1SERVE_QUEUE_MAX) {
        src_v1serve_start *e = &s->queue[s->nqueued++];
        snprintf(e->pipeline, sizeof e->pipeline, "%s",
                 json_string_value(json_object_get(detail, "pipeline")));
        snprintf(e->id, sizeof e->id, "%s", json_string_value(json_object_get(record, "id")));
        e->detail = detail;
        queued = true;
    }
    pthread_mutex_unlock(&s->lock);
    if (queued) {
        src_wake_call(&s->wake);
    }
    return queued;
}

static void src_v1serve_deliver(src_v1serve *s, const http_request *req, const char *body,
                                size_t len, http_response *resp)
{
    const char *id = req->path + strlen(SRC_V1SERVE_PREFIX);
    json_t *record = NULL;
    json_t *definition = NULL;
    json_t *doc = NULL;
    char err[512] = "";
    int rc = src_v1serve_load(s, id, &record, &definition, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        SLUICE_DEBUG("webhook %s: %s", id, err);
        src_v1serve_answer(s, resp, 404, "unknown",
                           "no webhook has this URL (or its pipeline is gone)");
        goto out;
    }
    if (rc != 0) {
        SLUICE_WARN("webhook %s: %s", id, err);
        src_v1serve_answer(s, resp, 503, "busy", "the webhook could not be read; retry");
        goto out;
    }
    const json_t *def = json_object_get(record, "definition");
    const char *name = json_string_value(json_object_get(def, "name"));
    src_v1hook_delivery delivery = {
        .body = body,
        .len = len,
        .remote_addr = req->remote_addr,
        .signature256 = http_request_header(req, "X-Hub-Signature-256"),
        .signature1 = http_request_header(req, "X-Hub-Signature"),
    };
    rc = src_v1hook_verify(def, &delivery, err, sizeof err);
    if (rc == SLUICE_EDENIED) {
        SLUICE_INFO("webhook %s: refused: %s", name, err);
        src_v1serve_answer(s, resp, 401, "refused", err);
        goto out;
    }
    if (rc != 0) {
        SLUICE_WARN("webhook %s: %s", name, err);
        src_v1serve_answer(s, resp, 500, "failed", err);
        goto out;
    }
    if (sluice_jsontext_depth(body, len, SRC_V1SERVE_DEPTH_MAX) <= SRC_V1SERVE_DEPTH_MAX) {
        json_error_t jerr;
        doc = json_loadb(body, len, 0, &jerr);
    }
    const json_t *config = src_v1hook_action_config(
        definition, json_string_value(json_object_get(def, "targetAction")));
    rc = src_v1hook_filter(def, config, json_is_object(doc) ? doc : NULL, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        SLUICE_DEBUG("webhook %s: ignored: %s", name, err);
        src_v1serve_answer(s, resp, 200, "ignored", err);
        goto out;
    }
    if (rc != 0) {
        SLUICE_WARN("webhook %s: %s", name, err);
        src_v1serve_answer(s, resp, 500, "failed", err);
        goto out;
    }
    char key[SRC_V1HOOK_KEY_MAX];
    src_v1hook_delivery_key(http_request_header(req, "X-GitHub-Delivery"),
                            http_request_header(req, "X-Gitea-Delivery"),
                            http_request_header(req, "X-Gitlab-Event-UUID"), body, len, key);
    json_t *detail = src_v1hook_start_request(record, key);
    if (detail == NULL) {
        src_v1serve_answer(s, resp, 500, "failed", "the stored webhook names no pipeline");
        goto out;
    }
    if (!src_v1serve_enqueue(s, record, detail)) {
        json_decref(detail);
        src_v1serve_answer(s, resp, 503, "busy", "too many starts are waiting; retry");
        goto out;
    }
    SLUICE_INFO("webhook %s: delivery %s accepted", name, key);
    src_v1serve_answer(s, resp, 202, "accepted", "the pipeline is started");
out:
    json_decref(doc);
    json_decref(definition);
    json_decref(record);
}

static void src_v1serve_begin(const http_request *req, http_response *resp, void **stream,
                              void *ctx)
{
    src_v1serve *s = ctx;
    *stream = NULL;
    if (strcmp(req->method, "POST") != 0) {
        http_response_add_header(resp, "Allow", "POST");
        src_v1serve_answer(s, resp, 405, "malformed", "a webhook takes POST");
        return;
    }
    const char *id = req->path + strlen(SRC_V1SERVE_PREFIX);
    if (strncmp(req->path, SRC_V1SERVE_PREFIX, strlen(SRC_V1SERVE_PREFIX)) != 0 ||
        !state_webhook_id_ok(id)) {
        src_v1serve_answer(s, resp, 404, "unknown", "no webhook has this URL");
        return;
    }
    src_v1serve_body *b = calloc(1, sizeof *b);
    if (b == NULL) {
        src_v1serve_answer(s, resp, 503, "busy", "out of memory");
        return;
    }
    sluice_buf_init(&b->buf, SRC_WEBHOOK_BODY_MAX);
    *stream = b;
}

static int src_v1serve_data(void *stream, const char *bytes, size_t len, void *ctx)
{
    (void)ctx;
    src_v1serve_body *b = stream;
    if (b->too_big || sluice_buf_append(&b->buf, bytes, len) != 0) {
        b->too_big = true;
        return -1;
    }
    return 0;
}

static void src_v1serve_end(void *stream, const http_request *req, http_response *resp, void *ctx)
{
    src_v1serve *s = ctx;
    src_v1serve_body *b = stream;
    if (b->too_big) {
        src_v1serve_answer(s, resp, 413, "malformed", "the delivery exceeds 1 MiB");
        return;
    }
    src_v1serve_deliver(s, req, b->buf.data != NULL ? b->buf.data : "", b->buf.len, resp);
}

static void src_v1serve_done(void *stream, bool completed, void *ctx)
{
    (void)completed;
    (void)ctx;
    src_v1serve_body *b = stream;
    if (b != NULL) {
        sluice_buf_free(&b->buf);
        free(b);
    }
}

int src_v1serve_init(src_v1serve *s, const state_redis_config *redis_cfg, http_metrics *registry)
{
    static const char *const labels[] = {"result"};
    memset(s, 0, sizeof *s);
    s->redis_cfg = *redis_cfg;
    s->redis_cfg.connect_lazily = true;
    s->deliveries =
        http_metrics_counter(registry, "sluice_source_v1_webhooks_total",
                             "deliveries to V1 webhooks (/webhooks/<id>), by result", labels, 1);
    s->starts =
        http_metrics_counter(registry, "sluice_source_v1_webhook_starts_total",
                             "StartPipelineExecution requests sent for V1 webhooks", NULL, 0);
    s->route = (http_stream_handler){src_v1serve_begin, src_v1serve_data, src_v1serve_end,
                                     src_v1serve_done, s};
    if (s->deliveries == NULL || s->starts == NULL) {
        return SLUICE_ENOMEM;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        return SLUICE_ENOMEM;
    }
    if (pthread_mutex_init(&s->redis_lock, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        return SLUICE_ENOMEM;
    }
    return 0;
}

void src_v1serve_clear(src_v1serve *s)
{
    for (size_t i = 0; i < s->nqueued; i++) {
        json_decref(s->queue[i].detail);
    }
    s->nqueued = 0;
    state_redis_free(s->redis);
    s->redis = NULL;
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->redis_lock);
}

const http_stream_handler *src_v1serve_handler(src_v1serve *s)
{
    return &s->route;
}

int src_v1serve_flush(src_v1serve *s, bus_producer *producer, const char *topic,
                      const char *account, const char *region, state_redis *redis, int timeout_ms)
{
    static src_v1serve_start taken[SRC_V1SERVE_QUEUE_MAX];
    pthread_mutex_lock(&s->lock);
    size_t n = s->nqueued;
    memcpy(taken, s->queue, n * sizeof taken[0]);
    s->nqueued = 0;
    pthread_mutex_unlock(&s->lock);
    int sent = 0;
    for (size_t i = 0; i < n; i++) {
        src_v1serve_start *e = &taken[i];
        char id[37];
        char err[512] = "";
        src_bus_derived_id("sluice-source webhook\n",
                           json_string_value(json_object_get(e->detail, "clientRequestToken")), id);
        int rc = src_bus_send(producer, topic, PROTOCOL_DETAIL_REQUEST, id, account, region,
                              e->pipeline, e->detail, timeout_ms, err, sizeof err);
        if (rc != 0) {
            SLUICE_WARN("webhook start of %s: %s; kept for the next turn", e->pipeline, err);
            bool kept = false;
            pthread_mutex_lock(&s->lock);
            if (s->nqueued < SRC_V1SERVE_QUEUE_MAX) {
                s->queue[s->nqueued++] = *e;
                kept = true;
            }
            pthread_mutex_unlock(&s->lock);
            if (!kept) {
                SLUICE_WARN("webhook start of %s dropped: the queue is full", e->pipeline);
                json_decref(e->detail);
            }
            continue;
        }
        http_metrics_inc(s->starts, NULL, 1);
        SLUICE_INFO("webhook %s: %s started (trigger Webhook)", e->id, e->pipeline);
        if (state_webhook_touch(redis, e->id, sluice_time_now_ms(), err, sizeof err) != 0) {
            SLUICE_WARN("webhook %s: lastTriggered not recorded: %s", e->id, err);
        }
        json_decref(e->detail);
        sent++;
    }
    return sent;
}
