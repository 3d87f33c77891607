/*
 * art_retention.h — which artifact versions a bucket no longer needs
 * (issue 10's retention): the policy (SLUICE_ARTIFACTS_RETENTION) and the
 * plan of one sweep over one bucket's versions. Pure: no I/O, no clock (the
 * caller passes now_ms); art_sweep is the shell that lists, deletes and logs.
 *
 * Policy text: comma-separated items "<bucket>=<executions>:<days>" or
 * "<bucket>=off", bucket "*" for every bucket not named, e.g.
 * "*=10:30,mybucket=5:7,sources=off". Without a "*" item (and for empty
 * text) unnamed buckets get ART_RETENTION_DEFAULT_EXECUTIONS /
 * ART_RETENTION_DEFAULT_DAYS.
 *
 * The rule, per bucket. A version is tracked when it has a recorded pipeline
 * and execution (art_s3 records them for writes authenticated by job
 * credentials); untracked versions — uploaded with long-lived keys, e.g. an S3
 * source bucket, or by tokens naming no execution — are never deleted. The
 * executions of a pipeline are ordered by the earliest mtime among their
 * versions in this bucket (newest first; ties by execution id, greater first).
 * A tracked version is kept when its execution is among the last
 * keep_executions of its pipeline, or when it is younger than keep_days
 * (now_ms - mtime_ms < keep_days days; 0 days: no age rule); every other
 * tracked version is deleted (ART_RETENTION_EXPIRED). A delete marker of a key
 * that has no version left but delete markers once the plan is carried out
 * points at nothing and is deleted too (ART_RETENTION_MARKER).
 *
 * Bounds: at most max_versions versions, the oldest by mtime, are candidates
 * in one plan (the ranking of executions still sees every version given);
 * plan->truncated says that newer ones were left for a later sweep.
 */
#ifndef ART_RETENTION_H
#define ART_RETENTION_H

#include "art_keypath.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ART_RETENTION_RULES_MAX          64
#define ART_RETENTION_TEXT_MAX           4096 /* bytes of policy text */
#define ART_RETENTION_EXECUTIONS_MAX     1000000
#define ART_RETENTION_DAYS_MAX           36500
#define ART_RETENTION_DEFAULT_EXECUTIONS 10
#define ART_RETENTION_DEFAULT_DAYS       30
#define ART_RETENTION_DAY_MS             (24LL * 60 * 60 * 1000)

/* One bucket's rule; bucket "*" is the fallback. */
typedef struct art_retention_rule {
    char bucket[ART_KEYPATH_BUCKET_MAX + 1];
    bool off;                 /* the sweeper leaves the bucket alone */
    uint32_t keep_executions; /* 1..ART_RETENTION_EXECUTIONS_MAX */
    uint32_t keep_days;       /* 0..ART_RETENTION_DAYS_MAX; 0: no age rule */
} art_retention_rule;

typedef struct art_retention_policy {
    art_retention_rule fallback; /* "*" */
    size_t count;
    art_retention_rule rules[ART_RETENTION_RULES_MAX];
} art_retention_policy;

/*
 * Parses policy text (NULL or "" gives the default policy) into *out. 0, or
 * SLUICE_EPARSE with err naming the item by position and text (an item that
 * is not "<bucket>=<executions>:<days>" or "<bucket>=off", an invalid bucket
 * name, a number out of bounds, an empty or duplicate item), SLUICE_ETOOBIG
 * (text over ART_RETENTION_TEXT_MAX, more than ART_RETENTION_RULES_MAX
 * items). *out holds the default policy on failure.
 */
int art_retention_policy_parse(const char *text, art_retention_policy *out, char *err,
                               size_t errlen);

/* The rule of bucket (its own or the fallback); borrowed from policy. */
const art_retention_rule *art_retention_policy_rule(const art_retention_policy *policy,
                                                    const char *bucket);

/* Writes rule as "<executions>:<days>" or "off" into out (for logs). */
void art_retention_rule_text(const art_retention_rule *rule, char *out, size_t outlen);

/* One version of the bucket as the store lists it; strings borrowed ("" when none). */
typedef struct art_retention_version {
    const char *key;
    const char *version_id;
    bool is_latest;
    bool delete_marker;
    uint64_t size;
    int64_t mtime_ms;
    const char *pipeline;
    const char *execution;
} art_retention_version;

typedef enum art_retention_reason {
    ART_RETENTION_EXPIRED, /* tracked, beyond the last N executions and older than D days */
    ART_RETENTION_MARKER,  /* a delete marker left pointing at nothing */
} art_retention_reason;

typedef struct art_retention_delete {
    size_t index; /* into the versions given */
    art_retention_reason reason;
} art_retention_delete;

/* An execution some of whose versions the plan deletes. */
typedef struct art_retention_execution {
    const char *pipeline; /* borrowed from the versions */
    const char *execution;
    size_t versions; /* deleted */
    uint64_t bytes;
} art_retention_execution;

typedef struct art_retention_plan {
    art_retention_delete *deletes; /* expired versions (oldest first), then markers */
    size_t delete_count;
    art_retention_execution *executions; /* by pipeline, then oldest first */
    size_t execution_count;
    uint64_t bytes;    /* sum of the deleted versions' sizes */
    size_t considered; /* candidates: min(count, max_versions) */
    size_t untracked;  /* candidates without a recorded pipeline and execution */
    bool truncated;    /* count > max_versions */
} art_retention_plan;

/*
 * Plans one sweep of versions[0..count) under rule at now_ms, at most
 * max_versions candidates (0: none). Fills *plan (free with
 * art_retention_plan_free; it borrows strings from versions, which must
 * outlive it). A rule that is off plans nothing. 0, or SLUICE_ENOMEM
 * (plan empty).
 */
int art_retention_plan_make(const art_retention_version *versions, size_t count,
                            const art_retention_rule *rule, int64_t now_ms, size_t max_versions,
                            art_retention_plan *plan);

/* Frees what art_retention_plan_make allocated and zeroes plan. Accepts a zeroed plan. */
void art_retention_plan_free(art_retention_plan *plan);

/* The reason's name: "expired" or "marker". */
const char *art_retention_reason_name(art_retention_reason reason);

#endif
