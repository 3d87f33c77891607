/*
 * bus_consumer.c — consumer group member with durable-then-store offsets,
 * dead letters and paused retries (see bus_consumer.h).
 *
 * Offsets: enable.auto.offset.store=false, so librdkafka commits (every
 * commit_interval_ms, on revoke and on close) only what this file stored with
 * rd_kafka_offsets_store after a message was done or dead-lettered.
 *
 * Retries: a RETRY pauses the message's partition and seeks it back to the
 * message (pause first: seek-then-pause loses the seek in older librdkafka),
 * and records a resume time in a small table, one row per partition. Each
 * run_once resumes partitions whose time has come; the message is fetched
 * again and handed over with attempt+1. Seeking discards what librdkafka had
 * prefetched, so nothing after the message is handed over first. A
 * rebalance (eager: everything is revoked, then reassigned) empties the
 * table: a reassigned partition restarts from its committed offset, which
 * is never past an unfinished message.
 *
 * Everything runs on the owner's thread: rebalance and error callbacks are
 * served by rd_kafka_consumer_poll (the main queue is redirected to it).
 *
 * Batches: run_batch's arrays are allocated at the first call (for its
 * max_batch, larger again only for a larger one) and kept; per batch only
 * the fields of the messages that arrived are set, never whole entries or
 * reasons (1 KiB each) cleared.
 */
#include "sluice/bus_consumer.h"

#include "bus_kafka.h"
#include "sluice/bus_deadletter.h"
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/signal.h"
#include "sluice/time.h"

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSUMER_SEEK_TIMEOUT_MS 2000
#define CONSUMER_RUN_SLICE_MS    200
#define CONSUMER_MAX_TOPICS      64
#define CONSUMER_DEFAULT_SOURCE  "sluice.bus"
#define CONSUMER_DEFAULT_ACCOUNT "000000000000"
#define CONSUMER_DEFAULT_REGION  "us-east-1"

typedef struct consumer_retry {
    char topic[BUS_TOPICS_NAME_MAX + 1];
    int32_t partition;
    int64_t offset;    /* the message being retried */
    int attempts;      /* deliveries of that message so far */
    int64_t resume_at; /* monotonic ms when paused by us, 0 when running */
} consumer_retry;

/* One fetched message on its way through a handler. */
typedef struct consumer_entry {
    rd_kafka_message_t *m; /* owned until consumer_entry_release */
    const char *topic;
    bus_envelope *env; /* NULL when the message is not a valid envelope */
    int attempt;
    bus_consumer_verdict verdict;
    char reason[BUS_DEADLETTER_REASON_MAX];
} consumer_entry;

struct bus_consumer {
    bus_consumer_config cfg; /* string fields point at the copies below */
    char *strings[10];       /* owned copies of the configuration's strings */
    char **topics;
    rd_kafka_t *rk;
    bus_producer *dl_producer;
    bool owns_dl_producer;
    bool fatal;
    bool closed;
    bus_security security; /* a copy of cfg->security (or PLAINTEXT); wiped at free */
    atomic_bool auth_failed;
    consumer_retry *retries;
    size_t nretries;
    size_t capretries;
    /* run_batch's working arrays, made once for batch_cap messages and kept */
    consumer_entry *batch_entries;
    bus_consumer_item *batch_items;
    size_t *batch_item_of;
    bool *batch_blocked;
    size_t batch_cap;
    bus_consumer_stats stats;
};

static char *consumer_strdup(const char *text)
{
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);
    if (copy != NULL) {
        memcpy(copy, text, n);
    }
    return copy;
}

/* Replaces *field by an owned copy kept in c->strings[slot]. false on OOM. */
static bool consumer_own(bus_consumer *c, size_t slot, const char **field)
{
    if (*field == NULL) {
        return true;
    }
    c->strings[slot] = consumer_strdup(*field);
    *field = c->strings[slot];
    return c->strings[slot] != NULL;
}

void bus_consumer_config_init(bus_consumer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->session_timeout_ms = 10000;
    cfg->heartbeat_interval_ms = 1000;
    cfg->max_poll_interval_ms = 300000;
    cfg->commit_interval_ms = 1000;
    cfg->max_message_bytes = BUS_ENVELOPE_MAX_BYTES;
    cfg->retry_backoff_ms = 200;
    cfg->retry_backoff_max_ms = 30000;
    cfg->deadletter_timeout_ms = 10000;
}

/* ---- retry table --------------------------------------------------------- */

static consumer_retry *consumer_retry_find(bus_consumer *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->nretries; i++) {
        if (c->retries[i].partition == partition && strcmp(c->retries[i].topic, topic) == 0) {
            return &c->retries[i];
        }
    }
    return NULL;
}

