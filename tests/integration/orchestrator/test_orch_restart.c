/*
 * test_orch_restart.c — what an orchestrator restart must not lose: the
 * failures counted so far of an outbox op refused for good, and the requests
 * a pipeline parked while its outbox could not be carried out.
 *
 * The jobs topic gets max.message.bytes=512, so the broker refuses every job.
 * One replica, 20 attempts 300 ms apart (SLUICE_CONFIG_FILE), SIGKILLed and
 * started again:
 *   - counts: once the stored record (sluice:{p}:retry) of the failing entry
 *     shows 3 refusals, the replica is killed; the replica started after it
 *     goes on from there (the record never shows fewer refusals of that
 *     entry) until the job is dead-lettered, and the record is then gone
 *     with the outbox;
 *   - parked: a request sent while the job is refused is parked, its offset
 *     committed, the pipeline noted in the parked set; the replica is killed,
 *     the topic's limit lifted and a replica started again — with no further
 *     request of that pipeline (its jobs are held, so no job result comes
 *     in), the sweep carries the outbox out and steps the parked request,
 *     which is answered, and the note is removed.
 */
#include "orch_kit.h"
#include "pipelines.h"
#include "sluice_test.h"

#include "sluice/error.h"
#include "sluice/state_key.h"
#include "sluice/state_redis.h"

#include <hiredis/hiredis.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_MS  30000
#define ATTEMPTS 20

static orch_kit kit;
static char config_path[256];
static char config_env[300];

static kit_job_answer hold_all(const json_t *job, void *ctx)
{
    (void)job;
    (void)ctx;
    return KIT_JOB_HOLD;
}

/* The stored failures record of pipeline: its refusals of entry (into entry), -1 when absent. */
static int stored_refusals(const char *pipeline, char *entry, size_t entrylen)
{
    char key[STATE_KEY_MAX + 1];
    if (state_key_build(key, sizeof key, pipeline, STATE_KEY_RETRY) != SLUICE_OK) {
        return -1;
    }
    redisReply *reply = NULL;
    int permanent = -1;
    if (state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "GET %s", key) == SLUICE_OK &&
        reply->type == REDIS_REPLY_STRING) {
        int version = 0;
        char id[64] = "";
        int failures = 0;
        int op = 0;
        if (sscanf(reply->str, "%d %63s %d %d %d", &version, id, &failures, &permanent, &op) != 5) {
            permanent = -1;
        }
        snprintf(entry, entrylen, "%s", id);
    }
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return permanent;
}

static long long redis_integer(const char *command, const char *key, const char *arg)
{
    redisReply *reply = NULL;
    long long v = -1;
    int rc = arg != NULL
                 ? state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "%s %s %s", command,
                                       key, arg)
                 : state_redis_command(kit.redis, STATE_REDIS_RETRY, &reply, "%s %s", command, key);
    if (rc == SLUICE_OK && reply->type == REDIS_REPLY_INTEGER) {
        v = reply->integer;
    }
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return v;
}

static long long outbox_len(const char *pipeline)
{
    char key[STATE_KEY_MAX + 1];
    if (state_key_build(key, sizeof key, pipeline, STATE_KEY_OUTBOX) != SLUICE_OK) {
        return -1;
    }
    return redis_integer("XLEN", key, NULL);
}

static void parked_set(char *out, size_t outlen)
{
    snprintf(out, outlen, "%s:%s", STATE_KEY_PARKED,
             bus_topics_get(&kit.topics, BUS_TOPICS_REQUESTS));
}

static void test_counts_survive_a_restart(void)
{
    const char *p = "restart-counts";
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char start_id[KIT_ID_LEN + 1];
    kit_request(&kit, p, json_pack("{s:s}", "type", "StartPipelineExecution"), start_id);

    char entry[64] = "";
    int before = -1;
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (before < 3 && kit_now_ms() < deadline) {
        kit_pump(&kit, 20);
        before = stored_refusals(p, entry, sizeof entry);
    }
    REQUIRE(before >= 3);
    kit_orch_kill(&kit, 0, SIGKILL);
    /* What the record said when the replica died (it may have counted once more meanwhile). */
    before = stored_refusals(p, entry, sizeof entry);
    fprintf(stderr, "killed after %d refusal(s) of outbox entry %s\n", before, entry);
    REQUIRE(before >= 3 && before < ATTEMPTS);
    kit_orch_start(&kit, 0, config_env);

    /* The count goes on: it never drops below what the record held, until the dead letter. */
    int lowest = before;
    int highest = before;
    char now_entry[64] = "";
    deadline = kit_now_ms() + WAIT_MS;
    while (outbox_len(p) != 0 && kit_now_ms() < deadline) {
        kit_pump(&kit, 20);
        int seen = stored_refusals(p, now_entry, sizeof now_entry);
        if (seen >= 0 && strcmp(now_entry, entry) == 0) {
            lowest = seen < lowest ? seen : lowest;
            highest = seen > highest ? seen : highest;
        }
    }
    fprintf(stderr, "after the restart: refusals %d..%d of %d\n", lowest, highest, ATTEMPTS);
    CHECK_INT_EQ(outbox_len(p), 0);
    CHECK_INT_EQ(lowest, before);
    CHECK(highest > before);
    CHECK_INT_EQ(stored_refusals(p, now_entry, sizeof now_entry), -1); /* gone with the entry */
    json_t *reply = kit_reply(&kit, p, start_id, WAIT_MS);
    CHECK(reply != NULL);
    json_decref(reply);
}

