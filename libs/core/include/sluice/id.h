/*
 * id.h — identifiers: UUID version 4 from OpenSSL's CSPRNG, lowercase, as
 * CodePipeline's execution ids, job ids and approval tokens are; and the one
 * constant-time comparison of such secrets. Thread-safe.
 */
#ifndef SLUICE_ID_H
#define SLUICE_ID_H

#include <stdbool.h>
#include <stddef.h>

#define SLUICE_UUID_LEN 36 /* characters, excluding the terminator */

/* Writes a random UUID v4 and a terminator into out (37 bytes). 0, or SLUICE_EIO if the RNG fails.
 */
int sluice_uuid_v4(char out[SLUICE_UUID_LEN + 1]);

/* Formats 16 bytes as a UUID v4 (sets the version and variant bits). Pure. */
void sluice_uuid_v4_from_bytes(const unsigned char bytes[16], char out[SLUICE_UUID_LEN + 1]);

/* True when text is a lowercase 8-4-4-4-12 hex UUID (CodePipeline's id pattern). */
bool sluice_uuid_is_valid(const char *text);

/* Fills buf with n cryptographically random bytes. 0, or SLUICE_EIO. */
int sluice_random_bytes(void *buf, size_t n);

/*
 * True when the secrets a and b (NUL-terminated) are equal; false when
 * either is NULL. Constant-time: the SHA-256 digests of both are compared
 * with CRYPTO_memcmp, so the time taken tells nothing about where they
 * differ, nor about the stored one's length. For tokens, nonces and the
 * like; never strcmp a secret.
 */
bool sluice_secret_equal(const char *a, const char *b);

#endif
