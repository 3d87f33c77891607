/*
 * con_service.c — shared state and the api client of sluice-console (see
 * con_service.h).
 *
 * A call is what the aws CLI sends to CodePipeline (AWS JSON 1.1): POST / with
 * X-Amz-Target: CodePipeline_20150709.<op>, Content-Type
 * application/x-amz-json-1.1, signed by aws_sigv4_sign for the "codepipeline"
 * service in the configured region.
 */
#include "con_service.h"

#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/http_client.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The origin (scheme://host[:port]) of url into origin; false when url has none. */
static bool con_service_origin(const char *url, char *origin, size_t size, char *host,
                               size_t hostsize)
{
    const char *scheme_end = strstr(url, "://");
    if (scheme_end == NULL ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        return false;
    }
    const char *start = scheme_end + 3;
    const char *path = strchr(start, '/');
    size_t origin_len = path != NULL ? (size_t)(path - url) : strlen(url);
    size_t host_len = origin_len - (size_t)(start - url);
    if (origin_len >= size || host_len == 0 || host_len >= hostsize) {
        return false;
    }
    memcpy(origin, url, origin_len);
    origin[origin_len] = '\0';
    memcpy(host, start, host_len);
    host[host_len] = '\0';
    return true;
}

int con_service_init(con_service *s, char *err, size_t errlen)
{
    char host[1024];
    if (!con_service_origin(s->cfg->public_url, s->public_origin, sizeof s->public_origin, host,
                            sizeof host)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "SLUICE_CONSOLE_PUBLIC_URL must be http:// or https:// and a host");
    }
    s->secure_cookie = strncmp(s->cfg->public_url, "https://", 8) == 0;
    if (!con_service_origin(s->cfg->api_endpoint, s->api_url, sizeof s->api_url, s->api_host,
                            sizeof s->api_host)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "SLUICE_CONSOLE_API_ENDPOINT must be http:// or https:// and a "
                                "host (no path)");
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->free_conn, NULL);
    s->metrics = http_metrics_new();
    if (s->metrics == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    const char *call_labels[] = {"operation", "status"};
    const char *outcome[] = {"outcome"};
    s->calls =
        http_metrics_counter(s->metrics, "sluice_console_api_calls_total",
                             "calls to the api, by operation and HTTP status", call_labels, 2);
    s->signins = http_metrics_counter(s->metrics, "sluice_console_signins_total",
                                      "sign-in attempts, by outcome", outcome, 1);
    s->events = http_metrics_counter(s->metrics, "sluice_console_events_total",
                                     "state-change events fanned out to browsers", NULL, 0);
    s->clients = http_metrics_gauge(s->metrics, "sluice_console_streams",
                                    "open live-update streams", NULL, 0);
    s->dropped = http_metrics_gauge(s->metrics, "sluice_console_streams_dropped",
                                    "live-update streams dropped for falling behind", NULL, 0);
    s->log_reads = http_metrics_counter(s->metrics, "sluice_console_log_reads_total",
                                        "range reads of action logs from the artifact store, for "
                                        "every browser watching them",
                                        NULL, 0);
    s->log_streams = http_metrics_gauge(s->metrics, "sluice_console_log_streams",
                                        "open action log streams", NULL, 0);
    if (s->calls == NULL || s->signins == NULL || s->events == NULL || s->clients == NULL ||
        s->dropped == NULL || s->log_reads == NULL || s->log_streams == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    atomic_store(&s->redis_ok, false);
    atomic_store(&s->kafka_ok, false);
    return 0;
}

void con_service_release(con_service *s)
{
    for (size_t i = 0; i < CON_SERVICE_THREADS; i++) {
        state_redis_free(s->conns[i]);
        s->conns[i] = NULL;
    }
    http_metrics_free(s->metrics);
    s->metrics = NULL;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->free_conn);
}

int con_service_connect(con_service *s, const state_redis_config *rcfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < CON_SERVICE_THREADS; i++) {
        int rc = state_redis_new(rcfg, &s->conns[i], err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

state_redis *con_service_take(con_service *s)
{
    pthread_mutex_lock(&s->lock);
    for (;;) {
        for (size_t i = 0; i < CON_SERVICE_THREADS; i++) {
            if (!s->busy[i]) {
                s->busy[i] = true;
                pthread_mutex_unlock(&s->lock);
                return s->conns[i];
            }
        }
        pthread_cond_wait(&s->free_conn, &s->lock);
    }
}

void con_service_give(con_service *s, state_redis *conn)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < CON_SERVICE_THREADS; i++) {
        if (s->conns[i] == conn) {
            s->busy[i] = false;
        }
    }
    pthread_cond_signal(&s->free_conn);
    pthread_mutex_unlock(&s->lock);
}

int con_service_call(con_service *s, const aws_credential *cred, const char *op, const char *body,
                     size_t len, long *status, sluice_buf *out, char *err, size_t errlen)
{
    char target[128];
    snprintf(target, sizeof target, "CodePipeline_20150709.%s", op);
    http_pair headers[8];
    size_t n = 0;
    headers[n++] = (http_pair){"Host", s->api_host};
    headers[n++] = (http_pair){"Content-Type", "application/x-amz-json-1.1"};
    headers[n++] = (http_pair){"X-Amz-Target", target};
    if (cred->session_token != NULL) {
        headers[n++] = (http_pair){"X-Amz-Security-Token", cred->session_token};
    }
    aws_sigv4_signature_headers sig;
    int rc =
        aws_sigv4_sign(cred->access_key_id, cred->secret_access_key, s->cfg->region, "codepipeline",
                       "POST", "/", NULL, 0, headers, n, body, len, sluice_time_now_ms(), &sig);
    if (rc != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "signing %s: %s", op, sluice_strerror(rc));
    }
    headers[n++] = (http_pair){"X-Amz-Date", sig.amz_date};
    headers[n++] = (http_pair){"Authorization", sig.authorization};
    http_client_config ccfg;
    http_client_config_defaults(&ccfg);
    ccfg.timeout_ms = (long)s->cfg->api_timeout_ms;
    ccfg.connect_timeout_ms = (long)s->cfg->api_timeout_ms;
    ccfg.max_response = CON_API_RESPONSE_MAX;
    ccfg.user_agent = "sluice-console";
    char why[512] = "";
    http_client *client = http_client_new(&ccfg, why, sizeof why);
    if (client == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "the api client: %s", why);
    }
    char url[1100];
    snprintf(url, sizeof url, "%s/", s->api_url);
    http_client_response resp;
    rc = http_client_request(client, "POST", url, headers, n, body, len, &resp, why, sizeof why);
    http_client_free(client);
    if (rc != 0) {
        http_client_response_free(&resp);
        return sluice_error_set(err, errlen, SLUICE_EIO, "the api at %s did not answer %s: %s",
                                s->api_url, op, why);
    }
    *status = resp.status;
    rc = sluice_buf_append(out, resp.body.data != NULL ? resp.body.data : "", resp.body.len);
    http_client_response_free(&resp);
    if (rc != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "the api's answer to %s is too large", op);
    }
    return 0;
}

void con_service_health(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    con_service *s = ctx;
    bool redis = atomic_load(&s->redis_ok);
    bool kafka = atomic_load(&s->kafka_ok);
    json_t *body = json_pack("{s:s, s:b, s:b}", "status", redis && kafka ? "ok" : "degraded",
                             "redis", redis, "kafka", kafka);
    http_response_set_json(resp, redis && kafka ? 200 : 503, body);
    json_decref(body);
}
