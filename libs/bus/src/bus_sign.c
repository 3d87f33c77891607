/*
 * bus_sign.c — the bus key set and HMAC-SHA256 message signatures (see
 * bus_sign.h for the key file format and the signed byte layout). OpenSSL's
 * EVP_MAC computes the HMAC; CRYPTO_memcmp compares it.
 *
 * Each key of a parsed set holds a keyed template: an HMAC context that has
 * taken the secret and the two fields every message of that key starts
 * with (the domain and the key id). A signature duplicates the template and
 * adds topic, key and payload, so the HMAC algorithm is fetched and the key
 * schedule computed once per key, not once per message. Templates are only
 * read after parsing (EVP_MAC_CTX_dup does not change its source), which
 * keeps a set shareable by threads.
 */
#include "sluice/bus_sign.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/hex.h"
#include "sluice/fs.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_DOMAIN   "sluice-bus-v1"
#define SIGN_LINE_MAX (BUS_SIGN_KEY_ID_MAX + 2 * BUS_SIGN_SECRET_MAX + 64)
#define SIGN_MAC_LEN  32

typedef struct sign_key {
    char id[BUS_SIGN_KEY_ID_MAX + 1];
    unsigned char secret[BUS_SIGN_SECRET_MAX];
    size_t secret_len;
    EVP_MAC_CTX *keyed; /* HMAC keyed with secret, the domain and id already in */
} sign_key;

struct bus_sign_keys {
    size_t count;
    sign_key keys[BUS_SIGN_KEYS_MAX];
};

static int sign_keyed_new(sign_key *k);

/* ---- parsing ------------------------------------------------------------------ */

static bool sign_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool sign_id_ok(const char *id, size_t n)
{
    if (n == 0 || n > BUS_SIGN_KEY_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Parses one non-blank, non-comment line (n bytes at p) into k. */
static int sign_parse_line(bus_sign_keys *keys, const char *p, size_t n, size_t line_no, char *err,
                           size_t errlen)
{
    if (n > SIGN_LINE_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "line %zu: too long (over %d bytes)",
                                line_no, SIGN_LINE_MAX);
    }
    size_t id_len = 0;
    while (id_len < n && !sign_blank(p[id_len])) {
        id_len++;
    }
    const char *secret = p + id_len;
    size_t secret_len = n - id_len;
    while (secret_len > 0 && sign_blank(*secret)) {
        secret++;
        secret_len--;
    }
    if (!sign_id_ok(p, id_len) || secret_len == 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "line %zu: expected '<key-id> <secret>' with a key id of 1..%d "
                                "characters [A-Za-z0-9_.-]",
                                line_no, BUS_SIGN_KEY_ID_MAX);
    }
    for (size_t i = 0; i < secret_len; i++) {
        if (sign_blank(secret[i])) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "line %zu: more than two fields (the secret holds a blank)",
                                    line_no);
        }
    }
    if (keys->count == BUS_SIGN_KEYS_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "line %zu: more than %d keys", line_no,
                                BUS_SIGN_KEYS_MAX);
    }
    sign_key *k = &keys->keys[keys->count];
    memcpy(k->id, p, id_len);
    k->id[id_len] = '\0';
    for (size_t i = 0; i < keys->count; i++) {
        if (strcmp(keys->keys[i].id, k->id) == 0) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE, "line %zu: duplicate key id '%s'",
                                    line_no, k->id);
        }
    }
    long got = sluice_hex_decode(secret, secret_len, k->secret, sizeof k->secret);
    if (got < BUS_SIGN_SECRET_MIN) {
        OPENSSL_cleanse(k->secret, sizeof k->secret);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "line %zu: the secret of key '%s' must be %d..%d bytes written as "
                                "hex (%d..%d hex digits, e.g. `openssl rand -hex 32`)",
                                line_no, k->id, BUS_SIGN_SECRET_MIN, BUS_SIGN_SECRET_MAX,
                                2 * BUS_SIGN_SECRET_MIN, 2 * BUS_SIGN_SECRET_MAX);
    }
    k->secret_len = (size_t)got;
    keys->count++; /* counted now, so that a failure below frees what was made */
    if (sign_keyed_new(k) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINTERNAL,
                                "line %zu: OpenSSL cannot key HMAC-SHA256 with key '%s'", line_no,
                                k->id);
    }
    return SLUICE_OK;
}

