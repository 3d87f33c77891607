/*
 * aws_chunked.c — aws-chunked decoding (see aws_chunked.h).
 *
 * A byte-at-a-time state machine for the framing (size lines, CRLFs,
 * trailer lines), with chunk data passed through in runs: each run goes to
 * the sink and into the chunk's running SHA-256, so memory stays constant
 * whatever the chunk size. Signatures are compared in constant time.
 */
#include "sluice/aws_chunked.h"

#include "sluice/error.h"
#include "sluice/hex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHUNKED_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CHUNKED_TRAILER_SIG  "x-amz-trailer-signature"

enum chunked_state {
    CHUNKED_SIZE_LINE, /* reading "<hex>[;chunk-signature=...]" */
    CHUNKED_DATA,      /* remaining bytes of a chunk */
    CHUNKED_DATA_CR,   /* the CRLF after a chunk's data */
    CHUNKED_DATA_LF,
    CHUNKED_TRAILER_LINE, /* after the zero chunk: trailer lines up to an empty one */
    CHUNKED_DONE,
};

typedef struct chunked_trailer {
    char name[AWS_CHUNKED_TRAILER_NAME + 1];
    char value[AWS_CHUNKED_TRAILER_VALUE + 1];
} chunked_trailer;

struct aws_chunked {
    bool signed_chunks;
    bool trailers_allowed;
    unsigned char key[AWS_SIGV4_KEY_LEN];
    char prev_sig[AWS_SIGV4_HEX_LEN + 1];
    char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1];
    char scope[AWS_S3AUTH_SCOPE_MAX];
    enum chunked_state state;
    char line[AWS_CHUNKED_LINE_MAX + 2];
    size_t line_len;
    uint64_t remaining;
    char chunk_sig[AWS_SIGV4_HEX_LEN + 1];
    EVP_MD_CTX *sha;
    uint64_t decoded;
    size_t trailer_count;
    chunked_trailer trailers[AWS_CHUNKED_TRAILERS_MAX];
    char trailer_sig[AWS_SIGV4_HEX_LEN + 1];
    bool finished;
    int error;
    char error_code[64];
    char error_text[256];
};

__attribute__((format(printf, 3, 4))) static int chunked_fail(aws_chunked *d, const char *code,
                                                              const char *fmt, ...)
{
    d->error = SLUICE_EPARSE;
    if (strcmp(code, "SignatureDoesNotMatch") == 0) {
        d->error = SLUICE_EDENIED;
    }
    snprintf(d->error_code, sizeof d->error_code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error_text, sizeof d->error_text, fmt, ap);
    va_end(ap);
    return d->error;
}

static int chunked_report(const aws_chunked *d, char s3_code[64], char *err, size_t errlen)
{
    if (s3_code != NULL) {
        snprintf(s3_code, 64, "%s", d->error_code);
    }
    return sluice_error_set(err, errlen, d->error, "%s", d->error_text);
}

aws_chunked *aws_chunked_new(const aws_s3auth_result *auth)
{
    if (auth == NULL || (auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED &&
                         auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER &&
                         auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER)) {
        return NULL;
    }
    aws_chunked *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return NULL;
    }
    d->sha = EVP_MD_CTX_new();
    if (d->sha == NULL) {
        free(d);
        return NULL;
    }
    d->signed_chunks = auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
    d->trailers_allowed = auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED;
    memcpy(d->key, auth->signing_key, sizeof d->key);
    memcpy(d->prev_sig, auth->seed_signature, sizeof d->prev_sig);
    memcpy(d->amz_date, auth->amz_date, sizeof d->amz_date);
    memcpy(d->scope, auth->scope, sizeof d->scope);
    d->state = CHUNKED_SIZE_LINE;
    return d;
}

void aws_chunked_free(aws_chunked *d)
{
    if (d != NULL) {
        EVP_MD_CTX_free(d->sha);
        OPENSSL_cleanse(d, sizeof *d);
        free(d);
    }
}

static bool chunked_is_hex64(const char *s, size_t n)
{
    if (n != AWS_SIGV4_HEX_LEN) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (sluice_hex_value(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F')) {
            return false;
        }
    }
    return true;
}

