/*
 * apv_service.h — what the parts of sluice-approvals share: configuration,
 * keys, identities, the producer, a small pool of Redis connections for the
 * HTTP threads, metrics; and the two things more than one part does:
 * publishing a Sluice event (apv_service_publish) and sending a vote
 * (apv_service_vote).
 *
 * main.c fills it, then the HTTP threads and the intake (main thread) use
 * it; nothing in it changes after start-up but the pool and the counters.
 */
#ifndef SLUICE_APV_SERVICE_H
#define SLUICE_APV_SERVICE_H

#include "apv_config.h"
#include "apv_core.h"
#include "apv_store.h"

#include "sluice/aws_credentials.h"
#include "sluice/bus_producer.h"
#include "sluice/bus_request.h"
#include "sluice/bus_topics.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/state_redis.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define APV_SERVICE_THREADS 4 /* HTTP threads, one Redis connection each */

typedef struct apv_service {
    const apv_config *cfg;
    unsigned char link_key[APV_KEY_MAX];
    size_t link_key_len;
    const aws_credentials *credentials; /* borrowed */
    bus_producer *producer;             /* borrowed: signed votes and events; under producer_lock */
    pthread_mutex_t producer_lock;      /* a producer belongs to one thread at a time */
    char requests_topic[BUS_TOPICS_NAME_MAX + 1];
    char events_topic[BUS_TOPICS_NAME_MAX + 1];
    bool secure_cookie;       /* the public URL is https:// */
    char public_origin[1024]; /* scheme://host[:port] of the public URL */

    state_redis *conns[APV_SERVICE_THREADS];
    bool busy[APV_SERVICE_THREADS];
    pthread_mutex_t lock;
    pthread_cond_t free_conn;

    http_metrics *metrics;
    http_metrics_family *votes;     /* by outcome */
    http_metrics_family *recorded;  /* approvals recorded */
    http_metrics_family *published; /* events published, by detail-type */
    atomic_bool redis_ok;
} apv_service;

/*
 * Prepares the lock, the metrics and public_origin/secure_cookie from
 * cfg->public_url (cfg, link key, credentials and producer set by the
 * caller). 0, or SLUICE_EINVAL (public URL) / SLUICE_ENOMEM with err.
 */
int apv_service_init(apv_service *s, char *err, size_t errlen);

/* Frees what apv_service_init and apv_service_connect made. */
void apv_service_release(apv_service *s);

/* Opens the pool's Redis connections (lazily connecting). 0 or SLUICE_EREDIS with err. */
int apv_service_connect(apv_service *s, const state_redis_config *rcfg, char *err, size_t errlen);

/* Takes a connection of the pool (waits for a free one); give it back with apv_service_give. */
state_redis *apv_service_take(apv_service *s);
void apv_service_give(apv_service *s, state_redis *conn);

/*
 * Publishes a Sluice event (detail-type, detail stolen) with id on the events
 * topic, key pipeline, and waits for its delivery. 0 or the producer's code.
 */
int apv_service_publish(apv_service *s, const char *id, const char *detail_type,
                        const char *pipeline, json_t *detail);

/*
 * Sends vote for pipeline as a signed ApprovalVote request (bus_request.h)
 * with a requestId, and waits up to the reply timeout on conn for the
 * orchestrator's reply. 0 with *exception NULL (accepted) or the exception
 * name (a static string or one copied into exc, excmax bytes) and its message
 * in msg; SLUICE_ETIMEDOUT (no reply), SLUICE_EKAFKA, SLUICE_EREDIS with msg.
 */
int apv_service_vote(apv_service *s, state_redis *conn, const char *pipeline,
                     const bus_request_vote *vote, const char **exception, char *exc, size_t excmax,
                     char *msg, size_t msglen);

/* Serves the producer's delivery reports (the main loop), under the producer lock. */
void apv_service_poll(apv_service *s);

/* The caller's ARN of identity name into out. */
void apv_service_arn(const apv_service *s, const char *identity, char *out, size_t outlen);

/* A UUID derived from (tag, text): the id of an event re-published for the same cause. */
void apv_service_derived_id(const char *tag, const char *text, char out[37]);

/* GET /healthz. */
void apv_service_health(const http_request *req, http_response *resp, void *ctx);

#endif