static void consumer_retry_remove(bus_consumer *c, consumer_retry *r)
{
    size_t index = (size_t)(r - c->retries);
    c->retries[index] = c->retries[c->nretries - 1];
    c->nretries--;
}

static consumer_retry *consumer_retry_add(bus_consumer *c, const char *topic, int32_t partition)
{
    if (strlen(topic) > BUS_TOPICS_NAME_MAX) {
        return NULL;
    }
    if (c->nretries == c->capretries) {
        size_t cap = c->capretries == 0 ? 8 : c->capretries * 2;
        consumer_retry *grown = realloc(c->retries, cap * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        c->retries = grown;
        c->capretries = cap;
    }
    consumer_retry *r = &c->retries[c->nretries++];
    memset(r, 0, sizeof *r);
    snprintf(r->topic, sizeof r->topic, "%s", topic);
    r->partition = partition;
    return r;
}

/* One-partition list for pause/resume/seek/store; NULL on OOM. */
static rd_kafka_topic_partition_list_t *consumer_one(const char *topic, int32_t partition,
                                                     int64_t offset)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    if (list != NULL) {
        rd_kafka_topic_partition_list_add(list, topic, partition)->offset = offset;
    }
    return list;
}

/* Resumes every partition whose backoff is over. */
static void consumer_resume_due(bus_consumer *c)
{
    int64_t now = sluice_time_monotonic_ms();
    for (size_t i = 0; i < c->nretries; i++) {
        consumer_retry *r = &c->retries[i];
        if (r->resume_at == 0 || r->resume_at > now) {
            continue;
        }
        rd_kafka_topic_partition_list_t *list = consumer_one(r->topic, r->partition, r->offset);
        if (list == NULL) {
            return; /* out of memory: try again on the next call */
        }
        rd_kafka_resp_err_t err = rd_kafka_resume_partitions(c->rk, list);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            SLUICE_WARN("kafka consumer: resuming %s[%d]: %s", r->topic, (int)r->partition,
                        rd_kafka_err2str(err));
        }
        rd_kafka_topic_partition_list_destroy(list);
        r->resume_at = 0;
    }
}

/* How long run_once may wait so that a due resume is not late. */
static int consumer_wait_ms(const bus_consumer *c, int timeout_ms)
{
    int64_t now = sluice_time_monotonic_ms();
    int64_t wait = timeout_ms > 0 ? timeout_ms : 0;
    for (size_t i = 0; i < c->nretries; i++) {
        if (c->retries[i].resume_at != 0) {
            int64_t left = c->retries[i].resume_at - now;
            if (left < wait) {
                wait = left > 0 ? left : 0;
            }
        }
    }
    return (int)wait;
}

static int64_t consumer_backoff_ms(const bus_consumer *c, int attempt)
{
    int64_t backoff = c->cfg.retry_backoff_ms;
    for (int i = 1; i < attempt && backoff < c->cfg.retry_backoff_max_ms; i++) {
        backoff *= 2;
    }
    return backoff < c->cfg.retry_backoff_max_ms ? backoff : c->cfg.retry_backoff_max_ms;
}

/* Pauses the partition, rewinds it to offset, and schedules the resume. */
static void consumer_retry_later(bus_consumer *c, const char *topic, int32_t partition,
                                 int64_t offset, int attempt)
{
    consumer_retry *r = consumer_retry_find(c, topic, partition);
    if (r == NULL) {
        r = consumer_retry_add(c, topic, partition);
    }
    rd_kafka_topic_partition_list_t *list = consumer_one(topic, partition, offset);
    if (list == NULL) {
        SLUICE_ERROR("kafka consumer: out of memory rewinding %s[%d]", topic, (int)partition);
        return;
    }
    int64_t backoff = consumer_backoff_ms(c, attempt);
    /* Without a row (out of memory) the partition is only rewound, not paused. */
    if (r != NULL) {
        r->offset = offset;
        r->attempts = attempt;
        r->resume_at = sluice_time_monotonic_ms() + backoff;
        rd_kafka_resp_err_t err = rd_kafka_pause_partitions(c->rk, list);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            SLUICE_WARN("kafka consumer: pausing %s[%d]: %s", topic, (int)partition,
                        rd_kafka_err2str(err));
        }
        list->elems[0].offset = offset; /* pause may have touched the element */
    }
    rd_kafka_error_t *error = rd_kafka_seek_partitions(c->rk, list, CONSUMER_SEEK_TIMEOUT_MS);
    if (error != NULL) {
        SLUICE_WARN("kafka consumer: rewinding %s[%d] to %lld: %s", topic, (int)partition,
                    (long long)offset, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        SLUICE_WARN("kafka consumer: rewinding %s[%d] to %lld: %s", topic, (int)partition,
                    (long long)offset, rd_kafka_err2str(list->elems[0].err));
    }
    rd_kafka_topic_partition_list_destroy(list);
    SLUICE_INFO("kafka consumer: %s[%d]@%lld will be retried in %lld ms (attempt %d)", topic,
                (int)partition, (long long)offset, (long long)backoff, attempt + 1);
}

