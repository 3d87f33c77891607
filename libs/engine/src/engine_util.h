/*
 * engine_util.h — allocation and JSON helpers private to libs/engine, with the
 * few CodePipeline shapes (ActionTypeId, Artifact lists, string maps) that the
 * plan, job documents, events and views all write the same way.
 *
 * Out-of-memory policy of the engine: allocation failure aborts the process.
 * A step that ran out of memory halfway cannot be resumed, and the one caller
 * (the orchestrator) would drop the half-built state anyway; aborting keeps
 * every state transition free of partial-failure paths. Every function here
 * either succeeds or aborts, except the readers, which report malformed input
 * through a sticky error (engine_util_rd) so a parser can read a whole object
 * and check once.
 *
 * Pure; no globals.
 */
#ifndef SLUICE_ENGINE_UTIL_H
#define SLUICE_ENGINE_UTIL_H

#include "sluice/engine_state.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* malloc / calloc / realloc of n items of size bytes; abort on failure or overflow. */
void *engine_util_calloc(size_t n, size_t size);
void *engine_util_realloc(void *ptr, size_t n, size_t size);

/* Copy of s (NULL for NULL). */
char *engine_util_strdup(const char *s);

/* Replaces *dst by a copy of src (the old value is freed; src may be NULL). */
void engine_util_set(char **dst, const char *src);

/* Equality of two strings where NULL equals only NULL. */
bool engine_util_str_eq(const char *a, const char *b);

/* Makes room for need items in *items of capacity *cap (items of size bytes). */
void engine_util_reserve(void **items, size_t *cap, size_t need, size_t size);

/* A duration for people: "7 days", "8 hours", "90 minutes"; never NULL. */
char *engine_util_duration(int64_t ms);

/* Builds and returns a string from a printf format; never NULL. */
char *engine_util_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* JSON building: each aborts on out-of-memory. */
json_t *engine_util_obj(void);
json_t *engine_util_arr(void);
json_t *engine_util_jstr(const char *s);                               /* json null for NULL */
void engine_util_put(json_t *obj, const char *key, json_t *value);     /* steals value */
void engine_util_put_str(json_t *obj, const char *key, const char *s); /* skipped when s is NULL */
void engine_util_put_int(json_t *obj, const char *key, int64_t v);
void engine_util_put_bool(json_t *obj, const char *key, bool v);
void engine_util_put_time(json_t *obj, const char *key,
                          int64_t ms); /* epoch seconds; skipped when 0 */
void engine_util_put_rfc3339(json_t *obj, const char *key,
                             int64_t ms);          /* RFC 3339; skipped when unformattable */
void engine_util_push(json_t *arr, json_t *value); /* steals value */
json_t *engine_util_str_array(char *const *items, size_t n);

/* {"key": "value", ...} of n pairs in order (pairs with a NULL value left out). */
json_t *engine_util_kvs_object(const engine_kv *items, size_t n);

/* An ActionTypeId object {"category", "owner", "provider", "version"} of action. */
json_t *engine_util_action_type_json(const engine_plan_action *action);

/* CodePipeline's Artifact list: [{"name", "s3location": {"bucket", "key"}}], the location only
 * when both bucket and key are known. Used by job documents, events and ActionExecution views. */
json_t *engine_util_artifacts_json(const engine_artifact *items, size_t n);

/* Sticky-error reader for the state's JSON. */
typedef struct engine_util_rd {
    int rc; /* 0 until the first error */
    char *errbuf;
    size_t errlen;
} engine_util_rd;

/* Records the first error (later ones are ignored). */
void engine_util_rd_fail(engine_util_rd *rd, const char *what, const char *key);

/* Member of obj that must be an object / array (NULL when absent and !required). */
json_t *engine_util_rd_obj(engine_util_rd *rd, const json_t *obj, const char *key, bool required);
json_t *engine_util_rd_arr(engine_util_rd *rd, const json_t *obj, const char *key, bool required);

/* Copy of a string member (NULL when absent or null and !required). */
char *engine_util_rd_str(engine_util_rd *rd, const json_t *obj, const char *key, bool required);

/* Integer / boolean member; def when absent and !required. */
int64_t engine_util_rd_int(engine_util_rd *rd, const json_t *obj, const char *key, bool required,
                           int64_t def);
bool engine_util_rd_bool(engine_util_rd *rd, const json_t *obj, const char *key, bool required,
                         bool def);

/* Array of strings into a new char* array; *n receives the count. */
char **engine_util_rd_str_array(engine_util_rd *rd, const json_t *obj, const char *key, size_t *n);

/* Frees an array of n strings. */
void engine_util_free_strs(char **items, size_t n);

#endif
