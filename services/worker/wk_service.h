/*
 * wk_service.h — the worker's one state struct and its slots: the shell
 * around the pure core (wk_plan, wk_result, wk_path).
 *
 *   intake (main thread, wk_service_intake as the jobs consumer's handler,
 *     which sees only messages whose bus signature verified — wk_bus.h):
 *     a "Sluice Action Job" whose provider this worker runs — the registry's
 *     MODEL_RUNNER_WORKER entries that have a runner here: AWS/Compute/
 *     Commands/1, AWS/Build|Test/CodeBuild/1 and AWS/Deploy/S3/1 actions, and Commands/1 rules
 *     of stage conditions — is
 *     handed to a free slot; anything else is left alone (DONE). When every
 *     slot is busy the message is handed over again shortly (RETRY), so a
 *     worker never holds more jobs than slots and the group's other members
 *     take the rest.
 *   slots (SLUICE_WORKER_SLOTS threads): each runs one job at a time
 *     (wk_job_run), with its own Redis connection and artifact-store client.
 *   heartbeat (one thread, own Redis connection): renews the lease of every
 *     running job each lease/3; a lease found lost stops that job. The same
 *     thread sweeps for jobs of lost workers (wk_lease_lost) while a slot is
 *     free, and hands each it adopts to that slot.
 *
 * Once a job is handed to a slot its message is DONE: a worker that dies
 * mid-job loses its lease when it expires, and a sweep of any worker of the
 * group takes the job up again (SLUICE_WORKER_LOST_RETRIES times), then
 * fails it saying the worker was lost.
 *
 * Threads: wk_service_intake on the consumer's thread; wk_service_stop from
 * main; metrics and health from the HTTP server's thread.
 */
#ifndef SLUICE_WK_SERVICE_H
#define SLUICE_WK_SERVICE_H

#include "wk_bus.h"
#include "wk_config.h"
#include "wk_lease.h"
#include "sluice/aws_s3.h"
#include "wk_user.h"

#include "sluice/aws_jobcred.h"
#include "sluice/bus_consumer.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"
#include "sluice/model_registry.h"
#include "sluice/state_auth.h"
#include "sluice/state_redis.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define WK_SERVICE_SLOTS_MAX 64

typedef struct wk_service wk_service;

typedef struct wk_slot {
    wk_service *service;
    size_t index;
    pthread_t thread;
    bool started;
    state_redis *redis;
    aws_s3 s3;
    json_t *job;  /* handed over by intake, taken by the slot (under service->lock) */
    bool adopted; /* job comes from a lost worker: adopt_owner holds its lease */
    char adopt_owner[WK_LEASE_OWNER_MAX];
    long long attempts;
    bool busy;
    atomic_bool abort; /* the service stops, or the job's lease was lost */
    /* the running job's lease, for the heartbeat (under service->lock) */
    bool leased;
    char pipeline[256];
    char job_id[128];
    char owner[WK_LEASE_OWNER_MAX];
} wk_slot;

typedef struct wk_metrics {
    http_metrics *registry;
    http_metrics_family *jobs;      /* by provider and outcome */
    http_metrics_family *skipped;   /* not run: held elsewhere, finished already, not ours */
    http_metrics_family *adopted;   /* taken up from lost workers */
    http_metrics_family *busy;      /* slots busy */
    http_metrics_family *slots;     /* slots configured */
    http_metrics_family *durations; /* seconds, by provider */
    http_metrics_family *refused;   /* jobs dead-lettered before decoding, by reason */
} wk_metrics;

struct wk_service {
    const wk_config *cfg;
    const state_auth *redis_auth; /* resolved Redis credentials (borrowed) */
    bus_topics topics;
    aws_jobcred_keys *job_keys;
    model_registry *registry;
    const json_t *projects; /* build projects by name (SLUICE_WORKER_PROJECTS_FILE), or NULL */
    const json_t *deploy_targets; /* {bucket: directory} (SLUICE_WORKER_DEPLOY_DIRS) */
    const json_t *deploy_buckets; /* {bucket: true} (SLUICE_WORKER_DEPLOY_BUCKETS), or NULL */
    aws_s3_cred deploy_cred;      /* SLUICE_WORKER_DEPLOY_KEY_FILE's key (no session token) */
    const json_t *functions;      /* {FunctionName: url} (SLUICE_WORKER_FUNCTIONS_FILE), or NULL */
    const json_t *secrets;        /* {reference: value} (SLUICE_WORKER_SECRETS_FILE), or NULL */
    wk_user run_as;               /* the commands' user (SLUICE_WORKER_RUN_AS), set by main */
    wk_bus_sender sender;
    wk_metrics metrics;
    bus_consumer_stats counted; /* the jobs consumer's refusals already exported */
    atomic_bool stop;
    atomic_int redis_ok;
    atomic_llong loop_ms;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t nslots;
    wk_slot slots[WK_SERVICE_SLOTS_MAX];
    pthread_t heartbeat;
    bool heartbeat_started;
    state_redis *heartbeat_redis;
};

/*
 * Prepares svc: metrics, the slots' Redis connections (as redis_auth's user)
 * and artifact-store clients, then starts the slot and heartbeat threads.
 * producer (owned by the caller, outliving svc), redis_auth, job_keys and
 * registry are borrowed and must outlive svc. 0, or a negative code with
 * err; wk_service_free releases a half-made service.
 */
int wk_service_start(wk_service *svc, const wk_config *cfg, const state_auth *redis_auth,
                     bus_producer *producer, aws_jobcred_keys *job_keys, model_registry *registry,
                     char *err, size_t errlen);

/* The jobs consumer's handler (bus_consumer_handler). */
bus_consumer_verdict wk_service_intake(const bus_consumer_message *msg, void *ctx, char *reason,
                                       size_t reasonlen);

/*
 * Adds the refusals the jobs consumer counted since the last call (unsigned,
 * unknown key id, bad signature) to sluice_worker_bus_refused_total. Main
 * thread only (with the consumer's).
 */
void wk_service_count_refused(wk_service *svc, const bus_consumer_stats *now);

/* Asks every slot to stop its job and joins the threads. Idempotent. */
void wk_service_stop(wk_service *svc);

/* Stops (if needed) and releases everything svc holds. */
void wk_service_free(wk_service *svc);

/* GET /healthz (http_handler_fn; ctx: the service). */
void wk_service_health(const http_request *req, http_response *resp, void *ctx);

/* The value of secret reference ref, or NULL (a wk_plan_secret_fn; ctx: the service). */
const char *wk_service_secret(void *ctx, const char *ref);

/* The provider label of a job ("AWS/Compute/Commands/1", "rule:Commands/1"). */
void wk_service_provider_label(const json_t *job, char *out, size_t outlen);

#endif