/* Signs "<algorithm>\n<date>\n<scope>\n<prev>\n<rest>" with the key into hex. */
static int chunked_sign(const aws_chunked *d, const char *algorithm, const char *rest,
                        char hex[AWS_SIGV4_HEX_LEN + 1])
{
    char to_sign[512];
    int n = snprintf(to_sign, sizeof to_sign, "%s\n%s\n%s\n%s\n%s", algorithm, d->amz_date,
                     d->scope, d->prev_sig, rest);
    if (n < 0 || (size_t)n >= sizeof to_sign) {
        return SLUICE_ETOOBIG;
    }
    return aws_sigv4_signature(d->key, to_sign, (size_t)n, hex);
}

/* Checks the current chunk's signature over the hashed data and advances the chain. */
static int chunked_check_chunk(aws_chunked *d)
{
    if (!d->signed_chunks) {
        return SLUICE_OK;
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    unsigned int digest_len = 0;
    if (EVP_DigestFinal_ex(d->sha, digest, &digest_len) != 1 || digest_len != sizeof digest) {
        return chunked_fail(d, "InternalError", "cannot hash a chunk");
    }
    char rest[2 * AWS_SIGV4_HEX_LEN + 2];
    static const char hexd[] = "0123456789abcdef";
    memcpy(rest, CHUNKED_EMPTY_SHA256 "\n", AWS_SIGV4_HEX_LEN + 1);
    for (size_t i = 0; i < sizeof digest; i++) {
        rest[AWS_SIGV4_HEX_LEN + 1 + 2 * i] = hexd[digest[i] >> 4];
        rest[AWS_SIGV4_HEX_LEN + 2 + 2 * i] = hexd[digest[i] & 0x0f];
    }
    rest[sizeof rest - 1] = '\0';
    char expected[AWS_SIGV4_HEX_LEN + 1];
    if (chunked_sign(d, "AWS4-HMAC-SHA256-PAYLOAD", rest, expected) != SLUICE_OK) {
        return chunked_fail(d, "InternalError", "cannot compute a chunk signature");
    }
    if (CRYPTO_memcmp(expected, d->chunk_sig, AWS_SIGV4_HEX_LEN) != 0) {
        return chunked_fail(d, "SignatureDoesNotMatch",
                            "The chunk signature we calculated does not match the signature you "
                            "provided (chunk ending at decoded byte %llu).",
                            (unsigned long long)d->decoded);
    }
    memcpy(d->prev_sig, expected, sizeof expected);
    return SLUICE_OK;
}

static int chunked_size_line(aws_chunked *d)
{
    const char *line = d->line;
    size_t n = d->line_len;
    size_t digits = 0;
    uint64_t size = 0;
    while (digits < n && sluice_hex_value(line[digits]) >= 0) {
        if (digits == 16) {
            return chunked_fail(d, "InvalidRequest", "chunk size has too many digits");
        }
        size = size * 16 + (uint64_t)sluice_hex_value(line[digits]);
        digits++;
    }
    if (digits == 0) {
        return chunked_fail(d, "InvalidRequest", "chunk size line does not start with hex digits");
    }
    if (size > AWS_CHUNKED_CHUNK_MAX) {
        return chunked_fail(d, "InvalidRequest", "chunk of %llu bytes exceeds the bound of %llu",
                            (unsigned long long)size, (unsigned long long)AWS_CHUNKED_CHUNK_MAX);
    }
    const char *ext = line + digits;
    size_t ext_len = n - digits;
    static const char tag[] = ";chunk-signature=";
    size_t tag_len = sizeof tag - 1;
    if (d->signed_chunks) {
        if (ext_len != tag_len + AWS_SIGV4_HEX_LEN || memcmp(ext, tag, tag_len) != 0 ||
            !chunked_is_hex64(ext + tag_len, AWS_SIGV4_HEX_LEN)) {
            return chunked_fail(d, "InvalidRequest",
                                "chunk size line without a valid ';chunk-signature=<64 hex>'");
        }
        memcpy(d->chunk_sig, ext + tag_len, AWS_SIGV4_HEX_LEN);
        d->chunk_sig[AWS_SIGV4_HEX_LEN] = '\0';
    } else if (ext_len > 0 && ext[0] != ';') {
        return chunked_fail(d, "InvalidRequest", "malformed chunk size line");
    }
    if (d->signed_chunks && EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL) != 1) {
        return chunked_fail(d, "InternalError", "cannot hash a chunk");
    }
    d->remaining = size;
    if (size > 0) {
        d->state = CHUNKED_DATA;
        return SLUICE_OK;
    }
    int rc = chunked_check_chunk(d);
    d->state = CHUNKED_TRAILER_LINE;
    return rc;
}

