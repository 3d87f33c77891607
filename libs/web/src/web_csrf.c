/*
 * web_csrf.c — CSRF tokens (see web_csrf.h): HMAC-SHA256 with OpenSSL,
 * compared with CRYPTO_memcmp.
 */
#include "sluice/web_csrf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEB_CSRF_MAC_LEN 32

void web_csrf_make(const unsigned char *key, size_t keylen, const char *tag, const char *subject,
                   char out[WEB_CSRF_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    char text[WEB_CSRF_SUBJECT_MAX + 2];
    int n = snprintf(text, sizeof text, "%s\n%s", tag, subject);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    unsigned char mac[WEB_CSRF_MAC_LEN];
    unsigned int maclen = WEB_CSRF_MAC_LEN;
    if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, len, mac, &maclen) ==
        NULL) {
        abort(); /* HMAC-SHA256 with a valid key does not fail but for memory */
    }
    for (size_t i = 0; i < WEB_CSRF_MAC_LEN; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 15];
    }
    out[WEB_CSRF_LEN] = '\0';
}

bool web_csrf_check(const unsigned char *key, size_t keylen, const char *tag, const char *subject,
                    const char *token)
{
    if (token == NULL || strlen(token) != WEB_CSRF_LEN || subject == NULL || subject[0] == '\0') {
        return false;
    }
    char want[WEB_CSRF_LEN + 1];
    web_csrf_make(key, keylen, tag, subject, want);
    return CRYPTO_memcmp(want, token, WEB_CSRF_LEN) == 0;
}
