/*
 * aws_sigv4.c — Signature Version 4 verification and signing (see aws_sigv4.h).
 *
 * Follows the SigV4 specification and, where the specification leaves room,
 * what botocore's SigV4Auth (botocore/auth.py) sends: header values trimmed
 * with runs of blanks collapsed, repeated headers joined with ',', the query
 * sorted by encoded name then value, the path normalised before it is
 * double-encoded. The error types and messages are those AWS endpoints send
 * for the same faults. Uses OpenSSL's one-shot SHA256/HMAC and CRYPTO_memcmp
 * (constant time) for the signature and session token comparisons; the
 * signing key is wiped from the stack after use.
 */
#include "sluice/aws_sigv4.h"

#include "sluice/error.h"
#include "sluice/hex.h"
#include "sluice/time.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIGV4_CANONICAL_MAX    (256 * 1024) /* bound on a canonical request */
#define SIGV4_SIGN_HEADERS_MAX 32           /* headers aws_sigv4_sign accepts */
#define SIGV4_HEADER_NAME_MAX  128

#define SIGV4_MSG_MISMATCH                                                                         \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
#define SIGV4_MSG_BAD_TOKEN "The security token included in the request is invalid."

enum {
    SIGV4_MISSING_CREDENTIAL = 1,
    SIGV4_MISSING_SIGNATURE = 2,
    SIGV4_MISSING_SIGNED_HEADERS = 4,
};

static const char sigv4_hex_digits[] = "0123456789abcdef";

static void sigv4_hex(const unsigned char *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = sigv4_hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = sigv4_hex_digits[bytes[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

void aws_sigv4_sha256_hex(const void *data, size_t len, char hex[AWS_SIGV4_HEX_LEN + 1])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(len > 0 ? data : (const void *)"", len, digest);
    sigv4_hex(digest, sizeof digest, hex);
}

static int sigv4_hmac(const unsigned char *key, size_t key_len, const char *msg, size_t msg_len,
                      unsigned char out[AWS_SIGV4_KEY_LEN])
{
    unsigned int out_len = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &out_len) ==
            NULL ||
        out_len != AWS_SIGV4_KEY_LEN) {
        return SLUICE_EINTERNAL;
    }
    return SLUICE_OK;
}

int aws_sigv4_signing_key(const char *secret, const char *date, const char *region,
                          const char *service, unsigned char key[AWS_SIGV4_KEY_LEN])
{
    char seed[AWS_SECRET_KEY_MAX + 5];
    size_t secret_len = strlen(secret);
    if (secret_len > AWS_SECRET_KEY_MAX) {
        return SLUICE_EINVAL;
    }
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, secret, secret_len);
    unsigned char k_date[AWS_SIGV4_KEY_LEN];
    unsigned char k_region[AWS_SIGV4_KEY_LEN];
    unsigned char k_service[AWS_SIGV4_KEY_LEN];
    int rc = sigv4_hmac((const unsigned char *)seed, secret_len + 4, date, strlen(date), k_date);
    if (rc == SLUICE_OK) {
        rc = sigv4_hmac(k_date, sizeof k_date, region, strlen(region), k_region);
    }
    if (rc == SLUICE_OK) {
        rc = sigv4_hmac(k_region, sizeof k_region, service, strlen(service), k_service);
    }
    if (rc == SLUICE_OK) {
        rc = sigv4_hmac(k_service, sizeof k_service, AWS_SIGV4_TERMINATOR,
                        strlen(AWS_SIGV4_TERMINATOR), key);
    }
    OPENSSL_cleanse(seed, sizeof seed);
    OPENSSL_cleanse(k_date, sizeof k_date);
    OPENSSL_cleanse(k_region, sizeof k_region);
    OPENSSL_cleanse(k_service, sizeof k_service);
    return rc;
}

int aws_sigv4_signature(const unsigned char key[AWS_SIGV4_KEY_LEN], const char *string_to_sign,
                        size_t len, char hex[AWS_SIGV4_HEX_LEN + 1])
{
    unsigned char mac[AWS_SIGV4_KEY_LEN];
    int rc = sigv4_hmac(key, AWS_SIGV4_KEY_LEN, string_to_sign, len, mac);
    if (rc == SLUICE_OK) {
        sigv4_hex(mac, sizeof mac, hex);
    } else {
        hex[0] = '\0';
    }
    return rc;
}

/* ------------------------------------------------------------------- dates */

static bool sigv4_all_digits(const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    return true;
}

