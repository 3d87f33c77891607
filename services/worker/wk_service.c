/*
 * wk_service.c — intake, slots and heartbeat (see wk_service.h).
 */
#include "wk_service.h"

#include "wk_job.h"

#include "sluice/aws_job.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WK_SERVICE_HEALTH_STALE_MS 5000
#define WK_SERVICE_TICK_MS         100

const char *wk_service_secret(void *ctx, const char *ref)
{
    const wk_service *svc = ctx;
    return json_string_value(json_object_get(svc->secrets, ref));
}

void wk_service_provider_label(const json_t *job, char *out, size_t outlen)
{
    const json_t *rule = json_object_get(job, "ruleTypeId");
    if (rule != NULL) {
        const char *provider = json_string_value(json_object_get(rule, "provider"));
        const char *version = json_string_value(json_object_get(rule, "version"));
        snprintf(out, outlen, "rule:%s/%s", provider != NULL ? provider : "?",
                 version != NULL ? version : "1");
        return;
    }
    if (aws_job_type_key(json_object_get(job, "actionTypeId"), out, outlen) != 0) {
        snprintf(out, outlen, "unknown");
    }
}

/* True when this worker runs the job: a built-in worker provider with a runner here. */
static bool wk_service_runs(const wk_service *svc, const json_t *job)
{
    const json_t *rule = json_object_get(job, "ruleTypeId");
    if (rule != NULL) {
        const char *provider = json_string_value(json_object_get(rule, "provider"));
        const char *version = json_string_value(json_object_get(rule, "version"));
        const model_rule_type *type =
            provider != NULL ? model_registry_find_rule(provider, version) : NULL;
        return type != NULL && (type->commands || strcmp(type->provider, "LambdaInvoke") == 0);
    }
    const json_t *type = json_object_get(job, "actionTypeId");
    const char *category = json_string_value(json_object_get(type, "category"));
    const char *owner = json_string_value(json_object_get(type, "owner"));
    const char *provider = json_string_value(json_object_get(type, "provider"));
    const char *version = json_string_value(json_object_get(type, "version"));
    if (category == NULL || owner == NULL || provider == NULL || version == NULL) {
        return false;
    }
    const model_provider *p =
        model_registry_find(svc->registry, category, owner, provider, version);
    if (p == NULL || p->runner != MODEL_RUNNER_WORKER || p->external) {
        return false;
    }
    /* the worker's providers with a runner today */
    return strcmp(p->provider, "Commands") == 0 || strcmp(p->provider, "CodeBuild") == 0 ||
           (strcmp(p->provider, "S3") == 0 && strcmp(p->category, "Deploy") == 0) ||
           (strcmp(p->provider, "Lambda") == 0 && strcmp(p->category, "Invoke") == 0);
}

/* ---- slots --------------------------------------------------------------------------------- */

static void *wk_service_slot_main(void *arg)
{
    wk_slot *slot = arg;
    wk_service *svc = slot->service;
    pthread_mutex_lock(&svc->lock);
    for (;;) {
        while (slot->job == NULL && !atomic_load(&svc->stop)) {
            pthread_cond_wait(&svc->cond, &svc->lock);
        }
        if (slot->job == NULL) {
            break; /* stopping */
        }
        json_t *job = slot->job;
        slot->job = NULL;
        char owner[WK_LEASE_OWNER_MAX];
        bool adopted = slot->adopted;
        long long attempts = slot->attempts;
        memcpy(owner, slot->adopt_owner, sizeof owner);
        slot->adopted = false;
        atomic_store(&slot->abort, atomic_load(&svc->stop));
        pthread_mutex_unlock(&svc->lock);
        wk_job_run(slot, job, adopted ? owner : NULL, attempts);
        pthread_mutex_lock(&svc->lock);
        slot->busy = false;
    }
    pthread_mutex_unlock(&svc->lock);
    return NULL;
}

static size_t wk_service_busy_locked(const wk_service *svc)
{
    size_t n = 0;
    for (size_t i = 0; i < svc->nslots; i++) {
        n += svc->slots[i].busy;
    }
    return n;
}

