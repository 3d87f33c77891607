/*
 * bus_producer.c — idempotent Kafka producer with an in-flight list that
 * survives fatal errors (see bus_producer.h).
 *
 * Every message lives in one allocation (entry header with its signature
 * headers, topic, key, payload)
 * on a doubly-linked list in send order, from bus_producer_send until its
 * outcome is known. librdkafka borrows the key and payload from the entry
 * (no copy flag) and carries the entry pointer as the message opaque; an
 * entry is freed only after its final delivery report, or after the handle
 * that could still report on it has been destroyed.
 *
 * States of an entry: pending (not handed to the current handle: after a
 * re-creation, or while librdkafka's queue is full), queued (handed over,
 * report outstanding). Pending entries always form a suffix of the list
 * (p->pending is its first), which keeps re-sends in the original order.
 *
 * Fatal errors are noticed through the error callback, a produce call or a
 * delivery report; the next call of any public function recovers: purge,
 * serve the reports that are ready, destroy, re-create, re-send.
 */
#include "sluice/bus_producer.h"

#include "bus_kafka.h"
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
#include <time.h>

#define PRODUCER_SLICE_MS          50 /* longest single wait inside librdkafka */
#define PRODUCER_MAX_MESSAGE_BYTES (1000 * 1000 * 1000)
#define PRODUCER_MAX_IN_FLIGHT     10000000
/* After a fatal error caused by a refusal (authorization), re-create at most this often. */
#define PRODUCER_REFUSED_RECREATE_MS 1000

typedef struct producer_entry {
    struct producer_entry *prev;
    struct producer_entry *next;
    uint64_t seq;
    bool queued; /* handed to the current handle, report outstanding */
    char *topic; /* these three point into the same allocation */
    void *key;   /* NULL when the message has no key */
    size_t keylen;
    void *payload;
    size_t len;
    bool is_signed;                             /* the two headers below are sent */
    char key_id[BUS_SIGN_KEY_ID_MAX + 1];       /* sluice-key-id */
    char signature[BUS_SIGN_SIGNATURE_LEN + 1]; /* sluice-signature */
} producer_entry;

struct bus_producer {
    bus_producer_config cfg; /* string fields point at the copies below */
    char *brokers;
    char *client_id;
    char *debug;
    bus_security security; /* a copy of cfg->security (or PLAINTEXT); wiped at free */
    atomic_bool auth_failed;
    int64_t recreate_after_ms; /* monotonic; no re-creation before (after a refusal) */
    rd_kafka_t *rk;            /* NULL only after a failed re-creation */
    producer_entry *head;
    producer_entry *tail;
    producer_entry *pending; /* first entry not handed to rk, or NULL */
    size_t count;
    uint64_t next_seq;
    bool fatal;            /* rk raised a fatal error: re-create before use */
    size_t rk_message_max; /* librdkafka's message.max.bytes */
    size_t failed_since_flush;
    uint64_t wait_seq; /* bus_producer_send_sync's message, 0 when none */
    bool wait_done;
    int wait_err;
    bus_producer_stats stats;
};

static void producer_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int producer_min_ms(int64_t a, int64_t b)
{
    return (int)(a < b ? a : b);
}

static void producer_unlink(bus_producer *p, producer_entry *e)
{
    if (p->pending == e) {
        p->pending = e->next;
    }
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        p->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        p->tail = e->prev;
    }
    p->count--;
}

/* Records the final outcome of e, reports it, frees it. rc 0: persisted. */
static void producer_finish(bus_producer *p, producer_entry *e, int rc, const char *reason)
{
    producer_unlink(p, e);
    if (rc == SLUICE_OK) {
        p->stats.delivered++;
        atomic_store(&p->auth_failed, false);
    } else {
        p->stats.failed++;
        p->failed_since_flush++;
        SLUICE_WARN("kafka producer: message %llu to %s failed: %s", (unsigned long long)e->seq,
                    e->topic, reason != NULL ? reason : sluice_strerror(rc));
    }
    if (p->wait_seq != 0 && p->wait_seq == e->seq) {
        p->wait_done = true;
        p->wait_err = rc;
    }
    if (p->cfg.on_delivery != NULL) {
        p->cfg.on_delivery(e->seq, rc, reason, p->cfg.ctx);
    }
    free(e);
}

