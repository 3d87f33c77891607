/*
 * art_sweep.c — the retention sweeper's thread (see art_sweep.h). The thread
 * sleeps on a condition variable (CLOCK_MONOTONIC) for the interval, so
 * art_sweep_free wakes it at once; a sweep checks the stop flag before every
 * bucket and every removal.
 */
#include "art_sweep.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_LOG_EXECUTIONS 8 /* executions named in one log line */

struct art_sweep {
    art_sweep_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_bool stop;
    pthread_t thread;
};

typedef struct sweep_metrics {
    http_metrics_family *deleted, *bytes, *sweeps, *truncated;
} sweep_metrics;

static void sweep_metrics_get(http_metrics *m, sweep_metrics *out)
{
    memset(out, 0, sizeof *out);
    if (m == NULL) {
        return;
    }
    const char *bucket[] = {"bucket"};
    out->deleted =
        http_metrics_counter(m, "sluice_artifacts_retention_versions_deleted_total",
                             "versions and delete markers removed by retention", bucket, 1);
    out->bytes = http_metrics_counter(m, "sluice_artifacts_retention_bytes_freed_total",
                                      "data bytes released by retention", bucket, 1);
    out->truncated =
        http_metrics_counter(m, "sluice_artifacts_retention_truncated_total",
                             "bucket sweeps that left candidates for a later sweep", bucket, 1);
    out->sweeps = http_metrics_counter(m, "sluice_artifacts_retention_sweeps_total",
                                       "retention sweeps over every bucket", NULL, 0);
}

/* Whether version v (listed) is still what the store holds. */
static bool sweep_unchanged(art_store *st, const char *bucket, const art_store_version *v,
                            art_store_meta *meta)
{
    bool no_bucket = false;
    int rc =
        art_store_object_open_version(st, bucket, v->key, v->version_id, meta, NULL, &no_bucket);
    return rc == SLUICE_OK && meta->delete_marker == v->delete_marker &&
           meta->mtime_ms == v->mtime_ms && strcmp(meta->execution, v->execution) == 0 &&
           strcmp(meta->pipeline, v->pipeline) == 0;
}

/* "P/E, P/E and N more" of the plan's executions into out. */
static void sweep_executions_text(const art_retention_plan *plan, sluice_buf *out)
{
    size_t shown =
        plan->execution_count < SWEEP_LOG_EXECUTIONS ? plan->execution_count : SWEEP_LOG_EXECUTIONS;
    for (size_t i = 0; i < shown; i++) {
        (void)sluice_buf_appendf(out, "%s%s/%s", i > 0 ? ", " : "", plan->executions[i].pipeline,
                                 plan->executions[i].execution);
    }
    if (plan->execution_count > shown) {
        (void)sluice_buf_appendf(out, " and %zu more", plan->execution_count - shown);
    }
    if (plan->execution_count == 0) {
        (void)sluice_buf_appendf(out, "none");
    }
}

