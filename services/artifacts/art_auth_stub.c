/*
 * art_auth_stub.c — STUB of aws_s3auth_verify, the aws_chunked_* decoder and
 * aws_jobcred_allows (ARTIFACTS-AUTH's contract), standing in until libs/aws
 * carries the real modules; the whole file and stub/ go at merge time.
 *
 * aws_s3auth_verify checks header SigV4 for real (AWS4-HMAC-SHA256, service
 * "s3", the long-lived keys of creds) with aws_sigv4's canonical pieces and the
 * raw (already percent-encoded) path as S3 signs it; the payload kinds are
 * recognised from x-amz-content-sha256. It refuses presigned URLs and knows no
 * job credentials. The chunked decoder unframes aws-chunked bodies and reads
 * trailers but checks no chunk signature. Pure; thread-safe.
 */
#include "sluice/aws_chunked.h"
#include "sluice/aws_jobcred.h"
#include "sluice/aws_s3auth.h"

#include "sluice/error.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STUB_CANONICAL_MAX (64 * 1024)
#define STUB_LINE_MAX      4096
#define STUB_TRAILERS_MAX  8

static int stub_deny(char s3_code[64], const char *code, char *err, size_t errlen, int rc,
                     const char *message)
{
    snprintf(s3_code, 64, "%s", code);
    return sluice_error_set(err, errlen, rc, "%s", message);
}