int bus_sign_keys_parse(const char *text, size_t len, bus_sign_keys **out, char *err, size_t errlen)
{
    *out = NULL;
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no key text");
    }
    if (len > BUS_SIGN_FILE_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "larger than %d bytes",
                                BUS_SIGN_FILE_MAX);
    }
    bus_sign_keys *keys = calloc(1, sizeof *keys);
    if (keys == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int rc = SLUICE_OK;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < len && rc == SLUICE_OK) {
        line_no++;
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL ? 1 : 0);
        if (memchr(p, '\0', n) != NULL) {
            rc =
                sluice_error_set(err, errlen, SLUICE_EPARSE, "line %zu: holds a NUL byte", line_no);
            break;
        }
        while (n > 0 && sign_blank(*p)) {
            p++;
            n--;
        }
        while (n > 0 && sign_blank(p[n - 1])) {
            n--;
        }
        if (n == 0 || p[0] == '#') {
            continue;
        }
        rc = sign_parse_line(keys, p, n, line_no, err, errlen);
    }
    if (rc == SLUICE_OK && keys->count == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "no key (expected lines '<key-id> <secret>')");
    }
    if (rc != SLUICE_OK) {
        bus_sign_keys_free(keys);
        return rc;
    }
    *out = keys;
    return SLUICE_OK;
}

int bus_sign_keys_load(const char *path, bus_sign_keys **out, char *err, size_t errlen)
{
    char detail[512];
    *out = NULL;
    int rc = sluice_fs_check_private(path, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_SIGN_FILE_MAX);
    rc = sluice_fs_read_file(path, &buf);
    if (rc == SLUICE_OK) {
        rc = bus_sign_keys_parse(buf.data != NULL ? buf.data : "", buf.len, out, detail,
                                 sizeof detail);
        if (rc != SLUICE_OK) {
            sluice_error_set(err, errlen, rc, "%s: %s", path, detail);
        }
    } else if (rc == SLUICE_ETOOBIG) {
        sluice_error_set(err, errlen, rc, "%s is larger than %d bytes", path, BUS_SIGN_FILE_MAX);
    } else {
        sluice_error_set(err, errlen, rc, "cannot read %s", path);
    }
    if (buf.data != NULL) {
        OPENSSL_cleanse(buf.data, buf.cap);
    }
    sluice_buf_free(&buf);
    return rc;
}

int bus_sign_keys_load_config(const char *path, bus_sign_keys **out, char *err, size_t errlen)
{
    char detail[1024];
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "SLUICE_BUS_KEY_FILE is required (the bus key file, lines "
                                "'<key-id> <hex secret>', mode 0600)");
    }
    int rc = bus_sign_keys_load(path, out, detail, sizeof detail);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "SLUICE_BUS_KEY_FILE: %s", detail);
    }
    return SLUICE_OK;
}

void bus_sign_keys_free(bus_sign_keys *keys)
{
    if (keys != NULL) {
        for (size_t i = 0; i < keys->count; i++) {
            EVP_MAC_CTX_free(keys->keys[i].keyed);
        }
        OPENSSL_cleanse(keys, sizeof *keys);
        free(keys);
    }
}

size_t bus_sign_keys_count(const bus_sign_keys *keys)
{
    return keys->count;
}

const char *bus_sign_keys_signing_id(const bus_sign_keys *keys)
{
    return keys->keys[0].id;
}

/* ---- signatures --------------------------------------------------------------- */

static int sign_update_field(EVP_MAC_CTX *mac, const void *bytes, size_t n)
{
    unsigned char prefix[8];
    uint64_t len = (uint64_t)n;
    for (int i = 7; i >= 0; i--) {
        prefix[i] = (unsigned char)(len & 0xff);
        len >>= 8;
    }
    if (EVP_MAC_update(mac, prefix, sizeof prefix) != 1) {
        return SLUICE_EINTERNAL;
    }
    if (n > 0 && EVP_MAC_update(mac, bytes, n) != 1) {
        return SLUICE_EINTERNAL;
    }
    return SLUICE_OK;
}

/* Makes k->keyed: HMAC-SHA256 keyed with k's secret, the domain and k's id taken in. */
static int sign_keyed_new(sign_key *k)
{
    int rc = SLUICE_EINTERNAL;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mac = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (mac != NULL && EVP_MAC_init(mac, k->secret, k->secret_len, params) == 1 &&
        sign_update_field(mac, SIGN_DOMAIN, strlen(SIGN_DOMAIN)) == SLUICE_OK &&
        sign_update_field(mac, k->id, strlen(k->id)) == SLUICE_OK) {
        k->keyed = mac;
        mac = NULL;
        rc = SLUICE_OK;
    }
    EVP_MAC_CTX_free(mac);
    EVP_MAC_free(hmac); /* the context keeps its own reference */
    return rc;
}