/* ---- offsets and dead letters --------------------------------------------- */

static void consumer_store(bus_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
    rd_kafka_topic_partition_list_t *list = consumer_one(topic, partition, offset + 1);
    if (list == NULL) {
        SLUICE_ERROR("kafka consumer: out of memory storing %s[%d]@%lld", topic, (int)partition,
                     (long long)offset);
        return;
    }
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(c->rk, list);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = list->elems[0].err;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* Typically the partition was just revoked: its new owner redoes the message. */
        SLUICE_WARN("kafka consumer: storing offset %s[%d]@%lld: %s", topic, (int)partition,
                    (long long)(offset + 1), rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(list);
}

/* Produces the dead letter of m and waits for it. 0 once it is persisted. */
static int consumer_deadletter(bus_consumer *c, const rd_kafka_message_t *m, const char *topic,
                               const char *reason)
{
    char err[BUS_ENVELOPE_REASON_MAX];
    bus_envelope *env = NULL;
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_DEADLETTER_ENCODED_MAX);

    bus_deadletter_origin origin = {
        .topic = topic,
        .partition = m->partition,
        .offset = m->offset,
        .group = c->cfg.group_id,
        .key = m->key,
        .keylen = m->key_len,
        .payload = m->payload,
        .len = m->len,
    };
    bus_deadletter_sender sender = {c->cfg.source, c->cfg.account, c->cfg.region};
    int rc =
        bus_deadletter_new(&origin, reason, &sender, sluice_time_now_ms(), &env, err, sizeof err);
    if (rc == SLUICE_OK) {
        rc = bus_envelope_encode(env, &buf);
        snprintf(err, sizeof err, "%s", sluice_strerror(rc));
    }
    if (rc == SLUICE_OK) {
        bool keep_key = m->key != NULL && m->key_len <= BUS_DEADLETTER_KEY_MAX;
        rc = bus_producer_send_sync(c->dl_producer, c->cfg.deadletter_topic,
                                    keep_key ? m->key : NULL, keep_key ? m->key_len : 0, buf.data,
                                    buf.len, c->cfg.deadletter_timeout_ms);
        snprintf(err, sizeof err, "%s", sluice_strerror(rc));
    }
    if (rc == SLUICE_OK) {
        SLUICE_WARN("kafka consumer: %s[%d]@%lld dead-lettered to %s as %s: %s", topic,
                    (int)m->partition, (long long)m->offset, c->cfg.deadletter_topic, env->id,
                    reason);
    } else {
        SLUICE_ERROR("kafka consumer: dead-lettering %s[%d]@%lld failed (%s); will retry", topic,
                     (int)m->partition, (long long)m->offset, err);
    }
    bus_envelope_free(env);
    sluice_buf_free(&buf);
    return rc;
}

/* ---- callbacks ------------------------------------------------------------ */

static void consumer_describe(const rd_kafka_topic_partition_list_t *parts, char *out,
                              size_t outlen)
{
    size_t pos = 0;
    out[0] = '\0';
    for (int i = 0; parts != NULL && i < parts->cnt && pos < outlen; i++) {
        int n = snprintf(out + pos, outlen - pos, "%s%s[%d]", i > 0 ? "," : "",
                         parts->elems[i].topic, (int)parts->elems[i].partition);
        if (n < 0) {
            break;
        }
        pos += (size_t)n;
    }
}

