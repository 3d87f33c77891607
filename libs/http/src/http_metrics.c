/*
 * http_metrics.c — the metrics registry and its Prometheus text rendering
 * (see http_metrics.h; format: prometheus.io/docs/instrumenting/exposition_formats,
 * version 0.0.4). Families live in a fixed array; each family keeps its
 * series in a growable array searched linearly (a service has a few dozen
 * series, and the bound keeps the search short). One mutex serialises every
 * update and the rendering.
 */
#include "sluice/http_metrics.h"

#include "sluice/error.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_HELP_MAX 512

typedef enum metrics_type {
    METRICS_COUNTER,
    METRICS_GAUGE,
    METRICS_HISTOGRAM,
} metrics_type;

typedef struct metrics_series {
    char **label_values;     /* label_count owned strings */
    double value;            /* counter and gauge */
    uint64_t *bucket_counts; /* histogram: bucket_count + 1 per-bucket (not cumulative) counts */
    double sum;              /* histogram */
    uint64_t count;          /* histogram */
} metrics_series;

struct http_metrics_family {
    http_metrics *owner;
    metrics_type type;
    char name[HTTP_METRICS_NAME_MAX + 1];
    char help[METRICS_HELP_MAX + 1];
    size_t label_count;
    char label_names[HTTP_METRICS_MAX_LABELS][HTTP_METRICS_NAME_MAX + 1];
    size_t bucket_count;
    double buckets[HTTP_METRICS_MAX_BUCKETS];
    metrics_series *series;
    size_t series_count;
    size_t series_cap;
};

struct http_metrics {
    pthread_mutex_t lock;
    http_metrics_family *families[HTTP_METRICS_MAX_FAMILIES];
    size_t family_count;
};

static const double metrics_latency_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

static const char *const metrics_type_names[] = {"counter", "gauge", "histogram"};

http_metrics *http_metrics_new(void)
{
    http_metrics *metrics = calloc(1, sizeof *metrics);
    if (metrics == NULL) {
        return NULL;
    }
    if (pthread_mutex_init(&metrics->lock, NULL) != 0) {
        free(metrics);
        return NULL;
    }
    return metrics;
}

static void metrics_series_clear(const http_metrics_family *family, metrics_series *series)
{
    if (series->label_values != NULL) {
        for (size_t i = 0; i < family->label_count; i++) {
            free(series->label_values[i]);
        }
    }
    free(series->label_values);
    free(series->bucket_counts);
}

static void metrics_family_free(http_metrics_family *family)
{
    for (size_t i = 0; i < family->series_count; i++) {
        metrics_series_clear(family, &family->series[i]);
    }
    free(family->series);
    free(family);
}

void http_metrics_free(http_metrics *metrics)
{
    if (metrics == NULL) {
        return;
    }
    for (size_t i = 0; i < metrics->family_count; i++) {
        metrics_family_free(metrics->families[i]);
    }
    pthread_mutex_destroy(&metrics->lock);
    free(metrics);
}

static bool metrics_is_name(const char *name, bool allow_colon)
{
    size_t len = strlen(name);
    if (len == 0 || len > HTTP_METRICS_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                      (allow_colon && c == ':');
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

static bool metrics_is_help(const char *help)
{
    return strlen(help) <= METRICS_HELP_MAX && strchr(help, '\n') == NULL;
}

/* True when family was declared with exactly these properties. */
static bool metrics_family_matches(const http_metrics_family *family, metrics_type type,
                                   const char *const *label_names, size_t label_count,
                                   const double *buckets, size_t bucket_count)
{
    if (family->type != type || family->label_count != label_count ||
        family->bucket_count != bucket_count) {
        return false;
    }
    for (size_t i = 0; i < label_count; i++) {
        if (strcmp(family->label_names[i], label_names[i]) != 0) {
            return false;
        }
    }
    for (size_t i = 0; i < bucket_count; i++) {
        if (family->buckets[i] != buckets[i]) {
            return false;
        }
    }
    return true;
}

static bool metrics_declaration_valid(metrics_type type, const char *name, const char *help,
                                      const char *const *label_names, size_t label_count,
                                      const double *buckets, size_t bucket_count)
{
    if (name == NULL || help == NULL || !metrics_is_name(name, true) || !metrics_is_help(help) ||
        label_count > HTTP_METRICS_MAX_LABELS || (label_count > 0 && label_names == NULL)) {
        return false;
    }
    for (size_t i = 0; i < label_count; i++) {
        const char *label = label_names[i];
        if (label == NULL || !metrics_is_name(label, false) || strncmp(label, "__", 2) == 0 ||
            (type == METRICS_HISTOGRAM && strcmp(label, "le") == 0)) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(label_names[j], label) == 0) {
                return false;
            }
        }
    }
    if (bucket_count > HTTP_METRICS_MAX_BUCKETS) {
        return false;
    }
    for (size_t i = 0; i < bucket_count; i++) {
        if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
            return false;
        }
    }
    return true;
}

