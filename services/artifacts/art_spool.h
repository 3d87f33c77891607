/*
 * art_spool.h — the durable queue of artifact events on their way to the bus.
 *
 * One file per event, <dir>/<seq>.evt with <seq> 16 lowercase hex digits,
 * holding the message key, a newline and the encoded envelope. A file is
 * written under <seq>.tmp, fsynced and renamed (sluice/fs.h), so after a
 * crash an event is either whole in the spool or absent; art_spool_open
 * removes leftover .tmp files and anything else it does not recognise is left
 * alone. An event leaves the spool only when the broker confirmed it
 * (art_spool_remove), so a broker outage or a restart delays events and never
 * loses them; a re-sent event carries the same envelope, hence the same id.
 *
 * The spool holds at most max_events; art_spool_put refuses more
 * (SLUICE_ETOOBIG). Sequence numbers grow by one per event and continue after
 * a restart from the highest found. Memory: 8 bytes per waiting event.
 *
 * Threads: every function may be called from any thread (one mutex).
 */
#ifndef ART_SPOOL_H
#define ART_SPOOL_H

#include "sluice/buf.h"

#include <stddef.h>
#include <stdint.h>

#define ART_SPOOL_KEY_MAX 1024 /* bytes of a message key */

typedef struct art_spool art_spool;

/*
 * Opens (creating it) the spool in dir and indexes the events already there.
 * max_events 0 means 100000. 0 with *out set, or SLUICE_EIO / SLUICE_ENOMEM /
 * SLUICE_ETOOBIG (dir too long) with the reason in err.
 */
int art_spool_open(const char *dir, size_t max_events, art_spool **out, char *err, size_t errlen);

/* Frees the handle (files stay). Accepts NULL. */
void art_spool_free(art_spool *sp);

/*
 * Durably adds one event. key has no newline and at most ART_SPOOL_KEY_MAX
 * bytes. 0 with *seq set (may be NULL), SLUICE_EINVAL (bad key),
 * SLUICE_ETOOBIG (the spool is full), SLUICE_EIO (nothing added).
 */
int art_spool_put(art_spool *sp, const char *key, const void *payload, size_t len, uint64_t *seq);

/*
 * Up to max sequence numbers of waiting events greater than after, in order.
 * Returns how many were written to seqs.
 */
size_t art_spool_after(art_spool *sp, uint64_t after, uint64_t *seqs, size_t max);

/*
 * Reads event seq: its key into key (keylen bytes, NUL-terminated) and its
 * payload appended to payload. 0, SLUICE_ENOTFOUND, SLUICE_EPARSE (the file is
 * not a spool record), SLUICE_ETOOBIG (payload's bound), SLUICE_EIO.
 */
int art_spool_get(art_spool *sp, uint64_t seq, char *key, size_t keylen, sluice_buf *payload);

/* Removes event seq for good. 0 or SLUICE_ENOTFOUND. */
int art_spool_remove(art_spool *sp, uint64_t seq);

/* Events waiting. */
size_t art_spool_count(art_spool *sp);

/*
 * Pure: splits a spool record into its key (bytes before the first newline,
 * 1..ART_SPOOL_KEY_MAX of them, no NUL) and payload (the rest). 0, or
 * SLUICE_EPARSE with the outputs untouched.
 */
int art_spool_parse(const void *data, size_t len, const char **key, size_t *keylen,
                    const void **payload, size_t *payloadlen);

#endif