static void consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    bus_consumer *c = opaque;
    char described[512];
    consumer_describe(parts, described, sizeof described);
    c->stats.rebalances++;
    /* Eager protocol: every pause and backoff ends with the assignment. A
     * partition paused here is resumed so that it cannot stay paused should
     * it come back to this member; it restarts from its committed offset. */
    for (size_t i = 0; i < c->nretries; i++) {
        consumer_retry *r = &c->retries[i];
        rd_kafka_topic_partition_list_t *list = consumer_one(r->topic, r->partition, r->offset);
        if (r->resume_at != 0 && list != NULL) {
            rd_kafka_resume_partitions(rk, list);
        }
        if (list != NULL) {
            rd_kafka_topic_partition_list_destroy(list);
        }
    }
    c->nretries = 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        atomic_store(&c->auth_failed, false);
        SLUICE_INFO("kafka consumer %s: group %s assigned %s", rd_kafka_name(rk), c->cfg.group_id,
                    described);
        rd_kafka_assign(rk, parts);
        return;
    }
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        SLUICE_ERROR("kafka consumer %s: rebalance error: %s", rd_kafka_name(rk),
                     rd_kafka_err2str(err));
    }
    SLUICE_INFO("kafka consumer %s: group %s revoked %s%s", rd_kafka_name(rk), c->cfg.group_id,
                described, rd_kafka_assignment_lost(rk) ? " (assignment lost)" : "");
    rd_kafka_assign(rk, NULL);
}

static void consumer_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    bus_consumer *c = opaque;
    if (bus_kafka_is_auth_error(err)) {
        atomic_store(&c->auth_failed, true);
    }
    if (bus_kafka_report_error(rk, err, reason, "consumer")) {
        c->fatal = true;
    }
}

/* ---- lifecycle ------------------------------------------------------------- */

static int consumer_check_config(const bus_consumer_config *cfg, char *err, size_t errlen)
{
    if (cfg->brokers == NULL || cfg->brokers[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka consumer: no brokers given");
    }
    if (cfg->group_id == NULL || cfg->group_id[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka consumer: no group id given");
    }
    if (cfg->ntopics == 0 || cfg->ntopics > CONSUMER_MAX_TOPICS || cfg->topics == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "kafka consumer: between 1 and %d topics are needed",
                                CONSUMER_MAX_TOPICS);
    }
    for (size_t i = 0; i < cfg->ntopics; i++) {
        if (cfg->topics[i] == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka consumer: topic %zu is NULL",
                                    i);
        }
        if (bus_topics_validate(cfg->topics[i], err, errlen) != SLUICE_OK) {
            return SLUICE_EINVAL;
        }
    }
    if (cfg->deadletter_topic == NULL ||
        bus_topics_validate(cfg->deadletter_topic, err, errlen) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "kafka consumer: a valid dead-letter topic is required");
    }
    if (cfg->session_timeout_ms <= 0 || cfg->heartbeat_interval_ms <= 0 ||
        cfg->max_poll_interval_ms <= 0 || cfg->commit_interval_ms <= 0 ||
        cfg->retry_backoff_ms <= 0 || cfg->retry_backoff_max_ms < cfg->retry_backoff_ms ||
        cfg->deadletter_timeout_ms <= 0 || cfg->max_message_bytes == 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "kafka consumer: timeouts, intervals, backoffs and "
                                "max_message_bytes must be positive (backoff max >= backoff)");
    }
    return SLUICE_OK;
}

