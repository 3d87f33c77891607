/*
 * bus_deadletter.h — the envelope of a message Sluice could not process.
 *
 * When a consumer meets a message it cannot parse, or a handler rejects one
 * for good, the message is wrapped in a dead-letter envelope, produced to
 * <prefix>deadletter, and only then is its offset stored: nothing is dropped
 * silently and the consumer carries on with the next message.
 *
 *   {"version":"0","id":"<uuid>","detail-type":"Sluice Dead Letter",
 *    "source":"sluice.<service>","account":"...","time":"...","region":"...",
 *    "resources":[],
 *    "detail":{
 *      "reason":"missing field \"detail-type\"",
 *      "topic":"sluice.requests","partition":3,"offset":1234,
 *      "consumerGroup":"sluice-orchestrator",      (null when unknown)
 *      "key":"my-pipeline","keyEncoding":"text",   (both null when there was no key)
 *      "payload":"{\"version\":\"0\",...","payloadEncoding":"text",
 *      "payloadBytes":1789,
 *      "truncated":false,
 *      "redacted":false}}
 *
 * key and payload are the original bytes as a JSON string when they are valid
 * UTF-8 without NUL characters ("text"), otherwise standard base64 with
 * padding ("base64"). At most BUS_DEADLETTER_PAYLOAD_MAX bytes of the payload
 * and BUS_DEADLETTER_KEY_MAX bytes of the key are kept (a text cut never
 * splits a character); "truncated" says whether anything was cut and
 * "payloadBytes" gives the original size. The reason is cut at
 * BUS_DEADLETTER_REASON_MAX bytes.
 *
 * Secrets never reach a dead letter: when the payload is a JSON document,
 * the string values of members named token, secretAccessKey, sessionToken,
 * password or secret (at any depth) are replaced by "(redacted)" in the copy,
 * which is then the document re-serialised compactly; "redacted" says
 * whether that happened ("payloadBytes" stays the original size).
 *
 * The id is derived from (consumer group, topic, partition, offset), so a
 * message dead-lettered twice (a crash between producing the dead letter and
 * storing the offset) carries the same id both times. Pure.
 */
#ifndef SLUICE_BUS_DEADLETTER_H
#define SLUICE_BUS_DEADLETTER_H

#include "sluice/bus_envelope.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"

#include <stddef.h>
#include <stdint.h>

#define BUS_DEADLETTER_DETAIL_TYPE PROTOCOL_DETAIL_DEAD_LETTER
#define BUS_DEADLETTER_PAYLOAD_MAX (64 * 1024)
#define BUS_DEADLETTER_KEY_MAX     1024
#define BUS_DEADLETTER_REASON_MAX  1024
/* Bound for encoding a dead-letter envelope: room for the worst-case escaping of the above. */
#define BUS_DEADLETTER_ENCODED_MAX (512 * 1024)

/* Where the message came from; every pointer is borrowed for the call only. */
typedef struct bus_deadletter_origin {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *group; /* consumer group that gave up on it; may be NULL */
    const void *key;   /* NULL: the message had no key */
    size_t keylen;
    const void *payload; /* may be NULL when len is 0 */
    size_t len;
} bus_deadletter_origin;

/* Who writes the dead letter: the envelope's source, account and region. */
typedef struct bus_deadletter_sender {
    const char *source;  /* "sluice.<service>" */
    const char *account; /* 12 digits */
    const char *region;
} bus_deadletter_sender;

/*
 * The deterministic id of origin's dead letter: a UUID (version 4 layout)
 * made from the SHA-256 of group, topic, partition and offset. Pure.
 */
void bus_deadletter_id(const bus_deadletter_origin *origin, char out[SLUICE_UUID_LEN + 1]);

/*
 * Builds the dead-letter envelope for origin with reason (any bytes; invalid
 * UTF-8 in it is replaced) at time_ms. 0 with *out set (free with
 * bus_envelope_free); SLUICE_EINVAL with a message in err when sender's fields
 * break the envelope rules; SLUICE_ENOMEM. *out is NULL on failure.
 */
int bus_deadletter_new(const bus_deadletter_origin *origin, const char *reason,
                       const bus_deadletter_sender *sender, int64_t time_ms, bus_envelope **out,
                       char *err, size_t errlen);

#endif
