/*
 * api_redis.h — the api's backend over Redis and Kafka.
 *
 * Redis keys (libs/state state_key.h and protocol.md; the job store is the
 * api's own):
 *   sluice:{<p>}:def                 CAS record (state_cas): the definition document
 *   sluice:{<p>}:def:v<N>            string: the definition document of version N
 *   sluice:pipelines                 sorted set (score 0): pipeline names
 *   sluice:{<p>}:state               CAS record written by the orchestrator (read only here)
 *   sluice:{<p>}:executions[:order]  archived executions (read only here)
 *   sluice:{<p>}:actions[:order]     archived action executions (read only here)
 *   sluice:{<p>}:reply:<request id>  list: the orchestrator's reply (BLPOP)
 *   sluice:{jobs}:job:<job id>       hash: status, nonce, record (aws_job.h); expires
 *   sluice:{jobs}:queue:<type key>   list: job ids queued for PollForJobs, oldest first
 * Definition writes and job transitions are Lua scripts (state_script.h), so
 * each is atomic; the job scripts touch only keys of the {jobs} slot.
 *
 * Requests go to <prefix>requests (key = pipeline) through one idempotent
 * producer (libs/bus) that the handler threads share under a mutex; replies
 * are awaited with BLPOP in one-second slices until the deadline.
 *
 * Threads: every operation may run on any thread. Each thread gets its own
 * Redis connection (thread-specific data, created on first use, closed when
 * the thread exits); the producer is guarded by a mutex. api_redis_poll must
 * be called regularly (the main loop does) to serve delivery reports.
 */
#ifndef SLUICE_API_REDIS_H
#define SLUICE_API_REDIS_H

#include "api_backend.h"

#include "sluice/bus_security.h"
#include "sluice/bus_sign.h"

#include <stddef.h>

#define API_REDIS_JOB_PREFIX   "sluice:{jobs}:job:"
#define API_REDIS_QUEUE_PREFIX "sluice:{jobs}:queue:"
#define API_REDIS_LEASE_PREFIX "sluice:{jobs}:leases:" /* sorted set: job id by lease end */

typedef struct api_redis api_redis;

typedef struct api_redis_config {
    const char *redis_host; /* required */
    int redis_port;
    const char *redis_username;   /* NULL or "": the default user */
    const char *redis_password;   /* NULL or "": none */
    const bus_security *security; /* Kafka SASL/TLS, copied; NULL: PLAINTEXT */
    const char *brokers;          /* required */
    const char *topic_prefix;     /* NULL: "sluice." */
    const char *account;          /* 12 digits; envelopes and ARNs */
    const char *region;
    int send_timeout_ms;         /* how long a request may take to reach Kafka; 0: 10000 */
    const bus_sign_keys *signer; /* signs every request; borrowed, outlives the backend */
} api_redis_config;

/*
 * Creates the backend: copies cfg, creates the producer and checks that Redis
 * answers (from the calling thread). 0 with *out, or SLUICE_EINVAL /
 * SLUICE_EKAFKA / SLUICE_EREDIS / SLUICE_ENOMEM ... with err set.
 */
int api_redis_new(const api_redis_config *cfg, api_redis **out, char *err, size_t errlen);

/* The backend interface (valid while r lives). */
api_backend *api_redis_backend(api_redis *r);

/* Serves the producer's pending delivery reports, then sleeps timeout_ms (lock not held). */
void api_redis_poll(api_redis *r, int timeout_ms);

/*
 * Flushes the producer and frees everything, including the calling thread's
 * Redis connection. Other threads must have stopped using r. Accepts NULL.
 */
void api_redis_free(api_redis *r);

#endif
