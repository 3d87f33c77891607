/*
 * libs/bus against a real broker: malformed messages and a message the
 * handler rejects land in the dead-letter topic with their precise reason,
 * original coordinates and payload, and the consumer carries on with the
 * next good message.
 */
#include "kit.h"
#include "sluice/bus_deadletter.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define KEY "pipeline-dl"

typedef struct good_state {
    long seqs[16];
    size_t n;
} good_state;

static bus_consumer_verdict handle_good(const bus_consumer_message *msg, void *ctx, char *reason,
                                        size_t reasonlen)
{
    good_state *s = ctx;
    const char *key = NULL;
    long seq = -1;
    if (kit_envelope_fields(msg->envelope, &key, &seq) != 0) {
        snprintf(reason, reasonlen, "detail has no key/seq");
        return BUS_CONSUMER_REJECT;
    }
    if (seq == 99) {
        snprintf(reason, reasonlen, "unknown pipeline \"%s\"", key);
        return BUS_CONSUMER_REJECT;
    }
    if (s->n < 16) {
        s->seqs[s->n++] = seq;
    }
    return BUS_CONSUMER_DONE;
}

typedef struct dead_state {
    json_t *details[16]; /* detail objects of the dead letters, in order */
    char sources[16][64];
    size_t n;
} dead_state;

static bus_consumer_verdict collect_dead(const bus_consumer_message *msg, void *ctx, char *reason,
                                         size_t reasonlen)
{
    dead_state *s = ctx;
    (void)reason;
    (void)reasonlen;
    if (s->n < 16 && strcmp(msg->envelope->detail_type, BUS_DEADLETTER_DETAIL_TYPE) == 0) {
        snprintf(s->sources[s->n], sizeof s->sources[0], "%s", msg->envelope->source);
        s->details[s->n++] = json_incref(msg->envelope->detail);
    }
    return BUS_CONSUMER_DONE;
}

static const char *str(json_t *detail, const char *name)
{
    const char *value = json_string_value(json_object_get(detail, name));
    return value != NULL ? value : "(missing)";
}

