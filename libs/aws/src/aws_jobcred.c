/*
 * aws_jobcred.c — job credentials (see aws_jobcred.h).
 *
 * The payload is compact JSON written by jansson with its members in a fixed
 * order, so minting is deterministic. HMAC-SHA256 and SHA-256 are OpenSSL's
 * one-shot functions; token signatures and access key ids are compared in
 * constant time; every buffer that held key material or a derived secret is
 * wiped before it is released.
 */
#include "sluice/aws_jobcred.h"

#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/hex.h"
#include "sluice/fs.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOBCRED_FILE_MAX    (64 * 1024)
#define JOBCRED_LINE_MAX    1024
#define JOBCRED_SECRET_SALT "sluice-job-secret\n"

typedef struct jobcred_key {
    char id[AWS_JOBCRED_KEY_ID_MAX + 1];
    unsigned char secret[AWS_JOBCRED_SECRET_MAX];
    size_t secret_len;
} jobcred_key;

struct aws_jobcred_keys {
    size_t count;
    jobcred_key keys[AWS_JOBCRED_KEYS_MAX];
};

/* ------------------------------------------------------------- encodings */

/* Standard or url-safe base64, padded or not, into out; the byte count, or -1. */
static long jobcred_b64_decode(const char *text, size_t len, unsigned char *out, size_t outsize)
{
    if (len == 0 || len > 8192) {
        return -1;
    }
    char buf[8196];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '-') {
            c = '+';
        } else if (c == '_') {
            c = '/';
        } else if (c == '=') {
            break;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/')) {
            return -1;
        }
        buf[n++] = c;
    }
    for (size_t i = n; i < len; i++) {
        if (text[i] != '=') {
            return -1;
        }
    }
    if (n % 4 == 1) {
        return -1;
    }
    size_t pad = (4 - n % 4) % 4;
    for (size_t i = 0; i < pad; i++) {
        buf[n++] = '=';
    }
    size_t decoded = n / 4 * 3 - pad;
    if (decoded > outsize) {
        return -1;
    }
    unsigned char tmp[6144];
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)buf, (int)n);
    if (got < 0 || (size_t)got < decoded) {
        return -1;
    }
    memcpy(out, tmp, decoded);
    OPENSSL_cleanse(tmp, sizeof tmp);
    OPENSSL_cleanse(buf, sizeof buf);
    return (long)decoded;
}

/* base64url without padding of data into out (NUL-terminated); its length. */
static size_t jobcred_b64url(const unsigned char *data, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (int i = 0; i < n; i++) {
        if (out[i] == '+') {
            out[i] = '-';
        } else if (out[i] == '/') {
            out[i] = '_';
        }
    }
    return (size_t)n;
}

static int jobcred_hmac(const jobcred_key *key, const char *msg, size_t len,
                        unsigned char mac[SHA256_DIGEST_LENGTH])
{
    unsigned int out_len = 0;
    if (HMAC(EVP_sha256(), key->secret, (int)key->secret_len, (const unsigned char *)msg, len, mac,
             &out_len) == NULL ||
        out_len != SHA256_DIGEST_LENGTH) {
        return SLUICE_EINTERNAL;
    }
    return SLUICE_OK;
}

/* "ASIA" + 16 base32 characters of SHA-256(token). */
static void jobcred_access_key_id(const char *token, size_t len,
                                  char out[AWS_JOBCRED_ACCESS_KEY_LEN + 1])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, len, digest);
    memcpy(out, "ASIA", 4);
    /* 16 characters = 80 bits = the first 10 bytes */
    for (size_t i = 0; i < 16; i++) {
        size_t bit = i * 5;
        unsigned int v = ((unsigned int)digest[bit / 8] << 8) | digest[bit / 8 + 1];
        out[4 + i] = alphabet[(v >> (11 - bit % 8)) & 0x1f];
    }
    out[AWS_JOBCRED_ACCESS_KEY_LEN] = '\0';
}

