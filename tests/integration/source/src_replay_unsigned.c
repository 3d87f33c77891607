/*
 * src_replay_unsigned — for int_source_service: takes a real Source job off
 * the jobs topic (the orchestrator's, signed), writes its bytes back to the
 * topic without the signature headers, and waits for sluice-source's
 * consumer group to dead-letter that copy. librdkafka directly: no Sluice
 * bus library between the test and the bytes on the topic.
 *
 *   src_replay_unsigned BROKERS JOBS_TOPIC DEADLETTER_TOPIC SOURCE_GROUP MATCH
 *
 * MATCH is a substring of the job to copy (e.g. its pipeline's name). Prints
 * the dead letter's reason on stdout; exit 0 when the copy was dead-lettered
 * by SOURCE_GROUP within 30 s, 1 otherwise (a message on stderr says why).
 */
#include "sluice/bus_sign.h"

#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_S 30

/* A job's bytes, copied: librdkafka's destroy waits for every message it handed out. */
typedef struct job_copy {
    void *key;
    size_t key_len;
    void *payload;
    size_t len;
} job_copy;

static int64_t replayed_offset = -1;
static int32_t replayed_partition = -1;

/* Whether bytes[0..len) hold text. */
static int holds(const void *bytes, size_t len, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (memcmp((const char *)bytes + i, text, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        replayed_offset = msg->offset;
        replayed_partition = msg->partition;
    }
}

/* A consumer of topic from its beginning, in a group of its own. NULL after printing why. */
static rd_kafka_t *reader_new(const char *brokers, const char *topic, const char *group)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
        fprintf(stderr, "consumer configuration: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "consumer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "subscribe %s: %s\n", topic, rd_kafka_err2str(rc));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

static void reader_free(rd_kafka_t *rk)
{
    if (rk != NULL) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
}

/* Copies the first signed message of jobs_topic whose payload holds match into out. 0, or -1. */
static int find_job(const char *brokers, const char *jobs_topic, const char *match, time_t deadline,
                    job_copy *out)
{
    char group[128];
    snprintf(group, sizeof group, "replay-jobs-%ld", (long)time(NULL));
    rd_kafka_t *rk = reader_new(brokers, jobs_topic, group);
    rd_kafka_message_t *found = NULL;
    while (rk != NULL && found == NULL && time(NULL) < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 200);
        if (msg == NULL) {
            continue;
        }
        if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && msg->payload != NULL &&
            holds(msg->payload, msg->len, match)) {
            found = msg;
        } else {
            rd_kafka_message_destroy(msg);
        }
    }
    if (found != NULL) {
        rd_kafka_headers_t *hdrs = NULL;
        const void *value = NULL;
        size_t size = 0;
        if (rd_kafka_message_headers(found, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            rd_kafka_header_get_last(hdrs, BUS_SIGN_HEADER_SIGNATURE, &value, &size) !=
                RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "the job found is not signed: the orchestrator should sign it\n");
            rd_kafka_message_destroy(found);
            found = NULL;
        }
    }
    int rc = -1;
    if (found != NULL) {
        out->key_len = found->key_len;
        out->len = found->len;
        out->key = malloc(found->key_len + 1);
        out->payload = malloc(found->len + 1);
        if (out->key != NULL && out->payload != NULL) {
            memcpy(out->key, found->key, found->key_len);
            memcpy(out->payload, found->payload, found->len);
            rc = 0;
        }
        rd_kafka_message_destroy(found);
    }
    reader_free(rk);
    return rc;
}

/* Writes payload and key to topic with no headers; the offset it got, or -1. */
static int64_t replay(const char *brokers, const char *topic, const job_copy *job)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
        fprintf(stderr, "producer configuration: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "producer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_resp_err_t rc =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(job->key, job->key_len),
                          RD_KAFKA_V_VALUE(job->payload, job->len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_flush(rk, 10000);
    } else {
        fprintf(stderr, "produce: %s\n", rd_kafka_err2str(rc));
    }
    rd_kafka_destroy(rk);
    return replayed_offset;
}

/* Waits for group's dead letter of (topic, partition, offset); prints its reason. 0 when found. */
static int wait_letter(const char *brokers, const char *letters_topic, const char *topic,
                       const char *group, int32_t partition, int64_t offset, time_t deadline)
{
    char own[128];
    snprintf(own, sizeof own, "replay-letters-%ld", (long)time(NULL));
    rd_kafka_t *rk = reader_new(brokers, letters_topic, own);
    int rc = 1;
    while (rk != NULL && rc != 0 && time(NULL) < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 200);
        if (msg == NULL) {
            continue;
        }
        json_t *env = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && msg->payload != NULL
                          ? json_loadb(msg->payload, msg->len, 0, NULL)
                          : NULL;
        json_t *detail = json_object_get(env, "detail");
        const char *from = json_string_value(json_object_get(detail, "topic"));
        const char *by = json_string_value(json_object_get(detail, "consumerGroup"));
        const char *reason = json_string_value(json_object_get(detail, "reason"));
        json_int_t at = json_integer_value(json_object_get(detail, "offset"));
        json_int_t in = json_integer_value(json_object_get(detail, "partition"));
        if (from != NULL && by != NULL && reason != NULL && strcmp(from, topic) == 0 &&
            strcmp(by, group) == 0 && at == offset && in == partition) {
            printf("%s\n", reason);
            rc = 0;
        }
        json_decref(env);
        rd_kafka_message_destroy(msg);
    }
    reader_free(rk);
    if (rc != 0) {
        fprintf(stderr, "no dead letter of %s offset %" PRId64 " by %s within %d s\n", topic,
                offset, group, WAIT_S);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s BROKERS JOBS_TOPIC DEADLETTER_TOPIC SOURCE_GROUP MATCH\n",
                argv[0]);
        return 1;
    }
    time_t deadline = time(NULL) + WAIT_S;
    job_copy job = {0};
    if (find_job(argv[1], argv[2], argv[5], deadline, &job) != 0) {
        fprintf(stderr, "no signed job holding \"%s\" on %s\n", argv[5], argv[2]);
        free(job.key);
        free(job.payload);
        return 1;
    }
    int64_t offset = replay(argv[1], argv[2], &job);
    free(job.key);
    free(job.payload);
    if (offset < 0) {
        fprintf(stderr, "the unsigned copy was not stored\n");
        return 1;
    }
    return wait_letter(argv[1], argv[3], argv[2], argv[4], replayed_partition, offset, deadline);
}