int aws_sigv4_parse_amz_date(const char *text, int64_t *ms)
{
    if (text == NULL || strlen(text) != AWS_SIGV4_AMZ_DATE_LEN || text[8] != 'T' ||
        text[15] != 'Z' || !sigv4_all_digits(text, 8) || !sigv4_all_digits(text + 9, 6)) {
        return SLUICE_EPARSE;
    }
    char rfc3339[21];
    snprintf(rfc3339, sizeof rfc3339, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", text, text + 4, text + 6,
             text + 9, text + 11, text + 13);
    return sluice_time_parse_rfc3339(rfc3339, ms);
}

int aws_sigv4_format_amz_date(int64_t ms, char out[AWS_SIGV4_AMZ_DATE_LEN + 1])
{
    char rfc3339[32];
    out[0] = '\0';
    int rc = sluice_time_format_rfc3339(ms, rfc3339, sizeof rfc3339);
    if (rc != SLUICE_OK) {
        return rc;
    }
    /* "YYYY-MM-DDThh:mm:ssZ" -> "YYYYMMDDThhmmssZ" */
    size_t n = 0;
    for (const char *p = rfc3339; *p != '\0' && n < AWS_SIGV4_AMZ_DATE_LEN; p++) {
        if (*p != '-' && *p != ':') {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return SLUICE_OK;
}

/* --------------------------------------------------------------- canonical */

static bool sigv4_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int aws_sigv4_uri_encode(const char *text, size_t len, int keep_slash, sluice_buf *out)
{
    static const char upper[] = "0123456789ABCDEF";
    int rc = SLUICE_OK;
    for (size_t i = 0; i < len && rc == SLUICE_OK; i++) {
        unsigned char c = (unsigned char)text[i];
        if (sigv4_is_unreserved(c) || (keep_slash && c == '/')) {
            rc = sluice_buf_append(out, &text[i], 1);
        } else {
            char escaped[3] = {'%', upper[c >> 4], upper[c & 0x0f]};
            rc = sluice_buf_append(out, escaped, 3);
        }
    }
    return rc;
}

/*
 * botocore's remove_dot_segments: drops empty and "." segments, applies "..",
 * keeps the leading and (when anything is left) the trailing slash.
 */
static int sigv4_normalize_path(const char *path, sluice_buf *out)
{
    size_t len = strlen(path);
    if (len == 0) {
        return sluice_buf_append_str(out, "/");
    }
    /* segment start offsets into out, to pop on ".." */
    size_t *starts = calloc(len / 2 + 2, sizeof *starts);
    if (starts == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t depth = 0;
    int rc = SLUICE_OK;
    sluice_buf segments;
    sluice_buf_init(&segments, out->max);
    const char *p = path;
    while (*p != '\0' && rc == SLUICE_OK) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0) {
                depth--;
                segments.len = starts[depth];
            }
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            starts[depth++] = segments.len;
            if (segments.len > 0) {
                rc = sluice_buf_append(&segments, "/", 1);
            }
            if (rc == SLUICE_OK) {
                rc = sluice_buf_append(&segments, p, n);
            }
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    if (rc == SLUICE_OK && path[0] == '/') {
        rc = sluice_buf_append(out, "/", 1);
    }
    if (rc == SLUICE_OK && segments.len > 0) {
        rc = sluice_buf_append(out, segments.data, segments.len);
        if (rc == SLUICE_OK && path[len - 1] == '/') {
            rc = sluice_buf_append(out, "/", 1);
        }
    }
    sluice_buf_free(&segments);
    free(starts);
    return rc;
}

int aws_sigv4_canonical_uri(const char *path, sluice_buf *out)
{
    sluice_buf normal;
    sluice_buf once;
    sluice_buf_init(&normal, out->max);
    sluice_buf_init(&once, out->max);
    int rc = sigv4_normalize_path(path, &normal);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_uri_encode(sluice_buf_cstr(&normal), normal.len, 1, &once);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_uri_encode(sluice_buf_cstr(&once), once.len, 1, out);
    }
    sluice_buf_free(&normal);
    sluice_buf_free(&once);
    return rc;
}

typedef struct sigv4_query_item {
    char *name;
    char *value;
} sigv4_query_item;

static int sigv4_query_compare(const void *a, const void *b)
{
    const sigv4_query_item *x = a;
    const sigv4_query_item *y = b;
    int by_name = strcmp(x->name, y->name);
    return by_name != 0 ? by_name : strcmp(x->value, y->value);
}

static char *sigv4_encode_dup(const char *text, size_t max)
{
    sluice_buf buf;
    sluice_buf_init(&buf, max);
    if (aws_sigv4_uri_encode(text, strlen(text), 0, &buf) != SLUICE_OK ||
        sluice_buf_append(&buf, "", 0) != SLUICE_OK) {
        sluice_buf_free(&buf);
        return NULL;
    }
    return sluice_buf_steal(&buf);
}

int aws_sigv4_canonical_query(const http_pair *query, size_t count, sluice_buf *out)
{
    if (count == 0) {
        return SLUICE_OK;
    }
    sigv4_query_item *items = calloc(count, sizeof *items);
    if (items == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = SLUICE_OK;
    for (size_t i = 0; i < count; i++) {
        items[i].name = sigv4_encode_dup(query[i].name, out->max);
        items[i].value = sigv4_encode_dup(query[i].value != NULL ? query[i].value : "", out->max);
        if (items[i].name == NULL || items[i].value == NULL) {
            rc = SLUICE_ENOMEM;
            goto out;
        }
    }
    qsort(items, count, sizeof *items, sigv4_query_compare);
    for (size_t i = 0; i < count && rc == SLUICE_OK; i++) {
        rc = sluice_buf_appendf(out, "%s%s=%s", i > 0 ? "&" : "", items[i].name, items[i].value);
    }
out:
    for (size_t i = 0; i < count; i++) {
        free(items[i].name);
        free(items[i].value);
    }
    free(items);
    return rc;
}

static bool sigv4_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Appends value with leading/trailing blanks removed and inner runs collapsed to one space. */
static int sigv4_append_trimmed(sluice_buf *out, const char *value)
{
    int rc = SLUICE_OK;
    bool pending_space = false;
    bool any = false;
    for (const char *p = value; *p != '\0' && rc == SLUICE_OK; p++) {
        if (sigv4_is_blank(*p)) {
            pending_space = any;
            continue;
        }
        if (pending_space) {
            rc = sluice_buf_append(out, " ", 1);
            pending_space = false;
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append(out, p, 1);
        }
        any = true;
    }
    return rc;
}

int aws_sigv4_canonical_headers(const http_pair *headers, size_t count, const char *signed_headers,
                                sluice_buf *out, char *err, size_t errlen)
{
    const char *p = signed_headers;
    if (p == NULL || *p == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "SignedHeaders is empty");
    }
    while (*p != '\0') {
        const char *semi = strchr(p, ';');
        size_t n = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (n == 0 || n > SIGV4_HEADER_NAME_MAX) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "SignedHeaders holds an empty or over-long name");
        }
        char name[SIGV4_HEADER_NAME_MAX + 1];
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        name[n] = '\0';
        int rc = sluice_buf_appendf(out, "%s:", name);
        bool found = false;
        for (size_t i = 0; i < count && rc == SLUICE_OK; i++) {
            if (strcasecmp(headers[i].name, name) != 0) {
                continue;
            }
            if (found) {
                rc = sluice_buf_append(out, ",", 1);
            }
            if (rc == SLUICE_OK) {
                rc = sigv4_append_trimmed(out, headers[i].value != NULL ? headers[i].value : "");
            }
            found = true;
        }
        if (rc == SLUICE_OK) {
            rc = sluice_buf_append(out, "\n", 1);
        }
        if (rc != SLUICE_OK) {
            return sluice_error_set(err, errlen, rc, "canonical headers: %s", sluice_strerror(rc));
        }
        if (!found) {
            return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                    "'%s' is named as a SignedHeader, but it does not exist in "
                                    "the HTTP request.",
                                    name);
        }
        p += n;
        if (*p == ';') {
            p++;
        }
    }
    return SLUICE_OK;
}

