/*
 * art_retention.c — retention policy and sweep plans (see art_retention.h).
 *
 * A plan sorts references to the versions three ways — by mtime (which
 * versions are candidates, and the order of deletion), by pipeline and
 * execution (to rank executions) and by key (to find delete markers left
 * pointing at nothing) — each an array of { version, index } pairs, so the
 * comparators need no context. O(n log n) time, O(n) memory.
 */
#include "art_retention.h"

#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RET_ITEM_ECHO 64 /* characters of a bad item quoted in err */

/* ------------------------------------------------------------------ policy */

static void ret_rule_default(art_retention_rule *rule, const char *bucket)
{
    memset(rule, 0, sizeof *rule);
    snprintf(rule->bucket, sizeof rule->bucket, "%s", bucket);
    rule->keep_executions = ART_RETENTION_DEFAULT_EXECUTIONS;
    rule->keep_days = ART_RETENTION_DEFAULT_DAYS;
}

static void ret_policy_default(art_retention_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    ret_rule_default(&policy->fallback, "*");
}

static bool ret_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks of [*s, *s + *n). */
static void ret_trim(const char **s, size_t *n)
{
    while (*n > 0 && ret_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ret_blank((*s)[*n - 1])) {
        (*n)--;
    }
}

/* A decimal number of [s, s + n) within [0, max]; false when it is not one. */
static bool ret_number(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    if (n == 0 || n > 10) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* Parses one trimmed item; NULL, or why it is wrong. */
static const char *ret_item(const char *s, size_t n, art_retention_rule *rule)
{
    memset(rule, 0, sizeof *rule);
    const char *eq = memchr(s, '=', n);
    if (eq == NULL) {
        return "expected <bucket>=<executions>:<days> or <bucket>=off";
    }
    const char *name = s;
    size_t name_len = (size_t)(eq - s);
    const char *value = eq + 1;
    size_t value_len = n - name_len - 1;
    ret_trim(&name, &name_len);
    ret_trim(&value, &value_len);
    if (name_len == 0 || name_len > ART_KEYPATH_BUCKET_MAX) {
        return "expected a bucket name or * before '='";
    }
    memcpy(rule->bucket, name, name_len);
    rule->bucket[name_len] = '\0';
    if (strcmp(rule->bucket, "*") != 0 && !art_keypath_bucket_valid(rule->bucket)) {
        return "not a valid bucket name (3..63 of [a-z0-9.-]) or *";
    }
    if (value_len == 3 && memcmp(value, "off", 3) == 0) {
        rule->off = true;
        return NULL;
    }
    const char *colon = memchr(value, ':', value_len);
    if (colon == NULL) {
        return "expected <executions>:<days> or off after '='";
    }
    size_t exec_len = (size_t)(colon - value);
    if (!ret_number(value, exec_len, ART_RETENTION_EXECUTIONS_MAX, &rule->keep_executions) ||
        rule->keep_executions == 0) {
        return "executions must be a whole number of 1..1000000";
    }
    if (!ret_number(colon + 1, value_len - exec_len - 1, ART_RETENTION_DAYS_MAX,
                    &rule->keep_days)) {
        return "days must be a whole number of 0..36500";
    }
    return NULL;
}

int art_retention_policy_parse(const char *text, art_retention_policy *out, char *err,
                               size_t errlen)
{
    ret_policy_default(out);
    if (text == NULL || text[0] == '\0') {
        return SLUICE_OK;
    }
    if (strnlen(text, ART_RETENTION_TEXT_MAX + 1) > ART_RETENTION_TEXT_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "longer than %d bytes",
                                ART_RETENTION_TEXT_MAX);
    }
    art_retention_policy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    ret_policy_default(p);
    bool have_fallback = false;
    int rc = SLUICE_OK;
    size_t item_no = 0;
    const char *s = text;
    for (;;) {
        item_no++;
        size_t n = strcspn(s, ",");
        const char *item = s;
        size_t len = n;
        ret_trim(&item, &len);
        art_retention_rule rule;
        const char *why = len == 0 ? "empty item" : ret_item(item, len, &rule);
        if (why == NULL) {
            bool dup = strcmp(rule.bucket, "*") == 0 && have_fallback;
            for (size_t i = 0; i < p->count && !dup; i++) {
                dup = strcmp(p->rules[i].bucket, rule.bucket) == 0;
            }
            if (dup) {
                why = "the bucket is named twice";
            } else if (strcmp(rule.bucket, "*") != 0 && p->count == ART_RETENTION_RULES_MAX) {
                rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d buckets named",
                                      ART_RETENTION_RULES_MAX);
                break;
            }
        }
        if (why != NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "item %zu \"%.*s%s\": %s", item_no,
                                  (int)(len > RET_ITEM_ECHO ? RET_ITEM_ECHO : len), item,
                                  len > RET_ITEM_ECHO ? "..." : "", why);
            break;
        }
        if (strcmp(rule.bucket, "*") == 0) {
            p->fallback = rule;
            have_fallback = true;
        } else {
            p->rules[p->count++] = rule;
        }
        if (s[n] == '\0') {
            break;
        }
        s += n + 1;
    }
    if (rc == SLUICE_OK) {
        memcpy(out, p, sizeof *out);
    }
    free(p);
    return rc;
}

