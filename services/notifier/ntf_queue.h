/*
 * ntf_queue.h — the notifier's delivery queues in Redis, one per target.
 *
 * Keys (hash-tagged by target, so each target's keys share a slot):
 *   sluice:notifier:{<target>}:queue            stream of deliveries; group "notifier"
 *   sluice:notifier:{<target>}:queued:<event>   string: the event was queued (expires)
 *   sluice:notifier:{<target>}:sent:<event>     string: the event was delivered (expires)
 *   sluice:notifier:{<target>}:sending:<event>  string: who is sending it (expires)
 *   sluice:notifier:{<target>}:digest:<exec>    list: an aggregate rule's lines of one
 *                                               execution, sent with its outcome (expires)
 *
 * The intake queues a delivery with one script: if the event was not queued
 * before for this target, mark it and XADD the delivery; a replayed or
 * duplicated event is therefore queued once per target however often it
 * arrives. Delivery threads take entries with XREADGROUP; an entry taken by
 * a replica that stopped is taken over with XAUTOCLAIM once its lease has
 * passed. A delivery is marked sent before its entry is acknowledged, and a
 * sent mark is looked at before sending, so no restart or takeover sends an
 * event twice to one target (the window left is a crash between a target's
 * answer and the mark's write).
 *
 * Threads: every function uses the connection it is given; one connection
 * per thread.
 */
#ifndef SLUICE_NTF_QUEUE_H
#define SLUICE_NTF_QUEUE_H

#include "sluice/state_redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTF_QUEUE_GROUP           "notifier"
#define NTF_QUEUE_LENGTH_MAX      100000 /* deliveries waiting for one target */
#define NTF_QUEUE_EVENT_MAX       (256 * 1024)
#define NTF_QUEUE_DIGEST_MAX      50 /* lines kept per (target, execution): the latest */
#define NTF_QUEUE_DIGEST_LINE_MAX 256

/* One delivery as queued. */
typedef struct ntf_entry {
    char id[64];       /* the stream entry id */
    char event_id[64]; /* the event's envelope id */
    char rule[72];     /* the rule that selected the target */
    char topic[256];   /* where the event came from (for dead letters) */
    int32_t partition;
    int64_t offset;
    char *event; /* the event's JSON text (owned) */
    size_t len;
} ntf_entry;

/* Prepares the scripts; call once before any other function. 0 or SLUICE_EINTERNAL. */
int ntf_queue_init(void);

/* Frees what entry owns and zeroes it. Accepts NULL. */
void ntf_entry_clear(ntf_entry *entry);

/* Creates the target's stream and its group if missing. 0, or a state_redis code. */
int ntf_queue_prepare(state_redis *r, const char *target);

/*
 * Queues entry (id ignored) for target unless its event was queued for the
 * target in the last remember_s seconds. 0 with *queued telling whether it
 * was added; SLUICE_EAGAIN when the target already has NTF_QUEUE_LENGTH_MAX
 * deliveries waiting (nothing added); a state_redis code.
 */
int ntf_queue_add(state_redis *r, const char *target, const ntf_entry *entry, int64_t remember_s,
                  bool *queued);

/*
 * Takes the next delivery for target as consumer: first one whose lease
 * (lease_ms without an acknowledgement) has passed, else a new one, waiting
 * up to block_ms. 0 with *got telling whether *out was filled (clear it);
 * a state_redis code, or SLUICE_EPARSE for an entry of unexpected shape
 * (its id is in out->id so it can be dropped).
 */
int ntf_queue_take(state_redis *r, const char *target, const char *consumer, int block_ms,
                   int64_t lease_ms, ntf_entry *out, bool *got);

/* Whether event_id was delivered to target. 0 with *sent set, or a state_redis code. */
int ntf_queue_was_sent(state_redis *r, const char *target, const char *event_id, bool *sent);

/*
 * Ends a delivery: marks event_id sent (when sent; for remember_s seconds),
 * acknowledges and deletes the entry. 0, or a state_redis code (the entry
 * then stays pending and is taken over after its lease).
 */
int ntf_queue_finish(state_redis *r, const char *target, const char *entry_id, const char *event_id,
                     bool sent, int64_t remember_s);

/*
 * Renews the lease of an entry this consumer holds (its idle time restarts),
 * so a delivery retrying for longer than a lease is not taken over. 0, or a
 * state_redis code.
 */
int ntf_queue_touch(state_redis *r, const char *target, const char *consumer, const char *entry_id);

/*
 * Claims the right to send event_id to target for owner (a consumer and
 * entry id): 0 with *mine true when nobody else holds it (the mark is then
 * owner's, for remember_s seconds), false when another owner does; or a
 * state_redis code.
 */
int ntf_queue_claim_send(state_redis *r, const char *target, const char *event_id,
                         const char *owner, int64_t remember_s, bool *mine);

/* Gives the sending mark back when owner holds it (nothing is in flight). */
int ntf_queue_release_send(state_redis *r, const char *target, const char *event_id,
                           const char *owner);

/*
 * Appends line to the digest of execution_id for target, unless event_id was
 * queued or digested for it already (the same marker as ntf_queue_add); only
 * the last NTF_QUEUE_DIGEST_MAX lines are kept. 0 with *added set, or a
 * state_redis code.
 */
int ntf_queue_digest_add(state_redis *r, const char *target, const char *execution_id,
                         const char *event_id, const char *line, int64_t remember_s, bool *added);

/* The number of lines in the digest of execution_id for target. */
int ntf_queue_digest_count(state_redis *r, const char *target, const char *execution_id,
                           long long *count);

/* Reads at most max lines of the digest, oldest first, into lines; *n how many. */
int ntf_queue_digest_read(state_redis *r, const char *target, const char *execution_id,
                          char lines[][NTF_QUEUE_DIGEST_LINE_MAX], size_t max, size_t *n);

/* Deliveries waiting or in flight for target. 0 with *depth set, or a state_redis code. */
int ntf_queue_depth(state_redis *r, const char *target, long long *depth);

#endif