int aws_sigv4_s3_canonical_uri(const char *raw_path, sluice_buf *out)
{
    static const char upper[] = "0123456789ABCDEF";
    if (raw_path == NULL || raw_path[0] == '\0') {
        return sluice_buf_append(out, "/", 1);
    }
    int rc = SLUICE_OK;
    for (const char *p = raw_path; *p != '\0' && rc == SLUICE_OK; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%' && sluice_hex_value(p[1]) >= 0 && sluice_hex_value(p[2]) >= 0) {
            c = (unsigned char)(sluice_hex_value(p[1]) << 4 | sluice_hex_value(p[2]));
            p += 2;
            if (c == '/') {
                rc = sluice_buf_append(out, "%2F", 3);
                continue;
            }
        } else if (c == '/') {
            rc = sluice_buf_append(out, "/", 1);
            continue;
        }
        if (sigv4_is_unreserved(c)) {
            char ch = (char)c;
            rc = sluice_buf_append(out, &ch, 1);
        } else {
            char escaped[3] = {'%', upper[c >> 4], upper[c & 0x0f]};
            rc = sluice_buf_append(out, escaped, 3);
        }
    }
    return rc;
}

int aws_sigv4_canonical_request_uri(const char *method, const char *canonical_uri,
                                    const http_pair *query, size_t query_count,
                                    const http_pair *headers, size_t header_count,
                                    const char *signed_headers, const char *payload_hash,
                                    sluice_buf *out, char *err, size_t errlen)
{
    int rc = sluice_buf_appendf(out, "%s\n%s\n", method, canonical_uri);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_canonical_query(query, query_count, out);
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(out, "\n", 1);
    }
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "canonical request: %s", sluice_strerror(rc));
    }
    rc = aws_sigv4_canonical_headers(headers, header_count, signed_headers, out, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    rc = sluice_buf_appendf(out, "\n%s\n%s", signed_headers, payload_hash);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "canonical request: %s", sluice_strerror(rc));
    }
    return SLUICE_OK;
}