static http_metrics_family *metrics_declare(http_metrics *metrics, metrics_type type,
                                            const char *name, const char *help,
                                            const char *const *label_names, size_t label_count,
                                            const double *buckets, size_t bucket_count)
{
    if (metrics == NULL || !metrics_declaration_valid(type, name, help, label_names, label_count,
                                                      buckets, bucket_count)) {
        return NULL;
    }
    http_metrics_family *result = NULL;
    pthread_mutex_lock(&metrics->lock);
    for (size_t i = 0; i < metrics->family_count; i++) {
        http_metrics_family *family = metrics->families[i];
        if (strcmp(family->name, name) == 0) {
            if (metrics_family_matches(family, type, label_names, label_count, buckets,
                                       bucket_count)) {
                result = family;
            }
            goto out;
        }
    }
    if (metrics->family_count >= HTTP_METRICS_MAX_FAMILIES) {
        goto out;
    }
    http_metrics_family *family = calloc(1, sizeof *family);
    if (family == NULL) {
        goto out;
    }
    family->owner = metrics;
    family->type = type;
    memcpy(family->name, name, strlen(name) + 1);
    memcpy(family->help, help, strlen(help) + 1);
    family->label_count = label_count;
    for (size_t i = 0; i < label_count; i++) {
        memcpy(family->label_names[i], label_names[i], strlen(label_names[i]) + 1);
    }
    family->bucket_count = bucket_count;
    for (size_t i = 0; i < bucket_count; i++) {
        family->buckets[i] = buckets[i];
    }
    metrics->families[metrics->family_count++] = family;
    result = family;
out:
    pthread_mutex_unlock(&metrics->lock);
    return result;
}

http_metrics_family *http_metrics_counter(http_metrics *metrics, const char *name, const char *help,
                                          const char *const *label_names, size_t label_count)
{
    return metrics_declare(metrics, METRICS_COUNTER, name, help, label_names, label_count, NULL, 0);
}

http_metrics_family *http_metrics_gauge(http_metrics *metrics, const char *name, const char *help,
                                        const char *const *label_names, size_t label_count)
{
    return metrics_declare(metrics, METRICS_GAUGE, name, help, label_names, label_count, NULL, 0);
}

http_metrics_family *http_metrics_histogram(http_metrics *metrics, const char *name,
                                            const char *help, const char *const *label_names,
                                            size_t label_count, const double *buckets,
                                            size_t bucket_count)
{
    if (buckets == NULL) {
        buckets = metrics_latency_buckets;
        bucket_count = sizeof metrics_latency_buckets / sizeof metrics_latency_buckets[0];
    }
    if (bucket_count == 0) {
        return NULL;
    }
    return metrics_declare(metrics, METRICS_HISTOGRAM, name, help, label_names, label_count,
                           buckets, bucket_count);
}

static bool metrics_values_valid(const http_metrics_family *family, const char *const *label_values)
{
    if (family->label_count > 0 && label_values == NULL) {
        return false;
    }
    for (size_t i = 0; i < family->label_count; i++) {
        if (label_values[i] == NULL || strlen(label_values[i]) > HTTP_METRICS_VALUE_MAX) {
            return false;
        }
    }
    return true;
}