const art_retention_rule *art_retention_policy_rule(const art_retention_policy *policy,
                                                    const char *bucket)
{
    for (size_t i = 0; i < policy->count; i++) {
        if (strcmp(policy->rules[i].bucket, bucket) == 0) {
            return &policy->rules[i];
        }
    }
    return &policy->fallback;
}

void art_retention_rule_text(const art_retention_rule *rule, char *out, size_t outlen)
{
    if (rule->off) {
        snprintf(out, outlen, "off");
    } else {
        snprintf(out, outlen, "%u:%u", (unsigned)rule->keep_executions, (unsigned)rule->keep_days);
    }
}

const char *art_retention_reason_name(art_retention_reason reason)
{
    return reason == ART_RETENTION_MARKER ? "marker" : "expired";
}

/* -------------------------------------------------------------------- plan */

typedef struct ret_ref {
    const art_retention_version *v;
    size_t index;
} ret_ref;

/* An execution of a pipeline with tracked versions in the bucket. */
typedef struct ret_exec {
    const char *pipeline;
    const char *execution;
    int64_t first_mtime_ms;
    size_t rank; /* 0: the newest of its pipeline */
    size_t deleted;
    uint64_t bytes;
} ret_exec;

static bool ret_tracked(const art_retention_version *v)
{
    return !v->delete_marker && v->pipeline != NULL && v->pipeline[0] != '\0' &&
           v->execution != NULL && v->execution[0] != '\0';
}

