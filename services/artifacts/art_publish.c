/*
 * art_publish.c — the artifact events' publishing thread (see art_publish.h).
 *
 * The thread walks the spool forward from a cursor (the highest event it has
 * handed to the producer), remembers which spooled event each producer
 * sequence number carries, and removes an event from the spool when its
 * delivery is confirmed. A failed delivery rewinds the cursor to just before
 * that event once the backoff has passed, so everything still spooled from
 * there on is sent again (events in flight are skipped).
 */
#include "art_publish.h"

#include "art_event.h"
#include "art_spool.h"

#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PUBLISH_INFLIGHT_MAX   1024
#define PUBLISH_BATCH          64
#define PUBLISH_BACKOFF_MIN_MS 1000
#define PUBLISH_BACKOFF_MAX_MS 30000

typedef struct publish_inflight {
    uint64_t producer_seq;
    uint64_t spool_seq;
} publish_inflight;

struct art_publish {
    bus_producer *producer; /* used by the thread only */
    art_spool *spool;
    bus_topics topics;
    char account[16];
    char region[64];
    http_metrics_family *events;
    http_metrics_family *spooled;
    pthread_mutex_t lock; /* stop and the wake-up */
    pthread_cond_t cond;
    bool stop;
    bool woken;
    pthread_t thread;
    /* The thread's own (delivery reports run on it too). */
    uint64_t cursor;
    publish_inflight inflight[PUBLISH_INFLIGHT_MAX];
    size_t inflight_count;
    bool rewind_pending;
    uint64_t rewind_to;
    int64_t retry_at_ms;
    int64_t backoff_ms;
};

static void art_publish_count(art_publish *p, const char *outcome)
{
    if (p->events != NULL) {
        const char *labels[] = {outcome};
        (void)http_metrics_inc(p->events, labels, 1);
    }
}

static void art_publish_gauge(art_publish *p)
{
    if (p->spooled != NULL) {
        (void)http_metrics_set(p->spooled, NULL, (double)art_spool_count(p->spool));
    }
}

static bool publish_is_inflight(const art_publish *p, uint64_t spool_seq)
{
    for (size_t i = 0; i < p->inflight_count; i++) {
        if (p->inflight[i].spool_seq == spool_seq) {
            return true;
        }
    }
    return false;
}

/* Schedules everything after spool_seq - 1 to be sent again after the backoff. */
static void publish_schedule_retry(art_publish *p, uint64_t spool_seq)
{
    uint64_t to = spool_seq > 0 ? spool_seq - 1 : 0;
    if (!p->rewind_pending || to < p->rewind_to) {
        p->rewind_to = to;
    }
    if (!p->rewind_pending) {
        p->retry_at_ms = sluice_time_monotonic_ms() + p->backoff_ms;
        p->backoff_ms =
            p->backoff_ms * 2 > PUBLISH_BACKOFF_MAX_MS ? PUBLISH_BACKOFF_MAX_MS : p->backoff_ms * 2;
    }
    p->rewind_pending = true;
}

static void art_publish_delivered(uint64_t seq, int err, const char *reason, void *ctx)
{
    art_publish *p = ctx;
    size_t i = 0;
    while (i < p->inflight_count && p->inflight[i].producer_seq != seq) {
        i++;
    }
    if (i == p->inflight_count) {
        return; /* not ours (cannot happen: the producer is the thread's) */
    }
    uint64_t spool_seq = p->inflight[i].spool_seq;
    p->inflight[i] = p->inflight[--p->inflight_count];
    if (err == 0) {
        (void)art_spool_remove(p->spool, spool_seq);
        p->backoff_ms = PUBLISH_BACKOFF_MIN_MS;
        art_publish_count(p, "delivered");
    } else {
        SLUICE_WARN("artifact event %" PRIu64 " not delivered (sent again later): %s", spool_seq,
                    reason != NULL ? reason : sluice_strerror(err));
        publish_schedule_retry(p, spool_seq);
        art_publish_count(p, "failed");
    }
    art_publish_gauge(p);
}

/* Hands one spooled event to the producer. false when the thread should stop sending for now. */
static bool publish_send_one(art_publish *p, uint64_t spool_seq, sluice_buf *payload)
{
    char key[ART_SPOOL_KEY_MAX + 1];
    sluice_buf_reset(payload);
    int rc = art_spool_get(p->spool, spool_seq, key, sizeof key, payload);
    if (rc == SLUICE_ENOTFOUND) {
        p->cursor = spool_seq;
        return true;
    }
    if (rc == SLUICE_EPARSE || rc == SLUICE_ETOOBIG) {
        SLUICE_ERROR("spooled artifact event %" PRIu64 " is unreadable (%s); removed", spool_seq,
                     sluice_strerror(rc));
        (void)art_spool_remove(p->spool, spool_seq);
        art_publish_count(p, "dropped");
        p->cursor = spool_seq;
        return true;
    }
    if (rc != SLUICE_OK) {
        publish_schedule_retry(p, spool_seq);
        return false;
    }
    uint64_t producer_seq = 0;
    rc = bus_producer_send(p->producer, bus_topics_get(&p->topics, BUS_TOPICS_EVENTS), key,
                           strlen(key), payload->data, payload->len, &producer_seq);
    if (rc == SLUICE_EAGAIN) {
        return false; /* the producer is full: the cursor stays, try again shortly */
    }
    if (rc == SLUICE_ETOOBIG) {
        SLUICE_ERROR("artifact event %" PRIu64 " exceeds the bus message size; removed", spool_seq);
        (void)art_spool_remove(p->spool, spool_seq);
        art_publish_count(p, "dropped");
        p->cursor = spool_seq;
        return true;
    }
    if (rc != SLUICE_OK) {
        SLUICE_WARN("artifact event %" PRIu64 " not sent (sent again later): %s", spool_seq,
                    sluice_strerror(rc));
        publish_schedule_retry(p, spool_seq);
        return false;
    }
    p->inflight[p->inflight_count++] = (publish_inflight){producer_seq, spool_seq};
    p->cursor = spool_seq;
    return true;
}

