/*
 * libs/bus against a real broker: signed messages. A producer with a signer
 * sends a batch, suffers a fatal error with messages in flight (librdkafka's
 * test hook) and sends more: a consumer verifying with the same key set hands
 * every message to its handler — the re-sent ones carry their headers too —
 * and refuses none. A consumer whose key set does not hold the signing key
 * dead-letters every message as "unknown key id" without calling its
 * handler; one holding the key id with another secret dead-letters them as
 * bad signatures; an unsigned producer's messages are refused as unsigned.
 * Each refusal is counted, each dead letter names the reason.
 */
#include "kit.h"
#include "sluice/bus_sign.h"
#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 200
#define TOTAL (2 * BATCH)
#define HEX_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define HEX_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

static bus_sign_keys *keys_of(const char *text)
{
    bus_sign_keys *keys = NULL;
    char err[256];
    if (bus_sign_keys_parse(text, strlen(text), &keys, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "keys: %s\n", err);
        exit(1);
    }
    return keys;
}

static bus_producer *signed_producer(const bus_sign_keys *signer)
{
    bus_producer_config cfg;
    bus_producer_config_init(&cfg);
    cfg.brokers = kit_brokers();
    cfg.client_id = "sluice-test-sign";
    cfg.signer = signer;
    bus_producer *p = NULL;
    char err[512] = "";
    if (bus_producer_new(&cfg, &p, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bus_producer_new: %s\n", err);
        exit(1);
    }
    return p;
}

static bus_consumer_verdict count_handled(const bus_consumer_message *msg, void *ctx, char *reason,
                                          size_t reasonlen)
{
    (void)msg;
    (void)reason;
    (void)reasonlen;
    (*(long *)ctx)++;
    return BUS_CONSUMER_DONE;
}

typedef struct letters {
    long count;
    char reason[1100];
} letters;

static bus_consumer_verdict count_letters(const bus_consumer_message *msg, void *ctx, char *reason,
                                          size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    letters *l = ctx;
    if (strcmp(msg->envelope->detail_type, PROTOCOL_DETAIL_DEAD_LETTER) == 0) {
        l->count++;
        const char *why = json_string_value(json_object_get(msg->envelope->detail, "reason"));
        snprintf(l->reason, sizeof l->reason, "%s", why != NULL ? why : "");
    }
    return BUS_CONSUMER_DONE;
}

static void send_range(bus_producer *p, const char *topic, long from, long to, sluice_buf *buf)
{
    for (long i = from; i < to; i++) {
        char key[32];
        snprintf(key, sizeof key, "pipeline-%ld", i % 3);
        kit_envelope(key, i, buf);
        CHECK_INT_EQ(bus_producer_send(p, topic, key, strlen(key), buf->data, buf->len, NULL),
                     SLUICE_OK);
    }
}

/* Reads topic with verifier until want messages were settled; the consumer's stats. */
static void drain(const char *topic, const bus_sign_keys *verifier, long want, long *handled,
                  bus_consumer_stats *stats)
{
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-sign-dl", 1, dl, sizeof dl);
    kit_group("bus-sign-group", group, sizeof group);
    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    cfg.verifier = verifier;
    bus_consumer *c = kit_consumer(&cfg);
    *handled = 0;
    int64_t deadline = kit_now_ms() + 30000;
    do {
        if (bus_consumer_run_once(c, count_handled, handled, 100) < 0) {
            break;
        }
        bus_consumer_get_stats(c, stats);
    } while (stats->handled + stats->deadlettered < (uint64_t)want && kit_now_ms() < deadline);
    bus_consumer_free(c);
}

/* Reads the dead-letter topic dl until want letters arrived; the last reason in l. */
static void read_letters(const char *dl, long want, letters *l)
{
    char group[KIT_NAME_MAX];
    kit_group("bus-sign-letters", group, sizeof group);
    const char *topics[] = {dl};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    bus_consumer *c = kit_consumer(&cfg);
    memset(l, 0, sizeof *l);
    int64_t deadline = kit_now_ms() + 30000;
    while (l->count < want && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(c, count_letters, l, 100) < 0) {
            break;
        }
    }
    bus_consumer_free(c);
}

