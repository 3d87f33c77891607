/*
 * kit.c — shared pieces of the libs/bus integration tests (see kit.h).
 */
#include "kit.h"

#include "sluice/bus_admin.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/time.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>

const char *kit_brokers(void)
{
    return testenv_require("SLUICE_TEST_KAFKA_BROKERS");
}

void kit_topic(const char *stem, int partitions, char *out, size_t outlen)
{
    char err[512] = "";
    testenv_unique_name(stem, out, outlen);
    const char *topics[] = {out};
    if (bus_admin_create_topics(kit_brokers(), topics, 1, partitions, 1, 20000, err, sizeof err) !=
        SLUICE_OK) {
        fprintf(stderr, "creating topic %s: %s\n", out, err);
        exit(1);
    }
}

void kit_group(const char *stem, char *out, size_t outlen)
{
    testenv_unique_name(stem, out, outlen);
}

void kit_envelope(const char *key, long seq, sluice_buf *out)
{
    char id[SLUICE_UUID_LEN + 1];
    char reason[BUS_ENVELOPE_REASON_MAX] = "";
    bus_envelope *env = NULL;
    sluice_buf_reset(out);
    json_t *detail = json_pack("{s:s, s:i}", "key", key, "seq", (json_int_t)seq);
    if (detail == NULL || sluice_uuid_v4(id) != SLUICE_OK) {
        fprintf(stderr, "kit_envelope: out of memory or randomness\n");
        exit(1);
    }
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = "Sluice Test Event",
        .source = "sluice.test",
        .account = "000000000000",
        .region = "us-east-1",
        .time_ms = sluice_time_now_ms(),
        .detail = detail,
    };
    if (bus_envelope_new(&spec, &env, reason, sizeof reason) != SLUICE_OK ||
        bus_envelope_encode(env, out) != SLUICE_OK) {
        fprintf(stderr, "kit_envelope: %s\n", reason);
        exit(1);
    }
    bus_envelope_free(env);
    json_decref(detail);
}

int kit_envelope_fields(const bus_envelope *env, const char **key, long *seq)
{
    json_t *k = json_object_get(env->detail, "key");
    json_t *s = json_object_get(env->detail, "seq");
    if (!json_is_string(k) || !json_is_integer(s)) {
        return -1;
    }
    *key = json_string_value(k);
    *seq = (long)json_integer_value(s);
    return 0;
}

bus_producer *kit_producer(bus_producer_delivery_fn on_delivery, void *ctx)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = kit_brokers();
    cfg.client_id = "sluice-test";
    cfg.on_delivery = on_delivery;
    cfg.ctx = ctx;
    bus_producer *p = NULL;
    char err[512] = "";
    if (bus_producer_new(&cfg, &p, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bus_producer_new: %s\n", err);
        exit(1);
    }
    return p;
}

void kit_consumer_config(bus_consumer_config *cfg, const char *const *topics, size_t ntopics,
                         const char *group, const char *deadletter_topic)
{
    bus_consumer_config_init(cfg);
    cfg->brokers = kit_brokers();
    cfg->group_id = group;
    cfg->client_id = "sluice-test";
    cfg->topics = topics;
    cfg->ntopics = ntopics;
    cfg->session_timeout_ms = 6000;
    cfg->heartbeat_interval_ms = 1000;
    cfg->commit_interval_ms = 200;
    cfg->retry_backoff_ms = 100;
    cfg->retry_backoff_max_ms = 1000;
    cfg->deadletter_topic = deadletter_topic;
    cfg->source = "sluice.test";
}

bus_consumer *kit_consumer(const bus_consumer_config *cfg)
{
    bus_consumer *c = NULL;
    char err[512] = "";
    if (bus_consumer_new(cfg, &c, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bus_consumer_new: %s\n", err);
        exit(1);
    }
    return c;
}

int64_t kit_now_ms(void)
{
    return sluice_time_monotonic_ms();
}