/* Sends what the spool holds after the cursor. Returns how many were handed over. */
static size_t publish_send_batch(art_publish *p, sluice_buf *payload)
{
    if (p->rewind_pending && sluice_time_monotonic_ms() >= p->retry_at_ms) {
        p->cursor = p->rewind_to;
        p->rewind_pending = false;
    }
    uint64_t seqs[PUBLISH_BATCH];
    size_t n = art_spool_after(p->spool, p->cursor, seqs, PUBLISH_BATCH);
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (publish_is_inflight(p, seqs[i])) {
            p->cursor = seqs[i];
            continue;
        }
        if (p->inflight_count == PUBLISH_INFLIGHT_MAX || !publish_send_one(p, seqs[i], payload)) {
            break;
        }
        sent++;
    }
    return sent;
}

static void *art_publish_main(void *arg)
{
    art_publish *p = arg;
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    for (;;) {
        pthread_mutex_lock(&p->lock);
        bool stop = p->stop;
        p->woken = false;
        pthread_mutex_unlock(&p->lock);
        if (stop) {
            break;
        }
        size_t sent = publish_send_batch(p, &payload);
        bus_producer_poll(p->producer, 0);
        if (sent == PUBLISH_BATCH) {
            continue; /* more may be waiting */
        }
        pthread_mutex_lock(&p->lock);
        if (!p->woken && !p->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100L * 1000 * 1000;
            if (ts.tv_nsec >= 1000L * 1000 * 1000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000L * 1000 * 1000;
            }
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        }
        pthread_mutex_unlock(&p->lock);
    }
    sluice_buf_free(&payload);
    bus_producer_free(p->producer); /* bounded by close_timeout_ms; reports run here */
    p->producer = NULL;
    return NULL;
}

int art_publish_new(const art_publish_config *cfg, art_publish **out, char *err, size_t errlen)
{
    *out = NULL;
    art_publish *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int rc = bus_topics_init(&p->topics, cfg->topic_prefix, err, errlen);
    if (rc == SLUICE_OK) {
        rc = art_spool_open(cfg->spool_dir, cfg->spool_max, &p->spool, err, errlen);
    }
    if (rc != SLUICE_OK) {
        free(p);
        return rc;
    }
    snprintf(p->account, sizeof p->account, "%s", cfg->account);
    snprintf(p->region, sizeof p->region, "%s", cfg->region);
    p->backoff_ms = PUBLISH_BACKOFF_MIN_MS;
    if (cfg->metrics != NULL) {
        const char *labels[] = {"outcome"};
        p->events = http_metrics_counter(cfg->metrics, "sluice_artifacts_events_total",
                                         "Artifact Stored events by outcome", labels, 1);
        p->spooled = http_metrics_gauge(cfg->metrics, "sluice_artifacts_events_spooled",
                                        "Artifact Stored events waiting for the broker", NULL, 0);
    }
    size_t left = art_spool_count(p->spool);
    if (left > 0) {
        SLUICE_INFO("%zu artifact events left by an earlier run are sent first", left);
    }
    art_publish_gauge(p);
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg->brokers;
    pcfg.client_id = "sluice-artifacts";
    pcfg.security = cfg->security;
    pcfg.linger_ms = 5;
    pcfg.send_timeout_ms = 100;
    pcfg.message_timeout_ms = 60000;
    pcfg.on_delivery = art_publish_delivered;
    pcfg.ctx = p;
    rc = bus_producer_new(&pcfg, &p->producer, err, errlen);
    if (rc != SLUICE_OK) {
        art_spool_free(p->spool);
        free(p);
        return rc;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->thread, NULL, art_publish_main, p) != 0) {
        bus_producer_free(p->producer);
        art_spool_free(p->spool);
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot start the event thread");
    }
    *out = p;
    return SLUICE_OK;
}

void art_publish_stored(const char *bucket, const art_store_meta *meta,
                        const aws_s3auth_result *auth, void *ctx)
{
    art_publish *p = ctx;
    art_event_stored ev;
    art_event_from_store(&ev, bucket, meta, auth);
    char err[512];
    bus_envelope *env = NULL;
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = art_event_envelope(&ev, p->account, p->region, &env, err, sizeof err);
    if (rc == SLUICE_OK) {
        rc = bus_envelope_encode(env, &payload);
        bus_envelope_free(env);
        snprintf(err, sizeof err, "%s", sluice_strerror(rc));
    }
    if (rc == SLUICE_OK) {
        rc = art_spool_put(p->spool, art_event_key(&ev), payload.data, payload.len, NULL);
        snprintf(err, sizeof err, "%s",
                 rc == SLUICE_ETOOBIG ? "the event spool is full" : sluice_strerror(rc));
    }
    sluice_buf_free(&payload);
    if (rc != SLUICE_OK) {
        SLUICE_WARN("artifact event for %s/%s dropped: %s", bucket, meta->key, err);
        art_publish_count(p, "dropped");
        return;
    }
    art_publish_count(p, "queued");
    art_publish_gauge(p);
    pthread_mutex_lock(&p->lock);
    p->woken = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void art_publish_free(art_publish *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    art_spool_free(p->spool);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