static int jobcred_secret(const jobcred_key *key, const char *token, size_t len,
                          char out[AWS_JOBCRED_SECRET_LEN + 1])
{
    size_t salt_len = strlen(JOBCRED_SECRET_SALT);
    char msg[AWS_JOBCRED_TOKEN_MAX + 32];
    if (len > AWS_JOBCRED_TOKEN_MAX) {
        return SLUICE_ETOOBIG;
    }
    memcpy(msg, JOBCRED_SECRET_SALT, salt_len);
    memcpy(msg + salt_len, token, len);
    unsigned char mac[SHA256_DIGEST_LENGTH];
    int rc = jobcred_hmac(key, msg, salt_len + len, mac);
    if (rc == SLUICE_OK) {
        unsigned char b64[64];
        EVP_EncodeBlock(b64, mac, sizeof mac);
        memcpy(out, b64, AWS_JOBCRED_SECRET_LEN);
        out[AWS_JOBCRED_SECRET_LEN] = '\0';
        OPENSSL_cleanse(b64, sizeof b64);
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

/* ------------------------------------------------------------------ keys */

static bool jobcred_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > AWS_JOBCRED_KEY_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* Decodes a key secret: hex when it is all hex digits of even length, else base64. */
static long jobcred_decode_secret(const char *s, size_t n, unsigned char *out)
{
    bool hex = n % 2 == 0;
    for (size_t i = 0; i < n && hex; i++) {
        hex = sluice_hex_value(s[i]) >= 0;
    }
    if (hex) {
        if (n / 2 > AWS_JOBCRED_SECRET_MAX) {
            return -1;
        }
        for (size_t i = 0; i < n / 2; i++) {
            out[i] =
                (unsigned char)(sluice_hex_value(s[2 * i]) << 4 | sluice_hex_value(s[2 * i + 1]));
        }
        return (long)(n / 2);
    }
    return jobcred_b64_decode(s, n, out, AWS_JOBCRED_SECRET_MAX);
}

static bool jobcred_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int aws_jobcred_keys_parse(aws_jobcred_keys **out, const char *text, char *err, size_t errlen)
{
    *out = NULL;
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no key text");
    }
    aws_jobcred_keys *keys = calloc(1, sizeof *keys);
    if (keys == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int rc = SLUICE_OK;
    size_t line_no = 0;
    const char *p = text;
    while (*p != '\0' && rc == SLUICE_OK) {
        line_no++;
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        const char *next = nl != NULL ? nl + 1 : p + n;
        while (n > 0 && jobcred_blank(*p)) {
            p++;
            n--;
        }
        while (n > 0 && jobcred_blank(p[n - 1])) {
            n--;
        }
        if (n == 0 || p[0] == '#') {
            p = next;
            continue;
        }
        if (n > JOBCRED_LINE_MAX) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "key file line %zu is too long",
                                  line_no);
            break;
        }
        size_t id_len = 0;
        while (id_len < n && !jobcred_blank(p[id_len])) {
            id_len++;
        }
        const char *secret = p + id_len;
        size_t secret_len = n - id_len;
        while (secret_len > 0 && jobcred_blank(*secret)) {
            secret++;
            secret_len--;
        }
        if (!jobcred_id_ok(p, id_len) || secret_len == 0) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "key file line %zu: expected '<key id> <secret>' with a key id "
                                  "of 1..%d [A-Za-z0-9_-]",
                                  line_no, AWS_JOBCRED_KEY_ID_MAX);
            break;
        }
        if (keys->count == AWS_JOBCRED_KEYS_MAX) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "key file: more than %d keys",
                                  AWS_JOBCRED_KEYS_MAX);
            break;
        }
        jobcred_key *k = &keys->keys[keys->count];
        memcpy(k->id, p, id_len);
        k->id[id_len] = '\0';
        for (size_t i = 0; i < keys->count; i++) {
            if (strcmp(keys->keys[i].id, k->id) == 0) {
                rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                      "key file line %zu: duplicate key id '%s'", line_no, k->id);
            }
        }
        long got = rc == SLUICE_OK ? jobcred_decode_secret(secret, secret_len, k->secret) : -1;
        if (rc == SLUICE_OK && got < AWS_JOBCRED_SECRET_MIN) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "key file line %zu: the secret of key '%s' is not %d..%d bytes "
                                  "of hex or base64",
                                  line_no, k->id, AWS_JOBCRED_SECRET_MIN, AWS_JOBCRED_SECRET_MAX);
        }
        if (rc == SLUICE_OK) {
            k->secret_len = (size_t)got;
            keys->count++;
        }
        p = next;
    }
    if (rc == SLUICE_OK && keys->count == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "key file holds no key");
    }
    if (rc != SLUICE_OK) {
        aws_jobcred_keys_free(keys);
        return rc;
    }
    *out = keys;
    return SLUICE_OK;
}

