/*
 * id.c — UUID v4 (RFC 4122 §4.4) from OpenSSL RAND_bytes (see id.h).
 */
#include "sluice/id.h"

#include "sluice/error.h"

#include <limits.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

int sluice_random_bytes(void *buf, size_t n)
{
    if (n > INT_MAX) {
        return SLUICE_EINVAL;
    }
    return RAND_bytes(buf, (int)n) == 1 ? SLUICE_OK : SLUICE_EIO;
}

void sluice_uuid_v4_from_bytes(const unsigned char bytes[16], char out[SLUICE_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    for (int i = 0; i < 16; i++) {
        b[i] = bytes[i];
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

int sluice_uuid_v4(char out[SLUICE_UUID_LEN + 1])
{
    unsigned char bytes[16];
    int rc = sluice_random_bytes(bytes, sizeof bytes);
    if (rc != SLUICE_OK) {
        out[0] = '\0';
        return rc;
    }
    sluice_uuid_v4_from_bytes(bytes, out);
    return SLUICE_OK;
}

bool sluice_uuid_is_valid(const char *text)
{
    for (int i = 0; i < SLUICE_UUID_LEN; i++) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return text[SLUICE_UUID_LEN] == '\0';
}

bool sluice_secret_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    unsigned char da[SHA256_DIGEST_LENGTH];
    unsigned char db[SHA256_DIGEST_LENGTH];
    if (SHA256((const unsigned char *)a, strlen(a), da) == NULL ||
        SHA256((const unsigned char *)b, strlen(b), db) == NULL) {
        return false;
    }
    return CRYPTO_memcmp(da, db, sizeof da) == 0;
}
