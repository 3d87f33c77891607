/*
 * state_key.h — the names of Sluice's Redis keys.
 *
 * Every key that belongs to a pipeline is "sluice:{<pipeline>}:<suffix>". The
 * braces are a Redis Cluster hash tag: only the text between them picks the
 * cluster slot, so all keys of one pipeline live in one slot and one Lua script
 * may read and write any of them atomically. The functions here build such
 * names and compute hash tags; they are pure and thread-safe.
 */
#ifndef SLUICE_STATE_KEY_H
#define SLUICE_STATE_KEY_H

#include <stdbool.h>
#include <stddef.h>

#define STATE_KEY_PREFIX       "sluice"
#define STATE_KEY_MAX          512 /* bytes of a whole key, excluding the terminator */
#define STATE_KEY_PIPELINE_MAX 128 /* bytes of a pipeline name (CodePipeline allows 100) */

/*
 * Writes "sluice:{<pipeline>}:<suffix>" into out. pipeline must be 1 to
 * STATE_KEY_PIPELINE_MAX bytes without '{', '}' or control characters; suffix
 * must be non-empty without control characters. Returns 0; SLUICE_EINVAL for a
 * bad name (out is then ""), SLUICE_ETOOBIG when the key would exceed
 * STATE_KEY_MAX or outlen (out is then "").
 */
int state_key_build(char *out, size_t outlen, const char *pipeline, const char *suffix);

/*
 * Finds the part of key[0..len) that Redis Cluster hashes, by its rule: the
 * text between the first '{' and the first '}' after it, when that text is
 * non-empty; otherwise the whole key. Sets *tag_off and *tag_len.
 */
void state_key_hash_tag(const char *key, size_t len, size_t *tag_off, size_t *tag_len);

/* True when the two NUL-terminated keys have the same hash tag (so the same cluster slot). */
bool state_key_same_slot(const char *a, const char *b);

#endif
