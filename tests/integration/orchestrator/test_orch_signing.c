/*
 * test_orch_signing.c — only signed messages move the orchestrator.
 *
 * A raw librdkafka producer (no Sluice library in the way) writes well-formed
 * envelopes to the requests topic: an unsigned StartPipelineExecution and an
 * unsigned JobResult for a job that is running are dead-lettered with the
 * reason "unsigned message", no execution starts, the job does not move; a
 * request signed with a retired key (not in the orchestrator's key file any
 * more) is refused as an unknown key id; a job's signature replayed on the
 * requests topic is a bad signature; a request signed with the second key
 * of the file is accepted and starts an execution; the orchestrator's
 * /metrics counts each refusal by reason. The orchestrator runs
 * with its own key file: the fixture's test key first (the kit signs with
 * it), a second key after it.
 *
 * Also: sluice-orchestrator and sluice-api refuse to start, with a non-zero
 * status and a message naming the file, when SLUICE_BUS_KEY_FILE is unset,
 * names a missing file, or a file of mode 0644.
 */
#include "orch_kit.h"
#include "pipelines.h"
#include "sluice_test.h"
#include "testenv.h"

#include "sluice/bus_envelope.h"
#include "sluice/bus_sign.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/http_client.h"
#include "sluice/id.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS     30000
#define SECOND_HEX  "5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0d5ec0"
#define RETIRED_HEX "7e71fed07e71fed07e71fed07e71fed07e71fed07e71fed07e71fed07e71fed0"
#define LETTERS_MAX 16

static orch_kit kit;
static char dir[64];
static char key_file[128];
static bus_sign_keys *second_key;  /* "second", in the orchestrator's file after the test key */
static bus_sign_keys *retired_key; /* "retired", in no file */

/* ---- the raw producer ---------------------------------------------------------- */

