/*
 * http_metrics.h — a small metrics registry rendered as Prometheus text
 * (exposition format 0.0.4) for every service's GET /metrics.
 *
 * A service creates one registry, declares its families once at start-up
 * (counters, gauges, histograms, each with fixed label names) and updates
 * series from any thread; a series (one combination of label values) is
 * created on first use. Memory is bounded: at most HTTP_METRICS_MAX_FAMILIES
 * families and HTTP_METRICS_MAX_SERIES series per family; updates past the
 * bound fail with SLUICE_ETOOBIG and change nothing, so a label fed from input
 * cannot exhaust memory. One mutex guards the registry: updates and rendering
 * are thread-safe. Family handles are owned by the registry and valid until
 * http_metrics_free.
 *
 *   http_metrics *m = http_metrics_new();
 *   const char *labels[] = {"op", "status"};
 *   http_metrics_family *req = http_metrics_counter(m, "sluice_api_requests_total",
 *                                                   "API requests by operation and status",
 *                                                   labels, 2);
 *   http_metrics_inc(req, (const char *[]){"ListPipelines", "200"}, 1);
 */
#ifndef SLUICE_HTTP_METRICS_H
#define SLUICE_HTTP_METRICS_H

#include "sluice/buf.h"
#include "sluice/http_message.h"

#include <stddef.h>

#define HTTP_METRICS_MAX_FAMILIES 64
#define HTTP_METRICS_MAX_SERIES   1000 /* per family */
#define HTTP_METRICS_MAX_LABELS   8    /* label names per family */
#define HTTP_METRICS_MAX_BUCKETS  32   /* histogram buckets, +Inf excluded */
#define HTTP_METRICS_NAME_MAX     128  /* bytes of a metric or label name */
#define HTTP_METRICS_VALUE_MAX    256  /* bytes of a label value */
#define HTTP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct http_metrics http_metrics;
typedef struct http_metrics_family http_metrics_family;

/* A new empty registry, or NULL when out of memory. Free with http_metrics_free. */
http_metrics *http_metrics_new(void);

/* Frees the registry and every family handle it gave out. Accepts NULL. No concurrent use. */
void http_metrics_free(http_metrics *metrics);

/*
 * Declares a counter family. name matches [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * names [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"); help is one line of
 * text. Arguments are copied. Declaring the same name again with the same
 * type and label names returns the existing family. Returns the family, or
 * NULL (invalid names, a clash with another declaration, too many families,
 * out of memory) with the registry unchanged.
 */
http_metrics_family *http_metrics_counter(http_metrics *metrics, const char *name, const char *help,
                                          const char *const *label_names, size_t label_count);

/* Declares a gauge family; same contract as http_metrics_counter. */
http_metrics_family *http_metrics_gauge(http_metrics *metrics, const char *name, const char *help,
                                        const char *const *label_names, size_t label_count);

/*
 * Declares a histogram family; same contract as http_metrics_counter, and
 * "le" is refused as a label name. buckets are the strictly increasing finite
 * upper bounds (at most HTTP_METRICS_MAX_BUCKETS); NULL selects the latency
 * buckets 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
 * (seconds). The +Inf bucket is implicit.
 */
http_metrics_family *http_metrics_histogram(http_metrics *metrics, const char *name,
                                            const char *help, const char *const *label_names,
                                            size_t label_count, const double *buckets,
                                            size_t bucket_count);

/*
 * Adds value (finite, >= 0) to the counter series of label_values (one per
 * label name, in declaration order; NULL when the family has no labels).
 * Gauges accept any finite value. 0, or SLUICE_EINVAL (wrong family type,
 * negative or non-finite value, label value longer than
 * HTTP_METRICS_VALUE_MAX), SLUICE_ETOOBIG (series bound reached),
 * SLUICE_ENOMEM; the registry is unchanged on failure.
 */
int http_metrics_inc(http_metrics_family *family, const char *const *label_values, double value);

/* Sets a gauge series. Same contract as http_metrics_inc (any finite value). */
int http_metrics_set(http_metrics_family *family, const char *const *label_values, double value);

/* Records one observation (finite) in a histogram series. Same contract as http_metrics_inc. */
int http_metrics_observe(http_metrics_family *family, const char *const *label_values,
                         double value);

/*
 * Appends the whole registry as Prometheus text to out: families in
 * declaration order (each with # HELP and # TYPE), series in creation order,
 * histogram buckets cumulative with _sum and _count. Label values are
 * escaped (\\, \", \n). 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM (out may then hold
 * a partial rendering).
 */
int http_metrics_render(http_metrics *metrics, sluice_buf *out);

/*
 * A ready-made handler for GET /metrics: ctx is the http_metrics registry.
 * Answers 200 with the rendering and HTTP_METRICS_CONTENT_TYPE, or 500.
 */
void http_metrics_handler(const http_request *req, http_response *resp, void *ctx);

#endif
