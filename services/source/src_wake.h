/*
 * src_wake.h — how the HTTP thread's queues (webhook pokes, V1 webhook starts,
 * V2 trigger changes) tell sluice-source's main loop that work waits: a call
 * that ends the loop's wait on the jobs topic (main.c makes it
 * bus_consumer_wake), so a delivery is acted on at once rather than after the
 * rest of a 100 ms poll. A zeroed src_wake does nothing.
 */
#ifndef SLUICE_SRC_WAKE_H
#define SLUICE_SRC_WAKE_H

#include <stddef.h>

typedef struct src_wake {
    void (*fn)(void *ctx); /* NULL: nothing to call */
    void *ctx;
} src_wake;

/* Calls w's function, if any. Any thread. */
static inline void src_wake_call(const src_wake *w)
{
    if (w != NULL && w->fn != NULL) {
        w->fn(w->ctx);
    }
}

#endif