int aws_sigv4_canonical_request(const char *method, const char *path, const http_pair *query,
                                size_t query_count, const http_pair *headers, size_t header_count,
                                const char *signed_headers, const char *payload_hash,
                                sluice_buf *out, char *err, size_t errlen)
{
    sluice_buf uri;
    sluice_buf_init(&uri, out->max);
    int rc = aws_sigv4_canonical_uri(path, &uri);
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&uri, "", 0);
    }
    if (rc != SLUICE_OK) {
        sluice_buf_free(&uri);
        return sluice_error_set(err, errlen, rc, "canonical request: %s", sluice_strerror(rc));
    }
    rc = aws_sigv4_canonical_request_uri(method, sluice_buf_cstr(&uri), query, query_count, headers,
                                         header_count, signed_headers, payload_hash, out, err,
                                         errlen);
    sluice_buf_free(&uri);
    return rc;
}

int aws_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
                             size_t len, sluice_buf *out)
{
    char hash[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(canonical_request, len, hash);
    return sluice_buf_appendf(out, "%s\n%s\n%s\n%s", AWS_SIGV4_ALGORITHM, amz_date, scope, hash);
}

/* ------------------------------------------------------ Authorization parse */

static const char *sigv4_skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* Copies text[0..n) into out (size outsize) when it fits. */
static bool sigv4_copy(char *out, size_t outsize, const char *text, size_t n)
{
    if (n >= outsize) {
        return false;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    return true;
}

static int sigv4_parse_credential(const char *value, size_t n, aws_sigv4_authorization *out,
                                  char *err, size_t errlen)
{
    const char *parts[5];
    size_t lens[5];
    size_t count = 0;
    const char *p = value;
    const char *end = value + n;
    while (count < 5) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        parts[count] = p;
        lens[count] = slash != NULL ? (size_t)(slash - p) : (size_t)(end - p);
        count++;
        if (slash == NULL) {
            break;
        }
        p = slash + 1;
    }
    bool five = count == 5 && memchr(parts[4], '/', lens[4]) == NULL;
    if (!five) {
        int shown = n > 256 ? 256 : (int)n;
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "Credential must have exactly 5 slash-delimited elements, e.g. "
                                "keyid/date/region/service/term, got '%.*s'",
                                shown, value);
    }
    if (!sigv4_copy(out->access_key_id, sizeof out->access_key_id, parts[0], lens[0]) ||
        !sigv4_copy(out->date, sizeof out->date, parts[1], lens[1]) ||
        !sigv4_copy(out->region, sizeof out->region, parts[2], lens[2]) ||
        !sigv4_copy(out->service, sizeof out->service, parts[3], lens[3]) ||
        !sigv4_copy(out->terminator, sizeof out->terminator, parts[4], lens[4])) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "Credential has an element that is too long");
    }
    return SLUICE_OK;
}