static int consumer_rk_new(bus_consumer *c, char *err, size_t errlen)
{
    char errstr[BUS_KAFKA_ERRSTR_MAX];
    const bus_consumer_config *cfg = &c->cfg;
    rd_kafka_conf_t *conf =
        bus_kafka_conf_new(cfg->brokers, cfg->client_id, cfg->debug, &c->security, err, errlen);
    if (conf == NULL) {
        return SLUICE_EINVAL;
    }
    if (bus_kafka_conf_set(conf, "group.id", cfg->group_id, err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "auto.offset.reset", cfg->from_latest ? "latest" : "earliest", err,
                           errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "auto.commit.interval.ms", cfg->commit_interval_ms, err,
                               errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "session.timeout.ms", cfg->session_timeout_ms, err, errlen) !=
            SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "heartbeat.interval.ms", cfg->heartbeat_interval_ms, err,
                               errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "max.poll.interval.ms", cfg->max_poll_interval_ms, err,
                               errlen) != SLUICE_OK) {
        rd_kafka_conf_destroy(conf);
        return SLUICE_EINVAL;
    }
    if (cfg->instance_id != NULL && cfg->instance_id[0] != '\0' &&
        bus_kafka_conf_set(conf, "group.instance.id", cfg->instance_id, err, errlen) != SLUICE_OK) {
        rd_kafka_conf_destroy(conf);
        return SLUICE_EINVAL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, consumer_rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, consumer_error_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (c->rk == NULL) {
        rd_kafka_conf_destroy(conf); /* not taken over on failure */
        return sluice_error_set(err, errlen, SLUICE_EKAFKA, "creating kafka consumer: %s", errstr);
    }
    /* conf is now owned by rk. Serve errors and rebalances from consumer_poll. */
    rd_kafka_poll_set_consumer(c->rk);

    rd_kafka_topic_partition_list_t *subscription =
        rd_kafka_topic_partition_list_new((int)cfg->ntopics);
    if (subscription == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cfg->ntopics; i++) {
        rd_kafka_topic_partition_list_add(subscription, cfg->topics[i], RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(c->rk, subscription);
    rd_kafka_topic_partition_list_destroy(subscription);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return sluice_error_set(err, errlen, SLUICE_EKAFKA, "subscribing: %s",
                                rd_kafka_err2str(kerr));
    }
    return SLUICE_OK;
}

int bus_consumer_new(const bus_consumer_config *cfg, bus_consumer **out, char *err, size_t errlen)
{
    int rc;
    bus_consumer *c = NULL;

    *out = NULL;
    if ((rc = consumer_check_config(cfg, err, errlen)) != SLUICE_OK) {
        return rc;
    }
    rc = SLUICE_ENOMEM;
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        goto out;
    }
    c->cfg = *cfg;
    if (cfg->security != NULL) {
        c->security = *cfg->security;
    } else {
        bus_security_init(&c->security);
    }
    c->cfg.security = &c->security;
    atomic_init(&c->auth_failed, false);
    if (c->cfg.source == NULL) {
        c->cfg.source = CONSUMER_DEFAULT_SOURCE;
    }
    if (c->cfg.account == NULL) {
        c->cfg.account = CONSUMER_DEFAULT_ACCOUNT;
    }
    if (c->cfg.region == NULL) {
        c->cfg.region = CONSUMER_DEFAULT_REGION;
    }
    if (!consumer_own(c, 0, &c->cfg.brokers) || !consumer_own(c, 1, &c->cfg.group_id) ||
        !consumer_own(c, 2, &c->cfg.client_id) || !consumer_own(c, 3, &c->cfg.deadletter_topic) ||
        !consumer_own(c, 4, &c->cfg.source) || !consumer_own(c, 5, &c->cfg.account) ||
        !consumer_own(c, 6, &c->cfg.region) || !consumer_own(c, 7, &c->cfg.debug) ||
        !consumer_own(c, 8, &c->cfg.instance_id)) {
        goto out;
    }
    c->topics = calloc(cfg->ntopics, sizeof *c->topics);
    if (c->topics == NULL) {
        goto out;
    }
    for (size_t i = 0; i < cfg->ntopics; i++) {
        if ((c->topics[i] = consumer_strdup(cfg->topics[i])) == NULL) {
            goto out;
        }
    }
    c->cfg.topics = (const char *const *)c->topics;

    /* A dead-letter envelope with these identity fields must be valid: check once now. */
    bus_deadletter_origin probe = {.topic = c->cfg.deadletter_topic};
    bus_deadletter_sender sender = {c->cfg.source, c->cfg.account, c->cfg.region};
    bus_envelope *env = NULL;
    rc = bus_deadletter_new(&probe, "probe", &sender, 0, &env, err, errlen);
    bus_envelope_free(env);
    if (rc != SLUICE_OK) {
        goto out;
    }

    if (c->cfg.deadletter_producer != NULL) {
        c->dl_producer = c->cfg.deadletter_producer;
    } else {
        bus_producer_config pcfg;
        bus_producer_config_init(&pcfg);
        pcfg.brokers = c->cfg.brokers;
        pcfg.client_id = c->cfg.client_id;
        pcfg.debug = c->cfg.debug;
        pcfg.security = &c->security;
        pcfg.max_message_bytes = BUS_DEADLETTER_ENCODED_MAX;
        if ((rc = bus_producer_new(&pcfg, &c->dl_producer, err, errlen)) != SLUICE_OK) {
            goto out;
        }
        c->owns_dl_producer = true;
    }
    if ((rc = consumer_rk_new(c, err, errlen)) != SLUICE_OK) {
        goto out;
    }
    *out = c;
    c = NULL; /* now owned by the caller */
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    bus_consumer_free(c);
    return rc;
}

/* ---- processing -------------------------------------------------------------- */

/* The value of the last header called name, or NULL (with *len 0). */
static const void *consumer_header(rd_kafka_headers_t *hdrs, const char *name, size_t *len)
{
    const void *value = NULL;
    *len = 0;
    if (hdrs == NULL ||
        rd_kafka_header_get_last(hdrs, name, &value, len) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        *len = 0;
        return NULL;
    }
    return value;
}

/*
 * Verifies m's signature headers (the verifier is set). true when they are
 * good; otherwise e gets verdict REJECT with the reason, the refusal is
 * counted, and false is returned (nothing of the payload was looked at).
 */