static void test_signed_across_fatal_error(void)
{
    bus_sign_keys *signer = keys_of("k1 " HEX_A "\n");
    bus_sign_keys *rotated = keys_of("k2 " HEX_B "\nk1 " HEX_A "\n");
    bus_sign_keys *other = keys_of("k2 " HEX_B "\n");
    bus_sign_keys *impostor = keys_of("k1 " HEX_B "\n");
    char topic[KIT_NAME_MAX];
    kit_topic("bus-sign", 3, topic, sizeof topic);
    bus_producer *p = signed_producer(signer);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    send_range(p, topic, 0, BATCH, &buf);
    bus_producer_poll(p, 5);
    CHECK_INT_EQ(bus_producer_inject_fatal(p, "simulated sequence desynchronization"), SLUICE_OK);
    send_range(p, topic, BATCH, TOTAL, &buf);
    CHECK_INT_EQ(bus_producer_flush(p, 30000), SLUICE_OK);
    bus_producer_stats ps;
    bus_producer_get_stats(p, &ps);
    CHECK(ps.recreated >= 1);
    CHECK(ps.resent >= 1); /* some were re-sent: they must verify as well */

    /* The rotated set (new key first, the old one second) accepts all of them. */
    long handled = 0;
    bus_consumer_stats cs;
    drain(topic, rotated, TOTAL, &handled, &cs);
    CHECK(handled >= TOTAL); /* at least once: a re-sent message may arrive twice */
    CHECK_INT_EQ(cs.deadlettered, 0);
    CHECK_INT_EQ(cs.refused_unsigned + cs.refused_unknown_key + cs.refused_bad_signature, 0);

    /* A set without k1: every message refused before its handler, counted, dead-lettered. */
    drain(topic, other, TOTAL, &handled, &cs);
    CHECK_INT_EQ(handled, 0);
    CHECK(cs.refused_unknown_key >= TOTAL);
    CHECK_INT_EQ(cs.deadlettered, cs.refused_unknown_key);

    /* k1 with another secret: bad signatures. */
    drain(topic, impostor, TOTAL, &handled, &cs);
    CHECK_INT_EQ(handled, 0);
    CHECK(cs.refused_bad_signature >= TOTAL);
    sluice_buf_free(&buf);
    bus_producer_free(p);
    bus_sign_keys_free(signer);
    bus_sign_keys_free(rotated);
    bus_sign_keys_free(other);
    bus_sign_keys_free(impostor);
}

static void test_unsigned_is_dead_lettered_with_reason(void)
{
    bus_sign_keys *verifier = keys_of("k1 " HEX_A "\n");
    char topic[KIT_NAME_MAX];
    char dl[KIT_NAME_MAX];
    char group[KIT_NAME_MAX];
    kit_topic("bus-unsigned", 1, topic, sizeof topic);
    kit_topic("bus-unsigned-dl", 1, dl, sizeof dl);
    kit_group("bus-unsigned-group", group, sizeof group);
    bus_producer *p = signed_producer(NULL);
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_ENVELOPE_MAX_BYTES);
    send_range(p, topic, 0, 3, &buf);
    CHECK_INT_EQ(bus_producer_flush(p, 30000), SLUICE_OK);

    const char *topics[] = {topic};
    bus_consumer_config cfg;
    kit_consumer_config(&cfg, topics, 1, group, dl);
    cfg.verifier = verifier;
    bus_consumer *c = kit_consumer(&cfg);
    long handled = 0;
    bus_consumer_stats cs = {0};
    int64_t deadline = kit_now_ms() + 30000;
    while (cs.deadlettered < 3 && kit_now_ms() < deadline) {
        if (bus_consumer_run_once(c, count_handled, &handled, 100) < 0) {
            break;
        }
        bus_consumer_get_stats(c, &cs);
    }
    bus_consumer_free(c);
    CHECK_INT_EQ(handled, 0);
    CHECK_INT_EQ(cs.refused_unsigned, 3);
    CHECK_INT_EQ(cs.deadlettered, 3);
    letters l;
    read_letters(dl, 3, &l);
    CHECK_INT_EQ(l.count, 3);
    CHECK_STR_CONTAINS(l.reason, "unsigned message: no sluice-key-id header");
    sluice_buf_free(&buf);
    bus_producer_free(p);
    bus_sign_keys_free(verifier);
}

int main(void)
{
    RUN_TEST(test_signed_across_fatal_error);
    RUN_TEST(test_unsigned_is_dead_lettered_with_reason);
    return sluice_test_report();
}
