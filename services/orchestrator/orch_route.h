/*
 * orch_route.h — the orchestrator's pure translation layer.
 *
 * In: a request envelope from the requests topic becomes an engine input
 * (or one of the few requests the orchestrator handles itself).
 * Out: the effects of engine steps become operations — self-contained JSON
 * documents saved atomically with the new state, as one outbox entry
 * {"ops":[...]} per state change — and each operation read back is one thing
 * to carry out:
 *
 *   {"op":"publish-event","key":<pipeline>,"message":<envelope>}      -> events topic
 *   {"op":"publish-job","key":<execution id>,"message":<envelope>}    -> jobs topic
 *   {"op":"timer-set","key":<timer key>,"deadline":<ms>}               -> timers sorted set
 *   {"op":"timer-cancel","key":<timer key>}
 *   {"op":"reply","requestId":<id>,"reply":{"requestId",("exception","message")|"body"}}
 *   {"op":"archive-execution"|"archive-action"|"archive-rule","id":<id>,"start":<ms>,
 *    "record":{...}}
 *
 * Job envelopes have detail-type PROTOCOL_DETAIL_JOB ("Sluice Action Job"),
 * source PROTOCOL_SOURCE_ORCHESTRATOR, id = the job id and the job document as detail.
 * No I/O; thread-compatible.
 */
#ifndef SLUICE_ORCH_ROUTE_H
#define SLUICE_ORCH_ROUTE_H

#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/engine_effects.h"
#include "sluice/engine_input.h"
#include "sluice/protocol_names.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORCH_DETAIL_TYPE_REQUEST    PROTOCOL_DETAIL_REQUEST
#define ORCH_DETAIL_TYPE_JOB_RESULT PROTOCOL_DETAIL_JOB_RESULT
#define ORCH_DETAIL_TYPE_JOB        PROTOCOL_DETAIL_JOB
#define ORCH_SOURCE                 PROTOCOL_SOURCE_ORCHESTRATOR
#define ORCH_PIPELINE_NAME_MAX      PROTOCOL_PIPELINE_NAME_MAX

typedef enum orch_request_kind {
    ORCH_REQUEST_ENGINE = 0, /* an engine input (PipelineUpdated included) */
    ORCH_REQUEST_DELETED,    /* PipelineDeleted: drop the pipeline's state and history */
} orch_request_kind;

typedef struct orch_request {
    orch_request_kind kind;
    const char *pipeline; /* borrowed from the envelope */
    int64_t version;      /* PipelineUpdated: the declaration version to load */
    bool has_doc;
    engine_input_doc doc; /* ORCH_REQUEST_ENGINE */
} orch_request;

/*
 * Reads a request envelope: detail.pipeline (a pipeline name) and detail.type
 * are required; the rest is the engine input document. 0 with *req filled
 * (release with orch_request_clear; it borrows from env, which must outlive it),
 * or SLUICE_EPARSE / SLUICE_EINVAL with the reason in err (nothing to release).
 */
int orch_route_request(const bus_envelope *env, orch_request *req, char *err, size_t errlen);

/* Releases what orch_route_request allocated. Accepts a zeroed request. */
void orch_request_clear(orch_request *req);

typedef struct orch_route_ctx {
    const char *pipeline;
    const char *pipeline_arn;
    const char *account;
    const char *region;
    int64_t now_ms;
} orch_route_ctx;

/*
 * Turns effects into outbox entries, appended to the JSON array entries in
 * effect order. 0, or SLUICE_EINVAL with err when an effect cannot be
 * expressed (e.g. a job without an id); entries may then hold a prefix.
 */
int orch_route_effects(const engine_effects *effects, const orch_route_ctx *ctx, json_t *entries,
                       char *err, size_t errlen);

typedef enum orch_op_kind {
    ORCH_OP_PUBLISH_EVENT = 0,
    ORCH_OP_PUBLISH_JOB,
    ORCH_OP_TIMER_SET,
    ORCH_OP_TIMER_CANCEL,
    ORCH_OP_REPLY,
    ORCH_OP_ARCHIVE_EXECUTION,
    ORCH_OP_ARCHIVE_ACTION,
    ORCH_OP_ARCHIVE_RULE,
} orch_op_kind;

typedef struct orch_op {
    orch_op_kind kind;
    json_t *root;        /* the parsed entry; owned */
    const char *key;     /* publish: message key; timers: timer key */
    int64_t deadline_ms; /* TIMER_SET */
    const char *id;      /* REPLY: request id; ARCHIVE_*: record id */
    int64_t start_ms;    /* ARCHIVE_*: sort score */
    json_t *payload; /* publish: envelope; REPLY: reply document; ARCHIVE_*: record (borrowed) */
} orch_op;

/* Parses one op from its text. 0 with *op filled (release with orch_op_clear), or SLUICE_EPARSE
 * with err. */