bus_consumer_verdict wk_service_intake(const bus_consumer_message *msg, void *ctx, char *reason,
                                       size_t reasonlen)
{
    wk_service *svc = ctx;
    atomic_store(&svc->loop_ms, sluice_time_monotonic_ms());
    const bus_envelope *env = msg->envelope;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_JOB) != 0 || !wk_service_runs(svc, env->detail)) {
        return BUS_CONSUMER_DONE;
    }
    if (json_string_value(json_object_get(env->detail, "jobId")) == NULL ||
        json_string_value(json_object_get(env->detail, "pipeline")) == NULL) {
        snprintf(reason, reasonlen, "a job without jobId or pipeline");
        return BUS_CONSUMER_REJECT;
    }
    pthread_mutex_lock(&svc->lock);
    wk_slot *free_slot = NULL;
    for (size_t i = 0; i < svc->nslots && free_slot == NULL; i++) {
        if (!svc->slots[i].busy) {
            free_slot = &svc->slots[i];
        }
    }
    if (free_slot == NULL || atomic_load(&svc->stop)) {
        pthread_mutex_unlock(&svc->lock);
        /* no reason: waiting for a slot is not a failure worth a warning */
        return BUS_CONSUMER_RETRY;
    }
    free_slot->busy = true;
    free_slot->job = json_deep_copy(env->detail);
    pthread_cond_broadcast(&svc->cond);
    size_t busy = wk_service_busy_locked(svc);
    pthread_mutex_unlock(&svc->lock);
    (void)http_metrics_set(svc->metrics.busy, NULL, (double)busy);
    return BUS_CONSUMER_DONE;
}

/* ---- heartbeat ----------------------------------------------------------------------------- */

/* Adopts one job of a lost worker when a slot is free, and hands it to that slot. */
static void wk_service_sweep(wk_service *svc)
{
    pthread_mutex_lock(&svc->lock);
    wk_slot *free_slot = NULL;
    for (size_t i = 0; i < svc->nslots && free_slot == NULL; i++) {
        if (!svc->slots[i].busy) {
            free_slot = &svc->slots[i];
        }
    }
    if (free_slot == NULL || atomic_load(&svc->stop)) {
        pthread_mutex_unlock(&svc->lock);
        return;
    }
    free_slot->busy = true; /* reserved while the sweep looks */
    pthread_mutex_unlock(&svc->lock);

    char owner[WK_LEASE_OWNER_MAX];
    wk_lease_adopted adopted;
    bool found = false;
    char err[512] = "";
    json_t *job = NULL;
    if (wk_lease_owner(owner) == 0 &&
        wk_lease_lost(svc->heartbeat_redis, sluice_time_now_ms(), owner, svc->cfg->lease_ms, &found,
                      &adopted, err, sizeof err) == 0 &&
        found) {
        job = json_loads(adopted.doc, 0, NULL);
        SLUICE_WARN("job %s of %s: its worker was lost; taken up again (claim %lld)",
                    adopted.job_id, adopted.pipeline, adopted.attempts);
        const char *labels[] = {"lost"};
        (void)http_metrics_inc(svc->metrics.adopted, labels, 1);
        free(adopted.doc);
    } else if (err[0] != '\0') {
        SLUICE_WARN("the sweep for lost jobs failed: %s", err);
    }
    pthread_mutex_lock(&svc->lock);
    if (job != NULL) {
        free_slot->job = job;
        free_slot->adopted = true;
        free_slot->attempts = adopted.attempts;
        memcpy(free_slot->adopt_owner, owner, sizeof owner);
        pthread_cond_broadcast(&svc->cond);
    } else {
        free_slot->busy = false;
    }
    pthread_mutex_unlock(&svc->lock);
}

