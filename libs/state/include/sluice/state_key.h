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
 * The key layout the services share (suffixes for state_key_build, plus the
 * few global keys). Per pipeline <p>:
 *   sluice:{<p>}:def                 CAS record: the current declaration document
 *   sluice:{<p>}:def:v<N>            string: the declaration of version N
 *   sluice:{<p>}:state               CAS record set head: the pipeline record of the engine state
 *   sluice:{<p>}:exec:<id>           string: one execution of the engine state (a set member)
 *   sluice:{<p>}:outbox              stream: effects saved with the state, not yet carried out
 *   sluice:{<p>}:retry               string: the failures so far of the outbox's oldest entry
 *   sluice:{<p>}:executions          hash: execution id -> archived execution record
 *   sluice:{<p>}:executions:order    sorted set: execution id by start time (ms)
 *   sluice:{<p>}:actions             hash: action execution id -> ActionExecutionDetail
 *   sluice:{<p>}:actions:order       sorted set: action execution id by start time (ms)
 *   sluice:{<p>}:rules               hash: rule execution id -> RuleExecutionDetail
 *   sluice:{<p>}:rules:order         sorted set: rule execution id by start time (ms)
 *   sluice:{<p>}:reply:<request id>  list: the orchestrator's answer to one request (expires)
 * Global:
 *   sluice:pipelines                 sorted set: pipeline names (ListPipelines)
 *   sluice:timers                    sorted set: "<p>" US "<timer key>" by deadline (ms)
 *   sluice:parked:<requests topic>   set: pipelines whose state holds parked requests
 */
#define STATE_KEY_DEFINITION       "def"
#define STATE_KEY_STATE            "state"
#define STATE_KEY_OUTBOX           "outbox"
#define STATE_KEY_RETRY            "retry"
#define STATE_KEY_EXEC_PREFIX      "exec:"
#define STATE_KEY_EXECUTIONS       "executions"
#define STATE_KEY_EXECUTIONS_ORDER "executions:order"
#define STATE_KEY_ACTIONS          "actions"
#define STATE_KEY_ACTIONS_ORDER    "actions:order"
#define STATE_KEY_RULES            "rules"
#define STATE_KEY_RULES_ORDER      "rules:order"
#define STATE_KEY_REPLY_PREFIX     "reply:"
#define STATE_KEY_PIPELINES        "sluice:pipelines"
#define STATE_KEY_TIMERS           "sluice:timers"
#define STATE_KEY_PARKED           "sluice:parked"
#define STATE_KEY_TIMER_SEPARATOR  '\x1f'

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
