/*
 * apv_service.c — shared state, event publishing and the vote sender of
 * sluice-approvals (see apv_service.h).
 *
 * A vote travels like the api's PutApprovalResult (protocol.md): an
 * ApprovalVote request, built by bus_request_vote_detail, in an envelope on
 * the requests topic keyed by the pipeline, signed by the producer; the
 * orchestrator answers in the reply list sluice:{<pipeline>}:reply:<id>,
 * read here with BLPOP.
 */
#include "apv_service.h"

#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/signal.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <openssl/evp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APV_SEND_TIMEOUT_MS 5000
#define APV_BLPOP_SLICE_S   "1"

int apv_service_init(apv_service *s, char *err, size_t errlen)
{
    const char *url = s->cfg->public_url;
    const char *scheme_end = strstr(url, "://");
    if (scheme_end == NULL ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "SLUICE_APPROVALS_PUBLIC_URL must start with http:// or https://");
    }
    s->secure_cookie = strncmp(url, "https://", 8) == 0;
    const char *path = strchr(scheme_end + 3, '/');
    size_t origin_len = path != NULL ? (size_t)(path - url) : strlen(url);
    if (origin_len >= sizeof s->public_origin || origin_len <= (size_t)(scheme_end + 3 - url)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "SLUICE_APPROVALS_PUBLIC_URL has no host");
    }
    memcpy(s->public_origin, url, origin_len);
    s->public_origin[origin_len] = '\0';
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->producer_lock, NULL);
    pthread_cond_init(&s->free_conn, NULL);
    s->metrics = http_metrics_new();
    if (s->metrics == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    const char *outcome[] = {"outcome"};
    const char *type[] = {"detail_type"};
    s->votes = http_metrics_counter(s->metrics, "sluice_approvals_votes_total",
                                    "votes received, by outcome", outcome, 1);
    s->recorded = http_metrics_counter(s->metrics, "sluice_approvals_recorded_total",
                                       "approvals recorded from approval jobs", NULL, 0);
    s->published = http_metrics_counter(s->metrics, "sluice_approvals_events_total",
                                        "events published, by detail-type", type, 1);
    if (s->votes == NULL || s->recorded == NULL || s->published == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    atomic_store(&s->redis_ok, false);
    return 0;
}

void apv_service_release(apv_service *s)
{
    for (size_t i = 0; i < APV_SERVICE_THREADS; i++) {
        state_redis_free(s->conns[i]);
        s->conns[i] = NULL;
    }
    http_metrics_free(s->metrics);
    s->metrics = NULL;
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->producer_lock);
    pthread_cond_destroy(&s->free_conn);
}

int apv_service_connect(apv_service *s, const state_redis_config *rcfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < APV_SERVICE_THREADS; i++) {
        int rc = state_redis_new(rcfg, &s->conns[i], err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

state_redis *apv_service_take(apv_service *s)
{
    pthread_mutex_lock(&s->lock);
    for (;;) {
        for (size_t i = 0; i < APV_SERVICE_THREADS; i++) {
            if (!s->busy[i]) {
                s->busy[i] = true;
                pthread_mutex_unlock(&s->lock);
                return s->conns[i];
            }
        }
        pthread_cond_wait(&s->free_conn, &s->lock);
    }
}

void apv_service_give(apv_service *s, state_redis *conn)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < APV_SERVICE_THREADS; i++) {
        if (s->conns[i] == conn) {
            s->busy[i] = false;
        }
    }
    pthread_cond_signal(&s->free_conn);
    pthread_mutex_unlock(&s->lock);
}

void apv_service_poll(apv_service *s)
{
    pthread_mutex_lock(&s->producer_lock);
    (void)bus_producer_poll(s->producer, 0);
    pthread_mutex_unlock(&s->producer_lock);
}

void apv_service_arn(const apv_service *s, const char *identity, char *out, size_t outlen)
{
    snprintf(out, outlen, "arn:aws:iam::%s:user/%s", s->cfg->account, identity);
}

void apv_service_derived_id(const char *tag, const char *text, char out[37])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, tag, strlen(tag)) != 1 || EVP_DigestUpdate(ctx, "\n", 1) != 1 ||
        EVP_DigestUpdate(ctx, text, strlen(text)) != 1 ||
        EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
        abort(); /* the service's out-of-memory policy */
    }
    EVP_MD_CTX_free(ctx);
    sluice_uuid_v4_from_bytes(digest, out);
}

/* Encodes an envelope of detail (borrowed) into payload. 0 or a negative code with msg. */
static int apv_service_envelope(apv_service *s, const char *id, const char *detail_type,
                                const char *pipeline, json_t *detail, sluice_buf *payload,
                                char *msg, size_t msglen)
{
    bus_pipeline_message m = {
        id,       detail_type, PROTOCOL_SOURCE_APPROVALS, s->cfg->account, s->cfg->region,
        pipeline, detail};
    return bus_envelope_encode_pipeline(&m, payload, msg, msglen);
}

