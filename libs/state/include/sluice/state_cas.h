/*
 * state_cas.h — versioned records with compare-and-set, and their outbox.
 *
 * A record is a Redis hash at a caller-chosen key:
 *   v     the version, a decimal integer; a missing record has version 0
 *   data  the value, opaque bytes
 *   op    the id of the write that produced this version ("" if none)
 * state_cas_save is one Lua script: it compares the stored version with the
 * expected one and, only when they match, writes the new value, bumps the
 * version by one and appends the outbox entries — all or nothing. The outbox
 * is a Redis stream (field "e" holds an entry's bytes) whose key must share the
 * record's hash tag; entries get the stream's increasing ids ("<ms>-<seq>").
 *
 * The outbox pattern built on it: save the new state with the events to
 * publish; peek the outbox, publish what it holds, ack through the last id
 * published. A crash between publish and ack publishes those entries again,
 * so the entries should carry ids that let consumers drop duplicates. Ack is
 * idempotent (it trims by id), so two publishers racing do no harm beyond
 * duplicates.
 *
 * Retries: every call here may be sent again after its connection broke. A
 * save sent twice cannot write twice (the second finds the version already
 * bumped); give it an op_id and a second run that finds its own write reports
 * success instead of SLUICE_ECONFLICT.
 *
 * Bytes in, bytes out: nothing here knows what the value means. A value and
 * its entries travel in one command and come back in one reply, so they are
 * bounded by the connection's max_request_bytes and max_reply_bytes. Needs
 * Redis 6.2 or later (XTRIM MINID). Threads: as state_redis (one connection
 * per thread); the parse helpers are pure.
 */
#ifndef SLUICE_STATE_CAS_H
#define SLUICE_STATE_CAS_H

#include "sluice/state_redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_CAS_MAX_ENTRIES   1024 /* outbox entries per save, and per peek */
#define STATE_CAS_OP_ID_MAX     128  /* bytes of an op id */
#define STATE_CAS_STREAM_ID_MAX 48   /* "<u64>-<u64>" and the terminator */

typedef struct state_cas_record {
    uint64_t version; /* 0: no record */
    char *data;       /* malloc'd, NUL-terminated for convenience (len excludes it); NULL if none */
    size_t len;
} state_cas_record;

typedef struct state_cas_bytes {
    const void *data;
    size_t len;
} state_cas_bytes;

typedef struct state_cas_write {
    const char *key;           /* the record */
    uint64_t expected_version; /* 0: the record must not exist yet */
    const void *data;          /* the new value (len bytes; data may be NULL when len is 0) */
    size_t len;
    const char *op_id;              /* optional (NULL or ""): names this write, see above */
    const char *outbox_key;         /* required when nentries > 0; same hash tag as key */
    const state_cas_bytes *entries; /* appended to the outbox in order */
    size_t nentries;                /* 0..STATE_CAS_MAX_ENTRIES */
} state_cas_write;

typedef struct state_cas_entry {
    char id[STATE_CAS_STREAM_ID_MAX]; /* the stream id, e.g. "1718000000000-0" */
    char *data;                       /* malloc'd, NUL-terminated (len excludes it) */
    size_t len;
} state_cas_entry;

typedef struct state_cas_outbox {
    state_cas_entry *entries; /* malloc'd array, oldest first */
    size_t count;
} state_cas_outbox;

/*
 * Reads the record at key. 0 with *out filled (the caller frees it with
 * state_cas_record_clear); SLUICE_ENOTFOUND when there is no record (*out is
 * then version 0, no data); SLUICE_EPARSE when the hash is not a record (no
 * valid version); SLUICE_EREDIS (WRONGTYPE) when the key is not a hash; or a
 * code of state_redis_commandv. *out is cleared first in every case.
 */
int state_cas_load(state_redis *r, const char *key, state_cas_record *out);

/* Frees the record's data and zeroes it. Accepts a zeroed record. */
void state_cas_record_clear(state_cas_record *rec);

/*
 * Compare-and-set (see above). Returns 0 with *new_version =
 * expected_version + 1; SLUICE_ECONFLICT when the stored version differs —
 * nothing was written and *new_version is the stored version;
 * SLUICE_EINVAL for a bad write (no key, keys of different hash tags, an
 * outbox entry without an outbox key, too many entries, an op id too long);
 * SLUICE_ERANGE when the version cannot grow; or a code of state_script_eval.
 */
int state_cas_save(state_redis *r, const state_cas_write *w, uint64_t *new_version);

/*
 * Deletes the record when its version is expected_version (>= 1). 0;
 * SLUICE_ECONFLICT (nothing deleted) otherwise; SLUICE_EINVAL for version 0.
 * The outbox is not touched.
 */
int state_cas_delete(state_redis *r, const char *key, uint64_t expected_version);

/*
 * Reads up to max_entries (1..STATE_CAS_MAX_ENTRIES) of the oldest pending
 * outbox entries without removing them. 0 with *out filled (possibly count
 * 0; free with state_cas_outbox_clear); SLUICE_EPARSE for a stream entry
 * without an "e" field; or a code of state_redis_commandv.
 */
int state_cas_outbox_peek(state_redis *r, const char *outbox_key, size_t max_entries,
                          state_cas_outbox *out);

/* Frees the entries and zeroes the outbox. Accepts a zeroed outbox. */
void state_cas_outbox_clear(state_cas_outbox *ob);

/*
 * Removes every outbox entry whose id is <= through_id (an id returned by
 * peek). Idempotent. 0 with *removed (may be NULL) set to the number removed;
 * SLUICE_EINVAL for a malformed id; or a code of state_redis_commandv.
 */