/* Finds or creates the series of label_values. Caller holds the lock. */
static int metrics_series_get(http_metrics_family *family, const char *const *label_values,
                              metrics_series **out)
{
    for (size_t i = 0; i < family->series_count; i++) {
        metrics_series *series = &family->series[i];
        bool same = true;
        for (size_t j = 0; j < family->label_count && same; j++) {
            same = strcmp(series->label_values[j], label_values[j]) == 0;
        }
        if (same) {
            *out = series;
            return SLUICE_OK;
        }
    }
    if (family->series_count >= HTTP_METRICS_MAX_SERIES) {
        return SLUICE_ETOOBIG;
    }
    if (family->series_count == family->series_cap) {
        size_t cap = family->series_cap ? family->series_cap * 2 : 8;
        if (cap > HTTP_METRICS_MAX_SERIES) {
            cap = HTTP_METRICS_MAX_SERIES;
        }
        metrics_series *grown = realloc(family->series, cap * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        family->series = grown;
        family->series_cap = cap;
    }
    metrics_series fresh = {0};
    fresh.label_values = calloc(family->label_count + 1, sizeof *fresh.label_values);
    if (fresh.label_values == NULL) {
        goto fail;
    }
    for (size_t j = 0; j < family->label_count; j++) {
        fresh.label_values[j] = strdup(label_values[j]);
        if (fresh.label_values[j] == NULL) {
            goto fail;
        }
    }
    if (family->type == METRICS_HISTOGRAM) {
        fresh.bucket_counts = calloc(family->bucket_count + 1, sizeof *fresh.bucket_counts);
        if (fresh.bucket_counts == NULL) {
            goto fail;
        }
    }
    family->series[family->series_count] = fresh;
    *out = &family->series[family->series_count];
    family->series_count++;
    return SLUICE_OK;
fail:
    metrics_series_clear(family, &fresh);
    return SLUICE_ENOMEM;
}

/* The one update path: validates, locks, finds the series, applies. */
static int metrics_update(http_metrics_family *family, metrics_type type,
                          const char *const *label_values, double value)
{
    if (family == NULL || family->type != type || !isfinite(value) ||
        (type == METRICS_COUNTER && value < 0) || !metrics_values_valid(family, label_values)) {
        return SLUICE_EINVAL;
    }
    http_metrics *metrics = family->owner;
    pthread_mutex_lock(&metrics->lock);
    metrics_series *series = NULL;
    int rc = metrics_series_get(family, label_values, &series);
    if (rc == SLUICE_OK) {
        if (type == METRICS_COUNTER) {
            series->value += value;
        } else if (type == METRICS_GAUGE) {
            series->value = value;
        } else {
            size_t bucket = 0;
            while (bucket < family->bucket_count && value > family->buckets[bucket]) {
                bucket++;
            }
            series->bucket_counts[bucket]++;
            series->sum += value;
            series->count++;
        }
    }
    pthread_mutex_unlock(&metrics->lock);
    return rc;
}

int http_metrics_inc(http_metrics_family *family, const char *const *label_values, double value)
{
    return metrics_update(family, METRICS_COUNTER, label_values, value);
}

int http_metrics_set(http_metrics_family *family, const char *const *label_values, double value)
{
    return metrics_update(family, METRICS_GAUGE, label_values, value);
}

int http_metrics_observe(http_metrics_family *family, const char *const *label_values, double value)
{
    return metrics_update(family, METRICS_HISTOGRAM, label_values, value);
}

/* Shortest of %.15g/%.16g/%.17g that reads back exactly; Prometheus spellings for the rest. */
static void metrics_format_number(double value, char *out, size_t outlen)
{
    if (isnan(value)) {
        snprintf(out, outlen, "NaN");
        return;
    }
    if (isinf(value)) {
        snprintf(out, outlen, "%s", value > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, outlen, "%.*g", precision, value);
        if (strtod(out, NULL) == value) {
            return;
        }
    }
}

static int metrics_append_escaped(sluice_buf *out, const char *text, bool quote)
{
    int rc = SLUICE_OK;
    for (const char *p = text; *p != '\0' && rc == SLUICE_OK; p++) {
        if (*p == '\\') {
            rc = sluice_buf_append_str(out, "\\\\");
        } else if (*p == '\n') {
            rc = sluice_buf_append_str(out, "\\n");
        } else if (quote && *p == '"') {
            rc = sluice_buf_append_str(out, "\\\"");
        } else {
            rc = sluice_buf_append(out, p, 1);
        }
    }
    return rc;
}

/*
 * Appends `{a="x",b="y"[,le="bound"]}` (nothing when there are no labels and
 * no le). le may be NULL.
 */
static int metrics_append_labels(sluice_buf *out, const http_metrics_family *family,
                                 const metrics_series *series, const char *le)
{
    if (family->label_count == 0 && le == NULL) {
        return SLUICE_OK;
    }
    int rc = sluice_buf_append_str(out, "{");
    for (size_t i = 0; i < family->label_count && rc == SLUICE_OK; i++) {
        rc = sluice_buf_appendf(out, "%s%s=\"", i > 0 ? "," : "", family->label_names[i]);
        if (rc == SLUICE_OK) {
            rc = metrics_append_escaped(out, series->label_values[i], true);
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append_str(out, "\"");
        }
    }
    if (rc == SLUICE_OK && le != NULL) {
        rc = sluice_buf_appendf(out, "%sle=\"%s\"", family->label_count > 0 ? "," : "", le);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(out, "}");
    }
    return rc;
}

static int metrics_render_sample(sluice_buf *out, const http_metrics_family *family,
                                 const metrics_series *series, const char *suffix, const char *le,
                                 double value)
{
    char number[40];
    metrics_format_number(value, number, sizeof number);
    int rc = sluice_buf_appendf(out, "%s%s", family->name, suffix);
    if (rc == SLUICE_OK) {
        rc = metrics_append_labels(out, family, series, le);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_appendf(out, " %s\n", number);
    }
    return rc;
}

static int metrics_render_histogram(sluice_buf *out, const http_metrics_family *family,
                                    const metrics_series *series)
{
    int rc = SLUICE_OK;
    uint64_t cumulative = 0;
    char le[40];
    for (size_t b = 0; b <= family->bucket_count && rc == SLUICE_OK; b++) {
        cumulative += series->bucket_counts[b];
        if (b < family->bucket_count) {
            metrics_format_number(family->buckets[b], le, sizeof le);
        } else {
            snprintf(le, sizeof le, "+Inf");
        }
        rc = metrics_render_sample(out, family, series, "_bucket", le, (double)cumulative);
    }
    if (rc == SLUICE_OK) {
        rc = metrics_render_sample(out, family, series, "_sum", NULL, series->sum);
    }
    if (rc == SLUICE_OK) {
        rc = metrics_render_sample(out, family, series, "_count", NULL, (double)series->count);
    }
    return rc;
}

static int metrics_render_family(sluice_buf *out, const http_metrics_family *family)
{
    int rc = sluice_buf_appendf(out, "# HELP %s ", family->name);
    if (rc == SLUICE_OK) {
        rc = metrics_append_escaped(out, family->help, false);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_appendf(out, "\n# TYPE %s %s\n", family->name,
                                metrics_type_names[family->type]);
    }
    for (size_t i = 0; i < family->series_count && rc == SLUICE_OK; i++) {
        const metrics_series *series = &family->series[i];
        if (family->type == METRICS_HISTOGRAM) {
            rc = metrics_render_histogram(out, family, series);
        } else {
            rc = metrics_render_sample(out, family, series, "", NULL, series->value);
        }
    }
    return rc;
}

int http_metrics_render(http_metrics *metrics, sluice_buf *out)
{
    int rc = SLUICE_OK;
    pthread_mutex_lock(&metrics->lock);
    for (size_t i = 0; i < metrics->family_count && rc == SLUICE_OK; i++) {
        rc = metrics_render_family(out, metrics->families[i]);
    }
    pthread_mutex_unlock(&metrics->lock);
    return rc;
}

void http_metrics_handler(const http_request *req, http_response *resp, void *ctx)
{
    (void)req;
    http_metrics *metrics = ctx;
    sluice_buf text;
    sluice_buf_init(&text, resp->body.max);
    int rc = http_metrics_render(metrics, &text);
    if (rc == SLUICE_OK) {
        rc = http_response_set_body(resp, 200, HTTP_METRICS_CONTENT_TYPE, sluice_buf_cstr(&text),
                                    text.len);
    }
    if (rc != SLUICE_OK &&
        http_response_set_error(resp, 500, "InternalError", sluice_strerror(rc)) != SLUICE_OK) {
        resp->status = 500; /* even the error body does not fit: the status still tells */
    }
    sluice_buf_free(&text);
}