static int chunked_check_trailer_signature(aws_chunked *d)
{
    char
        text[AWS_CHUNKED_TRAILERS_MAX * (AWS_CHUNKED_TRAILER_NAME + AWS_CHUNKED_TRAILER_VALUE + 2)];
    size_t len = 0;
    for (size_t i = 0; i < d->trailer_count; i++) {
        int n = snprintf(text + len, sizeof text - len, "%s:%s\n", d->trailers[i].name,
                         d->trailers[i].value);
        len += (size_t)n;
    }
    char hash[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(text, len, hash);
    char expected[AWS_SIGV4_HEX_LEN + 1];
    if (chunked_sign(d, "AWS4-HMAC-SHA256-TRAILER", hash, expected) != SLUICE_OK) {
        return chunked_fail(d, "InternalError", "cannot compute the trailer signature");
    }
    if (d->trailer_sig[0] == '\0') {
        return chunked_fail(d, "SignatureDoesNotMatch",
                            "the trailer has no x-amz-trailer-signature");
    }
    if (CRYPTO_memcmp(expected, d->trailer_sig, AWS_SIGV4_HEX_LEN) != 0) {
        return chunked_fail(d, "SignatureDoesNotMatch",
                            "The trailer signature we calculated does not match the signature "
                            "you provided.");
    }
    return SLUICE_OK;
}

static int chunked_trailer_line(aws_chunked *d)
{
    if (d->line_len == 0) {
        d->state = CHUNKED_DONE;
        if (d->signed_chunks && d->trailers_allowed) {
            return chunked_check_trailer_signature(d);
        }
        return SLUICE_OK;
    }
    if (!d->trailers_allowed) {
        return chunked_fail(d, "InvalidRequest",
                            "a trailer was sent, but x-amz-content-sha256 declares none");
    }
    const char *colon = memchr(d->line, ':', d->line_len);
    if (colon == NULL || colon == d->line) {
        return chunked_fail(d, "InvalidRequest", "malformed trailer line");
    }
    size_t name_len = (size_t)(colon - d->line);
    const char *value = colon + 1;
    size_t value_len = d->line_len - name_len - 1;
    while (value_len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        value_len--;
    }
    while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t')) {
        value_len--;
    }
    if (name_len > AWS_CHUNKED_TRAILER_NAME || value_len > AWS_CHUNKED_TRAILER_VALUE) {
        return chunked_fail(d, "InvalidRequest", "trailer name or value too long");
    }
    char name[AWS_CHUNKED_TRAILER_NAME + 1];
    for (size_t i = 0; i < name_len; i++) {
        char c = d->line[i];
        if (c <= ' ' || c == 0x7f) {
            return chunked_fail(d, "InvalidRequest", "malformed trailer name");
        }
        name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    name[name_len] = '\0';
    if (strcmp(name, CHUNKED_TRAILER_SIG) == 0) {
        if (!d->signed_chunks || d->trailer_sig[0] != '\0' || !chunked_is_hex64(value, value_len)) {
            return chunked_fail(d, "InvalidRequest", "unexpected or malformed %s",
                                CHUNKED_TRAILER_SIG);
        }
        memcpy(d->trailer_sig, value, AWS_SIGV4_HEX_LEN);
        d->trailer_sig[AWS_SIGV4_HEX_LEN] = '\0';
        return SLUICE_OK;
    }
    if (d->trailer_sig[0] != '\0') {
        return chunked_fail(d, "InvalidRequest", "a trailer after %s", CHUNKED_TRAILER_SIG);
    }
    if (d->trailer_count == AWS_CHUNKED_TRAILERS_MAX) {
        return chunked_fail(d, "InvalidRequest", "more than %d trailers", AWS_CHUNKED_TRAILERS_MAX);
    }
    chunked_trailer *t = &d->trailers[d->trailer_count++];
    memcpy(t->name, name, name_len + 1);
    memcpy(t->value, value, value_len);
    t->value[value_len] = '\0';
    return SLUICE_OK;
}

/* One framing byte of a line-reading state. */
static int chunked_line_byte(aws_chunked *d, char c)
{
    if (c == '\n') {
        if (d->line_len == 0 || d->line[d->line_len - 1] != '\r') {
            return chunked_fail(d, "InvalidRequest", "a line not ended by CRLF");
        }
        d->line_len--;
        d->line[d->line_len] = '\0';
        int rc = d->state == CHUNKED_SIZE_LINE ? chunked_size_line(d) : chunked_trailer_line(d);
        d->line_len = 0;
        return rc;
    }
    if (c == '\0' || d->line_len > AWS_CHUNKED_LINE_MAX) {
        return chunked_fail(d, "InvalidRequest", "%s",
                            c == '\0' ? "a NUL byte in a chunk line"
                                      : "a chunk line longer than the bound");
    }
    d->line[d->line_len++] = c;
    return SLUICE_OK;
}

int aws_chunked_feed(aws_chunked *d, const void *data, size_t len, aws_chunked_sink_fn sink,
                     void *ctx, char s3_code[64], char *err, size_t errlen)
{
    if (d == NULL || (data == NULL && len > 0)) {
        if (s3_code != NULL) {
            snprintf(s3_code, 64, "InternalError");
        }
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "bad arguments");
    }
    if (d->error != 0) {
        return chunked_report(d, s3_code, err, errlen);
    }
    const char *p = data;
    const char *end = p + len;
    while (p < end && d->error == 0) {
        switch (d->state) {
        case CHUNKED_SIZE_LINE:
        case CHUNKED_TRAILER_LINE:
            chunked_line_byte(d, *p++);
            break;
        case CHUNKED_DATA: {
            size_t n = (size_t)(end - p);
            if ((uint64_t)n > d->remaining) {
                n = (size_t)d->remaining;
            }
            if (d->signed_chunks) {
                EVP_DigestUpdate(d->sha, p, n);
            }
            if (sink != NULL) {
                int rc = sink(p, n, ctx);
                if (rc != 0) {
                    chunked_fail(d, "InternalError", "the sink refused decoded bytes");
                    d->error = rc;
                    break;
                }
            }
            d->decoded += n;
            d->remaining -= n;
            p += n;
            if (d->remaining == 0) {
                d->state = CHUNKED_DATA_CR;
            }
            break;
        }
        case CHUNKED_DATA_CR:
            if (*p++ != '\r') {
                chunked_fail(d, "InvalidRequest", "chunk data not followed by CRLF");
            }
            d->state = CHUNKED_DATA_LF;
            break;
        case CHUNKED_DATA_LF:
            if (*p++ != '\n') {
                chunked_fail(d, "InvalidRequest", "chunk data not followed by CRLF");
                break;
            }
            if (chunked_check_chunk(d) == SLUICE_OK) {
                d->state = CHUNKED_SIZE_LINE;
            }
            break;
        case CHUNKED_DONE:
            chunked_fail(d, "InvalidRequest", "data after the final chunk");
            break;
        }
    }
    if (d->error != 0) {
        return chunked_report(d, s3_code, err, errlen);
    }
    return SLUICE_OK;
}

