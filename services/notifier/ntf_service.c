/*
 * ntf_service.c — rules, delivery threads, health (see ntf_service.h).
 */
#include "ntf_service.h"

#include "ntf_deliver.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/http_message.h"
#include "sluice/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ntf_service_read_secret(const char *kind, const char *name, void *ctx, char *err,
                              size_t errlen)
{
    (void)ctx;
    if (strcmp(kind, "env") == 0) {
        const char *value = getenv(name);
        if (value == NULL || value[0] == '\0') {
            snprintf(err, errlen, "the environment variable %s is not set", name);
            return NULL;
        }
        size_t len = strlen(value);
        char *copy = malloc(len + 1);
        if (copy == NULL) {
            abort();
        }
        memcpy(copy, value, len + 1);
        return copy;
    }
    char *value = malloc(NTF_SECRET_MAX + 1);
    if (value == NULL) {
        abort();
    }
    if (sluice_fs_read_secret_line(name, "the secret", value, NTF_SECRET_MAX + 1, err, errlen) !=
        0) {
        free(value);
        return NULL;
    }
    return value;
}

ntf_ruleset *ntf_service_load_rules(const char *path, char *err, size_t errlen)
{
    sluice_buf text;
    sluice_buf_init(&text, NTF_RULES_FILE_MAX);
    int rc = sluice_fs_read_file(path, &text);
    if (rc != 0) {
        sluice_error_set(err, errlen, rc, "%s: cannot be read (%s)", path, sluice_strerror(rc));
        sluice_buf_free(&text);
        return NULL;
    }
    ntf_rules *rules = NULL;
    char why[4096];
    rc = ntf_rules_parse(sluice_buf_cstr(&text), text.len, ntf_service_read_secret, NULL, &rules,
                         why, sizeof why);
    sluice_buf_free(&text);
    if (rc != 0) {
        sluice_error_set(err, errlen, rc, "%s: %s", path, why);
        return NULL;
    }
    ntf_ruleset *set = calloc(1, sizeof *set);
    if (set == NULL) {
        abort();
    }
    set->rules = rules;
    atomic_init(&set->refs, 1);
    return set;
}

ntf_ruleset *ntf_service_rules_get(ntf_service *s)
{
    pthread_mutex_lock(&s->lock);
    ntf_ruleset *set = s->current;
    if (set != NULL) {
        atomic_fetch_add(&set->refs, 1);
    }
    pthread_mutex_unlock(&s->lock);
    return set;
}

void ntf_service_rules_put(ntf_ruleset *set)
{
    if (set != NULL && atomic_fetch_sub(&set->refs, 1) == 1) {
        ntf_rules_free(set->rules);
        free(set);
    }
}

