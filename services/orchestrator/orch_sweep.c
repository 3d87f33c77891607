/*
 * orch_sweep.c — the abandoned-outbox sweep (see orch_sweep.h).
 */
#include "orch_sweep.h"

#include "orch_batch.h"
#include "orch_outbox.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

typedef struct sweep_ctx {
    orch_handler *h;
    int64_t min_age_ms;
} sweep_ctx;

/*
 * Takes a pipeline noted in the parked set into the list the sweep revisits
 * (when there is room), once its outbox is out: while it holds one, its
 * writer (or the outbox sweep, once it is old) carries it out — stepping the
 * parked requests first would carry it out here too, beside its writer.
 */
static void parked_one(const char *pipeline, void *ctx)
{
    orch_handler *h = ((sweep_ctx *)ctx)->h;
    for (size_t i = 0; i < h->nparked; i++) {
        if (strcmp(h->parked[i], pipeline) == 0) {
            return;
        }
    }
    bool pending = true;
    if (orch_store_outbox_pending(h->store, pipeline, &pending) != SLUICE_OK || pending) {
        return;
    }
    if (h->nparked < ORCH_HANDLER_PARKED_MAX && strlen(pipeline) < sizeof h->parked[0]) {
        snprintf(h->parked[h->nparked++], sizeof h->parked[0], "%s", pipeline);
    }
}

static void sweep_one(const char *pipeline, void *ctx)
{
    sweep_ctx *s = ctx;
    (void)orch_outbox_drain(s->h, pipeline, s->min_age_ms);
}

void orch_sweep_start(orch_sweep *s, int64_t min_age_ms)
{
    memset(s, 0, sizeof *s);
    s->phase = 1;
    snprintf(s->cursor, sizeof s->cursor, "0");
    s->min_age_ms = min_age_ms;
}

bool orch_sweep_active(const orch_sweep *s)
{
    return s->phase != 0;
}

/* Moves s to phase with a fresh cursor. */
static void sweep_phase(orch_sweep *s, int phase)
{
    s->phase = phase;
    s->rounds = 0;
    snprintf(s->cursor, sizeof s->cursor, "0");
}

bool orch_sweep_step(orch_sweep *s, orch_handler *h)
{
    sweep_ctx ctx = {h, s->min_age_ms};
    if (s->phase == 1) {
        if (orch_store_scan_outboxes(h->store, s->cursor, sweep_one, &ctx) != SLUICE_OK) {
            s->phase = 0; /* Redis is away: the next pass starts over */
            return false;
        }
        if (strcmp(s->cursor, "0") == 0 || ++s->rounds >= 1000) {
            sweep_phase(s, 2);
        }
        return true;
    }
    if (s->phase == 2) {
        /*
         * Pipelines with parked requests noted in Redis — by this replica, by an
         * earlier life of it or by another — join the list, so a restart does not
         * leave them waiting for their pipeline's next request.
         */
        if (orch_store_parked_scan(h->store, s->cursor, parked_one, &ctx) != SLUICE_OK ||
            strcmp(s->cursor, "0") == 0 || ++s->rounds >= 1000 ||
            h->nparked >= ORCH_HANDLER_PARKED_MAX) {
            sweep_phase(s, 3);
        }
        return true;
    }
    if (s->phase == 3) {
        /* Parked requests whose outbox is out by now (a copy: stepping them changes the list). */
        char names[ORCH_HANDLER_PARKED_MAX][sizeof h->parked[0]];
        size_t n = h->nparked;
        memcpy(names, h->parked, n * sizeof names[0]);
        for (size_t i = 0; i < n; i++) {
            orch_batch_unpark(h, names[i]);
        }
    }
    s->phase = 0;
    return false;
}

void orch_sweep_run(orch_handler *h, int64_t min_age_ms)
{
    orch_sweep s;
    orch_sweep_start(&s, min_age_ms);
    while (orch_sweep_step(&s, h)) {
    }
}
