/*
 * art_publish.c — the artifact events' queue and publishing thread (see
 * art_publish.h). The queue is a bounded singly-linked FIFO under one mutex;
 * the thread wakes on a condition variable or every 100 ms to serve delivery
 * reports.
 */
#include "art_publish.h"

#include "art_event.h"

#include "sluice/bus_producer.h"
#include "sluice/bus_topics.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct art_publish_item {
    struct art_publish_item *next;
    art_event_stored ev;
} art_publish_item;

struct art_publish {
    bus_producer *producer; /* used by the thread only */
    bus_topics topics;
    char account[16];
    char region[64];
    size_t queue_max;
    http_metrics_family *events;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    art_publish_item *head, *tail;
    size_t queued;
    bool stop;
    pthread_t thread;
};

static void art_publish_count(art_publish *p, const char *outcome)
{
    if (p->events != NULL) {
        const char *labels[] = {outcome};
        (void)http_metrics_inc(p->events, labels, 1);
    }
}

static void art_publish_delivered(uint64_t seq, int err, const char *reason, void *ctx)
{
    art_publish *p = ctx;
    if (err != 0) {
        SLUICE_WARN("artifact event %llu not delivered: %s", (unsigned long long)seq,
                    reason != NULL ? reason : sluice_strerror(err));
    }
    art_publish_count(p, err == 0 ? "delivered" : "failed");
}

static void art_publish_send(art_publish *p, const art_event_stored *ev)
{
    char err[512];
    bus_envelope *env = NULL;
    sluice_buf payload;
    sluice_buf_init(&payload, BUS_ENVELOPE_MAX_BYTES);
    int rc = art_event_envelope(ev, p->account, p->region, &env, err, sizeof err);
    if (rc == SLUICE_OK) {
        rc = bus_envelope_encode(env, &payload);
        bus_envelope_free(env);
    }
    if (rc == SLUICE_OK) {
        const char *key = art_event_key(ev);
        rc = bus_producer_send(p->producer, bus_topics_get(&p->topics, BUS_TOPICS_EVENTS), key,
                               strlen(key), payload.data, payload.len, NULL);
        snprintf(err, sizeof err, "%s", sluice_strerror(rc));
    }
    if (rc != SLUICE_OK) {
        SLUICE_WARN("artifact event for %s/%s dropped: %s", ev->bucket, ev->key, err);
        art_publish_count(p, "dropped");
    }
    sluice_buf_free(&payload);
}

static void *art_publish_main(void *arg)
{
    art_publish *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->head != NULL) {
            art_publish_item *it = p->head;
            p->head = it->next;
            if (p->head == NULL) {
                p->tail = NULL;
            }
            p->queued--;
            pthread_mutex_unlock(&p->lock);
            art_publish_send(p, &it->ev);
            free(it);
            pthread_mutex_lock(&p->lock);
        }
        if (p->stop) {
            break;
        }
        pthread_mutex_unlock(&p->lock);
        bus_producer_poll(p->producer, 0);
        pthread_mutex_lock(&p->lock);
        if (p->head == NULL && !p->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100L * 1000 * 1000;
            if (ts.tv_nsec >= 1000L * 1000 * 1000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000L * 1000 * 1000;
            }
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        }
    }
    pthread_mutex_unlock(&p->lock);
    bus_producer_free(p->producer); /* bounded by close_timeout_ms */
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
    if (rc != SLUICE_OK) {
        free(p);
        return rc;
    }
    snprintf(p->account, sizeof p->account, "%s", cfg->account);
    snprintf(p->region, sizeof p->region, "%s", cfg->region);
    p->queue_max = cfg->queue_max > 0 ? cfg->queue_max : 10000;
    if (cfg->metrics != NULL) {
        const char *labels[] = {"outcome"};
        p->events = http_metrics_counter(cfg->metrics, "sluice_artifacts_events_total",
                                         "Artifact Stored events by outcome", labels, 1);
    }
    bus_producer_config pcfg;
    bus_producer_config_init(&pcfg);
    pcfg.brokers = cfg->brokers;
    pcfg.client_id = "sluice-artifacts";
    pcfg.linger_ms = 5;
    pcfg.send_timeout_ms = 100;
    pcfg.message_timeout_ms = 60000;
    pcfg.on_delivery = art_publish_delivered;
    pcfg.ctx = p;
    rc = bus_producer_new(&pcfg, &p->producer, err, errlen);
    if (rc != SLUICE_OK) {
        free(p);
        return rc;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->thread, NULL, art_publish_main, p) != 0) {
        bus_producer_free(p->producer);
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
    art_publish_item *it = malloc(sizeof *it);
    if (it != NULL) {
        it->next = NULL;
        art_event_from_store(&it->ev, bucket, meta, auth);
    }
    pthread_mutex_lock(&p->lock);
    bool queued = it != NULL && p->queued < p->queue_max && !p->stop;
    if (queued) {
        if (p->tail != NULL) {
            p->tail->next = it;
        } else {
            p->head = it;
        }
        p->tail = it;
        p->queued++;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
    if (!queued) {
        SLUICE_WARN("artifact event for %s/%s dropped: the queue is full", bucket, meta->key);
        free(it);
    }
    art_publish_count(p, queued ? "queued" : "dropped");
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
    while (p->head != NULL) {
        art_publish_item *it = p->head;
        p->head = it->next;
        free(it);
    }
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