static bool consumer_verify(bus_consumer *c, rd_kafka_message_t *m, const char *topic,
                            consumer_entry *e)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        hdrs = NULL;
    }
    size_t idlen = 0;
    size_t siglen = 0;
    const void *id = consumer_header(hdrs, BUS_SIGN_HEADER_KEY_ID, &idlen);
    const void *sig = consumer_header(hdrs, BUS_SIGN_HEADER_SIGNATURE, &siglen);
    bus_sign_failure why = BUS_SIGN_UNSIGNED;
    if (bus_sign_verify(c->cfg.verifier, topic, m->key, m->key_len, m->payload, m->len, id, idlen,
                        sig, siglen, &why, e->reason, sizeof e->reason) == SLUICE_OK) {
        return true;
    }
    if (why == BUS_SIGN_UNSIGNED) {
        c->stats.refused_unsigned++;
    } else if (why == BUS_SIGN_UNKNOWN_KEY) {
        c->stats.refused_unknown_key++;
    } else {
        c->stats.refused_bad_signature++;
    }
    e->verdict = BUS_CONSUMER_REJECT;
    SLUICE_WARN("kafka consumer: %s[%d]@%lld refused: %s", topic, (int)m->partition,
                (long long)m->offset, e->reason);
    return false;
}

/*
 * Takes m (ownership passes to e) and decodes it. false when the message is
 * to be skipped (fetched before its partition's pause took effect: it comes
 * again after the resume); m is then destroyed. A message that is not a
 * valid envelope gets verdict REJECT (or RETRY when decoding ran out of
 * memory) and no envelope; a valid one gets DONE, for the handler to change.
 */
static bool consumer_prepare(bus_consumer *c, rd_kafka_message_t *m, consumer_entry *e)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    consumer_retry *r = consumer_retry_find(c, topic, m->partition);
    if (r != NULL && r->resume_at != 0) {
        SLUICE_DEBUG("kafka consumer: %s[%d]@%lld arrived while paused; skipped", topic,
                     (int)m->partition, (long long)m->offset);
        rd_kafka_message_destroy(m);
        return false;
    }
    e->m = m;
    e->topic = topic;
    e->env = NULL;
    e->verdict = BUS_CONSUMER_DONE;
    e->reason[0] = '\0';
    e->attempt = (r != NULL && r->offset == m->offset) ? r->attempts + 1 : 1;
    if (c->cfg.verifier != NULL && !consumer_verify(c, m, topic, e)) {
        return true;
    }
    int rc = bus_envelope_decode(m->payload, m->len, c->cfg.max_message_bytes, &e->env, e->reason,
                                 sizeof e->reason);
    if (rc == SLUICE_ENOMEM) {
        e->verdict = BUS_CONSUMER_RETRY;
    } else if (rc != SLUICE_OK) {
        e->verdict = BUS_CONSUMER_REJECT;
        SLUICE_WARN("kafka consumer: %s[%d]@%lld is not a valid envelope: %s", topic,
                    (int)m->partition, (long long)m->offset, e->reason);
    } else {
        e->verdict = BUS_CONSUMER_DONE;
        e->reason[0] = '\0';
    }
    return true;
}

/* The view of a prepared entry that handlers get. */
static bus_consumer_message consumer_message(const consumer_entry *e)
{
    const rd_kafka_message_t *m = e->m;
    bus_consumer_message msg = {
        .topic = e->topic,
        .partition = m->partition,
        .offset = m->offset,
        .key = m->key,
        .keylen = m->key_len,
        .payload = m->payload,
        .len = m->len,
        .timestamp_ms = rd_kafka_message_timestamp(m, NULL),
        .attempt = e->attempt,
        .envelope = e->env,
    };
    return msg;
}