static const char *stub_header(const aws_s3auth_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

static bool stub_is_hex64(const char *text)
{
    if (strlen(text) != AWS_SIGV4_HEX_LEN) {
        return false;
    }
    for (size_t i = 0; i < AWS_SIGV4_HEX_LEN; i++) {
        if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}

int aws_s3auth_verify(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                      const aws_s3auth_request *req, aws_s3auth_result *out, char s3_code[64],
                      char *err, size_t errlen)
{
    (void)jobkeys;
    memset(out, 0, sizeof *out);
    s3_code[0] = '\0';
    for (size_t i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].name, "X-Amz-Signature") == 0) {
            return stub_deny(s3_code, "AccessDenied", err, errlen, SLUICE_EDENIED,
                             "presigned URLs are not accepted");
        }
    }
    const char *authorization = stub_header(req, "Authorization");
    if (authorization == NULL) {
        return stub_deny(s3_code, "AccessDenied", err, errlen, SLUICE_EDENIED, "Access Denied");
    }
    aws_sigv4_authorization auth;
    char detail[256];
    if (aws_sigv4_parse_authorization(authorization, &auth, detail, sizeof detail) != SLUICE_OK ||
        auth.signature_too_long) {
        return stub_deny(s3_code, "AuthorizationHeaderMalformed", err, errlen, SLUICE_EPARSE,
                         "The authorization header is malformed");
    }
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", auth.access_key_id);
    const char *amz_date = stub_header(req, "x-amz-date");
    int64_t signed_ms = 0;
    if (amz_date == NULL || aws_sigv4_parse_amz_date(amz_date, &signed_ms) != SLUICE_OK ||
        strncmp(amz_date, auth.date, 8) != 0) {
        return stub_deny(s3_code, "AccessDenied", err, errlen, SLUICE_EDENIED,
                         "AWS authentication requires a valid Date or x-amz-date header");
    }
    int64_t skew = signed_ms - req->now_ms;
    int64_t max_skew = req->max_skew_ms > 0 ? req->max_skew_ms : AWS_SIGV4_MAX_SKEW_MS;
    if (skew > max_skew || -skew > max_skew) {
        return stub_deny(s3_code, "RequestTimeTooSkewed", err, errlen, SLUICE_EDENIED,
                         "The difference between the request time and the current time is too "
                         "large.");
    }
    if (strcmp(auth.service, "s3") != 0 || strcmp(auth.terminator, AWS_SIGV4_TERMINATOR) != 0) {
        return stub_deny(s3_code, "AuthorizationHeaderMalformed", err, errlen, SLUICE_EPARSE,
                         "The authorization header's credential scope is not for s3");
    }
    const aws_credential *cred = aws_credentials_find(creds, auth.access_key_id);
    if (cred == NULL) {
        return stub_deny(s3_code, "InvalidAccessKeyId", err, errlen, SLUICE_EDENIED,
                         "The AWS Access Key Id you provided does not exist in our records.");
    }
    const char *content = stub_header(req, "x-amz-content-sha256");
    if (content == NULL) {
        return stub_deny(s3_code, "InvalidRequest", err, errlen, SLUICE_EINVAL,
                         "Missing required header for this request: x-amz-content-sha256");
    }
    if (strcmp(content, "UNSIGNED-PAYLOAD") == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_UNSIGNED;
    } else if (strcmp(content, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED;
    } else if (strcmp(content, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER;
    } else if (strcmp(content, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
    } else if (stub_is_hex64(content)) {
        out->payload = AWS_S3AUTH_PAYLOAD_SIGNED;
        for (size_t i = 0; i < AWS_SIGV4_HEX_LEN; i++) {
            out->payload_sha256[i] = (char)tolower((unsigned char)content[i]);
        }
    } else {
        return stub_deny(s3_code, "InvalidArgument", err, errlen, SLUICE_EINVAL,
                         "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                         "STREAMING-*-PAYLOAD(-TRAILER) or a SHA-256 hex digest");
    }

    sluice_buf canonical;
    sluice_buf to_sign;
    sluice_buf_init(&canonical, STUB_CANONICAL_MAX);
    sluice_buf_init(&to_sign, STUB_CANONICAL_MAX);
    int rc = sluice_buf_appendf(&canonical, "%s\n%s\n", req->method, req->raw_path);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_canonical_query(req->query, req->query_count, &canonical);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&canonical, "\n", 1);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_canonical_headers(req->headers, req->header_count, auth.signed_headers,
                                         &canonical, detail, sizeof detail);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_appendf(&canonical, "\n%s\n%s", auth.signed_headers, content);
    }
    snprintf(out->scope, sizeof out->scope, "%s/%s/%s/%s", auth.date, auth.region, auth.service,
             auth.terminator);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_string_to_sign(amz_date, out->scope, sluice_buf_cstr(&canonical),
                                      canonical.len, &to_sign);
    }
    char expected[AWS_SIGV4_HEX_LEN + 1] = "";
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signing_key(cred->secret_access_key, auth.date, auth.region, auth.service,
                                   out->signing_key);
    }
    if (rc == SLUICE_OK) {
        rc =
            aws_sigv4_signature(out->signing_key, sluice_buf_cstr(&to_sign), to_sign.len, expected);
    }
    sluice_buf_free(&canonical);
    sluice_buf_free(&to_sign);
    if (rc != SLUICE_OK) {
        return stub_deny(s3_code, "SignatureDoesNotMatch", err, errlen, SLUICE_EDENIED,
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your key and signing method.");
    }
    if (CRYPTO_memcmp(expected, auth.signature, AWS_SIGV4_HEX_LEN) != 0 ||
        strlen(auth.signature) != AWS_SIGV4_HEX_LEN) {
        return stub_deny(s3_code, "SignatureDoesNotMatch", err, errlen, SLUICE_EDENIED,
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your key and signing method.");
    }
    memcpy(out->seed_signature, expected, sizeof out->seed_signature);
    snprintf(out->amz_date, sizeof out->amz_date, "%s", amz_date);
    snprintf(out->identity, sizeof out->identity, "%s", cred->identity);
    snprintf(out->role, sizeof out->role, "%s", cred->role);
    return SLUICE_OK;
}

/* ------------------------------------------------------------ aws-chunked */

typedef enum { CHUNK_HEADER, CHUNK_DATA, CHUNK_DATA_CRLF, CHUNK_TRAILER, CHUNK_DONE } chunk_phase;

struct aws_chunked {
    chunk_phase phase;
    char line[STUB_LINE_MAX + 1];
    size_t line_len;
    uint64_t remaining; /* bytes of the current chunk still to come */
    uint64_t decoded;
    size_t trailer_count;
    char trailer_name[STUB_TRAILERS_MAX][64];
    char trailer_value[STUB_TRAILERS_MAX][256];
};

aws_chunked *aws_chunked_new(const aws_s3auth_result *auth)
{
    (void)auth;
    return calloc(1, sizeof(aws_chunked));
}

void aws_chunked_free(aws_chunked *d)
{
    free(d);
}

uint64_t aws_chunked_decoded_bytes(const aws_chunked *d)
{
    return d->decoded;
}

const char *aws_chunked_trailer(const aws_chunked *d, const char *name)
{
    for (size_t i = 0; i < d->trailer_count; i++) {
        if (strcasecmp(d->trailer_name[i], name) == 0) {
            return d->trailer_value[i];
        }
    }
    return NULL;
}

/* A complete line (without CRLF) in the header or trailer phase. */
static int chunk_line(aws_chunked *d, char s3_code[64], char *err, size_t errlen)
{
    char *line = d->line;
    if (d->phase == CHUNK_HEADER) {
        char *end = NULL;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || (*end != '\0' && *end != ';') || size > (1ULL << 40)) {
            return stub_deny(s3_code, "IncompleteBody", err, errlen, SLUICE_EPARSE,
                             "malformed aws-chunked chunk header");
        }
        d->remaining = size;
        d->phase = size == 0 ? CHUNK_TRAILER : CHUNK_DATA;
        return SLUICE_OK;
    }
    if (line[0] == '\0') { /* the blank line after the trailers */
        d->phase = CHUNK_DONE;
        return SLUICE_OK;
    }
    char *colon = strchr(line, ':');
    if (colon == NULL || d->trailer_count >= STUB_TRAILERS_MAX) {
        return stub_deny(s3_code, "InvalidRequest", err, errlen, SLUICE_EPARSE,
                         "malformed aws-chunked trailer");
    }
    *colon = '\0';
    const char *value = colon + 1;
    while (*value == ' ') {
        value++;
    }
    snprintf(d->trailer_name[d->trailer_count], 64, "%s", line);
    snprintf(d->trailer_value[d->trailer_count], 256, "%s", value);
    d->trailer_count++;
    return SLUICE_OK;
}