int state_cas_outbox_ack(state_redis *r, const char *outbox_key, const char *through_id,
                         size_t *removed);

/* ---- record sets: a head record and member records in one compare-and-set ---- */

/*
 * A record set is a head record (as above, plus field "m": the member names,
 * each followed by '\n') and one Redis string per member at
 * <member_prefix><name>, all under one hash tag. state_cas_set_save is one
 * Lua script: it checks the head's version and only then writes the head,
 * sets the changed members, deletes the removed ones and appends the outbox
 * entries — all or nothing; members not named are left as they are.
 * state_cas_set_load reads the head and every member it names in one script,
 * so what it returns is one consistent version. Member names: 1 to 128 bytes,
 * no control characters.
 */
#define STATE_CAS_SET_MAX_MEMBERS 4096

typedef struct state_cas_set_write {
    const char *key;           /* the head record */
    const char *member_prefix; /* member keys are member_prefix + name; same hash tag as key */
    uint64_t expected_version; /* 0: the head must not exist yet */
    const void *data;          /* the head's new value */
    size_t len;
    const char *const *members; /* every member after this write, in order (stored in "m") */
    size_t nmembers;
    const char *const *changed; /* members whose value is written */
    const state_cas_bytes *values;
    size_t nchanged;
    const char *const *removed; /* members deleted */
    size_t nremoved;
    const char *op_id;
    const char *outbox_key;
    const state_cas_bytes *entries;
    size_t nentries;
    const char *drop_key; /* optional: one more key of the hash tag deleted in the same step */
} state_cas_set_write;

typedef struct state_cas_set_record {
    state_cas_record head; /* version 0: no head */
    bool has_members;      /* the head has an "m" field (written by state_cas_set_save) */
    size_t nmembers;
    char **names;             /* malloc'd */
    state_cas_record *values; /* per name; version 1 when present, 0 (no data) when missing */
} state_cas_set_record;

/*
 * Compare-and-set of a record set. 0 with *new_version; SLUICE_ECONFLICT
 * (nothing written); SLUICE_EINVAL for a bad write (keys of different hash
 * tags, a bad member name, too many members or entries); or a code of
 * state_script_eval.
 */
int state_cas_set_save(state_redis *r, const state_cas_set_write *w, uint64_t *new_version);

/* What a record set's save did to its outbox. */
typedef struct state_cas_set_saved {
    char last_id[STATE_CAS_STREAM_ID_MAX]; /* id of the last entry appended; "" when none */
    uint64_t outbox_len; /* entries in the outbox right after the write, its own included */
} state_cas_set_saved;

/*
 * state_cas_set_save that also reports, in *saved (may be NULL; zeroed
 * first), the id of the last outbox entry it appended and how many entries
 * the outbox held right after the write — in the same script, so a caller
 * that finds outbox_len == nentries knows the outbox holds only what it
 * just wrote, and can carry that out from memory and ack through last_id
 * without reading it back. A write found done already by its op id reports
 * nothing ("" and 0). Same returns as state_cas_set_save.
 */
int state_cas_set_save_outbox(state_redis *r, const state_cas_set_write *w, uint64_t *new_version,
                              state_cas_set_saved *saved);

/*
 * Reads the head at key and the members it names. 0 with *out filled (free
 * with state_cas_set_record_clear); SLUICE_ENOTFOUND when there is no head;
 * SLUICE_EPARSE when it is not a record; or a code of state_redis_commandv.
 * A head without "m" (a plain record) comes back with has_members false.
 */
int state_cas_set_load(state_redis *r, const char *key, const char *member_prefix,
                       state_cas_set_record *out);

/*
 * Reads the members names[0..n) of the record set at key if its head is still
 * at version (a reader that took the head with state_cas_load and wants only
 * some members). 0 with values[i] filled (version 1 and data when present,
 * version 0 when missing; clear each with state_cas_record_clear);
 * SLUICE_ECONFLICT when the head moved on (read it again); SLUICE_EINVAL; or
 * a code of state_script_eval.
 */
int state_cas_set_load_members(state_redis *r, const char *key, const char *member_prefix,
                               uint64_t version, const char *const *names, size_t n,
                               state_cas_record *values);

/* Frees *rec and zeroes it. Accepts a zeroed one. */
void state_cas_set_record_clear(state_cas_set_record *rec);

/*
 * Deletes the head at key and every member it names (no version check). 0
 * or a code of state_script_eval.
 */
int state_cas_set_delete(state_redis *r, const char *key, const char *member_prefix);

/* Parses a stream id "<ms>-<seq>" (both decimal u64). 0 or SLUICE_EINVAL. Pure. */
int state_cas_stream_id_parse(const char *text, uint64_t *ms, uint64_t *seq);

/* Writes the smallest stream id greater than text into out. 0, SLUICE_EINVAL, SLUICE_ERANGE. Pure.
 */
int state_cas_stream_id_next(const char *text, char *out, size_t outlen);

/*
 * Fills *out from the reply of HMGET key v data. Pure. 0; SLUICE_ENOTFOUND
 * for a missing record; SLUICE_EPARSE for anything malformed; SLUICE_ENOMEM.
 * *out is cleared first and left cleared on failure.
 */
int state_cas_record_from_reply(const redisReply *reply, state_cas_record *out);

/*
 * Fills *out from the reply of XRANGE (an array of [id, [field, value, ...]]),
 * taking each entry's "e" field. Pure. 0, SLUICE_EPARSE or SLUICE_ENOMEM;
 * *out is cleared first and left cleared on failure.
 */
int state_cas_outbox_from_reply(const redisReply *reply, state_cas_outbox *out);

#endif