aws_jobcred_keys *aws_jobcred_keys_load(const char *path, char *err, size_t errlen)
{
    if (path != NULL && sluice_fs_check_private(path, err, errlen) != SLUICE_OK) {
        return NULL;
    }
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        sluice_error_set(err, errlen, SLUICE_EIO, "cannot open job credential key file %s",
                         path != NULL ? path : "(null)");
        return NULL;
    }
    char *text = malloc(JOBCRED_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    size_t n = fread(text, 1, JOBCRED_FILE_MAX + 1, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    aws_jobcred_keys *keys = NULL;
    if (failed) {
        sluice_error_set(err, errlen, SLUICE_EIO, "cannot read %s", path);
    } else if (n > JOBCRED_FILE_MAX) {
        sluice_error_set(err, errlen, SLUICE_ETOOBIG, "%s is larger than %d bytes", path,
                         JOBCRED_FILE_MAX);
    } else {
        text[n] = '\0';
        if (strlen(text) != n) {
            sluice_error_set(err, errlen, SLUICE_EPARSE, "%s holds a NUL byte", path);
        } else {
            aws_jobcred_keys_parse(&keys, text, err, errlen);
        }
    }
    OPENSSL_cleanse(text, JOBCRED_FILE_MAX + 1);
    free(text);
    return keys;
}

void aws_jobcred_keys_free(aws_jobcred_keys *keys)
{
    if (keys != NULL) {
        OPENSSL_cleanse(keys, sizeof *keys);
        free(keys);
    }
}

const char *aws_jobcred_keys_signing_id(const aws_jobcred_keys *keys)
{
    return keys != NULL && keys->count > 0 ? keys->keys[0].id : "";
}

/* ------------------------------------------------------------------ mint */

static bool jobcred_text_ok(const char *s, bool need_slash)
{
    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    const char *slash = strchr(s, '/');
    return !need_slash || (slash != NULL && slash != s && slash[1] != '\0');
}

static json_t *jobcred_list(const char items[][AWS_JOBCRED_OBJECT_MAX], size_t count)
{
    json_t *list = json_array();
    for (size_t i = 0; i < count && list != NULL; i++) {
        if (json_array_append_new(list, json_string(items[i])) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

void aws_jobcred_clear(aws_jobcred *cred)
{
    if (cred == NULL) {
        return;
    }
    if (cred->session_token != NULL) {
        OPENSSL_cleanse(cred->session_token, strlen(cred->session_token));
        free(cred->session_token);
    }
    OPENSSL_cleanse(cred, sizeof *cred);
    cred->session_token = NULL;
}

int aws_jobcred_mint(const aws_jobcred_keys *keys, const aws_jobcred_scope *scope, aws_jobcred *out,
                     char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (keys == NULL || keys->count == 0 || scope == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no signing key or scope");
    }
    if (!jobcred_text_ok(scope->job_id, false) ||
        (scope->pipeline[0] != '\0' && !jobcred_text_ok(scope->pipeline, false)) ||
        (scope->execution_id[0] != '\0' && !jobcred_text_ok(scope->execution_id, false)) ||
        scope->read_count > AWS_JOBCRED_OBJECTS_MAX ||
        scope->write_count > AWS_JOBCRED_OBJECTS_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "malformed job id, pipeline, execution or counts");
    }
    for (size_t i = 0; i < scope->read_count + scope->write_count; i++) {
        const char *o =
            i < scope->read_count ? scope->read[i] : scope->write[i - scope->read_count];
        if (!jobcred_text_ok(o, true)) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "object %zu is not 'bucket/key'",
                                    i);
        }
    }
    json_t *payload = json_object();
    json_t *r = jobcred_list(scope->read, scope->read_count);
    json_t *w = jobcred_list(scope->write, scope->write_count);
    if (payload == NULL || r == NULL || w == NULL ||
        json_object_set_new(payload, "job", json_string(scope->job_id)) != 0 ||
        json_object_set_new(payload, "pipeline", json_string(scope->pipeline)) != 0 ||
        (scope->execution_id[0] != '\0' &&
         json_object_set_new(payload, "e", json_string(scope->execution_id)) != 0) ||
        json_object_set_new(payload, "exp", json_integer(scope->expires_s)) != 0 ||
        json_object_set_new(payload, "r", r) != 0 || json_object_set_new(payload, "w", w) != 0) {
        json_decref(payload);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    char *text = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(payload);
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    const jobcred_key *key = &keys->keys[0];
    size_t text_len = strlen(text);
    size_t prefix_len = strlen(AWS_JOBCRED_PREFIX) + strlen(key->id) + 1;
    /* prefix + payload + '.' + 43 signature characters */
    if (prefix_len + (text_len + 2) / 3 * 4 + 1 + 43 > AWS_JOBCRED_TOKEN_MAX) {
        free(text);
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the job's scope does not fit a %d-byte token",
                                AWS_JOBCRED_TOKEN_MAX);
    }
    char *token = malloc(AWS_JOBCRED_TOKEN_MAX + 64);
    if (token == NULL) {
        free(text);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    int n = snprintf(token, AWS_JOBCRED_TOKEN_MAX, "%s%s.", AWS_JOBCRED_PREFIX, key->id);
    size_t len = (size_t)n;
    len += jobcred_b64url((const unsigned char *)text, text_len, token + len);
    free(text);
    unsigned char mac[SHA256_DIGEST_LENGTH];
    int rc = jobcred_hmac(key, token, len, mac);
    if (rc == SLUICE_OK) {
        token[len++] = '.';
        len += jobcred_b64url(mac, sizeof mac, token + len);
        rc = jobcred_secret(key, token, len, out->secret_access_key);
    }
    if (rc != SLUICE_OK) {
        free(token);
        aws_jobcred_clear(out);
        return sluice_error_set(err, errlen, rc, "cannot sign the job token");
    }
    jobcred_access_key_id(token, len, out->access_key_id);
    out->session_token = token;
    return SLUICE_OK;
}

/* ---------------------------------------------------------------- verify */

static int jobcred_deny(char s3_code[64], const char *code, char *err, size_t errlen,
                        const char *msg)
{
    if (s3_code != NULL) {
        snprintf(s3_code, 64, "%s", code);
    }
    return sluice_error_set(err, errlen, SLUICE_EDENIED, "%s", msg);
}

#define JOBCRED_MSG_INVALID "The provided token is malformed or otherwise invalid."

static int jobcred_fill_list(const json_t *list, char items[][AWS_JOBCRED_OBJECT_MAX],
                             size_t *count)
{
    *count = 0;
    if (!json_is_array(list) || json_array_size(list) > AWS_JOBCRED_OBJECTS_MAX) {
        return SLUICE_EPARSE;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *s = json_string_value(item);
        if (s == NULL || strlen(s) >= AWS_JOBCRED_OBJECT_MAX) {
            return SLUICE_EPARSE;
        }
        memcpy(items[i], s, strlen(s) + 1);
        (*count)++;
    }
    return SLUICE_OK;
}

static int jobcred_fill_scope(const char *text, size_t len, aws_jobcred_scope *scope)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = SLUICE_EPARSE;
    const char *job = json_string_value(json_object_get(doc, "job"));
    const char *pipeline = json_string_value(json_object_get(doc, "pipeline"));
    const json_t *exp = json_object_get(doc, "exp");
    /* "e" is optional: tokens without it name no execution */
    const json_t *e = json_object_get(doc, "e");
    const char *execution = e == NULL ? "" : json_string_value(e);
    if (job != NULL && pipeline != NULL && execution != NULL && json_is_integer(exp) &&
        strlen(job) > 0 && strlen(job) < sizeof scope->job_id &&
        strlen(pipeline) < sizeof scope->pipeline &&
        strlen(execution) < sizeof scope->execution_id) {
        memcpy(scope->job_id, job, strlen(job) + 1);
        memcpy(scope->pipeline, pipeline, strlen(pipeline) + 1);
        memcpy(scope->execution_id, execution, strlen(execution) + 1);
        scope->expires_s = (int64_t)json_integer_value(exp);
        rc = jobcred_fill_list(json_object_get(doc, "r"), scope->read, &scope->read_count);
        if (rc == SLUICE_OK) {
            rc = jobcred_fill_list(json_object_get(doc, "w"), scope->write, &scope->write_count);
        }
    }
    json_decref(doc);
    return rc;
}

int aws_jobcred_verify(const aws_jobcred_keys *keys, const char *access_key_id,
                       const char *session_token, int64_t now_ms, aws_jobcred_scope *scope,
                       char secret[AWS_JOBCRED_SECRET_LEN + 1], char s3_code[64], char *err,
                       size_t errlen)
{
    if (s3_code != NULL) {
        s3_code[0] = '\0';
    }
    secret[0] = '\0';
    memset(scope, 0, sizeof *scope);
    if (keys == NULL || session_token == NULL || access_key_id == NULL) {
        return jobcred_deny(s3_code, "InvalidToken", err, errlen, JOBCRED_MSG_INVALID);
    }
    size_t len = strnlen(session_token, AWS_JOBCRED_TOKEN_MAX + 1);
    size_t plen = strlen(AWS_JOBCRED_PREFIX);
    if (len > AWS_JOBCRED_TOKEN_MAX || len <= plen ||
        strncmp(session_token, AWS_JOBCRED_PREFIX, plen) != 0) {
        return jobcred_deny(s3_code, "InvalidToken", err, errlen, JOBCRED_MSG_INVALID);
    }
    const char *id = session_token + plen;
    const char *dot1 = memchr(id, '.', len - plen);
    const char *dot2 =
        dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - session_token)) : NULL;
    if (dot1 == NULL || dot2 == NULL ||
        memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - session_token)) != NULL) {
        return jobcred_deny(s3_code, "InvalidToken", err, errlen, JOBCRED_MSG_INVALID);
    }
    const jobcred_key *key = NULL;
    size_t id_len = (size_t)(dot1 - id);
    for (size_t i = 0; i < keys->count; i++) {
        if (strlen(keys->keys[i].id) == id_len && memcmp(keys->keys[i].id, id, id_len) == 0) {
            key = &keys->keys[i];
        }
    }
    unsigned char sent[SHA256_DIGEST_LENGTH + 8];
    unsigned char mac[SHA256_DIGEST_LENGTH];
    const char *sig = dot2 + 1;
    size_t sig_len = len - (size_t)(sig - session_token);
    if (key == NULL || sig_len != 43 ||
        jobcred_b64_decode(sig, sig_len, sent, sizeof sent) != SHA256_DIGEST_LENGTH ||
        jobcred_hmac(key, session_token, (size_t)(dot2 - session_token), mac) != SLUICE_OK ||
        CRYPTO_memcmp(mac, sent, sizeof mac) != 0) {
        return jobcred_deny(s3_code, "InvalidToken", err, errlen, JOBCRED_MSG_INVALID);
    }
    char expected_id[AWS_JOBCRED_ACCESS_KEY_LEN + 1];
    jobcred_access_key_id(session_token, len, expected_id);
    if (strlen(access_key_id) != AWS_JOBCRED_ACCESS_KEY_LEN ||
        CRYPTO_memcmp(expected_id, access_key_id, AWS_JOBCRED_ACCESS_KEY_LEN) != 0) {
        return jobcred_deny(s3_code, "InvalidAccessKeyId", err, errlen,
                            "The AWS Access Key Id you provided does not exist in our records.");
    }
    unsigned char *payload = malloc(AWS_JOBCRED_TOKEN_MAX);
    if (payload == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    long payload_len =
        jobcred_b64_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, AWS_JOBCRED_TOKEN_MAX);
    int rc = payload_len > 0 ? jobcred_fill_scope((const char *)payload, (size_t)payload_len, scope)
                             : SLUICE_EPARSE;
    free(payload);
    if (rc != SLUICE_OK) {
        memset(scope, 0, sizeof *scope);
        return jobcred_deny(s3_code, "InvalidToken", err, errlen, JOBCRED_MSG_INVALID);
    }
    if (now_ms / 1000 >= scope->expires_s) {
        return jobcred_deny(s3_code, "ExpiredToken", err, errlen,
                            "The provided token has expired.");
    }
    rc = jobcred_secret(key, session_token, len, secret);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "cannot derive the secret");
    }
    return SLUICE_OK;
}

bool aws_jobcred_allows(const aws_jobcred_scope *scope, aws_jobcred_access access,
                        const char *bucket, const char *key)
{
    if (scope == NULL || bucket == NULL || key == NULL || bucket[0] == '\0' || key[0] == '\0' ||
        strchr(bucket, '/') != NULL) {
        return false;
    }
    size_t blen = strlen(bucket);
    size_t klen = strlen(key);
    size_t count = access == AWS_JOBCRED_READ ? scope->read_count : scope->write_count;
    for (size_t i = 0; i < count && i < AWS_JOBCRED_OBJECTS_MAX; i++) {
        const char *o = access == AWS_JOBCRED_READ ? scope->read[i] : scope->write[i];
        if (strlen(o) == blen + 1 + klen && memcmp(o, bucket, blen) == 0 && o[blen] == '/' &&
            strcmp(o + blen + 1, key) == 0) {
            return true;
        }
    }
    return false;
}

bool aws_jobcred_is_token(const char *text)
{
    return text != NULL && strncmp(text, AWS_JOBCRED_PREFIX, strlen(AWS_JOBCRED_PREFIX)) == 0;
}
