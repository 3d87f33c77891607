/*
 * con_intake.c — events into the hub (see con_intake.h).
 */
#include "con_intake.h"

#include "con_core.h"

#include "sluice/error.h"
#include "sluice/log.h"

bus_consumer_verdict con_intake_event(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    con_service *s = ctx;
    const bus_envelope *env = msg->envelope;
    sluice_buf data;
    sluice_buf_init(&data, CON_CORE_EVENT_MAX + 1);
    char pipeline[CON_CORE_PIPELINE_MAX + 1];
    int rc = con_core_event_data(env->detail_type, env->time, env->detail, &data, pipeline);
    if (rc == 0) {
        rc = con_hub_publish(s->hub, pipeline, data.data);
        (void)http_metrics_inc(s->events, NULL, 1);
    } else if (rc != SLUICE_ENOTFOUND) {
        SLUICE_DEBUG("event %s (%s) not shown: %s", env->id, env->detail_type, sluice_strerror(rc));
    }
    sluice_buf_free(&data);
    return BUS_CONSUMER_DONE;
}
