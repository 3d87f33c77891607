/*
 * con_hub.c — the fan-out of live updates (see con_hub.h).
 *
 * Clients are a doubly linked list; the ring is an array of ring_size slots
 * indexed by seq % ring_size. A client's queue is a sluice_buf bounded by
 * max_queue plus the offset already read; it is compacted when read empty.
 */
#include "con_hub.h"

#include "con_core.h"

#include "sluice/buf.h"
#include "sluice/error.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct con_hub_slot {
    uint64_t seq; /* 0: empty */
    char pipeline[CON_CORE_PIPELINE_MAX + 1];
    char *frame; /* the whole event text */
} con_hub_slot;

struct con_hub_client {
    char pipeline[CON_CORE_PIPELINE_MAX + 1]; /* "" = every pipeline */
    sluice_buf queue;
    size_t offset; /* bytes of queue already read */
    bool dropped;
    void *waker;
    con_hub_client *prev;
    con_hub_client *next;
};

struct con_hub {
    pthread_mutex_t lock;
    size_t max_clients;
    size_t max_queue;
    size_t ring_size;
    uint64_t epoch;
    uint64_t seq; /* of the last event */
    con_hub_wake_fn wake;
    con_hub_slot *ring;
    con_hub_client *clients;
    con_hub_stats stats;
};

static void *con_hub_alloc(size_t n)
{
    void *p = calloc(1, n);
    if (p == NULL) {
        abort(); /* the service's out-of-memory policy */
    }
    return p;
}

con_hub *con_hub_new(size_t max_clients, size_t max_queue, size_t ring_size, uint64_t epoch,
                     con_hub_wake_fn wake)
{
    if (max_clients < 1 || max_queue < 1024 || ring_size < 1 || ring_size > 1000000) {
        return NULL;
    }
    con_hub *hub = con_hub_alloc(sizeof *hub);
    pthread_mutex_init(&hub->lock, NULL);
    hub->max_clients = max_clients;
    hub->max_queue = max_queue;
    hub->ring_size = ring_size;
    hub->epoch = epoch;
    hub->wake = wake;
    hub->ring = con_hub_alloc(ring_size * sizeof *hub->ring);
    return hub;
}

void con_hub_free(con_hub *hub)
{
    if (hub == NULL) {
        return;
    }
    for (size_t i = 0; i < hub->ring_size; i++) {
        free(hub->ring[i].frame);
    }
    free(hub->ring);
    pthread_mutex_destroy(&hub->lock);
    free(hub);
}

static bool con_hub_watches(const con_hub_client *c, const char *pipeline)
{
    return c->pipeline[0] == '\0' || strcmp(c->pipeline, pipeline) == 0;
}

/* Queues text for c (lock held): false when it would exceed the bound (c is dropped then). */
static bool con_hub_queue(con_hub *hub, con_hub_client *c, const char *text)
{
    if (c->dropped) {
        return false;
    }
    size_t len = strlen(text);
    if (c->queue.len - c->offset + len > hub->max_queue ||
        sluice_buf_append(&c->queue, text, len) != 0) {
        c->dropped = true;
        hub->stats.dropped++;
    }
    if (c->waker != NULL && hub->wake != NULL) {
        hub->wake(c->waker);
    }
    return !c->dropped;
}