static bool producer_err_needs_recreate(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
           err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
}

static int producer_err_to_sluice(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? SLUICE_ETOOBIG : SLUICE_EKAFKA;
}

/* Delivery report callback: runs inside rd_kafka_poll/flush on the owner's thread. */
static void producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    bus_producer *p = opaque;
    producer_entry *e = msg->_private;
    (void)rk;
    e->queued = false;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (rd_kafka_message_status(msg) == RD_KAFKA_MSG_STATUS_PERSISTED) {
            producer_finish(p, e, SLUICE_OK, NULL);
        } else {
            producer_finish(p, e, SLUICE_EKAFKA, "delivery report without persistence");
        }
        return;
    }
    if (p->fatal || producer_err_needs_recreate(msg->err)) {
        /* Not persisted (or not known to be): stays in the list for the re-send. */
        p->fatal = true;
        return;
    }
    if (bus_kafka_is_auth_error(msg->err)) {
        atomic_store(&p->auth_failed, true);
    }
    producer_finish(p, e, producer_err_to_sluice(msg->err), rd_kafka_err2str(msg->err));
}

/* Error callback: runs inside rd_kafka_poll/flush on the owner's thread. */
static void producer_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    bus_producer *p = opaque;
    if (bus_kafka_is_auth_error(err)) {
        atomic_store(&p->auth_failed, true);
    }
    if (bus_kafka_report_error(rk, err, reason, "producer")) {
        p->fatal = true;
    }
}

static int producer_rk_new(bus_producer *p, char *err, size_t errlen)
{
    char errstr[BUS_KAFKA_ERRSTR_MAX];
    rd_kafka_conf_t *conf =
        bus_kafka_conf_new(p->brokers, p->client_id, p->debug, &p->security, err, errlen);
    if (conf == NULL) {
        return SLUICE_EINVAL;
    }
    if (bus_kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set(conf, "acks", "all", err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "linger.ms", p->cfg.linger_ms, err, errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "message.timeout.ms", p->cfg.message_timeout_ms, err,
                               errlen) != SLUICE_OK ||
        bus_kafka_conf_set_int(conf, "queue.buffering.max.messages",
                               (long long)p->cfg.max_in_flight, err, errlen) != SLUICE_OK) {
        rd_kafka_conf_destroy(conf);
        return SLUICE_EINVAL;
    }
    char value[32];
    size_t valuelen = sizeof value;
    if (rd_kafka_conf_get(conf, "message.max.bytes", value, &valuelen) == RD_KAFKA_CONF_OK) {
        char *end = NULL;
        unsigned long long bytes = strtoull(value, &end, 10);
        p->rk_message_max = end != value ? (size_t)bytes : 0;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, producer_dr_cb);
    rd_kafka_conf_set_error_cb(conf, producer_error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        rd_kafka_conf_destroy(conf); /* not taken over on failure */
        return sluice_error_set(err, errlen, SLUICE_EKAFKA, "creating kafka producer: %s", errstr);
    }
    p->rk = rk; /* conf is now owned by rk */
    return SLUICE_OK;
}

/* Hands pending entries to rk in order until one does not fit. */
static void producer_pump(bus_producer *p)
{
    while (p->pending != NULL && p->rk != NULL && !p->fatal) {
        producer_entry *e = p->pending;
        rd_kafka_resp_err_t err;
        if (e->is_signed) {
            /* Header values are copied by librdkafka. */
            err = rd_kafka_producev(
                p->rk, RD_KAFKA_V_TOPIC(e->topic), RD_KAFKA_V_KEY(e->key, e->keylen),
                RD_KAFKA_V_VALUE(e->payload, e->len), RD_KAFKA_V_MSGFLAGS(0),
                RD_KAFKA_V_HEADER(BUS_SIGN_HEADER_KEY_ID, e->key_id, (ssize_t)strlen(e->key_id)),
                RD_KAFKA_V_HEADER(BUS_SIGN_HEADER_SIGNATURE, e->signature,
                                  (ssize_t)BUS_SIGN_SIGNATURE_LEN),
                RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
        } else {
            err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(e->topic),
                                    RD_KAFKA_V_KEY(e->key, e->keylen),
                                    RD_KAFKA_V_VALUE(e->payload, e->len), RD_KAFKA_V_MSGFLAGS(0),
                                    RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            e->queued = true;
            p->pending = e->next;
        } else if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return; /* room comes with delivery reports; the next call goes on */
        } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
            p->fatal = true;
        } else {
            producer_finish(p, e, producer_err_to_sluice(err), rd_kafka_err2str(err));
        }
    }
}

