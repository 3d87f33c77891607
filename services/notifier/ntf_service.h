/*
 * ntf_service.h — the notifier's running state: the current rules, the
 * delivery threads of every target, dead letters and metrics.
 *
 * Rules are held as a reference-counted set: the intake and every delivery
 * take a reference for the time they use it, and a reload (SIGHUP) swaps in
 * a new set while deliveries in flight finish with the old one. Each target
 * has `concurrency` delivery threads (ntf_deliver.c); a reload starts
 * threads for new targets and asks those of removed targets to stop after
 * their current delivery. A target's deliveries wait in its own Redis
 * stream (ntf_queue.h), so a slow or dead target only ever delays itself.
 *
 * Threads: ntf_service_* may be called from any thread; start, reload and
 * stop from the main thread only.
 */
#ifndef SLUICE_NTF_SERVICE_H
#define SLUICE_NTF_SERVICE_H

#include "ntf_approvers.h"
#include "ntf_config.h"
#include "ntf_message.h"
#include "ntf_rules.h"

#include "sluice/bus_producer.h"
#include "sluice/bus_security.h"
#include "sluice/state_auth.h"
#include "sluice/http_metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define NTF_SERVICE_WORKERS_MAX 256

typedef struct ntf_ruleset {
    ntf_rules *rules;
    atomic_int refs;
} ntf_ruleset;

typedef struct ntf_worker {
    struct ntf_service *service;
    char target[NTF_NAME_MAX + 1];
    int slot;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool done;
    bool started;
} ntf_worker;

typedef struct ntf_metrics {
    http_metrics *registry;
    http_metrics_family *matched; /* events that matched at least one rule */
    http_metrics_family *queued;  /* deliveries queued, by target */
    http_metrics_family *sent;    /* by target */
    http_metrics_family *retried; /* by target */
    http_metrics_family *failed;  /* given up (then dead-lettered), by target */
    http_metrics_family *dead;    /* dead letters delivered, by target */
    http_metrics_family *unknown; /* deliveries a stopped replica took along (not sent again) */
    http_metrics_family *depth;   /* deliveries waiting, by target */
    http_metrics_family *reloads; /* by outcome */
    http_metrics_family *seconds; /* delivery attempt durations */
} ntf_metrics;

typedef struct ntf_service {
    const ntf_config *cfg;
    const state_auth *redis_auth; /* resolved credentials (borrowed) */
    const bus_security *kafka;    /* resolved Kafka settings (borrowed) */
    ntf_links links;
    char deadletter_topic[256];
    char events_topic[256];
    pthread_mutex_t lock; /* guards current, producer, workers */
    ntf_ruleset *current;
    bus_producer *producer; /* dead letters; used under lock */
    ntf_worker *workers[NTF_SERVICE_WORKERS_MAX];
    size_t nworkers;
    ntf_metrics metrics;
    atomic_bool redis_ok;
    unsigned char link_key[SLUICE_APPROVAL_KEY_MAX]; /* approvers' links; link_key_len 0: none */
    size_t link_key_len;
    ntf_directory directory; /* identities with their groups and e-mail addresses */
} ntf_service;

/*
 * Reads a rules file: secrets {"file"} must not be readable by group or
 * others (the same rule as every key file), {"env"} from the environment.
 */
char *ntf_service_read_secret(const char *kind, const char *name, void *ctx, char *err,
                              size_t errlen);

/* Loads rules from path into a new set (refs 1). NULL with every problem in err. */
ntf_ruleset *ntf_service_load_rules(const char *path, char *err, size_t errlen);

/* A reference to the current rules; give it back with ntf_service_rules_put. */
ntf_ruleset *ntf_service_rules_get(ntf_service *s);
void ntf_service_rules_put(ntf_ruleset *set);

/* Prepares metrics and the lock; s->cfg, links and topics must be set. 0 or SLUICE_ENOMEM. */
int ntf_service_init(ntf_service *s);

/*
 * Installs set as the current rules (taking its reference) and makes the
 * delivery threads match its targets. 0, or a code when a thread could not
 * start (the rules are installed anyway).
 */
int ntf_service_install(ntf_service *s, ntf_ruleset *set, char *err, size_t errlen);

/* Asks every delivery thread to stop and joins them (bounded by the Redis block time). */
void ntf_service_stop(ntf_service *s);

/* Releases what init and install made. */
void ntf_service_release(ntf_service *s);

/* GET /healthz: 200 {"status":"ok"} while Redis answers, else 503. */
void ntf_service_health(const struct http_request *req, struct http_response *resp, void *ctx);

#endif