/* Parses value; *missing gets the SIGV4_MISSING_* bits of absent parameters. */
static int sigv4_parse(const char *value, aws_sigv4_authorization *out, int *missing, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof *out);
    *missing = 0;
    const char *p = sigv4_skip_blanks(value);
    size_t algorithm_len = strlen(AWS_SIGV4_ALGORITHM);
    if (strncmp(p, AWS_SIGV4_ALGORITHM, algorithm_len) != 0 ||
        (p[algorithm_len] != ' ' && p[algorithm_len] != '\t' && p[algorithm_len] != '\0')) {
        *missing =
            SIGV4_MISSING_CREDENTIAL | SIGV4_MISSING_SIGNATURE | SIGV4_MISSING_SIGNED_HEADERS;
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "Authorization header requires 'Credential' parameter. "
                                "Authorization header requires 'Signature' parameter. "
                                "Authorization header requires 'SignedHeaders' parameter. "
                                "Only the " AWS_SIGV4_ALGORITHM " algorithm is supported.");
    }
    p += algorithm_len;
    bool have_credential = false;
    bool have_signature = false;
    bool have_signed = false;
    while (*p != '\0') {
        p = sigv4_skip_blanks(p);
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        }
        if (n > 0) {
            const char *eq = memchr(p, '=', n);
            if (eq == NULL) {
                return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                        "A parameter is not a valid key=value pair (missing "
                                        "equal-sign) in Authorization header.");
            }
            size_t key_len = (size_t)(eq - p);
            const char *val = eq + 1;
            size_t val_len = n - key_len - 1;
            if (key_len == 10 && strncmp(p, "Credential", 10) == 0) {
                int rc = sigv4_parse_credential(val, val_len, out, err, errlen);
                if (rc != SLUICE_OK) {
                    return rc;
                }
                have_credential = true;
            } else if (key_len == 13 && strncmp(p, "SignedHeaders", 13) == 0) {
                if (!sigv4_copy(out->signed_headers, sizeof out->signed_headers, val, val_len)) {
                    return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                            "SignedHeaders is longer than %d bytes",
                                            AWS_SIGV4_SIGNED_HEADERS_MAX);
                }
                have_signed = val_len > 0;
            } else if (key_len == 9 && strncmp(p, "Signature", 9) == 0) {
                if (!sigv4_copy(out->signature, sizeof out->signature, val, val_len)) {
                    out->signature[0] = '\0';
                    out->signature_too_long = 1;
                }
                have_signature = val_len > 0;
            }
        }
        p += n;
        p = sigv4_skip_blanks(p);
        if (*p == ',') {
            p++;
        } else if (*p != '\0') {
            p++; /* unreachable in practice: n stopped at a comma or the end */
        }
    }
    *missing = (have_credential ? 0 : SIGV4_MISSING_CREDENTIAL) |
               (have_signature ? 0 : SIGV4_MISSING_SIGNATURE) |
               (have_signed ? 0 : SIGV4_MISSING_SIGNED_HEADERS);
    if (*missing != 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "%s%s%s",
                                have_credential ? ""
                                                : "Authorization header requires 'Credential' "
                                                  "parameter. ",
                                have_signature ? ""
                                               : "Authorization header requires 'Signature' "
                                                 "parameter. ",
                                have_signed ? ""
                                            : "Authorization header requires 'SignedHeaders' "
                                              "parameter. ");
    }
    return SLUICE_OK;
}

int aws_sigv4_parse_authorization(const char *value, aws_sigv4_authorization *out, char *err,
                                  size_t errlen)
{
    int missing = 0;
    if (value == NULL) {
        memset(out, 0, sizeof *out);
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "Missing Authentication Token");
    }
    return sigv4_parse(value, out, &missing, err, errlen);
}

/* ------------------------------------------------------------------ verify */

__attribute__((format(printf, 3, 4))) static int sigv4_deny(aws_sigv4_result *result,
                                                            const char *type, const char *fmt, ...)
{
    result->http_status = 400;
    snprintf(result->error_type, sizeof result->error_type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(result->message, sizeof result->message, fmt, ap);
    va_end(ap);
    result->identity[0] = '\0';
    result->role[0] = '\0';
    result->scope[0] = '\0';
    return SLUICE_EDENIED;
}

static int sigv4_internal(aws_sigv4_result *result, int rc)
{
    result->http_status = 500;
    snprintf(result->error_type, sizeof result->error_type, "InternalFailure");
    snprintf(result->message, sizeof result->message,
             "The request processing has failed because of an unknown error, exception or "
             "failure.");
    result->identity[0] = '\0';
    result->role[0] = '\0';
    result->scope[0] = '\0';
    return rc;
}

bool aws_sigv4_list_has(const char *list, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = list;
    while (*p != '\0') {
        const char *semi = strchr(p, ';');
        size_t n = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (n == name_len && strncasecmp(p, name, n) == 0) {
            return true;
        }
        p += n;
        if (*p == ';') {
            p++;
        }
    }
    return false;
}

int aws_sigv4_check_signed(const char *signed_headers, const char *required, char *missing,
                           size_t missing_len)
{
    const char *p = required != NULL ? required : "";
    char name[SIGV4_HEADER_NAME_MAX + 1];
    while (*p != '\0') {
        const char *semi = strchr(p, ';');
        size_t n = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (n > 0) {
            size_t copy = n < sizeof name ? n : sizeof name - 1;
            memcpy(name, p, copy);
            name[copy] = '\0';
            if (signed_headers == NULL || !aws_sigv4_list_has(signed_headers, name)) {
                if (missing != NULL && missing_len > 0) {
                    snprintf(missing, missing_len, "%s", name);
                }
                return SLUICE_ENOTFOUND;
            }
        }
        p += n;
        if (*p == ';') {
            p++;
        }
    }
    return SLUICE_OK;
}

/* The 15-minute window, in AWS's words. */
static int sigv4_check_skew(const char *amz_date, int64_t signed_ms, int64_t now_ms,
                            int64_t skew_ms, aws_sigv4_result *result)
{
    if (signed_ms >= now_ms - skew_ms && signed_ms <= now_ms + skew_ms) {
        return SLUICE_OK;
    }
    char now_text[AWS_SIGV4_AMZ_DATE_LEN + 1];
    char bound_text[AWS_SIGV4_AMZ_DATE_LEN + 1];
    long long minutes = (long long)(skew_ms / 60000);
    bool expired = signed_ms < now_ms - skew_ms;
    if (aws_sigv4_format_amz_date(now_ms, now_text) != SLUICE_OK ||
        aws_sigv4_format_amz_date(expired ? now_ms - skew_ms : now_ms + skew_ms, bound_text) !=
            SLUICE_OK) {
        return sigv4_deny(result, "InvalidSignatureException", "Signature expired.");
    }
    if (expired) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "Signature expired: %s is now earlier than %s (%s - %lld min.)", amz_date,
                          bound_text, now_text, minutes);
    }
    return sigv4_deny(result, "InvalidSignatureException",
                      "Signature not yet current: %s is still later than %s (%s + %lld min.)",
                      amz_date, bound_text, now_text, minutes);
}

