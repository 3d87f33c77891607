/*
 * bus_admin.c — topic creation through librdkafka's Admin API (see
 * bus_admin.h): CreateTopics on a private queue, then metadata polling until
 * the topics are visible.
 */
#include "sluice/bus_admin.h"

#include "bus_kafka.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ADMIN_MAX_TOPICS        64
#define ADMIN_METADATA_SLICE_MS 1000
#define ADMIN_METADATA_PAUSE_MS 50

#define ADMIN_POLL_SLICE_MS 100

/* What the error callback saw: a refusal ends the wait at once instead of at the deadline. */
typedef struct admin_watch {
    bool refused;
    int code;
    char reason[BUS_KAFKA_ERRSTR_MAX];
} admin_watch;

static void admin_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    admin_watch *w = opaque;
    bus_kafka_log_error(rk, err, reason);
    if (bus_kafka_is_auth_error(err) && !w->refused) {
        w->refused = true;
        w->code = err;
        snprintf(w->reason, sizeof w->reason, "%s", reason);
    }
}

/* Serves the error callback; true (with err set) when the broker refused this client. */
static bool admin_refused(rd_kafka_t *rk, char *err, size_t errlen)
{
    rd_kafka_poll(rk, 0);
    admin_watch *w = rd_kafka_opaque(rk);
    if (!w->refused) {
        return false;
    }
    sluice_error_set(err, errlen, SLUICE_EDENIED, "the broker refused this client (%s): %s",
                     rd_kafka_err2name((rd_kafka_resp_err_t)w->code), w->reason);
    return true;
}

static int admin_remaining_ms(int64_t deadline)
{
    int64_t left = deadline - sluice_time_monotonic_ms();
    return left > 0 ? (int)left : 0;
}

/*
 * Sends CreateTopics and checks every per-topic result. Sets wanted[i] to the
 * partition count topic i must show before it counts as visible: partitions
 * for a topic created now, 1 for one that already existed (its count stays
 * whatever it was).
 */
static int admin_create(rd_kafka_t *rk, const char *const *topics, size_t ntopics, int partitions,
                        int replication_factor, int64_t deadline, int *wanted, char *err,
                        size_t errlen)
{
    int rc = SLUICE_ENOMEM;
    char errstr[BUS_KAFKA_ERRSTR_MAX];
    rd_kafka_NewTopic_t *specs[ADMIN_MAX_TOPICS] = {NULL};
    rd_kafka_AdminOptions_t *options = NULL;
    rd_kafka_queue_t *queue = NULL;
    rd_kafka_event_t *event = NULL;

    for (size_t i = 0; i < ntopics; i++) {
        wanted[i] = partitions;
        specs[i] =
            rd_kafka_NewTopic_new(topics[i], partitions, replication_factor, errstr, sizeof errstr);
        if (specs[i] == NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "topic %s: %s", topics[i], errstr);
            goto out;
        }
    }
    options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    queue = rd_kafka_queue_new(rk);
    if (options == NULL || queue == NULL) {
        goto out;
    }
    int timeout = admin_remaining_ms(deadline);
    if (rd_kafka_AdminOptions_set_request_timeout(options, timeout, errstr, sizeof errstr) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_AdminOptions_set_operation_timeout(options, timeout, errstr, sizeof errstr) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "admin options: %s", errstr);
        goto out;
    }
    rd_kafka_CreateTopics(rk, specs, ntopics, options, queue);
    /* The admin request has its own timeout; a little extra lets its answer arrive. */
    int64_t answer_by = deadline + 1000;
    while (event == NULL && admin_remaining_ms(answer_by) > 0) {
        if (admin_refused(rk, err, errlen)) {
            rc = SLUICE_EDENIED;
            goto out;
        }
        int slice = admin_remaining_ms(answer_by);
        event =
            rd_kafka_queue_poll(queue, slice < ADMIN_POLL_SLICE_MS ? slice : ADMIN_POLL_SLICE_MS);
    }
    if (event == NULL) {
        rc = sluice_error_set(err, errlen, SLUICE_ETIMEDOUT, "creating topics: no answer");
        goto out;
    }
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rc = sluice_error_set(err, errlen,
                              rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR__TIMED_OUT
                                  ? SLUICE_ETIMEDOUT
                                  : SLUICE_EKAFKA,
                              "creating topics: %s", rd_kafka_event_error_string(event));
        goto out;
    }
    size_t nresults = 0;
    const rd_kafka_topic_result_t **results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &nresults);
    for (size_t i = 0; i < nresults; i++) {
        rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(results[i]);
        if (terr == RD_KAFKA_RESP_ERR_NO_ERROR) {
            SLUICE_INFO("kafka: created topic %s, partitions: %d",
                        rd_kafka_topic_result_name(results[i]), partitions);
        } else if (terr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            for (size_t j = 0; j < ntopics; j++) {
                if (strcmp(topics[j], rd_kafka_topic_result_name(results[i])) == 0) {
                    wanted[j] = 1;
                }
            }
        } else {
            const char *text = rd_kafka_topic_result_error_string(results[i]);
            rc = sluice_error_set(err, errlen,
                                  bus_kafka_is_auth_error(terr) ? SLUICE_EDENIED : SLUICE_EKAFKA,
                                  "creating topic %s: %s", rd_kafka_topic_result_name(results[i]),
                                  text != NULL ? text : rd_kafka_err2str(terr));
            goto out;
        }
    }
    rc = SLUICE_OK;
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    if (event != NULL) {
        rd_kafka_event_destroy(event);
    }
    if (queue != NULL) {
        rd_kafka_queue_destroy(queue);
    }
    if (options != NULL) {
        rd_kafka_AdminOptions_destroy(options);
    }
    for (size_t i = 0; i < ntopics; i++) {
        if (specs[i] != NULL) {
            rd_kafka_NewTopic_destroy(specs[i]);
        }
    }
    return rc;
}

