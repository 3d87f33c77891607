/*
 * bench_state.h — what one pipeline's state document costs per
 * orchestrator step, taken apart.
 *
 * Every step of the orchestrator loads the pipeline's whole state from
 * Redis, parses it into an engine_state, renders the new state back to JSON
 * and saves it with a compare-and-set script. This module reads a live state
 * document and times each of those parts on its own (median of a number of
 * iterations): the Redis load, the parse (json_loadb + engine_state_from_json),
 * the render (engine_state_to_json + json_dumps) and a save of the same bytes
 * through state_cas_save to a scratch record of the same pipeline (deleted
 * afterwards). Single-threaded.
 */
#ifndef SLUICE_BENCH_STATE_H
#define SLUICE_BENCH_STATE_H

#include "sluice/state_redis.h"

#include <stddef.h>

typedef struct bench_state_figures {
    size_t bytes;      /* stored size of the state document */
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