/* Replaces a handle that raised a fatal error and re-sends everything unconfirmed. */
static int producer_recover(bus_producer *p)
{
    char err[BUS_KAFKA_ERRSTR_MAX];
    if (p->rk != NULL) {
        char cause[BUS_KAFKA_ERRSTR_MAX] = "";
        rd_kafka_resp_err_t code = rd_kafka_fatal_error(p->rk, cause, sizeof cause);
        if (bus_kafka_is_auth_error(code)) {
            /* Refused, not confused: a new handle is refused too; do not spin. */
            atomic_store(&p->auth_failed, true);
            if (sluice_time_monotonic_ms() < p->recreate_after_ms) {
                return SLUICE_EKAFKA;
            }
            p->recreate_after_ms = sluice_time_monotonic_ms() + PRODUCER_REFUSED_RECREATE_MS;
        }
        SLUICE_WARN("kafka producer %s: re-creating after fatal error %s (%s); %zu messages "
                    "unconfirmed",
                    rd_kafka_name(p->rk), rd_kafka_err2name(code), cause, p->count);
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Reports already waiting: persisted messages leave the list, the rest stay. */
        while (rd_kafka_poll(p->rk, 0) > 0) {
        }
        rd_kafka_destroy(p->rk);
        p->rk = NULL;
    }
    int rc = producer_rk_new(p, err, sizeof err);
    if (rc != SLUICE_OK) {
        SLUICE_ERROR("kafka producer: re-creating failed: %s", err);
        return SLUICE_EKAFKA;
    }
    p->fatal = false;
    p->stats.recreated++;
    for (producer_entry *e = p->head; e != NULL; e = e->next) {
        e->queued = false;
        p->stats.resent++;
    }
    p->pending = p->head;
    SLUICE_WARN("kafka producer %s: re-created, re-sending %zu messages", rd_kafka_name(p->rk),
                p->count);
    producer_pump(p);
    return SLUICE_OK;
}

/* Recovers when needed, then hands pending entries over. 0 or SLUICE_EKAFKA. */
static int producer_service(bus_producer *p)
{
    if (!p->fatal && p->rk != NULL) {
        char cause[BUS_KAFKA_ERRSTR_MAX];
        if (rd_kafka_fatal_error(p->rk, cause, sizeof cause) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            p->fatal = true;
        }
    }
    if (p->fatal || p->rk == NULL) {
        int rc = producer_recover(p);
        if (rc != SLUICE_OK) {
            return rc;
        }
    }
    producer_pump(p);
    return SLUICE_OK;
}

void bus_producer_config_init(bus_producer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->linger_ms = 1;
    cfg->message_timeout_ms = 300000;
    cfg->max_message_bytes = 1000000;
    cfg->max_in_flight = 100000;
    cfg->send_timeout_ms = 5000;
    cfg->close_timeout_ms = BUS_PRODUCER_CLOSE_TIMEOUT_MS;
}

static char *producer_strdup(const char *text)
{
    if (text == NULL) {
        return NULL;
    }
    size_t n = strlen(text) + 1;
    char *copy = malloc(n);
    if (copy != NULL) {
        memcpy(copy, text, n);
    }
    return copy;
}