/* Acts on an entry's verdict: dead letter, store the offset, or rewind for a retry. */
static void consumer_settle(bus_consumer *c, consumer_entry *e)
{
    const rd_kafka_message_t *m = e->m;
    bus_consumer_verdict verdict = e->verdict;
    if (e->env != NULL && verdict == BUS_CONSUMER_REJECT && e->reason[0] == '\0') {
        snprintf(e->reason, sizeof e->reason, "rejected by the handler");
    }
    if (e->env != NULL && verdict == BUS_CONSUMER_RETRY && e->reason[0] != '\0') {
        SLUICE_WARN("kafka consumer: %s[%d]@%lld failed for now: %s", e->topic, (int)m->partition,
                    (long long)m->offset, e->reason);
    }
    if (verdict == BUS_CONSUMER_REJECT) {
        if (consumer_deadletter(c, m, e->topic, e->reason) == SLUICE_OK) {
            c->stats.deadlettered++;
            verdict = BUS_CONSUMER_DONE;
        } else {
            verdict = BUS_CONSUMER_RETRY;
        }
    } else if (verdict == BUS_CONSUMER_DONE) {
        c->stats.handled++;
    }
    consumer_retry *r = consumer_retry_find(c, e->topic, m->partition);
    if (verdict == BUS_CONSUMER_DONE) {
        consumer_store(c, e->topic, m->partition, m->offset);
        if (r != NULL) {
            consumer_retry_remove(c, r);
        }
        return;
    }
    c->stats.retried++;
    consumer_retry_later(c, e->topic, m->partition, m->offset, e->attempt);
}

static void consumer_entry_release(consumer_entry *e)
{
    bus_envelope_free(e->env);
    rd_kafka_message_destroy(e->m);
    e->env = NULL;
    e->m = NULL;
}

/*
 * Polls one message (waiting up to wait_ms). Returns 1 with *out set, 0 when
 * none (or an error event, which is logged), SLUICE_EKAFKA when fatal.
 */
static int consumer_poll_one(bus_consumer *c, int wait_ms, rd_kafka_message_t **out)
{
    *out = NULL;
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, wait_ms);
    if (c->owns_dl_producer) {
        bus_producer_poll(c->dl_producer, 0);
    }
    if (m == NULL) {
        return c->fatal ? SLUICE_EKAFKA : 0;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (bus_kafka_is_auth_error(m->err)) {
            atomic_store(&c->auth_failed, true);
            bus_kafka_log_error(c->rk, m->err, rd_kafka_message_errstr(m));
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            SLUICE_WARN("kafka consumer %s: %s: %s", rd_kafka_name(c->rk),
                        rd_kafka_err2name(m->err), rd_kafka_message_errstr(m));
        }
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
            c->fatal = true;
        }
        rd_kafka_message_destroy(m);
        return c->fatal ? SLUICE_EKAFKA : 0;
    }
    atomic_store(&c->auth_failed, false);
    *out = m;
    return 1;
}

void bus_consumer_wake(bus_consumer *c)
{
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(c->rk);
    if (queue != NULL) {
        rd_kafka_queue_yield(queue);
        rd_kafka_queue_destroy(queue);
    }
}

int bus_consumer_run_once(bus_consumer *c, bus_consumer_handler handler, void *ctx, int timeout_ms)
{
    if (c->closed) {
        return SLUICE_ECLOSED;
    }
    if (c->fatal) {
        return SLUICE_EKAFKA;
    }
    consumer_resume_due(c);
    rd_kafka_message_t *m = NULL;
    int rc = consumer_poll_one(c, consumer_wait_ms(c, timeout_ms), &m);
    if (rc <= 0) {
        return rc;
    }
    consumer_entry e;
    if (consumer_prepare(c, m, &e)) {
        if (e.env != NULL) {
            bus_consumer_message msg = consumer_message(&e);
            e.verdict = handler(&msg, ctx, e.reason, sizeof e.reason);
        }
        consumer_settle(c, &e);
        consumer_entry_release(&e);
    }
    return 1;
}

/* Makes run_batch's arrays hold at least max_batch messages. 0 or SLUICE_ENOMEM. */
static int consumer_batch_reserve(bus_consumer *c, size_t max_batch)
{
    if (max_batch <= c->batch_cap) {
        return SLUICE_OK;
    }
    consumer_entry *entries = malloc(max_batch * sizeof *entries);
    bus_consumer_item *items = malloc(max_batch * sizeof *items);
    size_t *item_of = malloc(max_batch * sizeof *item_of);
    bool *blocked = malloc(max_batch * sizeof *blocked);
    if (entries == NULL || items == NULL || item_of == NULL || blocked == NULL) {
        free(entries);
        free(items);
        free(item_of);
        free(blocked);
        return SLUICE_ENOMEM;
    }
    free(c->batch_entries);
    free(c->batch_items);
    free(c->batch_item_of);
    free(c->batch_blocked);
    c->batch_entries = entries;
    c->batch_items = items;
    c->batch_item_of = item_of;
    c->batch_blocked = blocked;
    c->batch_cap = max_batch;
    return SLUICE_OK;
}

/* True when entry e's partition already had a retry earlier in the batch. */
static bool consumer_partition_blocked(const consumer_entry *entries, const bool *blocked,
                                       size_t upto, const consumer_entry *e)
{
    for (size_t i = 0; i < upto; i++) {
        if (blocked[i] && entries[i].m->partition == e->m->partition &&
            strcmp(entries[i].topic, e->topic) == 0) {
            return true;
        }
    }
    return false;
}

