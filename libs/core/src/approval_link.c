/*
 * approval_link.c — signed one-time links to an approval page (see
 * approval_link.h). Used by sluice-approvals (verify, and its `link`
 * command) and sluice-notifier (one link per approver of a mail).
 */
#include "sluice/approval_link.h"

#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPROVAL_LINK_MAC_LEN 32
#define APPROVAL_LINK_TAG     "sluice-approval-link"

bool sluice_approval_id_valid(const char *id)
{
    if (id == NULL || strlen(id) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        char c = id[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

bool sluice_approval_approver_valid(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > SLUICE_APPROVAL_APPROVER_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("_+=,.@-", c) != NULL)) {
            return false;
        }
    }
    return true;
}

static int approval_link_mac(const unsigned char *key, size_t keylen, const char *id,
                             const char *approver, int64_t expires_s,
                             unsigned char mac[APPROVAL_LINK_MAC_LEN])
{
    char text[256];
    int n = snprintf(text, sizeof text, "%s\n%s\n%s\n%" PRId64, APPROVAL_LINK_TAG, id, approver,
                     expires_s);
    if (n < 0 || (size_t)n >= sizeof text) {
        return SLUICE_ETOOBIG;
    }
    unsigned int maclen = APPROVAL_LINK_MAC_LEN;
    if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, (size_t)n, mac,
             &maclen) == NULL) {
        abort(); /* HMAC-SHA256 with a valid key does not fail but for memory */
    }
    return 0;
}

int sluice_approval_link_make(const unsigned char *key, size_t keylen, const char *id,
                              const char *approver, int64_t expires_s, char *out, size_t outlen)
{
    if (key == NULL || keylen < SLUICE_APPROVAL_KEY_MIN || keylen > SLUICE_APPROVAL_KEY_MAX ||
        !sluice_approval_id_valid(id) || !sluice_approval_approver_valid(approver) ||
        expires_s <= 0) {
        return SLUICE_EINVAL;
    }
    unsigned char mac[APPROVAL_LINK_MAC_LEN];
    int rc = approval_link_mac(key, keylen, id, approver, expires_s, mac);
    if (rc != 0) {
        return rc;
    }
    static const char digits[] = "0123456789abcdef";
    char hex[2 * APPROVAL_LINK_MAC_LEN + 1];
    for (size_t i = 0; i < APPROVAL_LINK_MAC_LEN; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 15];
    }
    hex[2 * APPROVAL_LINK_MAC_LEN] = '\0';
    int n = snprintf(out, outlen, "%" PRId64 ".%s.%s", expires_s, hex, approver);
    return n < 0 || (size_t)n >= outlen ? SLUICE_ETOOBIG : 0;
}

int sluice_approval_link_verify(const unsigned char *key, size_t keylen, const char *id,
                                const char *token, int64_t now_s, char *approver)
{
    approver[0] = '\0';
    if (token == NULL || strlen(token) > SLUICE_APPROVAL_LINK_MAX ||
        !sluice_approval_id_valid(id)) {
        return SLUICE_EPARSE;
    }
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
    if (dot1 == NULL || dot2 == NULL || dot1 == token || dot1 - token > 12 ||
        dot2 - dot1 - 1 != 2 * APPROVAL_LINK_MAC_LEN || !sluice_approval_approver_valid(dot2 + 1)) {
        return SLUICE_EPARSE;
    }
    int64_t expires = 0;
    for (const char *p = token; p < dot1; p++) {
        if (*p < '0' || *p > '9') {
            return SLUICE_EPARSE;
        }
        expires = expires * 10 + (*p - '0');
    }
    unsigned char given[APPROVAL_LINK_MAC_LEN];
    if (sluice_hex_decode(dot1 + 1, 2 * APPROVAL_LINK_MAC_LEN, given, sizeof given) !=
        APPROVAL_LINK_MAC_LEN) {
        return SLUICE_EPARSE;
    }
    unsigned char want[APPROVAL_LINK_MAC_LEN];
    if (key == NULL || approval_link_mac(key, keylen, id, dot2 + 1, expires, want) != 0 ||
        CRYPTO_memcmp(given, want, APPROVAL_LINK_MAC_LEN) != 0) {
        return SLUICE_EDENIED;
    }
    if (expires <= now_s) {
        return SLUICE_ETIMEDOUT;
    }
    snprintf(approver, SLUICE_APPROVAL_APPROVER_MAX + 1, "%s", dot2 + 1);
    return 0;
}

int sluice_approval_link_url(const char *public_url, const char *id, const char *token, char *out,
                             size_t outlen)
{
    size_t base = strlen(public_url);
    while (base > 0 && public_url[base - 1] == '/') {
        base--;
    }
    int n = snprintf(out, outlen, "%.*s/approvals/%s?link=", (int)base, public_url, id);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    size_t len = (size_t)n;
    for (const char *p = token; *p != '\0'; p++) {
        bool escape = strchr("+=,@", *p) != NULL;
        if (len + (escape ? 3 : 1) >= outlen) {
            out[0] = '\0';
            return SLUICE_ETOOBIG;
        }
        if (escape) {
            snprintf(out + len, 4, "%%%02X", (unsigned char)*p);
            len += 3;
        } else {
            out[len++] = *p;
        }
    }
    out[len] = '\0';
    return 0;
}

int sluice_approval_link_key_read(const char *path, unsigned char *key, size_t *keylen, char *err,
                                  size_t errlen)
{
    char hex[2 * SLUICE_APPROVAL_KEY_MAX + 2];
    int rc = sluice_fs_read_secret_line(path, "the link key", hex, sizeof hex, err, errlen);
    if (rc != 0) {
        return rc;
    }
    size_t len = strlen(hex);
    long n = len % 2 == 0 ? sluice_hex_decode(hex, len, key, SLUICE_APPROVAL_KEY_MAX) : -1;
    OPENSSL_cleanse(hex, sizeof hex);
    if (n < SLUICE_APPROVAL_KEY_MIN) {
        OPENSSL_cleanse(key, SLUICE_APPROVAL_KEY_MAX);
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "%s: the key must be one line of 64..256 hex digits", path);
    }
    *keylen = (size_t)n;
    return 0;
}