static void *wk_service_heartbeat_main(void *arg)
{
    wk_service *svc = arg;
    int64_t next = 0;
    while (!atomic_load(&svc->stop)) {
        struct timespec ts = {0, WK_SERVICE_TICK_MS * 1000000L};
        nanosleep(&ts, NULL);
        int64_t now = sluice_time_monotonic_ms();
        size_t busy = 0;
        pthread_mutex_lock(&svc->lock);
        busy = wk_service_busy_locked(svc);
        pthread_mutex_unlock(&svc->lock);
        (void)http_metrics_set(svc->metrics.busy, NULL, (double)busy);
        if (now < next) {
            continue;
        }
        next = now + svc->cfg->lease_ms / 3;
        atomic_store(&svc->redis_ok, state_redis_ping(svc->heartbeat_redis) == 0);
        for (size_t i = 0; i < svc->nslots; i++) {
            wk_slot *slot = &svc->slots[i];
            char pipeline[sizeof slot->pipeline];
            char job_id[sizeof slot->job_id];
            char owner[WK_LEASE_OWNER_MAX];
            pthread_mutex_lock(&svc->lock);
            bool leased = slot->leased;
            memcpy(pipeline, slot->pipeline, sizeof pipeline);
            memcpy(job_id, slot->job_id, sizeof job_id);
            memcpy(owner, slot->owner, sizeof owner);
            pthread_mutex_unlock(&svc->lock);
            if (!leased) {
                continue;
            }
            bool held = true;
            char err[512] = "";
            int rc = wk_lease_heartbeat(svc->heartbeat_redis, pipeline, job_id, owner,
                                        svc->cfg->lease_ms, &held, err, sizeof err);
            if (rc == 0 && held) {
                rc = wk_lease_track(svc->heartbeat_redis, pipeline, job_id,
                                    sluice_time_now_ms() + svc->cfg->lease_ms, NULL, 0, 0, err,
                                    sizeof err);
            }
            if (rc != 0) {
                SLUICE_WARN("job %s: lease not renewed: %s", job_id, err);
            } else if (!held) {
                SLUICE_ERROR("job %s of %s: the lease was lost; the job is stopped", job_id,
                             pipeline);
                atomic_store(&slot->abort, true);
            }
        }
        wk_service_sweep(svc);
    }
    return NULL;
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static int wk_service_metrics(wk_metrics *m)
{
    static const char *const job_labels[] = {"provider", "outcome"};
    static const char *const provider_label[] = {"provider"};
    static const char *const reason_label[] = {"reason"};
    static const double seconds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
    m->registry = http_metrics_new();
    if (m->registry == NULL) {
        return SLUICE_ENOMEM;
    }
    m->jobs = http_metrics_counter(m->registry, "sluice_worker_jobs_total",
                                   "jobs run, by provider and outcome", job_labels, 2);
    m->skipped = http_metrics_counter(m->registry, "sluice_worker_jobs_skipped_total",
                                      "jobs not run: held by another worker, finished already, "
                                      "or Redis did not answer",
                                      reason_label, 1);
    m->adopted = http_metrics_counter(m->registry, "sluice_worker_jobs_adopted_total",
                                      "jobs of lost workers taken up again", reason_label, 1);
    m->busy =
        http_metrics_gauge(m->registry, "sluice_worker_slots_busy", "slots running a job", NULL, 0);
    m->slots = http_metrics_gauge(m->registry, "sluice_worker_slots", "slots configured", NULL, 0);
    m->durations = http_metrics_histogram(m->registry, "sluice_worker_job_duration_seconds",
                                          "time from claim to result, by provider", provider_label,
                                          1, seconds, sizeof seconds / sizeof seconds[0]);
    m->refused = http_metrics_counter(
        m->registry, "sluice_worker_bus_refused_total",
        "job messages dead-lettered before decoding: unsigned, unknown key id, bad signature",
        reason_label, 1);
    return m->jobs != NULL && m->skipped != NULL && m->adopted != NULL && m->busy != NULL &&
                   m->slots != NULL && m->durations != NULL && m->refused != NULL
               ? 0
               : SLUICE_ENOMEM;
}

static int wk_service_redis(const wk_service *svc, state_redis **out, char *err, size_t errlen)
{
    state_redis_config rcfg;
    state_redis_config_init(&rcfg);
    rcfg.host = svc->cfg->redis_host;
    rcfg.port = (int)svc->cfg->redis_port;
    rcfg.username = svc->redis_auth->username;
    rcfg.password = svc->redis_auth->password;
    return state_redis_new(&rcfg, out, err, errlen);
}

int wk_service_start(wk_service *svc, const wk_config *cfg, const state_auth *redis_auth,
                     bus_producer *producer, aws_jobcred_keys *job_keys, model_registry *registry,
                     char *err, size_t errlen)
{
    memset(svc, 0, sizeof *svc);
    svc->cfg = cfg;
    svc->redis_auth = redis_auth;
    svc->job_keys = job_keys;
    svc->registry = registry;
    atomic_init(&svc->stop, false);
    atomic_init(&svc->redis_ok, 0);
    atomic_init(&svc->loop_ms, sluice_time_monotonic_ms());
    pthread_mutex_init(&svc->lock, NULL);
    pthread_cond_init(&svc->cond, NULL);
    pthread_mutex_init(&svc->sender.lock, NULL);
    int rc = bus_topics_init(&svc->topics, cfg->topic_prefix, err, errlen);
    if (rc != 0) {
        return rc;
    }
    svc->sender.producer = producer;
    svc->sender.topics = &svc->topics;
    svc->sender.account = cfg->account;
    svc->sender.region = cfg->region;
    rc = wk_service_metrics(&svc->metrics);
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "out of memory");
    }
    svc->nslots = (size_t)cfg->slots;
    (void)http_metrics_set(svc->metrics.slots, NULL, (double)svc->nslots);
    (void)http_metrics_set(svc->metrics.busy, NULL, 0);
    rc = wk_service_redis(svc, &svc->heartbeat_redis, err, errlen);
    if (rc != 0) {
        return rc;
    }
    atomic_store(&svc->redis_ok, 1);
    for (size_t i = 0; i < svc->nslots; i++) {
        wk_slot *slot = &svc->slots[i];
        slot->service = svc;
        slot->index = i;
        atomic_init(&slot->abort, false);
        rc = wk_service_redis(svc, &slot->redis, err, errlen);
        if (rc == 0) {
            rc = aws_s3_init(&slot->s3, cfg->artifacts_endpoint, cfg->region,
                             (size_t)cfg->artifact_max_bytes, 300000, err, errlen);
        }
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < svc->nslots; i++) {
        if (pthread_create(&svc->slots[i].thread, NULL, wk_service_slot_main, &svc->slots[i]) !=
            0) {
            return sluice_error_set(err, errlen, SLUICE_EIO, "cannot start slot %zu", i);
        }
        svc->slots[i].started = true;
    }
    if (pthread_create(&svc->heartbeat, NULL, wk_service_heartbeat_main, svc) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot start the heartbeat");
    }
    svc->heartbeat_started = true;
    return 0;
}