int bus_producer_new(const bus_producer_config *cfg, bus_producer **out, char *err, size_t errlen)
{
    int rc = SLUICE_ENOMEM;
    bus_producer *p = NULL;

    *out = NULL;
    if (cfg->brokers == NULL || cfg->brokers[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "kafka producer: no brokers given");
    }
    if (cfg->linger_ms < 0 || cfg->linger_ms > 1000 || cfg->message_timeout_ms < 0 ||
        cfg->send_timeout_ms < 0 || cfg->close_timeout_ms < 0 || cfg->max_message_bytes == 0 ||
        cfg->max_message_bytes > PRODUCER_MAX_MESSAGE_BYTES || cfg->max_in_flight == 0 ||
        cfg->max_in_flight > PRODUCER_MAX_IN_FLIGHT) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "kafka producer: a setting is out of range (linger 0..1000 ms, "
                                "timeouts >= 0, 1 <= max_message_bytes <= %d, "
                                "1 <= max_in_flight <= %d)",
                                PRODUCER_MAX_MESSAGE_BYTES, PRODUCER_MAX_IN_FLIGHT);
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        goto out;
    }
    p->cfg = *cfg;
    p->brokers = producer_strdup(cfg->brokers);
    p->client_id = producer_strdup(cfg->client_id);
    p->debug = producer_strdup(cfg->debug);
    if (p->brokers == NULL || (cfg->client_id != NULL && p->client_id == NULL) ||
        (cfg->debug != NULL && p->debug == NULL)) {
        goto out;
    }
    p->cfg.brokers = p->brokers;
    p->cfg.client_id = p->client_id;
    p->cfg.debug = p->debug;
    if (cfg->security != NULL) {
        p->security = *cfg->security;
    } else {
        bus_security_init(&p->security);
    }
    p->cfg.security = &p->security;
    atomic_init(&p->auth_failed, false);
    p->next_seq = 1;
    rc = producer_rk_new(p, err, errlen);
    if (rc != SLUICE_OK) {
        goto out;
    }
    *out = p;
    p = NULL; /* now owned by the caller */
out:
    if (rc == SLUICE_ENOMEM) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    bus_producer_free(p);
    return rc;
}

int bus_producer_send(bus_producer *p, const char *topic, const void *key, size_t keylen,
                      const void *payload, size_t len, uint64_t *seq)
{
    if (topic == NULL || topic[0] == '\0' || (payload == NULL && len > 0) ||
        (key == NULL && keylen > 0)) {
        return SLUICE_EINVAL;
    }
    if (len > p->cfg.max_message_bytes || keylen > p->cfg.max_message_bytes) {
        return SLUICE_ETOOBIG;
    }
    if (p->count >= p->cfg.max_in_flight) {
        int64_t deadline = sluice_time_monotonic_ms() + p->cfg.send_timeout_ms;
        while (p->count >= p->cfg.max_in_flight) {
            int64_t remaining = deadline - sluice_time_monotonic_ms();
            if (remaining <= 0 || sluice_signal_stop_requested()) {
                return SLUICE_EAGAIN;
            }
            bus_producer_poll(p, producer_min_ms(remaining, PRODUCER_SLICE_MS));
        }
    }

    /* Bounded above: no overflow with max_message_bytes <= 1e9 and a topic name. */
    size_t topiclen = strlen(topic);
    producer_entry *e = malloc(sizeof *e + topiclen + 1 + keylen + len);
    if (e == NULL) {
        return SLUICE_ENOMEM;
    }
    char *storage = (char *)(e + 1);
    e->topic = storage;
    memcpy(e->topic, topic, topiclen + 1);
    e->key = key != NULL ? storage + topiclen + 1 : NULL;
    e->keylen = keylen;
    if (keylen > 0) {
        memcpy(e->key, key, keylen);
    }
    e->payload = storage + topiclen + 1 + keylen;
    e->len = len;
    if (len > 0) {
        memcpy(e->payload, payload, len);
    }
    e->is_signed = false;
    if (p->cfg.signer != NULL) {
        if (bus_sign_message(p->cfg.signer, e->topic, e->key, e->keylen, e->payload, e->len,
                             e->signature) != SLUICE_OK) {
            free(e);
            return SLUICE_EINTERNAL;
        }
        snprintf(e->key_id, sizeof e->key_id, "%s", bus_sign_keys_signing_id(p->cfg.signer));
        e->is_signed = true;
    }
    e->seq = p->next_seq++;
    e->queued = false;
    e->next = NULL;
    e->prev = p->tail;
    if (p->tail != NULL) {
        p->tail->next = e;
    } else {
        p->head = e;
    }
    p->tail = e;
    if (p->pending == NULL) {
        p->pending = e;
    }
    p->count++;
    p->stats.sent++;
    if (seq != NULL) {
        *seq = e->seq;
    }

    /* The message is ours now; a failing recovery only delays it. */
    if (producer_service(p) == SLUICE_OK && p->rk != NULL) {
        rd_kafka_poll(p->rk, 0);
    }
    return SLUICE_OK;
}

