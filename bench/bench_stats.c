/*
 * bench_stats.c — latency samples and percentiles (see bench_stats.h).
 */
#include "bench_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_FIRST_CAP 1024

void bench_stats_init(bench_stats *s)
{
    memset(s, 0, sizeof *s);
}

void bench_stats_add(bench_stats *s, int64_t ns)
{
    if (s->count == s->cap) {
        size_t cap = s->cap == 0 ? STATS_FIRST_CAP : s->cap * 2;
        int64_t *grown = realloc(s->ns, cap * sizeof *grown);
        if (grown == NULL) {
            fprintf(stderr, "bench: out of memory\n");
            abort();
        }
        s->ns = grown;
        s->cap = cap;
    }
    s->ns[s->count++] = ns;
}

void bench_stats_reset(bench_stats *s)
{
    s->count = 0;
}

static int stats_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least q of the samples at or below it. */
static double stats_rank_ms(const int64_t *sorted, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return (double)sorted[rank - 1] / 1e6;
}

void bench_stats_summarize(const bench_stats *s, bench_summary *out)
{
    memset(out, 0, sizeof *out);
    if (s->count == 0) {
        return;
    }
    int64_t *sorted = malloc(s->count * sizeof *sorted);
    if (sorted == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        abort();
    }
    memcpy(sorted, s->ns, s->count * sizeof *sorted);
    qsort(sorted, s->count, sizeof *sorted, stats_cmp);
    double sum = 0;
    for (size_t i = 0; i < s->count; i++) {
        sum += (double)sorted[i];
    }
    out->count = s->count;
    out->mean_ms = sum / (double)s->count / 1e6;
    out->p50_ms = stats_rank_ms(sorted, s->count, 0.50);
    out->p90_ms = stats_rank_ms(sorted, s->count, 0.90);
    out->p99_ms = stats_rank_ms(sorted, s->count, 0.99);
    out->max_ms = (double)sorted[s->count - 1] / 1e6;
    free(sorted);
}

void bench_stats_free(bench_stats *s)
{
    free(s->ns);
    memset(s, 0, sizeof *s);
}
