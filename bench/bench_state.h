/*
 * bench_state.h — what one pipeline's state document costs per
 * orchestrator step, taken apart.
 *
 * On a cache miss the orchestrator loads the pipeline's state records from
 * Redis (the pipeline record and every execution record), parses them into
 * an engine_state, and its first save renders and writes every record. This
 * module reads a live state and times each of those parts on its own (median
 * of a number of iterations): the Redis load (state_cas_set_load), the parse
 * (json_loadb of every record, engine_state_records_merge,
 * engine_state_from_json), the render of every record
 * (engine_state_records_render) and a save of them through state_cas_set_save
 * to a scratch record set of the same pipeline (deleted afterwards). Later
 * saves write only the records that changed (bench/state_records_bench.c).
 * Single-threaded.
 */
#ifndef SLUICE_BENCH_STATE_H
#define SLUICE_BENCH_STATE_H

#include "sluice/state_redis.h"

#include <stddef.h>

typedef struct bench_state_figures {
    size_t bytes;      /* stored size of the state records */
    size_t executions; /* executions held in it */
    size_t active;     /* of which not terminal */
    double load_ms;    /* state_cas_load round trip */
    double parse_ms;   /* JSON text → engine_state */
    double render_ms;  /* engine_state → JSON text */
    double save_ms;    /* state_cas_save of the same bytes */
} bench_state_figures;

/*
 * Measures the state document of pipeline over iterations rounds. 0 with
 * *out filled, or -1 with the reason in err.
 */
int bench_state_measure(state_redis *r, const char *pipeline, int iterations,
                        bench_state_figures *out, char *err, size_t errlen);

#endif