int bus_producer_send_sync(bus_producer *p, const char *topic, const void *key, size_t keylen,
                           const void *payload, size_t len, int timeout_ms)
{
    /* Set before sending: a synchronous failure inside send reports at once. */
    p->wait_seq = p->next_seq;
    p->wait_done = false;
    p->wait_err = SLUICE_OK;
    int rc = bus_producer_send(p, topic, key, keylen, payload, len, NULL);
    if (rc != SLUICE_OK) {
        p->wait_seq = 0;
        return rc;
    }
    int64_t deadline = sluice_time_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    while (!p->wait_done) {
        int64_t remaining = deadline - sluice_time_monotonic_ms();
        if (remaining <= 0 || sluice_signal_stop_requested()) {
            break; /* a stop does not wait for a broker that may be gone */
        }
        bus_producer_poll(p, producer_min_ms(remaining, PRODUCER_SLICE_MS));
    }
    p->wait_seq = 0;
    return p->wait_done ? p->wait_err : SLUICE_ETIMEDOUT;
}

int bus_producer_poll(bus_producer *p, int timeout_ms)
{
    int rc = producer_service(p);
    if (rc != SLUICE_OK) {
        if (timeout_ms > 0) {
            producer_sleep_ms(timeout_ms);
        }
        return rc;
    }
    rd_kafka_poll(p->rk, timeout_ms > 0 ? timeout_ms : 0);
    /* A fatal error served just now is handled at once rather than on the next call. */
    if (p->fatal) {
        return producer_service(p);
    }
    return SLUICE_OK;
}

int bus_producer_flush(bus_producer *p, int timeout_ms)
{
    int64_t deadline = sluice_time_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int rc = producer_service(p);
        if (p->count == 0) {
            break;
        }
        int64_t remaining = deadline - sluice_time_monotonic_ms();
        if (remaining <= 0) {
            return SLUICE_ETIMEDOUT;
        }
        if (rc != SLUICE_OK || p->rk == NULL) {
            producer_sleep_ms(producer_min_ms(remaining, PRODUCER_SLICE_MS));
            continue;
        }
        rd_kafka_flush(p->rk, producer_min_ms(remaining, PRODUCER_SLICE_MS));
    }
    int rc = p->failed_since_flush > 0 ? SLUICE_EKAFKA : SLUICE_OK;
    p->failed_since_flush = 0;
    return rc;
}

size_t bus_producer_message_max(const bus_producer *p)
{
    size_t max = p->cfg.max_message_bytes;
    return p->rk_message_max > 0 && p->rk_message_max < max ? p->rk_message_max : max;
}

bool bus_producer_auth_failed(const bus_producer *p)
{
    return atomic_load(&p->auth_failed);
}

size_t bus_producer_in_flight(const bus_producer *p)
{
    return p->count;
}

void bus_producer_get_stats(const bus_producer *p, bus_producer_stats *stats)
{
    *stats = p->stats;
}

int bus_producer_inject_fatal(bus_producer *p, const char *reason)
{
    if (p->rk == NULL) {
        return SLUICE_EKAFKA;
    }
    rd_kafka_resp_err_t err = rd_kafka_test_fatal_error(
        p->rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason != NULL ? reason : "test");
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? SLUICE_OK : SLUICE_EKAFKA;
}

void bus_producer_free(bus_producer *p)
{
    if (p == NULL) {
        return;
    }
    if (p->rk != NULL || p->count > 0) {
        int rc = bus_producer_flush(p, p->cfg.close_timeout_ms);
        if (rc == SLUICE_ETIMEDOUT) {
            SLUICE_ERROR("kafka producer: closing with %zu messages unconfirmed after %d ms",
                         p->count, p->cfg.close_timeout_ms);
        }
    }
    /* Reports librdkafka may still serve while being destroyed are not passed on. */
    p->cfg.on_delivery = NULL;
    if (p->rk != NULL) {
        /* What is still queued or in flight is dropped now, so that destroying does not wait for
         * a broker that may be gone: closing stays within close_timeout_ms. */
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(p->rk, 0);
        rd_kafka_destroy(p->rk);
        p->rk = NULL;
    }
    producer_entry *e = p->head;
    while (e != NULL) {
        producer_entry *next = e->next;
        free(e);
        e = next;
    }
    free(p->brokers);
    free(p->client_id);
    free(p->debug);
    bus_security_wipe(&p->security);
    free(p);
}