int aws_chunked_feed(aws_chunked *d, const void *data, size_t len, aws_chunked_sink_fn sink,
                     void *ctx, char s3_code[64], char *err, size_t errlen)
{
    const char *p = data;
    while (len > 0) {
        if (d->phase == CHUNK_DATA) {
            size_t n = d->remaining < len ? (size_t)d->remaining : len;
            int rc = sink(p, n, ctx);
            if (rc != SLUICE_OK) {
                return stub_deny(s3_code, "InternalError", err, errlen, rc, "cannot store data");
            }
            d->decoded += n;
            d->remaining -= n;
            p += n;
            len -= n;
            if (d->remaining == 0) {
                d->phase = CHUNK_DATA_CRLF;
                d->line_len = 0;
            }
            continue;
        }
        if (d->phase == CHUNK_DONE) {
            return stub_deny(s3_code, "InvalidRequest", err, errlen, SLUICE_EPARSE,
                             "bytes after the end of the aws-chunked body");
        }
        char c = *p++;
        len--;
        if (c == '\r') {
            continue;
        }
        if (c != '\n') {
            if (d->phase == CHUNK_DATA_CRLF || d->line_len >= STUB_LINE_MAX) {
                return stub_deny(s3_code, "IncompleteBody", err, errlen, SLUICE_EPARSE,
                                 "malformed aws-chunked framing");
            }
            d->line[d->line_len++] = c;
            continue;
        }
        if (d->phase == CHUNK_DATA_CRLF) {
            d->phase = CHUNK_HEADER;
            continue;
        }
        d->line[d->line_len] = '\0';
        d->line_len = 0;
        int rc = chunk_line(d, s3_code, err, errlen);
        if (rc != SLUICE_OK) {
            return rc;
        }
    }
    return SLUICE_OK;
}

int aws_chunked_finish(aws_chunked *d, char s3_code[64], char *err, size_t errlen)
{
    if (d->phase != CHUNK_DONE && !(d->phase == CHUNK_TRAILER && d->line_len == 0)) {
        return stub_deny(s3_code, "IncompleteBody", err, errlen, SLUICE_EPARSE,
                         "the aws-chunked body ended before its final chunk");
    }
    return SLUICE_OK;
}

/* ------------------------------------------------------------ job scope */

bool aws_jobcred_allows(const aws_jobcred_scope *scope, aws_jobcred_access access,
                        const char *bucket, const char *key)
{
    size_t count = access == AWS_JOBCRED_READ ? scope->read_count : scope->write_count;
    for (size_t i = 0; i < count && i < AWS_JOBCRED_OBJECTS_MAX; i++) {
        const char *entry = access == AWS_JOBCRED_READ ? scope->read[i] : scope->write[i];
        size_t blen = strlen(bucket);
        if (strncmp(entry, bucket, blen) == 0 && entry[blen] == '/' &&
            strcmp(entry + blen + 1, key) == 0) {
            return true;
        }
    }
    return false;
}