/* Scope, signed-header and clock checks that need no key. */
static int sigv4_check_request_shape(const aws_sigv4_config *config,
                                     const aws_sigv4_authorization *auth, const char *amz_date,
                                     int64_t now_ms, aws_sigv4_result *result)
{
    int64_t signed_ms = 0;
    if (aws_sigv4_parse_amz_date(amz_date, &signed_ms) != SLUICE_OK) {
        return sigv4_deny(result, "IncompleteSignatureException",
                          "Date must be in ISO-8601 'basic format'. Got '%.32s'. See "
                          "http://en.wikipedia.org/wiki/ISO_8601",
                          amz_date);
    }
    if (strcmp(auth->terminator, AWS_SIGV4_TERMINATOR) != 0) {
        return sigv4_deny(
            result, "InvalidSignatureException",
            "Credential should be scoped with a valid terminator: '" AWS_SIGV4_TERMINATOR
            "', not '%s'.",
            auth->terminator);
    }
    if (strcmp(auth->service, config->service) != 0) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "Credential should be scoped to correct service: '%s'. ",
                          config->service);
    }
    if (strcmp(auth->region, config->region) != 0) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "Credential should be scoped to a valid region. ");
    }
    if (strncmp(auth->date, amz_date, 8) != 0 || strlen(auth->date) != 8) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                          "of date from HTTP: '%s' != '%.8s', from '%s'.",
                          auth->date, amz_date, amz_date);
    }
    if (!aws_sigv4_list_has(auth->signed_headers, "host")) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                          "Authorization.");
    }
    if (!aws_sigv4_list_has(auth->signed_headers, "x-amz-date")) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
    }
    char missing[SIGV4_HEADER_NAME_MAX + 1];
    if (aws_sigv4_check_signed(auth->signed_headers, config->required_signed, missing,
                               sizeof missing) != SLUICE_OK) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "'%s' must be a 'SignedHeader' in the AWS Authorization.", missing);
    }
    int64_t skew_ms = config->max_skew_ms > 0 ? config->max_skew_ms : AWS_SIGV4_MAX_SKEW_MS;
    result->signed_ms = signed_ms;
    result->expires_ms = signed_ms + skew_ms;
    return sigv4_check_skew(amz_date, signed_ms, now_ms, skew_ms, result);
}

/* The key, the session token and the payload hash header. */
static int sigv4_check_key(const aws_credentials *store, const aws_sigv4_authorization *auth,
                           const http_request *req, const char *payload_hash,
                           const aws_credential **out, aws_sigv4_result *result)
{
    const aws_credential *cred = aws_credentials_find(store, auth->access_key_id);
    if (cred == NULL) {
        return sigv4_deny(result, "UnrecognizedClientException", SIGV4_MSG_BAD_TOKEN);
    }
    const char *token = http_request_header(req, "X-Amz-Security-Token");
    if ((token == NULL) != (cred->session_token == NULL)) {
        return sigv4_deny(result, "UnrecognizedClientException", SIGV4_MSG_BAD_TOKEN);
    }
    if (token != NULL) {
        size_t len = strlen(token);
        if (len != strlen(cred->session_token) ||
            CRYPTO_memcmp(token, cred->session_token, len) != 0) {
            return sigv4_deny(result, "UnrecognizedClientException", SIGV4_MSG_BAD_TOKEN);
        }
    }
    const char *declared = http_request_header(req, "X-Amz-Content-SHA256");
    if (declared != NULL && strcasecmp(declared, payload_hash) != 0) {
        return sigv4_deny(result, "InvalidSignatureException",
                          "The provided 'x-amz-content-sha256' header does not match what was "
                          "computed.");
    }
    *out = cred;
    return SLUICE_OK;
}

