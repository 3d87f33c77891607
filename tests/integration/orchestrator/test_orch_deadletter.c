/*
 * test_orch_deadletter.c — an outbox op the broker refuses for good is
 * retried a bounded number of times, then dead-lettered with its reason, and
 * the pipeline moves on. The jobs topic is given max.message.bytes=512, so
 * the broker answers every job with MESSAGE_TOO_LARGE: the job ends up in
 * the dead-letter topic (its destination, the reason, the job itself), and
 * the pipeline's next request, a StopPipelineExecution, is answered and
 * stops the execution instead of waiting behind the refused job. A request
 * sent while the job is being refused is parked: the partition's committed
 * offset reaches its end before the dead letter, and the request is
 * answered once the job is passed. Then a
 * Redis refusal: a history archive answered WRONGTYPE is dead-lettered and
 * the pipeline goes on. One replica, five attempts 50 ms apart doubling.
 */
#include "orch_kit.h"
#include "pipelines.h"
#include "sluice_test.h"

#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"

#include <hiredis/hiredis.h>

#include <stdio.h>
#include <string.h>

#define WAIT_MS 30000

static orch_kit kit;

static bool topic_max_bytes(const char *topic, const char *bytes)
{
    return kit_topic_max_bytes(&kit, topic, bytes);
}

typedef struct seen_letter {
    const char *want; /* the destination looked for */
    char topic[200];
    char reason[1100];
    char payload[4096];
    int count;
} seen_letter;

static bus_consumer_verdict on_letter(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen)
{
    (void)reason;
    (void)reasonlen;
    seen_letter *seen = ctx;
    const json_t *detail = msg->envelope->detail;
    if (strcmp(msg->envelope->detail_type, PROTOCOL_DETAIL_DEAD_LETTER) != 0) {
        return BUS_CONSUMER_DONE;
    }
    const char *topic = json_string_value(json_object_get(detail, "topic"));
    if (topic == NULL || strcmp(topic, seen->want) != 0) {
        return BUS_CONSUMER_DONE;
    }
    seen->count++;
    snprintf(seen->topic, sizeof seen->topic, "%s", topic);
    const char *why = json_string_value(json_object_get(detail, "reason"));
    snprintf(seen->reason, sizeof seen->reason, "%s", why != NULL ? why : "");
    const char *payload = json_string_value(json_object_get(detail, "payload"));
    snprintf(seen->payload, sizeof seen->payload, "%s", payload != NULL ? payload : "");
    return BUS_CONSUMER_DONE;
}

static bus_consumer *letters_consumer(void)
{
    char group[160];
    snprintf(group, sizeof group, "%s-letters", kit.group);
    const char *topics[1] = {bus_topics_get(&kit.topics, BUS_TOPICS_DEADLETTER)};
    bus_consumer_config cfg;
    bus_consumer_config_init(&cfg);
    cfg.brokers = kit.brokers;
    cfg.group_id = group;
    cfg.topics = topics;
    cfg.ntopics = 1;
    cfg.session_timeout_ms = 6000;
    cfg.heartbeat_interval_ms = 1000;
    cfg.deadletter_topic = topics[0];
    cfg.deadletter_producer = kit.producer;
    bus_consumer *c = NULL;
    char err[512];
    if (bus_consumer_new(&cfg, &c, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "letters consumer: %s\n", err);
        return NULL;
    }
    return c;
}