void wk_service_count_refused(wk_service *svc, const bus_consumer_stats *now)
{
    (void)http_metrics_inc(svc->metrics.refused, (const char *[]){"unsigned"},
                           (double)(now->refused_unsigned - svc->counted.refused_unsigned));
    (void)http_metrics_inc(svc->metrics.refused, (const char *[]){"unknown_key"},
                           (double)(now->refused_unknown_key - svc->counted.refused_unknown_key));
    (void)http_metrics_inc(
        svc->metrics.refused, (const char *[]){"bad_signature"},
        (double)(now->refused_bad_signature - svc->counted.refused_bad_signature));
    svc->counted = *now;
}

void wk_service_stop(wk_service *svc)
{
    pthread_mutex_lock(&svc->lock);
    atomic_store(&svc->stop, true);
    for (size_t i = 0; i < svc->nslots; i++) {
        atomic_store(&svc->slots[i].abort, true);
    }
    pthread_cond_broadcast(&svc->cond);
    pthread_mutex_unlock(&svc->lock);
    for (size_t i = 0; i < svc->nslots; i++) {
        if (svc->slots[i].started) {
            pthread_join(svc->slots[i].thread, NULL);
            svc->slots[i].started = false;
        }
    }
    if (svc->heartbeat_started) {
        pthread_join(svc->heartbeat, NULL);
        svc->heartbeat_started = false;
    }
}

void wk_service_free(wk_service *svc)
{
    wk_service_stop(svc);
    for (size_t i = 0; i < svc->nslots; i++) {
        json_decref(svc->slots[i].job);
        svc->slots[i].job = NULL;
        state_redis_free(svc->slots[i].redis);
        svc->slots[i].redis = NULL;
        aws_s3_release(&svc->slots[i].s3);
    }
    state_redis_free(svc->heartbeat_redis);
    svc->heartbeat_redis = NULL;
    http_metrics_free(svc->metrics.registry);
    svc->metrics.registry = NULL;
    pthread_mutex_destroy(&svc->sender.lock);
    pthread_cond_destroy(&svc->cond);
    pthread_mutex_destroy(&svc->lock);
}

void wk_service_health(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    wk_service *svc = ctx;
    long long age = (long long)(sluice_time_monotonic_ms() - atomic_load(&svc->loop_ms));
    bool ok = age < WK_SERVICE_HEALTH_STALE_MS && atomic_load(&svc->redis_ok);
    pthread_mutex_lock(&svc->lock);
    size_t busy = wk_service_busy_locked(svc);
    pthread_mutex_unlock(&svc->lock);
    json_t *body =
        json_pack("{s:s, s:b, s:I, s:I, s:I}", "status", ok ? "ok" : "unhealthy", "redis",
                  atomic_load(&svc->redis_ok) != 0, "loopAgeMs", (json_int_t)age, "slots",
                  (json_int_t)svc->nslots, "slotsBusy", (json_int_t)busy);
    http_response_set_json(resp, ok ? 200 : 503, body);
    json_decref(body);
}