/* Recomputes the signature and compares it in constant time. */
static int sigv4_check_signature(const aws_sigv4_authorization *auth, const aws_credential *cred,
                                 const http_request *req, const char *amz_date,
                                 const char *payload_hash, aws_sigv4_result *result)
{
    sluice_buf canonical;
    sluice_buf to_sign;
    sluice_buf_init(&canonical, SIGV4_CANONICAL_MAX);
    sluice_buf_init(&to_sign, SIGV4_CANONICAL_MAX);
    unsigned char key[AWS_SIGV4_KEY_LEN];
    char expected[AWS_SIGV4_HEX_LEN + 1] = "";
    char scope[256];
    char detail[256] = "";
    int rc = aws_sigv4_canonical_request(req->method, req->path, req->query, req->query_count,
                                         req->headers, req->header_count, auth->signed_headers,
                                         payload_hash, &canonical, detail, sizeof detail);
    if (rc == SLUICE_ENOTFOUND || rc == SLUICE_EPARSE) {
        rc = sigv4_deny(result, "IncompleteSignatureException", "%s", detail);
        goto out;
    }
    if (rc != SLUICE_OK) {
        rc = sigv4_internal(result, rc);
        goto out;
    }
    snprintf(scope, sizeof scope, "%s/%s/%s/%s", auth->date, auth->region, auth->service,
             auth->terminator);
    rc = aws_sigv4_string_to_sign(amz_date, scope, sluice_buf_cstr(&canonical), canonical.len,
                                  &to_sign);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signing_key(cred->secret_access_key, auth->date, auth->region, auth->service,
                                   key);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signature(key, sluice_buf_cstr(&to_sign), to_sign.len, expected);
    }
    if (rc != SLUICE_OK) {
        rc = sigv4_internal(result, rc);
        goto out;
    }
    if (auth->signature_too_long || strlen(auth->signature) != AWS_SIGV4_HEX_LEN ||
        CRYPTO_memcmp(expected, auth->signature, AWS_SIGV4_HEX_LEN) != 0) {
        rc = sigv4_deny(result, "InvalidSignatureException", SIGV4_MSG_MISMATCH);
        goto out;
    }
    rc = SLUICE_OK;
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(expected, sizeof expected);
    sluice_buf_free(&canonical);
    sluice_buf_free(&to_sign);
    return rc;
}