static void test_parked_stepped_after_a_restart(void)
{
    const char *p = "restart-parked";
    char set[STATE_KEY_MAX + 1];
    parked_set(set, sizeof set);
    kit.policy = hold_all;
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    int32_t partition = kit_partition_of(p);
    char start_id[KIT_ID_LEN + 1];
    kit_request(&kit, p, json_pack("{s:s}", "type", "StartPipelineExecution"), start_id);
    char entry[64] = "";
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (stored_refusals(p, entry, sizeof entry) < 1 && kit_now_ms() < deadline) {
        kit_pump(&kit, 20);
    }
    REQUIRE(stored_refusals(p, entry, sizeof entry) >= 1);
    char disable_id[KIT_ID_LEN + 1];
    kit_request(&kit, p,
                json_pack("{s:s, s:s, s:s, s:s}", "type", "DisableStageTransition", "stageName",
                          "Deploy", "transitionType", "Inbound", "reason",
                          "parked, then a restart"),
                disable_id);
    bool committed_parked = false;
    int64_t committed = -1;
    int64_t end = -1;
    deadline = kit_now_ms() + WAIT_MS;
    while (!committed_parked && kit_now_ms() < deadline) {
        kit_pump(&kit, 20);
        committed_parked = kit_offsets(&kit, partition, &committed, &end) && committed == end &&
                           redis_integer("SISMEMBER", set, p) == 1;
    }
    REQUIRE(committed_parked);
    kit_orch_kill(&kit, 0, SIGKILL);
    int refused = stored_refusals(p, entry, sizeof entry);
    fprintf(stderr, "killed with the request parked (offset %lld committed), %d refusal(s)\n",
            (long long)committed, refused);
    REQUIRE(refused >= 1 && refused < ATTEMPTS); /* the job was not dead-lettered yet */
    REQUIRE(kit_topic_max_bytes(&kit, bus_topics_get(&kit.topics, BUS_TOPICS_JOBS), "1048588"));
    kit_orch_start(&kit, 0, config_env);

    /* No request of p comes in: the sweep carries the outbox out and steps the parked one. */
    json_t *reply = kit_reply(&kit, p, disable_id, WAIT_MS);
    REQUIRE(reply != NULL);
    CHECK(json_object_get(reply, "exception") == NULL);
    json_decref(reply);
    CHECK(kit_wait_job(&kit, NULL, "Source", WAIT_MS) != NULL); /* the job went out */
    deadline = kit_now_ms() + WAIT_MS;
    while (redis_integer("SISMEMBER", set, p) != 0 && kit_now_ms() < deadline) {
        kit_pump(&kit, 100);
    }
    CHECK_INT_EQ(redis_integer("SISMEMBER", set, p), 0);
    CHECK_INT_EQ(outbox_len(p), 0);
    kit.policy = NULL;
}

int main(void)
{
    kit_init(&kit, "orchrs");
    snprintf(config_path, sizeof config_path, "/tmp/%sconf", kit.prefix);
    FILE *f = fopen(config_path, "w");
    if (f == NULL) {
        fprintf(stderr, "cannot write %s\n", config_path);
        return 1;
    }
    fprintf(f,
            "SLUICE_OUTBOX_RETRY_ATTEMPTS=%d\nSLUICE_OUTBOX_RETRY_BACKOFF_MS=300\n"
            "SLUICE_OUTBOX_RETRY_BACKOFF_MAX_MS=300\n",
            ATTEMPTS);
    fclose(f);
    snprintf(config_env, sizeof config_env, "SLUICE_CONFIG_FILE=%s", config_path);
    if (!kit_topic_max_bytes(&kit, bus_topics_get(&kit.topics, BUS_TOPICS_JOBS), "512")) {
        fprintf(stderr, "cannot limit the jobs topic\n");
        return 1;
    }
    kit_orch_start(&kit, 0, config_env);
    RUN_TEST(test_counts_survive_a_restart);
    RUN_TEST(test_parked_stepped_after_a_restart);
    kit_free(&kit);
    unlink(config_path);
    return sluice_test_report();
}