static void test_malformed_to_deadletter(void)
{
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char dl2[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    char group2[KIT_NAME_MAX];
    kit_topic("bus-dl-in", 1, topic, sizeof topic);
    kit_topic("bus-dl", 1, dl, sizeof dl);
    kit_topic("bus-dl2", 1, dl2, sizeof dl2);
    kit_group("bus-dl-group", group, sizeof group);
    kit_group("bus-dl-reader", group2, sizeof group2);

    /* good 0, not JSON, missing field, binary, rejected by the handler, good 1 */
    bus_producer *p = kit_producer(NULL, NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    kit_envelope(KEY, 0, &buf);
    CHECK_INT_EQ(bus_producer_send(p, topic, KEY, strlen(KEY), buf.data, buf.len, NULL), 0);
    const char not_json[] = "{\"version\":\"0\", oops";
    CHECK_INT_EQ(bus_producer_send(p, topic, KEY, strlen(KEY), not_json, strlen(not_json), NULL),
                 0);
    const char missing[] = "{\"version\":\"0\",\"id\":\"6a7e8feb-b491-4cf7-a9f1-bf3703467718\","
                           "\"source\":\"x\",\"account\":\"123456789012\","
                           "\"time\":\"2017-04-22T03:31:47Z\",\"region\":\"us-east-1\","
                           "\"resources\":[],\"detail\":{}}";
    CHECK_INT_EQ(bus_producer_send(p, topic, KEY, strlen(KEY), missing, strlen(missing), NULL), 0);
    const unsigned char binary[] = {0x00, 0xff, 0x10, 0x80};
    CHECK_INT_EQ(bus_producer_send(p, topic, NULL, 0, binary, sizeof binary, NULL), 0);
    kit_envelope(KEY, 99, &buf);
    CHECK_INT_EQ(bus_producer_send(p, topic, KEY, strlen(KEY), buf.data, buf.len, NULL), 0);
    kit_envelope(KEY, 1, &buf);
    CHECK_INT_EQ(bus_producer_send(p, topic, KEY, strlen(KEY), buf.data, buf.len, NULL), 0);
    CHECK_INT_EQ(bus_producer_flush(p, 15000), SLUICE_OK);

    /* The consumer makes its own dead-letter producer (none passed in). */
    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    cfg.source = "sluice.orchestrator";
    bus_consumer *c = kit_consumer(&cfg);
    good_state good;
    memset(&good, 0, sizeof good);
    bus_consumer_stats stats;
    memset(&stats, 0, sizeof stats);
    int64_t deadline = kit_now_ms() + 20000;
    while ((good.n < 2 || stats.deadlettered < 4) && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(c, handle_good, &good, 100) < 0) {
            break;
        }
        bus_consumer_get_stats(c, &stats);
    }
    CHECK_INT_EQ(good.n, 2);
    CHECK_INT_EQ(good.seqs[0], 0);
    CHECK_INT_EQ(good.seqs[1], 1); /* carried on past every bad message */
    CHECK_INT_EQ(stats.deadlettered, 4);
    CHECK_INT_EQ(stats.handled, 2);
    CHECK_INT_EQ(stats.retried, 0);
    bus_consumer_free(c);

    /* Read the dead letters back as ordinary envelopes. */
    const char *dl_topics[] = {dl};
    bus_consumer_config rcfg;
    kit_consumer_config(&rcfg, dl_topics, 1, group2, dl2);
    bus_consumer *reader = kit_consumer(&rcfg);
    dead_state dead;
    memset(&dead, 0, sizeof dead);
    deadline = kit_now_ms() + 20000;
    while (dead.n < 4 && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(reader, collect_dead, &dead, 100) < 0) {
            break;
        }
    }
    REQUIRE(dead.n == 4);

    static const struct {
        int64_t offset;
        const char *reason;
        const char *payload;
        const char *encoding;
        bool has_key;
    } want[4] = {
        {1, "not JSON: string or '}' expected near 'oops' (line 1, column 20)",
         "{\"version\":\"0\", oops", "text", true},
        {2, "missing field \"detail-type\"", NULL, "text", true},
        {3, "not JSON: NUL byte at offset 0", "AP8QgA==", "base64", false},
        {4, "unknown pipeline \"pipeline-dl\"", NULL, "text", true},
    };
    for (size_t i = 0; i < 4; i++) {
        json_t *d = dead.details[i];
        CHECK_STR_EQ(dead.sources[i], "sluice.orchestrator");
        CHECK_STR_EQ(str(d, "topic"), topic);
        CHECK_INT_EQ(json_integer_value(json_object_get(d, "partition")), 0);
        CHECK_INT_EQ(json_integer_value(json_object_get(d, "offset")), want[i].offset);
        CHECK_STR_EQ(str(d, "consumerGroup"), group);
        CHECK_STR_EQ(str(d, "payloadEncoding"), want[i].encoding);
        CHECK(json_is_false(json_object_get(d, "truncated")));
        if (want[i].has_key) {
            CHECK_STR_EQ(str(d, "key"), KEY);
            CHECK_STR_EQ(str(d, "keyEncoding"), "text");
        } else {
            CHECK(json_is_null(json_object_get(d, "key")));
        }
        if (want[i].payload != NULL) {
            CHECK_STR_EQ(str(d, "payload"), want[i].payload);
        }
    }
    /* Reasons: checked apart so a jansson wording change shows plainly. */
    CHECK_STR_EQ(str(dead.details[0], "reason"), want[0].reason);
    CHECK_STR_EQ(str(dead.details[1], "reason"), want[1].reason);
    CHECK_STR_EQ(str(dead.details[2], "reason"), want[2].reason);
    CHECK_STR_EQ(str(dead.details[3], "reason"), want[3].reason);
    CHECK_STR_EQ(str(dead.details[1], "payload"), missing);
    CHECK_INT_EQ(json_integer_value(json_object_get(dead.details[2], "payloadBytes")), 4);

    for (size_t i = 0; i < dead.n; i++) {
        json_decref(dead.details[i]);
    }
    bus_consumer_free(reader);
    sluice_buf_free(&buf);
    bus_producer_free(p);
}

int main(void)
{
    RUN_TEST(test_malformed_to_deadletter);
    return sluice_test_report();
}
