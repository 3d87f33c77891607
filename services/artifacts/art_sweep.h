/*
 * art_sweep.h — the retention sweeper of sluice-artifacts: a thread of its
 * own that, every interval (the first sweep one interval after start), lists
 * each bucket's versions (art_store_version_list), plans with art_retention
 * under the bucket's rule, and removes the planned versions one by one with
 * art_store_version_delete. Before each removal the version is read again and
 * skipped unless its mtime, execution and kind are still those listed (a
 * "null" version overwritten since the listing stays).
 *
 * Per swept bucket one log line: "retention: bucket B freed N versions (X
 * bytes) of executions P/E, ..." (info when something was freed, a delete
 * failed or the plan was truncated; debug otherwise). /metrics:
 * sluice_artifacts_retention_versions_deleted_total{bucket},
 * sluice_artifacts_retention_bytes_freed_total{bucket},
 * sluice_artifacts_retention_sweeps_total and
 * sluice_artifacts_retention_truncated_total{bucket}.
 *
 * Threads: the sweeper's thread only touches the store (thread-safe) and the
 * metrics registry; art_sweep_free stops it between two removals or two
 * buckets, so it returns within one removal's time (or what is left of one
 * bucket's listing, when it is listing).
 */
#ifndef ART_SWEEP_H
#define ART_SWEEP_H

#include "art_retention.h"
#include "art_store.h"

#include "sluice/http_metrics.h"

#include <stddef.h>
#include <stdint.h>

typedef struct art_sweep art_sweep;

typedef struct art_sweep_config {
    art_store *store;                   /* borrowed */
    const art_retention_policy *policy; /* borrowed */
    int64_t interval_ms;                /* > 0 */
    size_t max_versions;                /* candidates per bucket per sweep */
    size_t list_max;                    /* versions one bucket's listing may hold */
    http_metrics *metrics;              /* borrowed, may be NULL */
} art_sweep_config;

/* What one bucket's sweep did. */
typedef struct art_sweep_result {
    size_t listed;  /* versions in the bucket */
    size_t deleted; /* versions and delete markers removed */
    uint64_t bytes; /* data bytes released */
    size_t skipped; /* planned but changed or gone meanwhile */
    size_t failed;  /* removals that failed */
    bool truncated; /* more candidates than max_versions */
    bool too_many;  /* more versions than list_max: not swept */
    bool off;       /* the bucket's rule is off */
} art_sweep_result;

/* Starts the sweeper's thread. 0 with *out set, or a negative SLUICE_E* with err. */
int art_sweep_new(const art_sweep_config *cfg, art_sweep **out, char *err, size_t errlen);

/*
 * Sweeps bucket once now, on the caller's thread, under policy at now_ms, and
 * logs its line. 0 (res filled), or SLUICE_ENOTFOUND (no bucket), SLUICE_EIO,
 * SLUICE_ENOMEM. cfg->interval_ms is not used. For tests and the thread.
 */
int art_sweep_bucket(const art_sweep_config *cfg, const char *bucket, int64_t now_ms,
                     art_sweep_result *res);

/* Stops the thread (between two removals) and frees. Accepts NULL. */
void art_sweep_free(art_sweep *s);

#endif
