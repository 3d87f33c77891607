/*
 * bus_envelope.h — the EventBridge envelope every Sluice message travels in.
 *
 *   {"version":"0","id":"<uuid>","detail-type":"...","source":"...",
 *    "account":"123456789012","time":"2017-04-22T03:31:47Z","region":"us-east-1",
 *    "resources":["..."],"detail":{...}}
 *
 * This module builds, encodes, decodes and validates envelopes. It is pure: no
 * clock, no randomness, no I/O — ids and times are handed in, so callers can
 * derive deterministic ids and consumers can drop duplicates by id.
 *
 * Validation (the same rules for new, from_json and decode) accepts exactly:
 *   version  the string "0" (checked first: another version may mean other fields)
 *   id       a lowercase UUID (8-4-4-4-12 hex)
 *   detail-type, source   non-empty strings of at most BUS_ENVELOPE_NAME_MAX bytes
 *   account  12 ASCII digits
 *   time     RFC 3339 ("2017-04-22T03:31:47Z"; fractions and offsets accepted on input,
 *            whole-second UTC produced on output)
 *   region   1..32 of [a-z0-9-], starting with a letter ("us-east-1")
 *   resources an array of strings (possibly empty)
 *   detail   an object
 * Unknown top-level fields are kept and ignored (EventBridge adds some). A
 * rejected input yields a one-line reason naming the problem, e.g.
 *   missing field "detail-type"
 *   field "resources" must be an array of strings (element 1 is a number)
 *   not JSON: '[' or '{' expected near 'x' (line 1, column 1)
 * which consumers put in the dead-letter envelope (see bus_deadletter.h).
 *
 * An envelope is immutable once made and owns one jansson tree; the const
 * char pointers in it borrow from that tree. Not thread-safe to free while
 * another thread reads it; reading from several threads is fine.
 */
#ifndef SLUICE_BUS_ENVELOPE_H
#define SLUICE_BUS_ENVELOPE_H

#include "sluice/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_ENVELOPE_VERSION "0"
/* Deepest nesting accepted; the envelope object itself is level 1, detail level 2. */
#define BUS_ENVELOPE_MAX_DEPTH 32
/* Default bound on an encoded envelope (also librdkafka's default message size). */
#define BUS_ENVELOPE_MAX_BYTES 1000000
/* Longest detail-type or source accepted. */
#define BUS_ENVELOPE_NAME_MAX 256
/* A reason buffer of this size never truncates a validation reason. */
#define BUS_ENVELOPE_REASON_MAX 256

typedef struct bus_envelope {
    const char *id;
    const char *detail_type;
    const char *source;
    const char *account;
    const char *time; /* as received (or as formatted by bus_envelope_new) */
    int64_t time_ms;  /* time parsed: milliseconds since the Unix epoch */
    const char *region;
    json_t *resources; /* array of strings; borrowed from root, do not modify */
    json_t *detail;    /* object; borrowed from root, do not modify */
    json_t *root;      /* the whole envelope; owned by the envelope */
} bus_envelope;

/* What bus_envelope_new needs; every pointer is borrowed for the call only. */
typedef struct bus_envelope_spec {
    const char *id;               /* lowercase UUID */
    const char *detail_type;      /* e.g. "CodePipeline Pipeline Execution State Change" */
    const char *source;           /* e.g. "aws.codepipeline", "sluice.orchestrator" */
    const char *account;          /* 12 digits */
    const char *region;           /* e.g. "us-east-1" */
    int64_t time_ms;              /* formatted as whole-second RFC 3339 UTC */
    const char *const *resources; /* nresources strings; may be NULL when nresources is 0 */
    size_t nresources;
    json_t *detail; /* an object; the envelope takes its own reference */
} bus_envelope_spec;

/*
 * Builds and validates an envelope from spec. Returns 0 with *out set (free it
 * with bus_envelope_free), SLUICE_EINVAL with a reason when a field breaks the
 * rules above, SLUICE_ETOOBIG when detail nests too deep, or SLUICE_ENOMEM.
 * On failure *out is NULL. spec->detail is not consumed: the caller keeps its
 * reference, and must not modify the object while the envelope lives.
 */
int bus_envelope_new(const bus_envelope_spec *spec, bus_envelope **out, char *reason,
                     size_t reasonlen);

/*
 * Decodes and validates bytes[0..len). len > max_bytes is rejected before any
 * parsing (SLUICE_ETOOBIG), so is nesting deeper than BUS_ENVELOPE_MAX_DEPTH
 * (SLUICE_ETOOBIG); anything else wrong is SLUICE_EPARSE; SLUICE_ENOMEM. The
 * reason is written on every failure and *out is then NULL. bytes need not be
 * NUL-terminated and are not retained. Duplicate keys and NUL characters in
 * strings are rejected.
 */
int bus_envelope_decode(const char *bytes, size_t len, size_t max_bytes, bus_envelope **out,
                        char *reason, size_t reasonlen);

/*
 * Validates an already-parsed tree (e.g. an outbox entry read from Redis).
 * On success *out holds its own reference to root (the caller keeps its own);
 * SLUICE_EPARSE / SLUICE_ETOOBIG with a reason otherwise, *out NULL.
 */
int bus_envelope_from_json(json_t *root, bus_envelope **out, char *reason, size_t reasonlen);

/*
 * Appends the compact JSON encoding of env to out (bounded by out->max).
 * 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM with out unchanged.
 */
int bus_envelope_encode(const bus_envelope *env, sluice_buf *out);

/* Releases env and its tree. Accepts NULL. */
void bus_envelope_free(bus_envelope *env);

/* A message about one pipeline, as the services send requests and events. */
typedef struct bus_pipeline_message {
    const char *id;          /* the envelope id (a derived one makes a re-send a duplicate) */
    const char *detail_type; /* a PROTOCOL_DETAIL_* name */
    const char *source;      /* the sender's PROTOCOL_SOURCE_* */
    const char *account;
    const char *region;
    const char *pipeline; /* its ARN is the one resource */
    json_t *detail;       /* borrowed */
} bus_pipeline_message;

/*
 * Appends to payload (bounded by its max, BUS_ENVELOPE_MAX_BYTES for a
 * message Kafka takes) the encoding of m's envelope, stamped now. 0;
 * otherwise the code of bus_envelope_new (err: "envelope: <reason>") or
 * SLUICE_ETOOBIG / SLUICE_ENOMEM (err: "the message exceeds <max> bytes"),
 * payload unchanged.
 */
int bus_envelope_encode_pipeline(const bus_pipeline_message *m, sluice_buf *payload, char *err,
                                 size_t errlen);

#endif