int orch_op_parse(const char *text, size_t len, orch_op *op, char *err, size_t errlen);

/* Reads one op from its JSON object (op takes a reference). Same contract as orch_op_parse. */
int orch_op_from_json(json_t *entry, orch_op *op, char *err, size_t errlen);

/* Releases an op. Accepts a zeroed op. */
void orch_op_clear(orch_op *op);

/* Bound on the text of one outbox entry (Redis's default proto-max-bulk-len). */
#define ORCH_ROUTE_ENTRY_MAX_BYTES ((size_t)512 * 1024 * 1024)

/*
 * One outbox entry rendered once: its text {"ops":[...]} (compact JSON, the
 * ops in order, each op's members as orch_op_from_json reads them, its
 * payload — a publish op's "message", a reply's "reply", an archive's
 * "record" — last) and, per op, where in that text its payload is: the
 * exact bytes of json_dumps(payload, JSON_COMPACT). So the document saved
 * in the outbox and the one published or written are rendered together,
 * once.
 */
typedef struct orch_route_op_info {
    orch_op_kind kind;
    size_t key_at; /* offset in the entry's keys of the op's key (publish, timers) or id */
    int64_t at_ms; /* TIMER_SET: the deadline; ARCHIVE_*: the start; else 0 */
} orch_route_op_info;

typedef struct orch_route_entry {
    char *text; /* malloc'd, NUL-terminated */
    size_t len;
    size_t nops;
    size_t *payload_at;       /* per op: offset of its payload in text */
    size_t *payload_len;      /* per op: length of its payload; 0 for an op without one */
    orch_route_op_info *info; /* per op, when built from effects (orch_route_builder); else NULL */
    char *keys;               /* the ops' keys and ids, each NUL-terminated (with info) */
} orch_route_entry;

/*
 * Renders the ops (a JSON array of op objects, as orch_route_effects
 * appends them) into *out (zeroed first; free with orch_route_entry_free).
 * 0; SLUICE_EINVAL when ops is not an array of objects; SLUICE_ETOOBIG
 * beyond ORCH_ROUTE_ENTRY_MAX_BYTES; SLUICE_ENOMEM. *out is zeroed on failure.
 */
int orch_route_entry_render(json_t *ops, orch_route_entry *out);

/* Frees what an entry owns and zeroes it. Accepts a zeroed entry. */
void orch_route_entry_free(orch_route_entry *entry);

/*
 * An outbox entry written straight from effects, without op objects: the
 * bytes of orch_route_effects followed by orch_route_entry_render, each
 * publish op's envelope written around the engine's document (a job's
 * envelope as bus_envelope_new builds it, its header checked by it once per
 * call), plus per op what carrying it out needs (info, keys) — so an entry
 * saved and carried out from memory is never parsed. Use: init, add the
 * effects of each request in order, finish; free always.
 */
typedef struct orch_route_builder {
    sluice_buf text;
    sluice_buf keys;
    size_t nops;
    size_t cap;
    size_t *payload_at;
    size_t *payload_len;
    orch_route_op_info *info;
    int rc; /* the first failure of a bound or of memory; 0 while none */
} orch_route_builder;

/* Starts an empty builder. Allocates nothing. */
void orch_route_builder_init(orch_route_builder *b);

/*
 * Appends the ops of effects, in order (a reply nobody waits for makes
 * none). 0, or SLUICE_EINVAL with err when an effect cannot be expressed
 * (as orch_route_effects: a job without an id, an envelope header its
 * checks refuse, a string that is not UTF-8); the builder may then hold a
 * prefix. A bound or memory failure is kept for orch_route_builder_finish.
 */
int orch_route_builder_add(orch_route_builder *b, const engine_effects *effects,
                           const orch_route_ctx *ctx, char *err, size_t errlen);

/* Ops added so far. */
size_t orch_route_builder_count(const orch_route_builder *b);

/*
 * Moves what was built into *out (zeroed first; free with
 * orch_route_entry_free): an entry of no ops stays zeroed, as nothing is
 * saved for it. 0; SLUICE_ETOOBIG beyond ORCH_ROUTE_ENTRY_MAX_BYTES;
 * SLUICE_ENOMEM. The builder is left empty.
 */
int orch_route_builder_finish(orch_route_builder *b, orch_route_entry *out);

/* Frees what the builder holds. Accepts a finished or empty builder. */
void orch_route_builder_free(orch_route_builder *b);

/* Writes the timer-set member "<pipeline>\x1f<key>". 0 or SLUICE_ETOOBIG. */
int orch_route_timer_member(char *out, size_t outlen, const char *pipeline, const char *key);

/*
 * Splits a timer member into its pipeline (copied into pipeline[plen]) and key
 * (a pointer into member). 0 or SLUICE_EPARSE.
 */
int orch_route_timer_split(const char *member, char *pipeline, size_t plen, const char **key);

#endif