int aws_sigv4_verify(const aws_sigv4_config *config, const aws_credentials *store,
                     const http_request *req, int64_t now_ms, aws_sigv4_result *result)
{
    memset(result, 0, sizeof *result);
    if (config == NULL || config->region == NULL || config->service == NULL || store == NULL ||
        req == NULL || req->method == NULL || req->path == NULL) {
        return sigv4_internal(result, SLUICE_EINVAL);
    }
    const char *authorization = http_request_header(req, "Authorization");
    if (authorization == NULL) {
        return sigv4_deny(result, "MissingAuthenticationTokenException",
                          "Missing Authentication Token");
    }
    const char *amz_date = http_request_header(req, "X-Amz-Date");
    aws_sigv4_authorization auth;
    char detail[AWS_SIGV4_MESSAGE_MAX];
    int missing = 0;
    int rc = sigv4_parse(authorization, &auth, &missing, detail, sizeof detail);
    snprintf(result->access_key_id, sizeof result->access_key_id, "%s", auth.access_key_id);
    if (rc != SLUICE_OK) {
        return sigv4_deny(result, "IncompleteSignatureException", "%s%s", detail,
                          (missing != 0 && amz_date == NULL)
                              ? "Authorization header requires existence of either a "
                                "'X-Amz-Date' or a 'Date' header."
                              : "");
    }
    if (amz_date == NULL) {
        return sigv4_deny(result, "IncompleteSignatureException",
                          "Authorization header requires existence of either a 'X-Amz-Date' or "
                          "a 'Date' header.");
    }
    rc = sigv4_check_request_shape(config, &auth, amz_date, now_ms, result);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char payload_hash[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(req->body, req->body_len, payload_hash);
    const aws_credential *cred = NULL;
    rc = sigv4_check_key(store, &auth, req, payload_hash, &cred, result);
    if (rc != SLUICE_OK) {
        return rc;
    }
    rc = sigv4_check_signature(&auth, cred, req, amz_date, payload_hash, result);
    if (rc != SLUICE_OK) {
        return rc;
    }
    result->http_status = 200;
    snprintf(result->identity, sizeof result->identity, "%s", cred->identity);
    snprintf(result->role, sizeof result->role, "%s", cred->role);
    snprintf(result->scope, sizeof result->scope, "%s", cred->scope);
    snprintf(result->signature, sizeof result->signature, "%s", auth.signature);
    return SLUICE_OK;
}

/* -------------------------------------------------------------------- sign */

static int sigv4_name_compare(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lowercased, sorted, de-duplicated header names joined with ';'. */
static int sigv4_signed_list(const http_pair *headers, size_t count, sluice_buf *out)
{
    char names[SIGV4_SIGN_HEADERS_MAX][SIGV4_HEADER_NAME_MAX + 1];
    const char *sorted[SIGV4_SIGN_HEADERS_MAX];
    if (count > SIGV4_SIGN_HEADERS_MAX) {
        return SLUICE_ETOOBIG;
    }
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(headers[i].name);
        if (n == 0 || n > SIGV4_HEADER_NAME_MAX) {
            return SLUICE_EINVAL;
        }
        for (size_t j = 0; j <= n; j++) {
            char c = headers[i].name[j];
            names[i][j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        sorted[i] = names[i];
    }
    qsort(sorted, count, sizeof sorted[0], sigv4_name_compare);
    int rc = SLUICE_OK;
    for (size_t i = 0; i < count && rc == SLUICE_OK; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) {
            continue;
        }
        rc = sluice_buf_appendf(out, "%s%s", out->len > 0 ? ";" : "", sorted[i]);
    }
    return rc;
}

int aws_sigv4_sign(const char *access_key_id, const char *secret, const char *region,
                   const char *service, const char *method, const char *path,
                   const http_pair *query, size_t query_count, const http_pair *headers,
                   size_t header_count, const void *body, size_t body_len, int64_t now_ms,
                   aws_sigv4_signature_headers *out)
{
    memset(out, 0, sizeof *out);
    if (access_key_id == NULL || secret == NULL || region == NULL || service == NULL ||
        method == NULL || path == NULL || header_count >= SIGV4_SIGN_HEADERS_MAX ||
        (headers == NULL && header_count > 0)) {
        return SLUICE_EINVAL;
    }
    bool has_host = false;
    http_pair all[SIGV4_SIGN_HEADERS_MAX];
    for (size_t i = 0; i < header_count; i++) {
        if (strcasecmp(headers[i].name, "X-Amz-Date") == 0 ||
            strcasecmp(headers[i].name, "Authorization") == 0) {
            return SLUICE_EINVAL;
        }
        has_host = has_host || strcasecmp(headers[i].name, "Host") == 0;
        all[i] = headers[i];
    }
    if (!has_host) {
        return SLUICE_EINVAL;
    }
    int rc = aws_sigv4_format_amz_date(now_ms, out->amz_date);
    if (rc != SLUICE_OK) {
        return rc;
    }
    all[header_count].name = "X-Amz-Date";
    all[header_count].value = out->amz_date;
    size_t count = header_count + 1;

    sluice_buf signed_list;
    sluice_buf canonical;
    sluice_buf to_sign;
    sluice_buf_init(&signed_list, AWS_SIGV4_SIGNED_HEADERS_MAX);
    sluice_buf_init(&canonical, SIGV4_CANONICAL_MAX);
    sluice_buf_init(&to_sign, SIGV4_CANONICAL_MAX);
    unsigned char key[AWS_SIGV4_KEY_LEN];
    char signature[AWS_SIGV4_HEX_LEN + 1];
    char scope[256];
    char date[9];
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';
    aws_sigv4_sha256_hex(body, body_len, out->payload_hash);
    rc = sigv4_signed_list(all, count, &signed_list);
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_canonical_request(method, path, query, query_count, all, count,
                                         sluice_buf_cstr(&signed_list), out->payload_hash,
                                         &canonical, NULL, 0);
    }
    if (rc == SLUICE_OK) {
        snprintf(scope, sizeof scope, "%s/%s/%s/%s", date, region, service, AWS_SIGV4_TERMINATOR);
        rc = aws_sigv4_string_to_sign(out->amz_date, scope, sluice_buf_cstr(&canonical),
                                      canonical.len, &to_sign);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signing_key(secret, date, region, service, key);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signature(key, sluice_buf_cstr(&to_sign), to_sign.len, signature);
    }
    if (rc == SLUICE_OK) {
        int n = snprintf(out->authorization, sizeof out->authorization,
                         AWS_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                         access_key_id, scope, sluice_buf_cstr(&signed_list), signature);
        if (n < 0 || (size_t)n >= sizeof out->authorization) {
            out->authorization[0] = '\0';
            rc = SLUICE_ETOOBIG;
        }
    }
    OPENSSL_cleanse(key, sizeof key);
    sluice_buf_free(&signed_list);
    sluice_buf_free(&canonical);
    sluice_buf_free(&to_sign);
    return rc;
}