/* Writes one message with librdkafka directly; key_id / sig NULL: no headers. */
static void raw_send(const char *topic, const char *key, const sluice_buf *payload,
                     const char *key_id, const char *sig)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", kit.brokers, err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk != NULL);
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(2);
    if (key_id != NULL) {
        rd_kafka_header_add(hdrs, BUS_SIGN_HEADER_KEY_ID, -1, key_id, (ssize_t)strlen(key_id));
    }
    if (sig != NULL) {
        rd_kafka_header_add(hdrs, BUS_SIGN_HEADER_SIGNATURE, -1, sig, (ssize_t)strlen(sig));
    }
    rd_kafka_resp_err_t rc = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
        RD_KAFKA_V_VALUE(payload->data, payload->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(hdrs); /* not taken over on failure */
    }
    CHECK_INT_EQ(rc, RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK_INT_EQ(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

/* A well-formed request envelope for pipeline (detail gets pipeline, requestId, requestedBy). */
static void request_text(const char *pipeline, json_t *detail, char id[KIT_ID_LEN + 1],
                         sluice_buf *out)
{
    sluice_uuid_v4(id);
    json_object_set_new(detail, "pipeline", json_string(pipeline));
    json_object_set_new(detail, "requestId", json_string(id));
    json_object_set_new(detail, "requestedBy", json_string("arn:aws:iam::123456789012:user/evil"));
    char arn[PROTOCOL_ARN_MAX];
    (void)protocol_arn_pipeline(arn, sizeof arn, "us-east-1", "123456789012", pipeline);
    const char *resources[1] = {arn};
    const char *type = json_string_value(json_object_get(detail, "type"));
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = strcmp(type, PROTOCOL_REQUEST_JOB_RESULT) == 0 ? PROTOCOL_DETAIL_JOB_RESULT
                                                                      : PROTOCOL_DETAIL_REQUEST,
        .source = "sluice.test",
        .account = "123456789012",
        .region = "us-east-1",
        .time_ms = sluice_time_now_ms(),
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    bus_envelope *env = NULL;
    char err[256];
    REQUIRE(bus_envelope_new(&spec, &env, err, sizeof err) == SLUICE_OK);
    sluice_buf_init(out, 1 << 20);
    REQUIRE(bus_envelope_encode(env, out) == SLUICE_OK);
    bus_envelope_free(env);
    json_decref(detail);
}

/* ---- dead letters ----------------------------------------------------------------- */

typedef struct letters {
    char reasons[LETTERS_MAX][1100];
    char payloads[LETTERS_MAX][4096];
    int count;
} letters;

static letters seen;
static bus_consumer *letter_consumer;

static bus_consumer_verdict on_letter(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen)
{
    (void)ctx;
    (void)reason;
    (void)reasonlen;
    const json_t *detail = msg->envelope->detail;
    const char *topic = json_string_value(json_object_get(detail, "topic"));
    if (strcmp(msg->envelope->detail_type, PROTOCOL_DETAIL_DEAD_LETTER) != 0 || topic == NULL ||
        strcmp(topic, bus_topics_get(&kit.topics, BUS_TOPICS_REQUESTS)) != 0 ||
        seen.count == LETTERS_MAX) {
        return BUS_CONSUMER_DONE;
    }
    const char *why = json_string_value(json_object_get(detail, "reason"));
    const char *payload = json_string_value(json_object_get(detail, "payload"));
    snprintf(seen.reasons[seen.count], sizeof seen.reasons[0], "%s", why != NULL ? why : "");
    snprintf(seen.payloads[seen.count], sizeof seen.payloads[0], "%s",
             payload != NULL ? payload : "");
    seen.count++;
    return BUS_CONSUMER_DONE;
}

/* Pumps until a dead letter of the requests topic whose payload holds id arrives; its reason. */
static const char *wait_letter(const char *id)
{
    int64_t deadline = kit_now_ms() + WAIT_MS;
    while (kit_now_ms() < deadline) {
        for (int i = 0; i < seen.count; i++) {
            if (strstr(seen.payloads[i], id) != NULL) {
                return seen.reasons[i];
            }
        }
        bus_consumer_run_once(letter_consumer, on_letter, NULL, 100);
        kit_pump(&kit, 50);
    }
    return NULL;
}

static bus_consumer *make_letter_consumer(void)
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

/* ---- tests --------------------------------------------------------------------------- */

static kit_job_answer hold_all(const json_t *job, void *ctx)
{
    (void)job;
    (void)ctx;
    return KIT_JOB_HOLD;
}

static void test_unsigned_start_is_dead_lettered(void)
{
    const char *p = "unsigned-start";
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char id[KIT_ID_LEN + 1];
    sluice_buf text;
    request_text(p, json_pack("{s:s}", "type", "StartPipelineExecution"), id, &text);
    const char *requests = bus_topics_get(&kit.topics, BUS_TOPICS_REQUESTS);
    raw_send(requests, p, &text, NULL, NULL);
    sluice_buf_free(&text);
    const char *reason = wait_letter(id);
    REQUIRE(reason != NULL);
    CHECK_STR_CONTAINS(reason, "unsigned message: no sluice-key-id header");
    /* No reply, no execution, no job. */
    json_t *reply = kit_reply(&kit, p, id, 1500);
    CHECK(reply == NULL);
    json_decref(reply);
    CHECK_INT_EQ((int)kit_count(&kit, 'P', NULL, NULL, NULL, NULL), 0);
    CHECK_INT_EQ((int)kit_count_jobs(&kit, NULL, NULL), 0);

    /* A key id without a signature is unsigned too. */
    request_text(p, json_pack("{s:s}", "type", "StartPipelineExecution"), id, &text);
    raw_send(requests, p, &text, bus_sign_keys_signing_id(testenv_bus_keys()), NULL);
    sluice_buf_free(&text);
    reason = wait_letter(id);
    REQUIRE(reason != NULL);
    CHECK_STR_CONTAINS(reason, "no sluice-signature header");
    CHECK_INT_EQ((int)kit_count(&kit, 'P', NULL, NULL, NULL, NULL), 0);
}

static void test_unsigned_job_result_is_dead_lettered(void)
{
    const char *p = "unsigned-result";
    kit.policy = hold_all;
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    char x[KIT_ID_LEN + 1];
    REQUIRE(kit_start(&kit, p, x));
    kit_job *job = kit_wait_job(&kit, x, "Source", WAIT_MS);
    REQUIRE(job != NULL);

    char id[KIT_ID_LEN + 1];
    sluice_buf text;
    request_text(p,
                 json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_JOB_RESULT, "jobId", job->id,
                           "outcome", "Succeeded"),
                 id, &text);
    raw_send(bus_topics_get(&kit.topics, BUS_TOPICS_REQUESTS), p, &text, NULL, NULL);
    sluice_buf_free(&text);
    const char *reason = wait_letter(id);
    REQUIRE(reason != NULL);
    CHECK_STR_CONTAINS(reason, "unsigned message");
    /* The job did not move: the action is still in progress, no later job. */
    kit_pump(&kit, 1500);
    CHECK_INT_EQ((int)kit_count(&kit, 'A', x, "Source", "Source", "SUCCEEDED"), 0);
    CHECK_INT_EQ((int)kit_count_jobs(&kit, x, NULL), 1);

    /* The signed answer moves it (and the runner answers the later jobs). */
    kit.policy = NULL;
    kit_answer_job(&kit, job, true);
    CHECK(kit_wait_event(&kit, 'A', x, "Source", "Source", "SUCCEEDED", WAIT_MS));
    CHECK(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
}

static void test_retired_and_second_keys(void)
{
    const char *p = "rotated-keys";
    kit_define(&kit, p, PIPE_THREE_STAGES("SUPERSEDED"), 1);
    const char *requests = bus_topics_get(&kit.topics, BUS_TOPICS_REQUESTS);
    const char *jobs = bus_topics_get(&kit.topics, BUS_TOPICS_JOBS);
    char sig[BUS_SIGN_SIGNATURE_LEN + 1];
    char id[KIT_ID_LEN + 1];
    sluice_buf text;
    size_t before = kit_count(&kit, 'P', NULL, NULL, NULL, "STARTED");

    /* Retired: a key no longer in the file. */
    request_text(p, json_pack("{s:s}", "type", "StartPipelineExecution"), id, &text);
    REQUIRE(bus_sign_message(retired_key, requests, p, strlen(p), text.data, text.len, sig) ==
            SLUICE_OK);
    raw_send(requests, p, &text, "retired", sig);
    sluice_buf_free(&text);
    const char *reason = wait_letter(id);
    REQUIRE(reason != NULL);
    CHECK_STR_CONTAINS(reason, "unknown key id 'retired'");

    /* A signature made for the jobs topic, replayed on the requests topic. */
    request_text(p, json_pack("{s:s}", "type", "StartPipelineExecution"), id, &text);
    REQUIRE(bus_sign_message(testenv_bus_keys(), jobs, p, strlen(p), text.data, text.len, sig) ==
            SLUICE_OK);
    raw_send(requests, p, &text, bus_sign_keys_signing_id(testenv_bus_keys()), sig);
    sluice_buf_free(&text);
    reason = wait_letter(id);
    REQUIRE(reason != NULL);
    CHECK_STR_CONTAINS(reason, "bad signature");
    CHECK(kit_reply(&kit, p, id, 1000) == NULL);
    CHECK_INT_EQ((int)kit_count(&kit, 'P', NULL, NULL, NULL, "STARTED"), (int)before);

    /* The second key of the file: accepted, the execution starts. */
    request_text(p, json_pack("{s:s}", "type", "StartPipelineExecution"), id, &text);
    REQUIRE(bus_sign_message(second_key, requests, p, strlen(p), text.data, text.len, sig) ==
            SLUICE_OK);
    raw_send(requests, p, &text, "second", sig);
    sluice_buf_free(&text);
    json_t *reply = kit_reply(&kit, p, id, WAIT_MS);
    REQUIRE(reply != NULL);
    const char *x =
        json_string_value(json_object_get(json_object_get(reply, "body"), "pipelineExecutionId"));
    REQUIRE(x != NULL);
    CHECK(kit_wait_pipeline(&kit, x, "SUCCEEDED", WAIT_MS));
    json_decref(reply);
}

static void test_refusals_are_counted(void)
{
    /* Three unsigned (a start, a key id alone, a job result), one retired key, one replay. */
    CHECK(kit_metric(&kit, 0, "sluice_orchestrator_bus_refused_total{reason=\"unsigned\"} ") == 3);
    CHECK(kit_metric(&kit, 0, "sluice_orchestrator_bus_refused_total{reason=\"unknown_key\"} ") ==
          1);
    CHECK(kit_metric(&kit, 0, "sluice_orchestrator_bus_refused_total{reason=\"bad_signature\"} ") ==
          1);
}

/* ---- start-up refusals ------------------------------------------------------------------- */

/* Runs bin with SLUICE_BUS_KEY_FILE=key_file (NULL: unset); its exit status, its output in out. */
static int run_service(const char *bin, const char *bus_key_file, char *out, size_t outlen)
{
    char log[160];
    snprintf(log, sizeof log, "%s/refusal.log", dir);
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setenv("SLUICE_KAFKA_BROKERS", kit.brokers, 1);
        setenv("SLUICE_REDIS_HOST", testenv_require("SLUICE_TEST_REDIS_HOST"), 1);
        setenv("SLUICE_REDIS_PORT", testenv_require("SLUICE_TEST_REDIS_PORT"), 1);
        setenv("SLUICE_TOPIC_PREFIX", kit.prefix, 1);
        setenv("SLUICE_API_PORT", "0", 1);
        setenv("SLUICE_ORCHESTRATOR_PORT", "0", 1);
        setenv("SLUICE_API_CREDENTIALS",
               "AKIASLUICETEST000001:sluice-test-secret-key-000000000000000000:tester:admin", 1);
        setenv("SLUICE_ORCHESTRATOR_ID_KEY_FILE",
               testenv_require("SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE"), 1);
        unsetenv("SLUICE_BUS_KEY_FILE");
        if (bus_key_file != NULL) {
            setenv("SLUICE_BUS_KEY_FILE", bus_key_file, 1);
        }
        execl(bin, bin, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    sluice_buf buf;
    sluice_buf_init(&buf, 1 << 16);
    (void)sluice_fs_read_file(log, &buf);
    snprintf(out, outlen, "%s", sluice_buf_cstr(&buf));
    sluice_buf_free(&buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void check_refusals(const char *bin)
{
    char missing[200];
    char open_file[200];
    static char out[65536];
    snprintf(missing, sizeof missing, "%s/no-such-bus-keys", dir);
    snprintf(open_file, sizeof open_file, "%s/bus-keys-0644", dir);
    FILE *f = fopen(open_file, "w");
    REQUIRE(f != NULL);
    fprintf(f, "k1 %s\n", SECOND_HEX);
    fclose(f);
    REQUIRE(chmod(open_file, 0644) == 0);

    int rc = run_service(bin, NULL, out, sizeof out);
    CHECK(rc != 0);
    CHECK_STR_CONTAINS(out, "SLUICE_BUS_KEY_FILE is required");

    rc = run_service(bin, missing, out, sizeof out);
    CHECK(rc != 0);
    CHECK_STR_CONTAINS(out, missing);

    rc = run_service(bin, open_file, out, sizeof out);
    CHECK(rc != 0);
    CHECK_STR_CONTAINS(out, open_file);
    CHECK_STR_CONTAINS(out, "0644");
    CHECK(strstr(out, SECOND_HEX) == NULL); /* the secret is never echoed */
}

static void test_services_refuse_bad_key_files(void)
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/services/orchestrator/sluice-orchestrator", testenv_binary_dir());
    check_refusals(bin);
    snprintf(bin, sizeof bin, "%s/services/api/sluice-api", testenv_binary_dir());
    check_refusals(bin);
}

/* ---- setup --------------------------------------------------------------------------- */

static bus_sign_keys *parse_keys(const char *text)
{
    bus_sign_keys *keys = NULL;
    char err[256];
    if (bus_sign_keys_parse(text, strlen(text), &keys, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "keys: %s\n", err);
        exit(1);
    }
    return keys;
}

/* The orchestrator's key file: the fixture's key (the kit signs with it), then "second". */
static void write_key_file(void)
{
    sluice_buf text;
    sluice_buf_init(&text, BUS_SIGN_FILE_MAX);
    REQUIRE(sluice_fs_read_file(testenv_require("SLUICE_TEST_BUS_KEY_FILE"), &text) == SLUICE_OK);
    REQUIRE(sluice_buf_appendf(&text, "\nsecond %s\n", SECOND_HEX) == SLUICE_OK);
    snprintf(key_file, sizeof key_file, "%s/bus-keys", dir);
    int fd = open(key_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, text.data, text.len) == (ssize_t)text.len);
    close(fd);
    sluice_buf_free(&text);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/sluice-signing-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    kit_init(&kit, "orchsign");
    second_key = parse_keys("second " SECOND_HEX "\n");
    retired_key = parse_keys("retired " RETIRED_HEX "\n");
    write_key_file();
    letter_consumer = make_letter_consumer();
    if (letter_consumer == NULL) {
        return 1;
    }
    char env[200];
    snprintf(env, sizeof env, "SLUICE_BUS_KEY_FILE=%s", key_file);
    kit_orch_start(&kit, 0, env);
    RUN_TEST(test_unsigned_start_is_dead_lettered);
    RUN_TEST(test_unsigned_job_result_is_dead_lettered);
    RUN_TEST(test_retired_and_second_keys);
    RUN_TEST(test_refusals_are_counted);
    RUN_TEST(test_services_refuse_bad_key_files);
    bus_consumer_close(letter_consumer);
    bus_consumer_free(letter_consumer);
    kit_free(&kit);
    bus_sign_keys_free(second_key);
    bus_sign_keys_free(retired_key);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)system(cmd);
    return sluice_test_report();
}