static int ret_cmp_time(const void *a, const void *b)
{
    const ret_ref *x = a;
    const ret_ref *y = b;
    if (x->v->mtime_ms != y->v->mtime_ms) {
        return x->v->mtime_ms < y->v->mtime_ms ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

static int ret_cmp_exec(const void *a, const void *b)
{
    const ret_ref *x = a;
    const ret_ref *y = b;
    int c = strcmp(x->v->pipeline, y->v->pipeline);
    if (c == 0) {
        c = strcmp(x->v->execution, y->v->execution);
    }
    return c != 0 ? c : ret_cmp_time(a, b);
}

static int ret_cmp_key(const void *a, const void *b)
{
    const ret_ref *x = a;
    const ret_ref *y = b;
    int c = strcmp(x->v->key, y->v->key);
    return c != 0 ? c : ret_cmp_time(a, b);
}

/* Newest first within a pipeline; ties by execution id, greater first. */
static int ret_cmp_rank(const void *a, const void *b)
{
    const ret_exec *const *x = a;
    const ret_exec *const *y = b;
    if ((*x)->first_mtime_ms != (*y)->first_mtime_ms) {
        return (*x)->first_mtime_ms > (*y)->first_mtime_ms ? -1 : 1;
    }
    return -strcmp((*x)->execution, (*y)->execution);
}

/* By pipeline, then oldest first (the order of the plan's executions). */
static int ret_cmp_report(const void *a, const void *b)
{
    const ret_exec *x = a;
    const ret_exec *y = b;
    int c = strcmp(x->pipeline, y->pipeline);
    if (c != 0) {
        return c;
    }
    if (x->first_mtime_ms != y->first_mtime_ms) {
        return x->first_mtime_ms < y->first_mtime_ms ? -1 : 1;
    }
    return strcmp(x->execution, y->execution);
}

enum { RET_NOT_CANDIDATE = 0, RET_KEEP, RET_EXPIRED, RET_MARKER };

/*
 * Groups the tracked versions into executions (execs, *nexec), sets exec_of
 * for each tracked version, and ranks each pipeline's executions.
 */
static int ret_rank(const art_retention_version *v, size_t count, ret_ref *refs, ret_exec *execs,
                    size_t *nexec, size_t *exec_of)
{
    size_t tracked = 0;
    for (size_t i = 0; i < count; i++) {
        exec_of[i] = SIZE_MAX;
        if (ret_tracked(&v[i])) {
            refs[tracked].v = &v[i];
            refs[tracked].index = i;
            tracked++;
        }
    }
    qsort(refs, tracked, sizeof *refs, ret_cmp_exec);
    *nexec = 0;
    for (size_t i = 0; i < tracked; i++) {
        const art_retention_version *x = refs[i].v;
        if (i == 0 || strcmp(x->pipeline, refs[i - 1].v->pipeline) != 0 ||
            strcmp(x->execution, refs[i - 1].v->execution) != 0) {
            ret_exec *e = &execs[(*nexec)++];
            memset(e, 0, sizeof *e);
            e->pipeline = x->pipeline;
            e->execution = x->execution;
            e->first_mtime_ms = x->mtime_ms; /* refs are oldest first within an execution */
        }
        exec_of[refs[i].index] = *nexec - 1;
    }
    ret_exec **order = malloc((*nexec > 0 ? *nexec : 1) * sizeof *order);
    if (order == NULL) {
        return SLUICE_ENOMEM;
    }
    /* execs are sorted by pipeline: rank each pipeline's run */
    for (size_t start = 0; start < *nexec;) {
        size_t end = start + 1;
        while (end < *nexec && strcmp(execs[end].pipeline, execs[start].pipeline) == 0) {
            end++;
        }
        for (size_t i = start; i < end; i++) {
            order[i - start] = &execs[i];
        }
        qsort(order, end - start, sizeof *order, ret_cmp_rank);
        for (size_t i = 0; i < end - start; i++) {
            order[i]->rank = i;
        }
        start = end;
    }
    free(order);
    return SLUICE_OK;
}

int art_retention_plan_make(const art_retention_version *versions, size_t count,
                            const art_retention_rule *rule, int64_t now_ms, size_t max_versions,
                            art_retention_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (rule == NULL || rule->off || count == 0) {
        return SLUICE_OK;
    }
    size_t n = count;
    ret_ref *refs = malloc(n * sizeof *refs);
    ret_exec *execs = malloc(n * sizeof *execs);
    size_t *exec_of = malloc(n * sizeof *exec_of);
    unsigned char *state = calloc(n, 1);
    art_retention_delete *deletes = malloc(n * sizeof *deletes);
    int rc = SLUICE_ENOMEM;
    size_t nexec = 0;
    if (refs == NULL || execs == NULL || exec_of == NULL || state == NULL || deletes == NULL ||
        ret_rank(versions, n, refs, execs, &nexec, exec_of) != SLUICE_OK) {
        goto out;
    }
    /* candidates: the oldest max_versions */
    for (size_t i = 0; i < n; i++) {
        refs[i].v = &versions[i];
        refs[i].index = i;
    }
    qsort(refs, n, sizeof *refs, ret_cmp_time);
    plan->considered = n < max_versions ? n : max_versions;
    plan->truncated = n > max_versions;
    int64_t keep_ms = (int64_t)rule->keep_days * ART_RETENTION_DAY_MS;
    for (size_t r = 0; r < plan->considered; r++) {
        size_t i = refs[r].index;
        const art_retention_version *v = &versions[i];
        state[i] = RET_KEEP;
        if (v->delete_marker) {
            continue; /* decided below */
        }
        if (exec_of[i] == SIZE_MAX) {
            plan->untracked++;
            continue;
        }
        const ret_exec *e = &execs[exec_of[i]];
        bool young = rule->keep_days > 0 && v->mtime_ms > now_ms - keep_ms;
        if (e->rank >= rule->keep_executions && !young) {
            state[i] = RET_EXPIRED;
        }
    }
    /* delete markers of keys left with nothing but delete markers */
    ret_ref *by_key = malloc(n * sizeof *by_key);
    if (by_key == NULL) {
        goto out;
    }
    memcpy(by_key, refs, n * sizeof *by_key);
    qsort(by_key, n, sizeof *by_key, ret_cmp_key);
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && strcmp(by_key[end].v->key, by_key[start].v->key) == 0) {
            end++;
        }
        size_t left = 0;
        for (size_t j = start; j < end; j++) {
            left += !by_key[j].v->delete_marker && state[by_key[j].index] != RET_EXPIRED;
        }
        for (size_t j = start; j < end && left == 0; j++) {
            if (by_key[j].v->delete_marker && state[by_key[j].index] == RET_KEEP) {
                state[by_key[j].index] = RET_MARKER;
            }
        }
        start = end;
    }
    free(by_key);
    /* the deletes, oldest first: expired versions, then markers */
    for (int pass = RET_EXPIRED; pass <= RET_MARKER; pass++) {
        for (size_t r = 0; r < plan->considered; r++) {
            size_t i = refs[r].index;
            if (state[i] != pass) {
                continue;
            }
            deletes[plan->delete_count].index = i;
            deletes[plan->delete_count].reason =
                pass == RET_EXPIRED ? ART_RETENTION_EXPIRED : ART_RETENTION_MARKER;
            plan->delete_count++;
            if (pass == RET_EXPIRED) {
                plan->bytes += versions[i].size;
                execs[exec_of[i]].deleted++;
                execs[exec_of[i]].bytes += versions[i].size;
            }
        }
    }
    /* the executions touched, by pipeline and oldest first */
    size_t touched = 0;
    for (size_t i = 0; i < nexec; i++) {
        if (execs[i].deleted > 0) {
            execs[touched++] = execs[i];
        }
    }
    qsort(execs, touched, sizeof *execs, ret_cmp_report);
    if (touched > 0) {
        plan->executions = malloc(touched * sizeof *plan->executions);
        if (plan->executions == NULL) {
            goto out;
        }
        for (size_t i = 0; i < touched; i++) {
            plan->executions[i].pipeline = execs[i].pipeline;
            plan->executions[i].execution = execs[i].execution;
            plan->executions[i].versions = execs[i].deleted;
            plan->executions[i].bytes = execs[i].bytes;
        }
        plan->execution_count = touched;
    }
    plan->deletes = deletes;
    deletes = NULL; /* now owned by the plan */
    rc = SLUICE_OK;
out:
    free(refs);
    free(execs);
    free(exec_of);
    free(state);
    free(deletes);
    if (rc != SLUICE_OK) {
        art_retention_plan_free(plan);
    }
    return rc;
}

void art_retention_plan_free(art_retention_plan *plan)
{
    if (plan == NULL) {
        return;
    }
    free(plan->deletes);
    free(plan->executions);
    memset(plan, 0, sizeof *plan);
}