/* The HMAC of bus_sign.h's layout with key k. */
static int sign_mac(const sign_key *k, const char *topic, const void *key, size_t keylen,
                    const void *payload, size_t len, unsigned char out[SIGN_MAC_LEN])
{
    int rc = SLUICE_EINTERNAL;
    EVP_MAC_CTX *mac = k->keyed != NULL ? EVP_MAC_CTX_dup(k->keyed) : NULL;
    size_t outlen = 0;
    if (mac == NULL) {
        goto out;
    }
    if (sign_update_field(mac, topic, strlen(topic)) != SLUICE_OK ||
        sign_update_field(mac, key, key != NULL ? keylen : 0) != SLUICE_OK ||
        sign_update_field(mac, payload, payload != NULL ? len : 0) != SLUICE_OK) {
        goto out;
    }
    if (EVP_MAC_final(mac, out, &outlen, SIGN_MAC_LEN) != 1 || outlen != SIGN_MAC_LEN) {
        goto out;
    }
    rc = SLUICE_OK;
out:
    EVP_MAC_CTX_free(mac);
    return rc;
}

int bus_sign_message(const bus_sign_keys *keys, const char *topic, const void *key, size_t keylen,
                     const void *payload, size_t len, char sig[BUS_SIGN_SIGNATURE_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    sig[0] = '\0';
    if (keys == NULL || topic == NULL || keys->count == 0) {
        return SLUICE_EINVAL;
    }
    unsigned char mac[SIGN_MAC_LEN];
    int rc = sign_mac(&keys->keys[0], topic, key, keylen, payload, len, mac);
    if (rc != SLUICE_OK) {
        return rc;
    }
    for (size_t i = 0; i < SIGN_MAC_LEN; i++) {
        sig[2 * i] = hex[mac[i] >> 4];
        sig[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    sig[BUS_SIGN_SIGNATURE_LEN] = '\0';
    return SLUICE_OK;
}

/* Copies up to BUS_SIGN_KEY_ID_MAX printable bytes of an untrusted id for a message. */
static void sign_printable(const void *bytes, size_t n, char *out, size_t outlen)
{
    size_t j = 0;
    const unsigned char *b = bytes;
    for (size_t i = 0; i < n && j + 1 < outlen && i < BUS_SIGN_KEY_ID_MAX; i++) {
        out[j++] = (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'') ? (char)b[i] : '?';
    }
    out[j] = '\0';
}

int bus_sign_verify(const bus_sign_keys *keys, const char *topic, const void *key, size_t keylen,
                    const void *payload, size_t len, const void *key_id, size_t key_id_len,
                    const void *sig, size_t siglen, bus_sign_failure *why, char *reason,
                    size_t reasonlen)
{
    if (key_id == NULL || key_id_len == 0) {
        *why = BUS_SIGN_UNSIGNED;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "unsigned message: no " BUS_SIGN_HEADER_KEY_ID " header");
    }
    if (sig == NULL || siglen == 0) {
        *why = BUS_SIGN_UNSIGNED;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "unsigned message: no " BUS_SIGN_HEADER_SIGNATURE " header");
    }
    const sign_key *k = NULL;
    for (size_t i = 0; keys != NULL && i < keys->count; i++) {
        if (strlen(keys->keys[i].id) == key_id_len &&
            memcmp(keys->keys[i].id, key_id, key_id_len) == 0) {
            k = &keys->keys[i];
            break;
        }
    }
    if (k == NULL) {
        char shown[BUS_SIGN_KEY_ID_MAX + 1];
        sign_printable(key_id, key_id_len, shown, sizeof shown);
        *why = BUS_SIGN_UNKNOWN_KEY;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "signed with unknown key id '%s' (not in the bus key file)", shown);
    }
    unsigned char given[SIGN_MAC_LEN];
    bool well_formed = siglen == BUS_SIGN_SIGNATURE_LEN;
    for (size_t i = 0; well_formed && i < SIGN_MAC_LEN; i++) {
        int hi = sluice_hex_value(((const char *)sig)[2 * i]);
        int lo = sluice_hex_value(((const char *)sig)[2 * i + 1]);
        well_formed = hi >= 0 && lo >= 0;
        if (well_formed) {
            given[i] = (unsigned char)((hi << 4) | lo);
        }
    }
    if (!well_formed) {
        *why = BUS_SIGN_BAD_SIGNATURE;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "bad signature (key '%s'): not %d hex digits", k->id,
                                BUS_SIGN_SIGNATURE_LEN);
    }
    unsigned char want[SIGN_MAC_LEN];
    if (topic == NULL || sign_mac(k, topic, key, keylen, payload, len, want) != SLUICE_OK) {
        *why = BUS_SIGN_BAD_SIGNATURE;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "signature of key '%s' could not be computed", k->id);
    }
    if (CRYPTO_memcmp(given, want, SIGN_MAC_LEN) != 0) {
        *why = BUS_SIGN_BAD_SIGNATURE;
        return sluice_error_set(reason, reasonlen, SLUICE_EDENIED,
                                "bad signature (key '%s'): topic, key or payload do not match "
                                "what was signed",
                                k->id);
    }
    return SLUICE_OK;
}
