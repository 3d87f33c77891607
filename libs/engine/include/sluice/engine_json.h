/*
 * engine_json.h — the compact text of a JSON document, in one walk.
 *
 * The bytes are exactly those of json_dumps(json, JSON_COMPACT |
 * JSON_ENCODE_ANY): members in the object's order, strings escaped as
 * jansson escapes them (", \, control characters; nothing else), integers
 * in decimal. Written by one walk into a growing buffer, its short pieces
 * gathered in a 2 KiB chunk on the stack that the buffer takes whole, without
 * jansson's per-token callbacks and printf calls — the orchestrator renders
 * its stored records and its messages with it. A real, and a string holding
 * a byte beyond ASCII (rare in the engine's documents), is handed to jansson
 * itself, so those bytes stay jansson's too. No I/O; thread-compatible.
 */
#ifndef SLUICE_ENGINE_JSON_H
#define SLUICE_ENGINE_JSON_H

#include "sluice/buf.h"

#include <jansson.h>
#include <stddef.h>

/*
 * Appends the compact text of json to buf. 0; SLUICE_ETOOBIG beyond buf's
 * bound; SLUICE_ENOMEM; SLUICE_EINVAL when jansson would not dump it (a
 * string that is not UTF-8, NULL). buf may then hold a prefix.
 */
int engine_json_append(sluice_buf *buf, const json_t *json);

/* Appends len bytes of s as a JSON string, as engine_json_append a string value. Same returns. */
int engine_json_append_string(sluice_buf *buf, const char *s, size_t len);

/*
 * The compact text of json, malloc'd and NUL-terminated, its length in
 * *len. Aborts when out of memory (the engine's policy); NULL only where
 * json_dumps gives NULL for another reason (see engine_json_append).
 */
char *engine_json_dumps(const json_t *json, size_t *len);

#endif