/* True when metadata lists topic with at least partitions partitions, all with a leader. */
static bool admin_topic_ready(const rd_kafka_metadata_t *md, const char *topic, int partitions)
{
    for (int i = 0; i < md->topic_cnt; i++) {
        const rd_kafka_metadata_topic_t *t = &md->topics[i];
        if (strcmp(t->topic, topic) != 0) {
            continue;
        }
        if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt < partitions) {
            return false;
        }
        for (int j = 0; j < t->partition_cnt; j++) {
            if (t->partitions[j].leader < 0 || t->partitions[j].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* Polls metadata until every topic is ready with at least wanted[i] partitions. */
static int admin_wait_visible(rd_kafka_t *rk, const char *const *topics, size_t ntopics,
                              const int *wanted, int64_t deadline, char *err, size_t errlen)
{
    const char *missing = topics[0];
    while (admin_remaining_ms(deadline) > 0) {
        if (admin_refused(rk, err, errlen)) {
            return SLUICE_EDENIED;
        }
        const struct rd_kafka_metadata *md = NULL;
        int slice = admin_remaining_ms(deadline);
        if (slice > ADMIN_METADATA_SLICE_MS) {
            slice = ADMIN_METADATA_SLICE_MS;
        }
        if (rd_kafka_metadata(rk, 1, NULL, &md, slice) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            missing = NULL;
            for (size_t i = 0; i < ntopics && missing == NULL; i++) {
                if (!admin_topic_ready(md, topics[i], wanted[i])) {
                    missing = topics[i];
                }
            }
            rd_kafka_metadata_destroy(md);
            if (missing == NULL) {
                return SLUICE_OK;
            }
        }
        struct timespec pause = {0, ADMIN_METADATA_PAUSE_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return sluice_error_set(err, errlen, SLUICE_ETIMEDOUT,
                            "topic %s not visible in the broker's metadata in time", missing);
}

int bus_admin_create_topics(const char *brokers, const char *const *topics, size_t ntopics,
                            int partitions, int replication_factor, int timeout_ms, char *err,
                            size_t errlen)
{
    return bus_admin_create_topics_secure(brokers, NULL, topics, ntopics, partitions,
                                          replication_factor, timeout_ms, err, errlen);
}

int bus_admin_create_topics_secure(const char *brokers, const bus_security *sec,
                                   const char *const *topics, size_t ntopics, int partitions,
                                   int replication_factor, int timeout_ms, char *err, size_t errlen)
{
    char errstr[BUS_KAFKA_ERRSTR_MAX];
    if (ntopics == 0 || ntopics > ADMIN_MAX_TOPICS || topics == NULL || partitions < 1 ||
        replication_factor < 1 || timeout_ms <= 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "create topics: 1..%d topics, partitions >= 1, replication "
                                ">= 1 and a positive timeout are required",
                                ADMIN_MAX_TOPICS);
    }
    for (size_t i = 0; i < ntopics; i++) {
        if (topics[i] == NULL || bus_topics_validate(topics[i], err, errlen) != SLUICE_OK) {
            return SLUICE_EINVAL;
        }
    }
    int64_t deadline = sluice_time_monotonic_ms() + timeout_ms;
    rd_kafka_conf_t *conf = bus_kafka_conf_new(brokers, "sluice-admin", NULL, sec, err, errlen);
    if (conf == NULL) {
        return SLUICE_EINVAL;
    }
    admin_watch watch = {false, 0, ""};
    rd_kafka_conf_set_error_cb(conf, admin_error_cb);
    rd_kafka_conf_set_opaque(conf, &watch);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf);
        return sluice_error_set(err, errlen, SLUICE_EKAFKA, "creating kafka admin client: %s",
                                errstr);
    }
    int wanted[ADMIN_MAX_TOPICS];
    int rc = admin_create(rk, topics, ntopics, partitions, replication_factor, deadline, wanted,
                          err, errlen);
    if (rc == SLUICE_OK) {
        rc = admin_wait_visible(rk, topics, ntopics, wanted, deadline, err, errlen);
    }
    rd_kafka_destroy(rk);
    return rc;
}
