/*
 * con_service.h — what the parts of sluice-console share: configuration,
 * identities, the CSRF key, the live-update hub, a small pool of Redis
 * connections (sessions) for the HTTP threads, metrics; and the one thing
 * more than one part does: calling the api as the signed-in person
 * (con_service_call).
 *
 * main.c fills it; afterwards the HTTP threads and the consumer (main
 * thread) use it, and nothing in it changes but the pool and the counters.
 */
#ifndef SLUICE_CON_SERVICE_H
#define SLUICE_CON_SERVICE_H

#include "con_config.h"
#include "con_hub.h"
#include "con_logs.h"

#include "sluice/aws_credentials.h"
#include "sluice/buf.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/state_redis.h"
#include "sluice/web_csrf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define CON_SERVICE_THREADS  8       /* HTTP threads; the Redis pool has one connection each */
#define CON_API_RESPONSE_MAX 8388608 /* bytes of an api answer passed on to the browser */

typedef struct con_service {
    const con_config *cfg;
    unsigned char key[WEB_CSRF_KEY_MAX]; /* signs CSRF tokens */
    size_t key_len;
    const aws_credentials *credentials; /* borrowed */
    con_hub *hub;                       /* borrowed */
    con_logs *logs;                     /* borrowed; NULL when no log store is configured */
    bool secure_cookie;                 /* the public URL is https:// */
    char public_origin[1024];           /* scheme://host[:port] of the public URL */
    char api_url[1024];                 /* the api endpoint without a trailing '/' */
    char api_host[1024];                /* host[:port] of the api endpoint (signed Host) */

    state_redis *conns[CON_SERVICE_THREADS];
    bool busy[CON_SERVICE_THREADS];
    pthread_mutex_t lock;
    pthread_cond_t free_conn;

    http_metrics *metrics;
    http_metrics_family *calls;       /* api calls, by operation class and outcome */
    http_metrics_family *signins;     /* by outcome */
    http_metrics_family *events;      /* events fanned out */
    http_metrics_family *clients;     /* open streams (gauge) */
    http_metrics_family *dropped;     /* streams dropped for falling behind */
    http_metrics_family *log_reads;   /* reads of log objects from the store (all browsers) */
    http_metrics_family *log_streams; /* open log streams (gauge) */
    atomic_bool redis_ok;
    atomic_bool kafka_ok;
} con_service;

/*
 * Prepares the lock, the metrics, public_origin/secure_cookie and the api's
 * URL and host from cfg (cfg, key, credentials and hub set by the caller).
 * 0, or SLUICE_EINVAL (a URL) / SLUICE_ENOMEM with err.
 */
int con_service_init(con_service *s, char *err, size_t errlen);

/* Frees what con_service_init and con_service_connect made. */
void con_service_release(con_service *s);

/* Opens the pool's Redis connections (lazily connecting). 0 or SLUICE_EREDIS with err. */
int con_service_connect(con_service *s, const state_redis_config *rcfg, char *err, size_t errlen);

/* Takes a connection of the pool (waits for a free one); give it back with con_service_give. */
state_redis *con_service_take(con_service *s);
void con_service_give(con_service *s, state_redis *conn);

/*
 * Calls operation op of the api with body (JSON, len bytes) signed (SigV4)
 * with cred's own key, so the api's authorization decides. 0 with the api's
 * HTTP status in *status and its answer appended to out (at most
 * CON_API_RESPONSE_MAX bytes); SLUICE_EIO when the api did not answer (err
 * says why). Thread-safe (a client per call).
 */
int con_service_call(con_service *s, const aws_credential *cred, const char *op, const char *body,
                     size_t len, long *status, sluice_buf *out, char *err, size_t errlen);

/* GET /healthz: 200 when Redis and Kafka answer. */
void con_service_health(const http_request *req, http_response *resp, void *ctx);

#endif
