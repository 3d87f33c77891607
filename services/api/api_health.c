/*
 * api_health.c — GET /healthz (see api_health.h).
 */
#include "api_health.h"

#include <jansson.h>

void api_health_http(const http_request *req, http_response *resp, void *ctx)
{
    const api_health *health = ctx;
    (void)req;
    char err[256] = "";
    api_backend *b = health->env->backend;
    bool redis_ok = b->ops->ping(b, err, sizeof err) == 0;
    bool kafka_ok = health->kafka_ok == NULL || health->kafka_ok(health->kafka_ctx);
    bool ok = redis_ok && kafka_ok;
    json_t *body = json_pack(
        "{s:s, s:s, s:s}", "status", ok ? "ok" : "unavailable", "redis", redis_ok ? "ok" : err,
        "kafka", kafka_ok ? "ok" : "the jobs consumer is restarting or refused by the broker");
    if (body == NULL || http_response_set_json(resp, ok ? 200 : 503, body) != 0) {
        http_response_set_error(resp, 500, "InternalError", "cannot render the health answer");
    }
    json_decref(body);
}
