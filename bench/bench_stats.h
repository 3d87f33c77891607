/*
 * bench_stats.h — latency samples and their percentiles, for the benchmarks.
 *
 * A bench_stats is a growable array of durations in nanoseconds. Summaries
 * sort a copy, so samples can keep arriving after a summary was taken.
 * Percentiles are nearest-rank. Out of memory aborts (a benchmark has no
 * better answer). Single-threaded.
 */
#ifndef SLUICE_BENCH_STATS_H
#define SLUICE_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_stats {
    int64_t *ns;
    size_t count;
    size_t cap;
} bench_stats;

typedef struct bench_summary {
    size_t count;
    double mean_ms;
    double p50_ms;
    double p90_ms;
    double p99_ms;
    double max_ms;
} bench_summary;

/* Sets s up empty. */
void bench_stats_init(bench_stats *s);

/* Appends one sample (nanoseconds). Aborts when memory runs out. */
void bench_stats_add(bench_stats *s, int64_t ns);

/* Forgets every sample, keeping the memory. */
void bench_stats_reset(bench_stats *s);

/* Fills *out from the samples of s (all zero when there are none). */
void bench_stats_summarize(const bench_stats *s, bench_summary *out);

/* Releases the samples. Accepts a zeroed struct. */
void bench_stats_free(bench_stats *s);

#endif