static void test_refused_job_is_dead_lettered(void)
{
    const char *p = "refused";
    bus_consumer *letters = letters_consumer();
    REQUIRE(letters != NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    int32_t partition = kit_partition_of(p);
    char start_id[KIT_ID_LEN + 1];
    kit_request(&kit, p, json_pack("{s:s}", "type", "StartPipelineExecution"), start_id);
    kit_pump(&kit, 500);
    /* Sent while the job is being refused: parked behind it, its offset committed. */
    char disable_id[KIT_ID_LEN + 1];
    kit_request(&kit, p,
                json_pack("{s:s, s:s, s:s, s:s}", "type", "DisableStageTransition", "stageName",
                          "Deploy", "transitionType", "Inbound", "reason", "parked meanwhile"),
                disable_id);

    seen_letter seen = {.want = bus_topics_get(&kit.topics, BUS_TOPICS_JOBS)};
    bool committed_while_waiting = false;
    int64_t committed = -1;
    int64_t end = -1;
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (seen.count == 0 && kit_now_ms() < deadline) {
        (void)bus_consumer_run_once(letters, on_letter, &seen, 100);
        kit_pump(&kit, 50);
        if (seen.count == 0 && !committed_while_waiting &&
            kit_offsets(&kit, partition, &committed, &end) && committed == end) {
            committed_while_waiting = true;
        }
    }
    fprintf(stderr, "partition %d: committed %lld of %lld while the job was refused\n",
            (int)partition, (long long)committed, (long long)end);
    REQUIRE(seen.count >= 1);
    CHECK(committed_while_waiting);
    json_t *reply = kit_reply(&kit, p, start_id, WAIT_MS);
    REQUIRE(reply != NULL);
    char x[KIT_ID_LEN + 1];
    snprintf(
        x, sizeof x, "%s",
        json_string_value(json_object_get(json_object_get(reply, "body"), "pipelineExecutionId")));
    json_decref(reply);
    reply = kit_reply(&kit, p, disable_id, WAIT_MS); /* stepped once the job was passed */
    REQUIRE(reply != NULL);
    CHECK(json_object_get(reply, "exception") == NULL);
    json_decref(reply);
    CHECK_STR_CONTAINS(seen.reason, "refused 5 times");
    CHECK_STR_CONTAINS(seen.reason, "too large");
    CHECK_STR_CONTAINS(seen.payload, x); /* the job itself, of this execution */
    CHECK_INT_EQ(kit_count_jobs(&kit, x, NULL), 0);

    /* Not stuck: the pipeline's next request is stepped and answered. */
    char exception[128];
    const char *answer = kit_call(&kit, p,
                                  json_pack("{s:s, s:s, s:b}", "type", "StopPipelineExecution",
                                            "pipelineExecutionId", x, "abandon", 1),
                                  exception, sizeof exception);
    REQUIRE(answer != NULL);
    CHECK_STR_EQ(answer, "");
    REQUIRE(kit_wait_pipeline(&kit, x, "STOPPED", WAIT_MS));
    bus_consumer_free(letters);
    REQUIRE(topic_max_bytes(bus_topics_get(&kit.topics, BUS_TOPICS_JOBS), "1048588"));
}

/*
 * A Redis refusal: the pipeline's history hash is a string, so archiving the
 * finished execution answers WRONGTYPE. The archive op is dead-lettered
 * (destination redis:history) and the pipeline runs its next execution.
 */
static void test_refused_archive_is_dead_lettered(void)
{
    const char *p = "wrongtype";
    char key[STATE_KEY_MAX + 1];
    REQUIRE(state_key_build(key, sizeof key, p, STATE_KEY_EXECUTIONS) == SLUICE_OK);
    redisReply *reply = NULL;
    REQUIRE(state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "SET %s %s", key,
                                "not a hash") == SLUICE_OK);
    freeReplyObject(reply);
    bus_consumer *letters = letters_consumer();
    REQUIRE(letters != NULL);
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    REQUIRE(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));

    seen_letter seen = {.want = "redis:history"};
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (seen.count == 0 && kit_now_ms() < deadline) {
        (void)bus_consumer_run_once(letters, on_letter, &seen, 100);
        kit_pump(&kit, 50);
    }
    REQUIRE(seen.count >= 1);
    CHECK_STR_CONTAINS(seen.reason, "refused 5 times");
    CHECK_STR_CONTAINS(seen.reason, "WRONGTYPE");
    CHECK_STR_CONTAINS(seen.payload, x);

    char y[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, y));
    REQUIRE(kit_wait_pipeline(&kit, y, "SUCCEEDED", WAIT_MS));

    /* y's archive is refused too: once it is dead-lettered, no outbox entry is left. */
    char outbox[STATE_KEY_MAX + 1];
    REQUIRE(state_key_build(outbox, sizeof outbox, p, STATE_KEY_OUTBOX) == SLUICE_OK);
    long long left = 1;
    deadline = kit_now_ms() + WAIT_MS;
    while (left != 0 && kit_now_ms() < deadline) {
        kit_pump(&kit, 200);
        reply = NULL;
        if (state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "XLEN %s", outbox) ==
            SLUICE_OK) {
            left = reply->integer;
        }
        freeReplyObject(reply);
    }
    CHECK_INT_EQ(left, 0);
    reply = NULL;
    (void)state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "DEL %s", key);
    freeReplyObject(reply);
    bus_consumer_free(letters);
}

int main(void)
{
    kit_init(&kit, "orchdl");
    if (!topic_max_bytes(bus_topics_get(&kit.topics, BUS_TOPICS_JOBS), "512")) {
        fprintf(stderr, "cannot limit the jobs topic\n");
        return 1;
    }
    kit_orch_start(&kit, 0, "SLUICE_OUTBOX_RETRY_BACKOFF_MS=50");
    RUN_TEST(test_refused_job_is_dead_lettered);
    RUN_TEST(test_refused_archive_is_dead_lettered);
    kit_free(&kit);
    return sluice_test_report();
}