int con_hub_join(con_hub *hub, const char *pipeline, const char *last_event_id,
                 con_hub_client **out)
{
    *out = NULL;
    if (pipeline != NULL && pipeline[0] != '\0' && !con_core_pipeline_valid(pipeline)) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&hub->lock);
    if (hub->stats.clients >= hub->max_clients) {
        hub->stats.refused++;
        pthread_mutex_unlock(&hub->lock);
        return SLUICE_ETOOBIG;
    }
    con_hub_client *c = con_hub_alloc(sizeof *c);
    snprintf(c->pipeline, sizeof c->pipeline, "%s", pipeline != NULL ? pipeline : "");
    /* the queue's own bound is a little above max_queue: con_hub_queue enforces max_queue */
    sluice_buf_init(&c->queue, hub->max_queue + 1);
    c->next = hub->clients;
    if (c->next != NULL) {
        c->next->prev = c;
    }
    hub->clients = c;
    hub->stats.clients++;
    (void)con_hub_queue(hub, c, "retry: 1000\n\n");
    uint64_t epoch = 0;
    uint64_t seq = 0;
    bool reconnect = last_event_id != NULL && last_event_id[0] != '\0';
    bool known = reconnect && con_core_last_event_id(last_event_id, &epoch, &seq) &&
                 epoch == hub->epoch && seq <= hub->seq;
    uint64_t oldest = hub->seq >= hub->ring_size ? hub->seq - hub->ring_size + 1 : 1;
    if (known && seq + 1 >= oldest) {
        for (uint64_t s = seq + 1; s <= hub->seq; s++) {
            const con_hub_slot *slot = &hub->ring[s % hub->ring_size];
            if (slot->seq == s && con_hub_watches(c, slot->pipeline)) {
                (void)con_hub_queue(hub, c, slot->frame);
                hub->stats.replayed++;
            }
        }
    } else {
        char frame[160];
        snprintf(frame, sizeof frame, "id: %" PRIu64 "-%" PRIu64 "\nevent: %s\ndata: {}\n\n",
                 hub->epoch, hub->seq, reconnect ? "resync" : "hello");
        (void)con_hub_queue(hub, c, frame);
        if (reconnect) {
            hub->stats.resyncs++;
        }
    }
    pthread_mutex_unlock(&hub->lock);
    *out = c;
    return 0;
}

void con_hub_attach(con_hub *hub, con_hub_client *client, void *waker)
{
    pthread_mutex_lock(&hub->lock);
    client->waker = waker;
    pthread_mutex_unlock(&hub->lock);
}

long con_hub_read(con_hub *hub, con_hub_client *client, char *buf, size_t max)
{
    pthread_mutex_lock(&hub->lock);
    long n = 0;
    if (client->dropped) {
        n = -1;
    } else {
        size_t avail = client->queue.len - client->offset;
        size_t take = avail < max ? avail : max;
        if (take > 0) {
            memcpy(buf, client->queue.data + client->offset, take);
            client->offset += take;
        }
        if (client->offset == client->queue.len) {
            sluice_buf_reset(&client->queue);
            client->offset = 0;
        }
        n = (long)take;
    }
    pthread_mutex_unlock(&hub->lock);
    return n;
}

void con_hub_leave(con_hub *hub, con_hub_client *client)
{
    if (client == NULL) {
        return;
    }
    pthread_mutex_lock(&hub->lock);
    if (client->prev != NULL) {
        client->prev->next = client->next;
    } else {
        hub->clients = client->next;
    }
    if (client->next != NULL) {
        client->next->prev = client->prev;
    }
    hub->stats.clients--;
    pthread_mutex_unlock(&hub->lock);
    sluice_buf_free(&client->queue);
    free(client);
}

int con_hub_publish(con_hub *hub, const char *pipeline, const char *data)
{
    if (!con_core_pipeline_valid(pipeline) || strpbrk(data, "\r\n") != NULL) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&hub->lock);
    uint64_t seq = hub->seq + 1;
    char id[48];
    snprintf(id, sizeof id, "%" PRIu64 "-%" PRIu64, hub->epoch, seq);
    sluice_buf frame;
    sluice_buf_init(&frame, strlen(data) + 128);
    if (con_core_sse_frame(&frame, id, "state", data) != 0) {
        sluice_buf_free(&frame);
        pthread_mutex_unlock(&hub->lock);
        return SLUICE_EINVAL;
    }
    hub->seq = seq;
    hub->stats.events++;
    con_hub_slot *slot = &hub->ring[seq % hub->ring_size];
    free(slot->frame);
    slot->frame = sluice_buf_steal(&frame);
    slot->seq = seq;
    snprintf(slot->pipeline, sizeof slot->pipeline, "%s", pipeline);
    for (con_hub_client *c = hub->clients; c != NULL; c = c->next) {
        if (con_hub_watches(c, pipeline)) {
            (void)con_hub_queue(hub, c, slot->frame);
        }
    }
    pthread_mutex_unlock(&hub->lock);
    return 0;
}

void con_hub_heartbeat(con_hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    for (con_hub_client *c = hub->clients; c != NULL; c = c->next) {
        (void)con_hub_queue(hub, c, ": keep-alive\n\n");
    }
    pthread_mutex_unlock(&hub->lock);
}

void con_hub_get_stats(con_hub *hub, con_hub_stats *out)
{
    pthread_mutex_lock(&hub->lock);
    *out = hub->stats;
    pthread_mutex_unlock(&hub->lock);
}