int apv_service_publish(apv_service *s, const char *id, const char *detail_type,
                        const char *pipeline, json_t *detail)
{
    char msg[256];
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = detail != NULL ? apv_service_envelope(s, id, detail_type, pipeline, detail, &payload,
                                                   msg, sizeof msg)
                            : SLUICE_ENOMEM;
    json_decref(detail);
    if (rc == 0) {
        pthread_mutex_lock(&s->producer_lock);
        rc = bus_producer_send_sync(s->producer, s->events_topic, pipeline, strlen(pipeline),
                                    payload.data, payload.len, APV_SEND_TIMEOUT_MS);
        pthread_mutex_unlock(&s->producer_lock);
        if (rc == 0) {
            const char *labels[] = {detail_type};
            (void)http_metrics_inc(s->published, labels, 1);
        }
    } else {
        SLUICE_ERROR("%s not published: %s", detail_type, msg);
    }
    sluice_buf_free(&payload);
    return rc;
}

/* Waits for the reply to request id of pipeline. 0 with *reply, or a negative code with msg. */
static int apv_service_wait(apv_service *s, state_redis *conn, const char *pipeline, const char *id,
                            json_t **reply, char *msg, size_t msglen)
{
    char suffix[64];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "%s%s", STATE_KEY_REPLY_PREFIX, id);
    if (state_key_build(key, sizeof key, pipeline, suffix) != 0) {
        return sluice_error_set(msg, msglen, SLUICE_EINVAL, "no key for pipeline name");
    }
    int64_t deadline = sluice_time_monotonic_ms() + s->cfg->reply_timeout_ms;
    do {
        redisReply *answer = NULL;
        const char *argv[] = {"BLPOP", key, APV_BLPOP_SLICE_S};
        int rc = state_redis_commandv(conn, STATE_REDIS_NO_RETRY, 3, argv, NULL, &answer);
        if (rc != 0) {
            state_redis_disconnect(conn);
            continue;
        }
        if (answer->type == REDIS_REPLY_ARRAY && answer->elements == 2 &&
            answer->element[1]->type == REDIS_REPLY_STRING) {
            json_error_t jerr;
            *reply = json_loadb(answer->element[1]->str, answer->element[1]->len, 0, &jerr);
            freeReplyObject(answer);
            return *reply != NULL ? 0
                                  : sluice_error_set(msg, msglen, SLUICE_EPARSE,
                                                     "the orchestrator's reply is not JSON");
        }
        freeReplyObject(answer);
    } while (sluice_time_monotonic_ms() < deadline && !sluice_signal_stop_requested());
    return sluice_error_set(msg, msglen, SLUICE_ETIMEDOUT,
                            "the orchestrator did not answer in time; the vote may still count");
}

int apv_service_vote(apv_service *s, state_redis *conn, const char *pipeline,
                     const bus_request_vote *vote, const char **exception, char *exc, size_t excmax,
                     char *msg, size_t msglen)
{
    *exception = NULL;
    msg[0] = '\0';
    char id[SLUICE_UUID_LEN + 1];
    if (sluice_uuid_v4(id) != 0) {
        return sluice_error_set(msg, msglen, SLUICE_EIO, "no randomness");
    }
    json_t *detail = bus_request_vote_detail(vote);
    if (detail == NULL || json_object_set_new(detail, "pipeline", json_string(pipeline)) != 0 ||
        json_object_set_new(detail, "requestedBy", json_string(vote->identity)) != 0 ||
        json_object_set_new(detail, "requestId", json_string(id)) != 0) {
        json_decref(detail);
        return sluice_error_set(msg, msglen, SLUICE_ENOMEM, "out of memory");
    }
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = apv_service_envelope(s, id, PROTOCOL_DETAIL_REQUEST, pipeline, detail, &payload, msg,
                                  msglen);
    json_decref(detail);
    if (rc == 0) {
        pthread_mutex_lock(&s->producer_lock);
        rc = bus_producer_send_sync(s->producer, s->requests_topic, pipeline, strlen(pipeline),
                                    payload.data, payload.len, APV_SEND_TIMEOUT_MS);
        pthread_mutex_unlock(&s->producer_lock);
        if (rc != 0) {
            rc = sluice_error_set(msg, msglen, SLUICE_EKAFKA, "Kafka: the vote was not stored (%s)",
                                  sluice_strerror(rc));
        }
    }
    sluice_buf_free(&payload);
    if (rc != 0) {
        return rc;
    }
    json_t *reply = NULL;
    rc = apv_service_wait(s, conn, pipeline, id, &reply, msg, msglen);
    if (rc != 0) {
        return rc;
    }
    const char *name = json_string_value(json_object_get(reply, "exception"));
    if (name != NULL) {
        const char *text = json_string_value(json_object_get(reply, "message"));
        snprintf(exc, excmax, "%s", name);
        snprintf(msg, msglen, "%s", text != NULL ? text : "");
        *exception = exc;
    }
    json_decref(reply);
    return 0;
}

void apv_service_health(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    const apv_service *s = ctx;
    bool ok = atomic_load(&s->redis_ok);
    json_t *body = json_pack("{s:s}", "status", ok ? "ok" : "redis unavailable");
    http_response_set_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}
