/*
 * orch_sweep.c — the abandoned-outbox sweep (see orch_sweep.h).
 */
#include "orch_sweep.h"

#include "orch_batch.h"
#include "orch_outbox.h"

#include "sluice/error.h"

#include <string.h>

typedef struct sweep_ctx {
    orch_handler *h;
    int64_t min_age_ms;
} sweep_ctx;

static void sweep_one(const char *pipeline, void *ctx)
{
    sweep_ctx *s = ctx;
    (void)orch_outbox_drain(s->h, pipeline, s->min_age_ms);
}

void orch_sweep_run(orch_handler *h, int64_t min_age_ms)
{
    char cursor[32] = "0";
    sweep_ctx s = {h, min_age_ms};
    int rounds = 0;
    do {
        if (orch_store_scan_outboxes(h->store, cursor, sweep_one, &s) != SLUICE_OK) {
            return;
        }
    } while (strcmp(cursor, "0") != 0 && ++rounds < 1000);
    /* Parked requests whose outbox is out by now (a copy: stepping them changes the list). */
    char names[ORCH_HANDLER_PARKED_MAX][sizeof h->parked[0]];
    size_t n = h->nparked;
    memcpy(names, h->parked, n * sizeof names[0]);
    for (size_t i = 0; i < n; i++) {
        orch_batch_unpark(h, names[i]);
    }
}
