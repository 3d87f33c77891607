/*
 * bench_floor.c — Kafka and Redis floors (see bench_floor.h).
 */
#include "bench_floor.h"

#include "bench_envelope.h"

#include "sluice/bus_consumer.h"
#include "sluice/bus_envelope.h"
#include "sluice/bus_producer.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/state_script.h"
#include "sluice/time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_JOIN_TIMEOUT_MS    30000
#define FLOOR_MESSAGE_TIMEOUT_MS 10000
#define FLOOR_WARMUP             20

typedef struct floor_probe {
    char expect[SLUICE_UUID_LEN + 1]; /* the envelope id awaited */
    bool seen;
} floor_probe;

static bus_consumer_verdict floor_on_message(const bus_consumer_message *msg, void *ctx,
                                             char *reason, size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    floor_probe *probe = ctx;
    if (strcmp(msg->envelope->id, probe->expect) == 0) {
        probe->seen = true;
    }
    return BUS_CONSUMER_DONE;
}

/* A small envelope with a fresh id (written into id). */
static int floor_message(sluice_buf *out, char id[SLUICE_UUID_LEN + 1], int n)
{
    json_t *detail = json_pack("{s:s, s:i}", "type", "Probe", "n", n);
    bus_envelope_spec spec = {
        .detail_type = "Sluice Bench Probe",
        .source = "sluice.bench",
        .detail = detail,
    };
    int rc = bench_envelope_encode(&spec, id, out);
    json_decref(detail);
    return rc;
}

/* Sends one probe and waits for the consumer to see it. Round trip in ns, or -1. */
static int64_t floor_round_trip(bus_producer *p, bus_consumer *c, const char *topic,
                                sluice_buf *text, int n, int timeout_ms)
{
    floor_probe probe = {.seen = false};
    if (floor_message(text, probe.expect, n) != SLUICE_OK) {
        return -1;
    }
    int64_t sent = sluice_time_monotonic_ns();
    if (bus_producer_send(p, topic, "probe", 5, text->data, text->len, NULL) != SLUICE_OK) {
        return -1;
    }
    int64_t deadline = sent + (int64_t)timeout_ms * 1000000;
    while (!probe.seen) {
        if (bus_consumer_run_once(c, floor_on_message, &probe, 10) < 0 ||
            sluice_time_monotonic_ns() > deadline) {
            return -1;
        }
        (void)bus_producer_poll(p, 0);
    }
    return sluice_time_monotonic_ns() - sent;
}

