/*
 * con_hub.h — the fan-out of live updates: one bus consumer's events to
 * every browser watching (GET /console/events), as Server-Sent Events.
 *
 * Each browser is a client with a pipeline filter ("" = every pipeline) and
 * a queue of event text not yet sent. Bounded: at most max_clients clients
 * (con_hub_join refuses more), at most max_queue bytes queued per client — a
 * client that falls behind by more is dropped (its stream ends; the browser
 * reconnects and resyncs) instead of being buffered forever. Every event gets
 * the id "<epoch>-<seq>" (epoch: the hub's, set at creation; seq: 1, 2, ...)
 * and the last ring_size events are kept, so a browser reconnecting with
 * Last-Event-ID gets what it missed, or an "event: resync" when that is no
 * longer known (another process, too long ago): it then reloads the state.
 *
 * No I/O: a queued client is woken through the wake function given at
 * creation (the HTTP server's http_body_stream_wake, or a test's). Thread-safe
 * (one mutex): the consumer thread publishes, HTTP threads join, read and
 * leave; wake is called with the hub's lock held.
 */
#ifndef SLUICE_CON_HUB_H
#define SLUICE_CON_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct con_hub con_hub;
typedef struct con_hub_client con_hub_client;

typedef void (*con_hub_wake_fn)(void *waker);

typedef struct con_hub_stats {
    size_t clients;    /* joined now */
    uint64_t events;   /* published */
    uint64_t dropped;  /* clients dropped for falling behind */
    uint64_t refused;  /* joins refused (max_clients) */
    uint64_t resyncs;  /* reconnections told to resync */
    uint64_t replayed; /* events sent again after a reconnection */
} con_hub_stats;

/*
 * A hub (max_clients >= 1, max_queue >= 1024, ring_size >= 1). NULL only for
 * bad arguments; out of memory aborts.
 */
con_hub *con_hub_new(size_t max_clients, size_t max_queue, size_t ring_size, uint64_t epoch,
                     con_hub_wake_fn wake);

/* Frees the hub; every client must have left. Accepts NULL. */
void con_hub_free(con_hub *hub);

/*
 * Adds a client watching pipeline ("" or NULL: every pipeline; copied).
 * last_event_id (NULL: a first connection) is the Last-Event-ID header of a
 * reconnection. Its queue starts with "retry: 1000" and either the missed
 * events or "event: resync" (or "event: hello" on a first connection). 0
 * with *out, or SLUICE_ETOOBIG (max_clients reached, counted as refused).
 */
int con_hub_join(con_hub *hub, const char *pipeline, const char *last_event_id,
                 con_hub_client **out);

/* Gives client the waker to call when its queue grows (NULL: none yet). */
void con_hub_attach(con_hub *hub, con_hub_client *client, void *waker);

/*
 * Moves up to max queued bytes of client into buf: their number; 0 when the
 * queue is empty; -1 when the client was dropped (end the stream).
 */
long con_hub_read(con_hub *hub, con_hub_client *client, char *buf, size_t max);

/* Removes and frees client; its waker is never called again. */
void con_hub_leave(con_hub *hub, con_hub_client *client);

/*
 * Publishes one event of pipeline (data: one line of JSON) to every client
 * watching it, and keeps it in the ring. 0, or SLUICE_EINVAL (a newline in
 * data, a bad name).
 */
int con_hub_publish(con_hub *hub, const char *pipeline, const char *data);

/* Queues a comment line for every client (keeps connections alive, finds dead ones). */
void con_hub_heartbeat(con_hub *hub);

/* Counters and the number of clients. */
void con_hub_get_stats(con_hub *hub, con_hub_stats *out);

#endif