int aws_chunked_finish(aws_chunked *d, char s3_code[64], char *err, size_t errlen)
{
    if (d == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "bad arguments");
    }
    if (d->error != 0) {
        return chunked_report(d, s3_code, err, errlen);
    }
    /* The signed form without trailers may end right after the zero chunk's line. */
    if (d->state == CHUNKED_TRAILER_LINE && !d->trailers_allowed && d->line_len == 0) {
        d->state = CHUNKED_DONE;
    }
    if (d->state != CHUNKED_DONE) {
        chunked_fail(d, "IncompleteBody",
                     "The request body terminated unexpectedly (before the final chunk and its "
                     "trailers).");
        return chunked_report(d, s3_code, err, errlen);
    }
    d->finished = true;
    return SLUICE_OK;
}

const char *aws_chunked_trailer(const aws_chunked *d, const char *name)
{
    if (d == NULL || !d->finished || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < d->trailer_count; i++) {
        if (strcasecmp(d->trailers[i].name, name) == 0) {
            return d->trailers[i].value;
        }
    }
    return NULL;
}

size_t aws_chunked_trailer_count(const aws_chunked *d)
{
    return d != NULL && d->finished ? d->trailer_count : 0;
}

const char *aws_chunked_trailer_name(const aws_chunked *d, size_t i)
{
    return d != NULL && d->finished && i < d->trailer_count ? d->trailers[i].name : NULL;
}

uint64_t aws_chunked_decoded_bytes(const aws_chunked *d)
{
    return d != NULL ? d->decoded : 0;
}
