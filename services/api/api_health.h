/*
 * api_health.h — GET /healthz of the api.
 *
 * 200 {"status": "ok", "redis": "ok", "kafka": "ok"} when the storage answers
 * a ping and the jobs consumer runs; 503 with "status": "unavailable" and the
 * failing part's reason otherwise. Runs on the HTTP pool threads.
 */
#ifndef SLUICE_API_HEALTH_H
#define SLUICE_API_HEALTH_H

#include "api_call.h"

#include "sluice/http_message.h"

#include <stdbool.h>

typedef struct api_health {
    const api_env *env;                /* borrowed */
    bool (*kafka_ok)(const void *ctx); /* NULL: not checked */
    const void *kafka_ctx;
} api_health;

/* The handler; ctx is an api_health. */
void api_health_http(const http_request *req, http_response *resp, void *ctx);

#endif