int bus_consumer_run_batch(bus_consumer *c, bus_consumer_batch_handler handler, void *ctx,
                           size_t max_batch, int timeout_ms)
{
    if (c->closed) {
        return SLUICE_ECLOSED;
    }
    if (c->fatal) {
        return SLUICE_EKAFKA;
    }
    if (max_batch == 0 || max_batch > BUS_CONSUMER_BATCH_MAX) {
        return SLUICE_EINVAL;
    }
    if (consumer_batch_reserve(c, max_batch) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    consumer_resume_due(c);
    consumer_entry *entries = c->batch_entries;
    bus_consumer_item *items = c->batch_items;
    size_t *item_of = c->batch_item_of;
    bool *blocked = c->batch_blocked;
    size_t n = 0;
    int rc = 0;
    int wait = consumer_wait_ms(c, timeout_ms);
    while (n < max_batch) {
        rd_kafka_message_t *m = NULL;
        rc = consumer_poll_one(c, n == 0 ? wait : 0, &m);
        if (rc <= 0) {
            break;
        }
        if (consumer_prepare(c, m, &entries[n])) {
            n++;
        }
    }
    /* The handler sees the valid envelopes, in order. */
    size_t nitems = 0;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].env != NULL) {
            items[nitems].msg = consumer_message(&entries[i]);
            items[nitems].verdict = BUS_CONSUMER_DONE;
            items[nitems].reason[0] = '\0';
            item_of[i] = nitems++;
        }
    }
    if (nitems > 0) {
        handler(items, nitems, ctx);
    }
    for (size_t i = 0; i < n; i++) {
        consumer_entry *e = &entries[i];
        if (e->env != NULL) {
            e->verdict = items[item_of[i]].verdict;
            snprintf(e->reason, sizeof e->reason, "%s", items[item_of[i]].reason);
        }
        /* After a retry, the rest of its partition comes again from there. */
        if (consumer_partition_blocked(entries, blocked, i, e)) {
            blocked[i] = true;
        } else {
            consumer_settle(c, e);
            blocked[i] = e->verdict == BUS_CONSUMER_RETRY;
        }
    }
    for (size_t i = 0; i < n; i++) {
        consumer_entry_release(&entries[i]); /* only now: the loop above looks back at them */
    }
    if (rc < 0) {
        return rc;
    }
    return (int)n;
}

int bus_consumer_run(bus_consumer *c, bus_consumer_handler handler, void *ctx)
{
    while (!sluice_signal_stop_requested()) {
        int rc = bus_consumer_run_once(c, handler, ctx, CONSUMER_RUN_SLICE_MS);
        if (rc < 0) {
            bus_consumer_close(c);
            return rc;
        }
    }
    return bus_consumer_close(c);
}

int bus_consumer_close(bus_consumer *c)
{
    if (c->closed) {
        return SLUICE_OK;
    }
    c->closed = true;
    int rc = SLUICE_OK;
    if (c->rk != NULL) {
        rd_kafka_resp_err_t err = rd_kafka_consumer_close(c->rk);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            SLUICE_ERROR("kafka consumer %s: closing: %s", rd_kafka_name(c->rk),
                         rd_kafka_err2str(err));
            rc = SLUICE_EKAFKA;
        }
        rd_kafka_destroy(c->rk);
        c->rk = NULL;
    }
    return rc;
}

bool bus_consumer_auth_failed(const bus_consumer *c)
{
    return atomic_load(&c->auth_failed);
}

void bus_consumer_get_stats(const bus_consumer *c, bus_consumer_stats *stats)
{
    *stats = c->stats;
}

void bus_consumer_free(bus_consumer *c)
{
    if (c == NULL) {
        return;
    }
    if (c->rk != NULL) {
        bus_consumer_close(c);
    }
    if (c->owns_dl_producer) {
        bus_producer_free(c->dl_producer);
    }
    if (c->topics != NULL) {
        for (size_t i = 0; i < c->cfg.ntopics; i++) {
            free(c->topics[i]);
        }
        free(c->topics);
    }
    for (size_t i = 0; i < sizeof c->strings / sizeof c->strings[0]; i++) {
        free(c->strings[i]);
    }
    free(c->retries);
    free(c->batch_entries);
    free(c->batch_items);
    free(c->batch_item_of);
    free(c->batch_blocked);
    bus_security_wipe(&c->security);
    free(c);
}
