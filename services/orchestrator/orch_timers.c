/*
 * orch_timers.c — claimed timers published as requests (see orch_timers.h).
 */
#include "orch_timers.h"

#include "orch_outbox.h"
#include "orch_route.h"

#include "sluice/bus_envelope.h"
#include "sluice/engine_ids.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"

#include <inttypes.h>
#include <stdio.h>

int orch_timers_fire(orch_handler *h, int64_t now_ms)
{
    char **members = NULL;
    size_t count = 0;
    int rc = orch_store_timers_claim(h->store, now_ms, h->timer_lease_ms, 100, &members, &count);
    if (rc != SLUICE_OK) {
        return rc;
    }
    int fired = 0;
    for (size_t i = 0; i < count; i++) {
        char pipeline[ORCH_PIPELINE_NAME_MAX + 1];
        const char *key = NULL;
        if (orch_route_timer_split(members[i], pipeline, sizeof pipeline, &key) != SLUICE_OK) {
            continue;
        }
        char id[ENGINE_ID_LEN + 1];
        char name[600];
        snprintf(name, sizeof name, "timer/%s/%" PRId64, members[i], now_ms);
        engine_ids_derive(name, 0, id);
        json_t *detail = json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_TIMER, "pipeline",
                                   pipeline, "key", key);
        char arn[PROTOCOL_ARN_MAX];
        (void)protocol_arn_pipeline(arn, sizeof arn, h->region, h->account, pipeline);
        const char *resources[1] = {arn};
        bus_envelope_spec spec = {
            .id = id,
            .detail_type = ORCH_DETAIL_TYPE_REQUEST,
            .source = ORCH_SOURCE,
            .account = h->account,
            .region = h->region,
            .time_ms = now_ms,
            .resources = resources,
            .nresources = 1,
            .detail = detail,
        };
        bus_envelope *env = NULL;
        char err[256];
        if (bus_envelope_new(&spec, &env, err, sizeof err) == SLUICE_OK) {
            if (orch_outbox_publish(h, BUS_TOPICS_REQUESTS, pipeline, env->root) == SLUICE_OK) {
                fired++;
            }
            bus_envelope_free(env);
        } else {
            SLUICE_ERROR("timer %s of %s: %s", key, pipeline, err);
        }
        json_decref(detail);
    }
    orch_store_members_free(members, count);
    if (fired > 0) {
        /* An unpublished claim is retried when its lease runs out. */
        (void)bus_producer_flush(h->producer, h->publish_timeout_ms);
        h->stats.timers += (uint64_t)fired;
    }
    return fired;
}
