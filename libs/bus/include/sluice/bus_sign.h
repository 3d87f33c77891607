/*
 * bus_sign.h — signed bus messages: the key set Sluice's services share, and
 * the HMAC-SHA256 signature that travels in two Kafka headers.
 *
 * Only a holder of a key of the set can produce a message that a verifying
 * consumer accepts: the orchestrator verifies sluice.requests, the api
 * verifies sluice.jobs, and an unsigned or mis-signed message becomes a dead
 * letter that changes nothing (bus_consumer.h). The signature lives in
 * Kafka headers, never in the payload, so the JSON of an event stays
 * byte-compatible with AWS's:
 *   sluice-key-id     the id of the key that signed (bytes of the id)
 *   sluice-signature  64 lowercase hex digits of the HMAC-SHA256 below
 *
 * What is signed (version 1): HMAC-SHA256(secret, M) where M is the
 * concatenation of five fields, each preceded by its length as an 8-byte
 * big-endian unsigned integer:
 *   "sluice-bus-v1" | key id | topic (the full name, prefix included) |
 *   message key (empty when the message has none) | payload
 * The topic is signed so that a job (sluice.jobs) cannot be replayed as a
 * request (sluice.requests); the message key so that a request cannot be
 * moved to another pipeline's partition order. The length prefixes make
 * the layout unambiguous (no field can run into the next).
 *
 * The key file (bus_sign_keys_parse / _load / _load_config): one key per line,
 *   <key-id> <secret>
 * with a key id of 1..BUS_SIGN_KEY_ID_MAX of [A-Za-z0-9_.-] and a secret of
 * BUS_SIGN_SECRET_MIN..BUS_SIGN_SECRET_MAX bytes written as hex (64 hex
 * digits for 32 bytes: `openssl rand -hex 32`). Blank lines and lines
 * starting with '#' are ignored; at most BUS_SIGN_KEYS_MAX keys, no
 * duplicate ids. The FIRST key signs; every key verifies. Rotation without
 * downtime: add the new key second everywhere, restart; move it first,
 * restart; drop the old one once no message signed with it is unconsumed.
 *
 * Pure functions over an immutable key set: a set is shared read-only by any
 * number of threads once parsed. Each key's HMAC is keyed once, at parsing,
 * and reused by every signature. Secrets are cleansed when a set is freed.
 */
#ifndef SLUICE_BUS_SIGN_H
#define SLUICE_BUS_SIGN_H

#include <stddef.h>

#define BUS_SIGN_KEYS_MAX         16
#define BUS_SIGN_KEY_ID_MAX       64
#define BUS_SIGN_SECRET_MIN       32 /* bytes */
#define BUS_SIGN_SECRET_MAX       128
#define BUS_SIGN_FILE_MAX         16384
#define BUS_SIGN_SIGNATURE_LEN    64 /* hex digits, without a terminator */
#define BUS_SIGN_HEADER_KEY_ID    "sluice-key-id"
#define BUS_SIGN_HEADER_SIGNATURE "sluice-signature"

typedef struct bus_sign_keys bus_sign_keys;

/* Why a message was refused. */
typedef enum bus_sign_failure {
    BUS_SIGN_UNSIGNED = 1, /* no key id or no signature header */
    BUS_SIGN_UNKNOWN_KEY,  /* a key id that is not in the set (retired, or never known) */
    BUS_SIGN_BAD_SIGNATURE /* a known key, but the signature does not match */
} bus_sign_failure;

/*
 * Parses a key file's text (format above). 0 with *out set (free with
 * bus_sign_keys_free); SLUICE_EPARSE with the line number and what is wrong
 * in err (the secret is never echoed), SLUICE_ETOOBIG (more than
 * BUS_SIGN_KEYS_MAX keys), SLUICE_EINVAL (no key at all, or text NULL),
 * SLUICE_ENOMEM, SLUICE_EINTERNAL (OpenSSL could not key an HMAC with a
 * secret); *out NULL on failure.
 */
int bus_sign_keys_parse(const char *text, size_t len, bus_sign_keys **out, char *err,
                        size_t errlen);

/*
 * Loads the key file at path: refuses it when it is missing, not a regular
 * file or accessible by group or others (sluice_fs_check_private), larger than
 * BUS_SIGN_FILE_MAX or malformed, with a message naming path in err. 0 with
 * *out set; the codes of sluice_fs_check_private, SLUICE_EIO, SLUICE_ETOOBIG
 * and those of bus_sign_keys_parse otherwise (*out NULL).
 */
int bus_sign_keys_load(const char *path, bus_sign_keys **out, char *err, size_t errlen);

/*
 * Loads the key set a service's configuration names: path is the value of
 * SLUICE_BUS_KEY_FILE, which every service that signs or verifies requires.
 * 0 with *out set (free with bus_sign_keys_free). On failure *out is NULL
 * and err holds a message naming the variable, which the caller logs as a
 * configuration problem: SLUICE_EINVAL when path is NULL or empty
 * ("SLUICE_BUS_KEY_FILE is required (...)"), otherwise the code of
 * bus_sign_keys_load with "SLUICE_BUS_KEY_FILE: " before its message.
 * Logs nothing: what the set signs and verifies is the caller's to say.
 */
int bus_sign_keys_load_config(const char *path, bus_sign_keys **out, char *err, size_t errlen);

/* Cleanses and frees a key set. Accepts NULL. */
void bus_sign_keys_free(bus_sign_keys *keys);

/* The number of keys (at least 1). */
size_t bus_sign_keys_count(const bus_sign_keys *keys);

/* The id of the signing (first) key; valid while keys lives. */
const char *bus_sign_keys_signing_id(const bus_sign_keys *keys);

/*
 * Signs (topic, key, payload) with the first key of keys: writes
 * BUS_SIGN_SIGNATURE_LEN lowercase hex digits and a terminator into sig.
 * key may be NULL (keylen 0), as may payload (len 0). 0, or SLUICE_EINVAL
 * for a NULL keys or topic, SLUICE_EINTERNAL when OpenSSL fails.
 */
int bus_sign_message(const bus_sign_keys *keys, const char *topic, const void *key, size_t keylen,
                     const void *payload, size_t len, char sig[BUS_SIGN_SIGNATURE_LEN + 1]);

/*
 * Verifies a message's headers against keys: key_id / sig are the header
 * values (NULL when the header is absent; not NUL-terminated). 0 when the
 * signature was made with a key of the set over exactly (topic, key,
 * payload); otherwise SLUICE_EDENIED with *why set and a precise reason in
 * reason (e.g. "unsigned message: no sluice-signature header", "unknown key
 * id 'old'", "bad signature (key 'k1')"). The comparison is constant-time.
 */
int bus_sign_verify(const bus_sign_keys *keys, const char *topic, const void *key, size_t keylen,
                    const void *payload, size_t len, const void *key_id, size_t key_id_len,
                    const void *sig, size_t siglen, bus_sign_failure *why, char *reason,
                    size_t reasonlen);

#endif