int bench_floor_kafka(const char *brokers, const char *topic, const char *deadletter_topic,
                      int count, int linger_ms, bench_stats *roundtrip, bench_stats *ack, char *err,
                      size_t errlen)
{
    int rc = -1;
    bus_producer *p = NULL;
    bus_consumer *c = NULL;
    sluice_buf text;
    sluice_buf_init(&text, 4096);

    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = brokers;
    pcfg.client_id = "sluice-bench-floor";
    pcfg.linger_ms = linger_ms;
    if (bus_producer_new(&pcfg, &p, err, errlen) != SLUICE_OK) {
        goto out;
    }
    char group[64];
    char suffix[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4(suffix);
    snprintf(group, sizeof group, "bench-floor-%.8s", suffix);
    const char *topics[1] = {topic};
    bus_consumer_config ccfg;
    bus_consumer_config_init(&ccfg);
    ccfg.brokers = brokers;
    ccfg.group_id = group;
    ccfg.client_id = "sluice-bench-floor";
    ccfg.topics = topics;
    ccfg.ntopics = 1;
    ccfg.session_timeout_ms = 6000;
    ccfg.deadletter_topic = deadletter_topic;
    ccfg.deadletter_producer = p;
    if (bus_consumer_new(&ccfg, &c, err, errlen) != SLUICE_OK) {
        goto out;
    }
    /* The first probe waits for the group join; a few more warm the path up. */
    for (int i = 0; i < FLOOR_WARMUP; i++) {
        if (floor_round_trip(p, c, topic, &text, -1 - i,
                             i == 0 ? FLOOR_JOIN_TIMEOUT_MS : FLOOR_MESSAGE_TIMEOUT_MS) < 0) {
            snprintf(err, errlen, "kafka probe %d did not come back", i);
            goto out;
        }
    }
    for (int i = 0; i < count; i++) {
        int64_t ns = floor_round_trip(p, c, topic, &text, i, FLOOR_MESSAGE_TIMEOUT_MS);
        if (ns < 0) {
            snprintf(err, errlen, "kafka probe %d did not come back", i);
            goto out;
        }
        bench_stats_add(roundtrip, ns);
    }
    for (int i = 0; i < count / 2; i++) {
        char id[SLUICE_UUID_LEN + 1];
        if (floor_message(&text, id, i) != SLUICE_OK) {
            snprintf(err, errlen, "cannot build a probe");
            goto out;
        }
        int64_t sent = sluice_time_monotonic_ns();
        if (bus_producer_send_sync(p, topic, "probe", 5, text.data, text.len,
                                   FLOOR_MESSAGE_TIMEOUT_MS) != SLUICE_OK) {
            snprintf(err, errlen, "kafka probe %d not acknowledged", i);
            goto out;
        }
        bench_stats_add(ack, sluice_time_monotonic_ns() - sent);
    }
    rc = 0;
out:
    if (c != NULL) {
        bus_consumer_close(c);
        bus_consumer_free(c);
    }
    bus_producer_free(p);
    sluice_buf_free(&text);
    return rc;
}

int bench_floor_kafka_burst(const char *brokers, const char *topic, int count, int burst,
                            bench_stats *out, char *err, size_t errlen)
{
    int rc = -1;
    bus_producer *p = NULL;
    sluice_buf text;
    sluice_buf_init(&text, 4096);
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = brokers;
    pcfg.client_id = "sluice-bench-burst";
    if (bus_producer_new(&pcfg, &p, err, errlen) != SLUICE_OK) {
        goto out;
    }
    for (int i = -FLOOR_WARMUP; i < count; i++) {
        char id[SLUICE_UUID_LEN + 1];
        int64_t first = sluice_time_monotonic_ns();
        for (int k = 0; k < burst; k++) {
            if (floor_message(&text, id, k) != SLUICE_OK ||
                bus_producer_send(p, topic, id, strlen(id), text.data, text.len, NULL) !=
                    SLUICE_OK) {
                snprintf(err, errlen, "cannot queue a burst message");
                goto out;
            }
        }
        if (bus_producer_flush(p, FLOOR_MESSAGE_TIMEOUT_MS) != SLUICE_OK) {
            snprintf(err, errlen, "a burst was not acknowledged");
            goto out;
        }
        if (i >= 0) {
            bench_stats_add(out, sluice_time_monotonic_ns() - first);
        }
    }
    rc = 0;
out:
    bus_producer_free(p);
    sluice_buf_free(&text);
    return rc;
}

int bench_floor_redis(state_redis *r, int count, bench_stats *out, char *err, size_t errlen)
{
    state_script script;
    if (state_script_init(&script, "return 1") != SLUICE_OK) {
        snprintf(err, errlen, "cannot prepare the script");
        return -1;
    }
    for (int i = -FLOOR_WARMUP; i < count; i++) {
        redisReply *reply = NULL;
        int64_t sent = sluice_time_monotonic_ns();
        int rc = state_script_eval(r, &script, STATE_REDIS_RETRY, 0, NULL, 0, NULL, NULL, &reply);
        int64_t took = sluice_time_monotonic_ns() - sent;
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        if (rc != SLUICE_OK) {
            snprintf(err, errlen, "EVALSHA: %s", sluice_strerror(rc));
            return -1;
        }
        if (i >= 0) {
            bench_stats_add(out, took);
        }
    }
    return 0;
}