/* One bucket's sweep; stop (may be NULL) is checked before each removal. */
static int sweep_bucket(const art_sweep_config *cfg, const sweep_metrics *m, const char *bucket,
                        int64_t now_ms, const atomic_bool *stop, art_sweep_result *res)
{
    memset(res, 0, sizeof *res);
    const art_retention_rule *rule = art_retention_policy_rule(cfg->policy, bucket);
    char rule_text[32];
    art_retention_rule_text(rule, rule_text, sizeof rule_text);
    if (rule->off) {
        res->off = true;
        SLUICE_DEBUG("retention: bucket %s is off", bucket);
        return SLUICE_OK;
    }
    art_store_version *versions = NULL;
    size_t count = 0;
    int rc = art_store_version_list(cfg->store, bucket, cfg->list_max, &versions, &count);
    if (rc == SLUICE_ETOOBIG) {
        res->too_many = true;
        SLUICE_WARN("retention: bucket %s holds more than %zu versions (SLUICE_ARTIFACTS_LIST_MAX)"
                    "; not swept",
                    bucket, cfg->list_max);
        return SLUICE_OK;
    }
    if (rc != SLUICE_OK) {
        SLUICE_WARN("retention: bucket %s: cannot list its versions: %s", bucket,
                    sluice_strerror(rc));
        return rc;
    }
    res->listed = count;
    art_retention_version *in = malloc((count > 0 ? count : 1) * sizeof *in);
    art_store_meta *meta = malloc(sizeof *meta);
    art_retention_plan plan;
    memset(&plan, 0, sizeof plan);
    if (in == NULL || meta == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        const art_store_version *v = &versions[i];
        in[i] = (art_retention_version){
            .key = v->key,
            .version_id = v->version_id,
            .is_latest = v->is_latest,
            .delete_marker = v->delete_marker,
            .size = v->size,
            .mtime_ms = v->mtime_ms,
            .pipeline = v->pipeline,
            .execution = v->execution,
        };
    }
    rc = art_retention_plan_make(in, count, rule, now_ms, cfg->max_versions, &plan);
    if (rc != SLUICE_OK) {
        goto out;
    }
    res->truncated = plan.truncated;
    for (size_t i = 0; i < plan.delete_count; i++) {
        if (stop != NULL && atomic_load(stop)) {
            break;
        }
        const art_store_version *v = &versions[plan.deletes[i].index];
        if (!sweep_unchanged(cfg->store, bucket, v, meta)) {
            res->skipped++;
            continue;
        }
        uint64_t freed = 0;
        int drc = art_store_version_delete(cfg->store, bucket, v->key, v->version_id, &freed);
        if (drc == SLUICE_OK) {
            res->deleted++;
            res->bytes += freed;
            SLUICE_DEBUG("retention: bucket %s: removed %s version %s (%s, %s/%s)", bucket, v->key,
                         v->version_id, art_retention_reason_name(plan.deletes[i].reason),
                         v->pipeline, v->execution);
        } else if (drc == SLUICE_ENOTFOUND) {
            res->skipped++;
        } else {
            res->failed++;
            SLUICE_WARN("retention: bucket %s: cannot remove %s version %s: %s", bucket, v->key,
                        v->version_id, sluice_strerror(drc));
        }
    }
    const char *labels[] = {bucket};
    if (m->deleted != NULL && res->deleted > 0) {
        (void)http_metrics_inc(m->deleted, labels, (double)res->deleted);
        (void)http_metrics_inc(m->bytes, labels, (double)res->bytes);
    }
    if (m->truncated != NULL && res->truncated) {
        (void)http_metrics_inc(m->truncated, labels, 1);
    }
    sluice_buf names;
    sluice_buf_init(&names, 4096);
    sweep_executions_text(&plan, &names);
    if (res->deleted > 0 || res->failed > 0 || res->truncated) {
        SLUICE_INFO("retention: bucket %s freed %zu versions (%llu bytes) of executions %s "
                    "(rule %s; %zu versions listed, %zu skipped, %zu failed%s)",
                    bucket, res->deleted, (unsigned long long)res->bytes, sluice_buf_cstr(&names),
                    rule_text, count, res->skipped, res->failed,
                    res->truncated ? "; truncated: more candidates than "
                                     "SLUICE_ARTIFACTS_SWEEP_MAX_VERSIONS, the rest next sweep"
                                   : "");
    } else {
        SLUICE_DEBUG("retention: bucket %s freed 0 versions (0 bytes) (rule %s; %zu versions "
                     "listed, %zu skipped)",
                     bucket, rule_text, count, res->skipped);
    }
    sluice_buf_free(&names);
out:
    art_retention_plan_free(&plan);
    free(meta);
    free(in);
    art_store_versions_free(versions, count);
    return rc;
}

int art_sweep_bucket(const art_sweep_config *cfg, const char *bucket, int64_t now_ms,
                     art_sweep_result *res)
{
    sweep_metrics m;
    sweep_metrics_get(cfg->metrics, &m);
    return sweep_bucket(cfg, &m, bucket, now_ms, NULL, res);
}

static void sweep_all(art_sweep *s, const sweep_metrics *m)
{
    art_store_entry *buckets = NULL;
    size_t count = 0;
    int rc = art_store_bucket_list(s->cfg.store, &buckets, &count);
    if (rc != SLUICE_OK) {
        SLUICE_WARN("retention: cannot list the buckets: %s", sluice_strerror(rc));
        return;
    }
    for (size_t i = 0; i < count && !atomic_load(&s->stop); i++) {
        art_sweep_result res;
        (void)sweep_bucket(&s->cfg, m, buckets[i].key, sluice_time_now_ms(), &s->stop, &res);
    }
    art_store_entries_free(buckets, count);
    if (m->sweeps != NULL) {
        (void)http_metrics_inc(m->sweeps, NULL, 1);
    }
}

static void *sweep_main(void *arg)
{
    art_sweep *s = arg;
    sweep_metrics m;
    sweep_metrics_get(s->cfg.metrics, &m);
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(s->cfg.interval_ms / 1000);
        ts.tv_nsec += (long)(s->cfg.interval_ms % 1000) * 1000L * 1000;
        if (ts.tv_nsec >= 1000L * 1000 * 1000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000L * 1000 * 1000;
        }
        pthread_mutex_lock(&s->lock);
        while (!atomic_load(&s->stop) && pthread_cond_timedwait(&s->cond, &s->lock, &ts) == 0) {
            /* woken early without a stop: wait out the interval */
        }
        pthread_mutex_unlock(&s->lock);
        if (atomic_load(&s->stop)) {
            break;
        }
        sweep_all(s, &m);
    }
    return NULL;
}

int art_sweep_new(const art_sweep_config *cfg, art_sweep **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->store == NULL || cfg->policy == NULL || cfg->interval_ms <= 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no store, policy or interval");
    }
    art_sweep *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    s->cfg = *cfg;
    atomic_init(&s->stop, false);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&s->thread, NULL, sweep_main, s) != 0) {
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot start the sweeper's thread");
    }
    *out = s;
    return SLUICE_OK;
}

void art_sweep_free(art_sweep *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stop, true);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