int ntf_service_init(ntf_service *s)
{
    static const char *const by_target[] = {"target"};
    static const char *const by_outcome[] = {"outcome"};
    static const double buckets[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    pthread_mutex_init(&s->lock, NULL);
    atomic_init(&s->redis_ok, false);
    ntf_metrics *m = &s->metrics;
    m->registry = http_metrics_new();
    if (m->registry == NULL) {
        return SLUICE_ENOMEM;
    }
    m->matched = http_metrics_counter(m->registry, "sluice_notifier_events_matched_total",
                                      "events that matched at least one enabled rule", NULL, 0);
    m->queued = http_metrics_counter(m->registry, "sluice_notifier_queued_total",
                                     "deliveries queued", by_target, 1);
    m->sent = http_metrics_counter(m->registry, "sluice_notifier_sent_total",
                                   "notifications delivered", by_target, 1);
    m->retried = http_metrics_counter(m->registry, "sluice_notifier_retried_total",
                                      "delivery attempts that will be tried again", by_target, 1);
    m->failed = http_metrics_counter(m->registry, "sluice_notifier_failed_total",
                                     "notifications given up on", by_target, 1);
    m->dead = http_metrics_counter(m->registry, "sluice_notifier_dead_lettered_total",
                                   "notifications sent to the dead-letter topic", by_target, 1);
    m->unknown = http_metrics_counter(
        m->registry, "sluice_notifier_outcome_unknown_total",
        "deliveries taken over from a replica that stopped while sending them (not sent again)",
        by_target, 1);
    m->depth = http_metrics_gauge(m->registry, "sluice_notifier_queue_depth",
                                  "deliveries waiting or in flight", by_target, 1);
    m->reloads = http_metrics_counter(m->registry, "sluice_notifier_reloads_total",
                                      "rules file reloads", by_outcome, 1);
    m->seconds = http_metrics_histogram(m->registry, "sluice_notifier_attempt_seconds",
                                        "duration of one delivery attempt", NULL, 0, buckets,
                                        sizeof buckets / sizeof buckets[0]);
    return 0;
}

static bool ntf_service_has_target(const ntf_rules *rules, const char *name)
{
    return ntf_rules_find_target(rules, name) >= 0;
}

int ntf_service_install(ntf_service *s, ntf_ruleset *set, char *err, size_t errlen)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    ntf_ruleset *old = s->current;
    s->current = set;
    /* stop the threads of targets that are gone */
    for (size_t i = 0; i < s->nworkers; i++) {
        if (!ntf_service_has_target(set->rules, s->workers[i]->target)) {
            atomic_store(&s->workers[i]->stop, true);
        }
    }
    /* start those of new targets (and more slots when concurrency grew) */
    for (size_t t = 0; t < set->rules->ntargets && rc == 0; t++) {
        const ntf_target *target = &set->rules->targets[t];
        for (int slot = 0; slot < target->concurrency && rc == 0; slot++) {
            bool running = false;
            for (size_t i = 0; i < s->nworkers; i++) {
                ntf_worker *w = s->workers[i];
                running = running || (strcmp(w->target, target->name) == 0 && w->slot == slot &&
                                      !atomic_load(&w->stop));
            }
            if (running) {
                continue;
            }
            if (s->nworkers >= NTF_SERVICE_WORKERS_MAX) {
                rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d delivery threads",
                                      NTF_SERVICE_WORKERS_MAX);
                break;
            }
            ntf_worker *w = calloc(1, sizeof *w);
            if (w == NULL) {
                abort();
            }
            w->service = s;
            snprintf(w->target, sizeof w->target, "%s", target->name);
            w->slot = slot;
            atomic_init(&w->stop, false);
            atomic_init(&w->done, false);
            if (pthread_create(&w->thread, NULL, ntf_deliver_main, w) != 0) {
                free(w);
                rc = sluice_error_set(err, errlen, SLUICE_EIO,
                                      "cannot start a delivery thread for %s", target->name);
                break;
            }
            w->started = true;
            s->workers[s->nworkers++] = w;
        }
    }
    /* forget threads that have ended */
    size_t kept = 0;
    for (size_t i = 0; i < s->nworkers; i++) {
        ntf_worker *w = s->workers[i];
        if (atomic_load(&w->done)) {
            pthread_join(w->thread, NULL);
            free(w);
        } else {
            s->workers[kept++] = w;
        }
    }
    s->nworkers = kept;
    pthread_mutex_unlock(&s->lock);
    ntf_service_rules_put(old);
    return rc;
}

void ntf_service_stop(ntf_service *s)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nworkers; i++) {
        atomic_store(&s->workers[i]->stop, true);
    }
    size_t n = s->nworkers;
    ntf_worker *workers[NTF_SERVICE_WORKERS_MAX];
    memcpy(workers, s->workers, n * sizeof workers[0]);
    s->nworkers = 0;
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < n; i++) {
        pthread_join(workers[i]->thread, NULL);
        free(workers[i]);
    }
}

void ntf_service_release(ntf_service *s)
{
    ntf_service_rules_put(s->current);
    s->current = NULL;
    http_metrics_free(s->metrics.registry);
    s->metrics.registry = NULL;
    pthread_mutex_destroy(&s->lock);
}

void ntf_service_health(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    const ntf_service *s = ctx;
    bool ok = atomic_load(&s->redis_ok);
    json_t *body = json_pack("{s:s}", "status", ok ? "ok" : "redis unavailable");
    http_response_set_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}
