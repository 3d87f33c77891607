/*
 * aws_s3auth.c — SigV4 verification for S3 requests (see aws_s3auth.h).
 *
 * Both forms reduce to the same check: the presigned query parameters are
 * turned into the parts of an Authorization header (parsed by
 * aws_sigv4_parse_authorization, so there is one parser), then scope, clock,
 * key and signature are checked in the order S3 reports them. The canonical
 * request is built from aws_sigv4's pieces with S3's canonical URI. The
 * computed signature is the seed of an aws-chunked body and is handed back
 * with the signing key; both are wiped by aws_s3auth_result_wipe.
 */
#include "sluice/aws_s3auth.h"

#include "sluice/error.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S3AUTH_CANONICAL_MAX (256 * 1024)
#define S3AUTH_QUERY_MAX     256 /* query parameters the presigned form accepts */

#define S3AUTH_MSG_MISMATCH                                                                        \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "key and signing method."
#define S3AUTH_MSG_NO_KEY    "The AWS Access Key Id you provided does not exist in our records."
#define S3AUTH_MSG_BAD_TOKEN "The provided token is malformed or otherwise invalid."
#define S3AUTH_MSG_QUERY_PARAMS                                                                    \
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "       \
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."

__attribute__((format(printf, 5, 6))) static int
s3auth_deny(char s3_code[64], const char *code, char *err, size_t errlen, const char *fmt, ...)
{
    snprintf(s3_code, 64, "%s", code);
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return SLUICE_EDENIED;
}

int aws_s3auth_http_status(const char *s3_code)
{
    static const char *const forbidden[] = {"AccessDenied", "SignatureDoesNotMatch",
                                            "InvalidAccessKeyId", "RequestTimeTooSkewed",
                                            "InvalidObjectState"};
    static const char *const bad[] = {"ExpiredToken", /* S3 answers both with 400 */
                                      "InvalidToken",
                                      "AuthorizationHeaderMalformed",
                                      "AuthorizationQueryParametersError",
                                      "InvalidRequest",
                                      "InvalidArgument",
                                      "MissingSecurityHeader",
                                      "IncompleteBody",
                                      "InvalidDigest",
                                      "BadDigest"};
    if (s3_code == NULL) {
        return 500;
    }
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        if (strcmp(s3_code, forbidden[i]) == 0) {
            return 403;
        }
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strcmp(s3_code, bad[i]) == 0) {
            return 400;
        }
    }
    return 500;
}

void aws_s3auth_result_wipe(aws_s3auth_result *result)
{
    if (result != NULL) {
        OPENSSL_cleanse(result->signing_key, sizeof result->signing_key);
        OPENSSL_cleanse(result->seed_signature, sizeof result->seed_signature);
    }
}

static const char *s3auth_find(const http_pair *pairs, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (pairs[i].name != NULL && strcasecmp(pairs[i].name, name) == 0) {
            return pairs[i].value != NULL ? pairs[i].value : "";
        }
    }
    return NULL;
}

/* Query parameters are case-sensitive. */
static const char *s3auth_query(const aws_s3auth_request *req, const char *name)
{
    for (size_t i = 0; i < req->query_count; i++) {
        if (req->query[i].name != NULL && strcmp(req->query[i].name, name) == 0) {
            return req->query[i].value != NULL ? req->query[i].value : "";
        }
    }
    return NULL;
}

static bool s3auth_is_hex64(const char *s)
{
    if (strlen(s) != AWS_SIGV4_HEX_LEN) {
        return false;
    }
    for (size_t i = 0; i < AWS_SIGV4_HEX_LEN; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

/* Classifies x-amz-content-sha256. 0 or SLUICE_EPARSE. */
static int s3auth_payload_mode(const char *value, aws_s3auth_result *out)
{
    if (strcmp(value, AWS_S3AUTH_UNSIGNED) == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_UNSIGNED;
    } else if (strcmp(value, AWS_S3AUTH_STREAMING) == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED;
    } else if (strcmp(value, AWS_S3AUTH_STREAMING_TRAIL) == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER;
    } else if (strcmp(value, AWS_S3AUTH_UNSIGNED_TRAIL) == 0) {
        out->payload = AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
    } else if (s3auth_is_hex64(value)) {
        out->payload = AWS_S3AUTH_PAYLOAD_SIGNED;
        for (size_t i = 0; i <= AWS_SIGV4_HEX_LEN; i++) {
            char c = value[i];
            out->payload_sha256[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
    } else {
        return SLUICE_EPARSE;
    }
    return SLUICE_OK;
}

/* What both forms hand to the common check. */
typedef struct s3auth_parts {
    aws_sigv4_authorization auth;
    const char *amz_date;
    const char *token;
    const char *payload_hash;
    const http_pair *query;
    size_t query_count;
    const char *malformed; /* the error code of a malformed scope */
} s3auth_parts;

/* Scope against the request: terminator, service, region, date. */
static int s3auth_check_scope(const aws_s3auth_request *req, const s3auth_parts *p,
                              char s3_code[64], char *err, size_t errlen)
{
    const aws_sigv4_authorization *a = &p->auth;
    if (strcmp(a->terminator, AWS_SIGV4_TERMINATOR) != 0) {
        return s3auth_deny(s3_code, p->malformed, err, errlen,
                           "The authorization is malformed; incorrect terminal \"%s\". This "
                           "endpoint uses \"" AWS_SIGV4_TERMINATOR "\".",
                           a->terminator);
    }
    if (strcmp(a->service, AWS_S3AUTH_SERVICE) != 0) {
        return s3auth_deny(s3_code, p->malformed, err, errlen,
                           "The authorization is malformed; incorrect service \"%s\". This "
                           "endpoint belongs to \"s3\".",
                           a->service);
    }
    if (req->region != NULL && strcmp(a->region, req->region) != 0) {
        return s3auth_deny(s3_code, p->malformed, err, errlen,
                           "The authorization is malformed; the region '%s' is wrong; expecting "
                           "'%s'",
                           a->region, req->region);
    }
    if (strlen(a->date) != 8 || strncmp(a->date, p->amz_date, 8) != 0) {
        return s3auth_deny(s3_code, p->malformed, err, errlen,
                           "The authorization is malformed; invalid date '%s' in the credential "
                           "scope: it must be the date of X-Amz-Date, '%.8s'",
                           a->date, p->amz_date);
    }
    if (!aws_sigv4_list_has(a->signed_headers, "host")) {
        return s3auth_deny(s3_code, p->malformed, err, errlen,
                           "The authorization is malformed; 'host' must be a signed header.");
    }
    return SLUICE_OK;
}

/* Finds the secret of the access key: a configured key, or a job token. */
static int s3auth_find_key(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                           const aws_s3auth_request *req, const s3auth_parts *p,
                           char secret[AWS_SECRET_KEY_MAX + 1], aws_s3auth_result *out,
                           char s3_code[64], char *err, size_t errlen)
{
    const aws_credential *cred =
        creds != NULL ? aws_credentials_find(creds, p->auth.access_key_id) : NULL;
    if (cred != NULL) {
        const char *want = cred->session_token;
        const char *got = p->token;
        if ((want == NULL) != (got == NULL) ||
            (want != NULL &&
             (strlen(want) != strlen(got) || CRYPTO_memcmp(want, got, strlen(want)) != 0))) {
            return s3auth_deny(s3_code, "InvalidToken", err, errlen, S3AUTH_MSG_BAD_TOKEN);
        }
        snprintf(secret, AWS_SECRET_KEY_MAX + 1, "%s", cred->secret_access_key);
        snprintf(out->identity, sizeof out->identity, "%s", cred->identity);
        snprintf(out->role, sizeof out->role, "%s", cred->role);
        return SLUICE_OK;
    }
    if (jobkeys != NULL && aws_jobcred_is_token(p->token)) {
        char job_secret[AWS_JOBCRED_SECRET_LEN + 1];
        int rc = aws_jobcred_verify(jobkeys, p->auth.access_key_id, p->token, req->now_ms,
                                    &out->job_scope, job_secret, s3_code, err, errlen);
        if (rc != SLUICE_OK) {
            if (s3_code[0] == '\0') {
                snprintf(s3_code, 64, "InternalError");
            }
            return rc;
        }
        snprintf(secret, AWS_SECRET_KEY_MAX + 1, "%s", job_secret);
        OPENSSL_cleanse(job_secret, sizeof job_secret);
        out->job = true;
        snprintf(out->identity, sizeof out->identity, "job:%.*s", AWS_IDENTITY_MAX - 4,
                 out->job_scope.job_id);
        snprintf(out->role, sizeof out->role, "job");
        return SLUICE_OK;
    }
    return s3auth_deny(s3_code, "InvalidAccessKeyId", err, errlen, S3AUTH_MSG_NO_KEY);
}

/* Recomputes the signature; on success the seed and signing key go to out. */
static int s3auth_check_signature(const aws_s3auth_request *req, const s3auth_parts *p,
                                  const char *secret, aws_s3auth_result *out, char s3_code[64],
                                  char *err, size_t errlen)
{
    sluice_buf uri;
    sluice_buf canonical;
    sluice_buf to_sign;
    sluice_buf_init(&uri, S3AUTH_CANONICAL_MAX);
    sluice_buf_init(&canonical, S3AUTH_CANONICAL_MAX);
    sluice_buf_init(&to_sign, S3AUTH_CANONICAL_MAX);
    char expected[AWS_SIGV4_HEX_LEN + 1] = "";
    char detail[256] = "";
    const aws_sigv4_authorization *a = &p->auth;
    int rc = aws_sigv4_s3_canonical_uri(req->raw_path, &uri);
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append(&uri, "", 0);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_canonical_request_uri(req->method, sluice_buf_cstr(&uri), p->query,
                                             p->query_count, req->headers, req->header_count,
                                             a->signed_headers, p->payload_hash, &canonical, detail,
                                             sizeof detail);
    }
    if (rc == SLUICE_ENOTFOUND) {
        rc = s3auth_deny(s3_code, "AccessDenied", err, errlen,
                         "There were headers present in the signature which were not in the "
                         "request: %s",
                         detail);
        goto out;
    }
    if (rc == SLUICE_EPARSE) {
        rc = s3auth_deny(s3_code, p->malformed, err, errlen, "The authorization is malformed; %s",
                         detail);
        goto out;
    }
    if (rc == SLUICE_OK) {
        snprintf(out->scope, sizeof out->scope, "%s/%s/%s/%s", a->date, a->region, a->service,
                 a->terminator);
        rc = aws_sigv4_string_to_sign(p->amz_date, out->scope, sluice_buf_cstr(&canonical),
                                      canonical.len, &to_sign);
    }
    if (rc == SLUICE_OK) {
        rc = aws_sigv4_signing_key(secret, a->date, a->region, a->service, out->signing_key);
    }
    if (rc == SLUICE_OK) {
        rc =
            aws_sigv4_signature(out->signing_key, sluice_buf_cstr(&to_sign), to_sign.len, expected);
    }
    if (rc != SLUICE_OK) {
        snprintf(s3_code, 64, "InternalError");
        sluice_error_set(err, errlen, rc, "cannot compute the signature: %s", sluice_strerror(rc));
        goto out;
    }
    if (a->signature_too_long || strlen(a->signature) != AWS_SIGV4_HEX_LEN ||
        CRYPTO_memcmp(expected, a->signature, AWS_SIGV4_HEX_LEN) != 0) {
        rc = s3auth_deny(s3_code, "SignatureDoesNotMatch", err, errlen, S3AUTH_MSG_MISMATCH);
        goto out;
    }
    memcpy(out->seed_signature, expected, sizeof expected);
    snprintf(out->amz_date, sizeof out->amz_date, "%s", p->amz_date);
out:
    OPENSSL_cleanse(expected, sizeof expected);
    sluice_buf_free(&uri);
    sluice_buf_free(&canonical);
    sluice_buf_free(&to_sign);
    return rc;
}

static int s3auth_check(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                        const aws_s3auth_request *req, const s3auth_parts *p,
                        aws_s3auth_result *out, char s3_code[64], char *err, size_t errlen)
{
    int rc = s3auth_check_scope(req, p, s3_code, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    char secret[AWS_SECRET_KEY_MAX + 1] = "";
    rc = s3auth_find_key(creds, jobkeys, req, p, secret, out, s3_code, err, errlen);
    if (rc == SLUICE_OK) {
        rc = s3auth_check_signature(req, p, secret, out, s3_code, err, errlen);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* ------------------------------------------------------------ header form */

static int s3auth_verify_header(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                                const aws_s3auth_request *req, const char *authorization,
                                aws_s3auth_result *out, char s3_code[64], char *err, size_t errlen)
{
    s3auth_parts p;
    memset(&p, 0, sizeof p);
    p.malformed = "AuthorizationHeaderMalformed";
    char detail[AWS_SIGV4_MESSAGE_MAX];
    int rc = aws_sigv4_parse_authorization(authorization, &p.auth, detail, sizeof detail);
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", p.auth.access_key_id);
    if (rc != SLUICE_OK) {
        return s3auth_deny(s3_code, "AuthorizationHeaderMalformed", err, errlen,
                           "The authorization header is malformed; %s", detail);
    }
    p.amz_date = s3auth_find(req->headers, req->header_count, "x-amz-date");
    int64_t signed_ms = 0;
    if (p.amz_date == NULL || aws_sigv4_parse_amz_date(p.amz_date, &signed_ms) != SLUICE_OK) {
        return s3auth_deny(s3_code, "AccessDenied", err, errlen,
                           "AWS authentication requires a valid Date or x-amz-date header");
    }
    p.payload_hash = s3auth_find(req->headers, req->header_count, "x-amz-content-sha256");
    if (p.payload_hash == NULL) {
        return s3auth_deny(s3_code, "InvalidRequest", err, errlen,
                           "Missing required header for this request: x-amz-content-sha256");
    }
    if (s3auth_payload_mode(p.payload_hash, out) != SLUICE_OK) {
        return s3auth_deny(s3_code, "InvalidArgument", err, errlen,
                           "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                           "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                           "STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.");
    }
    int64_t skew = req->max_skew_ms > 0 ? req->max_skew_ms : AWS_SIGV4_MAX_SKEW_MS;
    if (signed_ms < req->now_ms - skew || signed_ms > req->now_ms + skew) {
        return s3auth_deny(s3_code, "RequestTimeTooSkewed", err, errlen,
                           "The difference between the request time and the current time is too "
                           "large.");
    }
    p.token = s3auth_find(req->headers, req->header_count, "x-amz-security-token");
    p.query = req->query;
    p.query_count = req->query_count;
    return s3auth_check(creds, jobkeys, req, &p, out, s3_code, err, errlen);
}

/* --------------------------------------------------------- presigned form */

static int s3auth_verify_presigned(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                                   const aws_s3auth_request *req, aws_s3auth_result *out,
                                   char s3_code[64], char *err, size_t errlen)
{
    const char *code = "AuthorizationQueryParametersError";
    const char *algorithm = s3auth_query(req, "X-Amz-Algorithm");
    const char *credential = s3auth_query(req, "X-Amz-Credential");
    const char *amz_date = s3auth_query(req, "X-Amz-Date");
    const char *expires = s3auth_query(req, "X-Amz-Expires");
    const char *signed_headers = s3auth_query(req, "X-Amz-SignedHeaders");
    const char *signature = s3auth_query(req, "X-Amz-Signature");
    out->presigned = true;
    out->payload = AWS_S3AUTH_PAYLOAD_UNSIGNED;
    if (algorithm == NULL || credential == NULL || amz_date == NULL || expires == NULL ||
        signed_headers == NULL || signature == NULL) {
        return s3auth_deny(s3_code, code, err, errlen, S3AUTH_MSG_QUERY_PARAMS);
    }
    if (strcmp(algorithm, AWS_SIGV4_ALGORITHM) != 0) {
        return s3auth_deny(s3_code, code, err, errlen,
                           "X-Amz-Algorithm only supports \"" AWS_SIGV4_ALGORITHM "\"");
    }
    if (req->query_count > S3AUTH_QUERY_MAX) {
        return s3auth_deny(s3_code, code, err, errlen, "too many query parameters");
    }
    char synthetic[AWS_SIGV4_AUTHORIZATION_MAX + 256];
    int n = snprintf(synthetic, sizeof synthetic,
                     AWS_SIGV4_ALGORITHM " Credential=%s, SignedHeaders=%s, Signature=%s",
                     credential, signed_headers, signature);
    s3auth_parts p;
    memset(&p, 0, sizeof p);
    p.malformed = code;
    char detail[AWS_SIGV4_MESSAGE_MAX];
    if (n < 0 || (size_t)n >= sizeof synthetic || strchr(credential, ',') != NULL ||
        strchr(signed_headers, ',') != NULL || strchr(signature, ',') != NULL) {
        return s3auth_deny(s3_code, code, err, errlen,
                           "X-Amz-Credential, X-Amz-SignedHeaders or X-Amz-Signature is "
                           "malformed or too long");
    }
    if (aws_sigv4_parse_authorization(synthetic, &p.auth, detail, sizeof detail) != SLUICE_OK) {
        snprintf(out->access_key_id, sizeof out->access_key_id, "%s", p.auth.access_key_id);
        return s3auth_deny(s3_code, code, err, errlen,
                           "Error parsing the X-Amz-Credential parameter; %s", detail);
    }
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", p.auth.access_key_id);
    int64_t signed_ms = 0;
    if (aws_sigv4_parse_amz_date(amz_date, &signed_ms) != SLUICE_OK) {
        return s3auth_deny(
            s3_code, code, err, errlen,
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    long long expires_s = 0;
    size_t digits = strlen(expires);
    bool numeric = digits > 0 && digits <= 7;
    for (size_t i = 0; i < digits && numeric; i++) {
        numeric = expires[i] >= '0' && expires[i] <= '9';
        expires_s = expires_s * 10 + (expires[i] - '0');
    }
    if (!numeric) {
        return s3auth_deny(s3_code, code, err, errlen, "X-Amz-Expires should be a number");
    }
    if (expires_s > AWS_S3AUTH_PRESIGN_MAX_S) {
        return s3auth_deny(s3_code, code, err, errlen,
                           "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    if (expires_s < 1) {
        return s3auth_deny(s3_code, code, err, errlen,
                           "X-Amz-Expires must be non-negative and at least 1");
    }
    int64_t skew = req->max_skew_ms > 0 ? req->max_skew_ms : AWS_SIGV4_MAX_SKEW_MS;
    if (signed_ms > req->now_ms + skew) {
        return s3auth_deny(s3_code, "AccessDenied", err, errlen, "Request is not valid yet");
    }
    if (req->now_ms > signed_ms + expires_s * 1000) {
        return s3auth_deny(s3_code, "AccessDenied", err, errlen, "Request has expired");
    }
    http_pair *query = calloc(req->query_count + 1, sizeof *query);
    if (query == NULL) {
        snprintf(s3_code, 64, "InternalError");
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    size_t count = 0;
    for (size_t i = 0; i < req->query_count; i++) {
        if (strcmp(req->query[i].name, "X-Amz-Signature") != 0) {
            query[count++] = req->query[i];
        }
    }
    p.amz_date = amz_date;
    p.token = s3auth_query(req, "X-Amz-Security-Token");
    p.payload_hash = AWS_S3AUTH_UNSIGNED;
    p.query = query;
    p.query_count = count;
    int rc = s3auth_check(creds, jobkeys, req, &p, out, s3_code, err, errlen);
    free(query);
    return rc;
}

int aws_s3auth_verify(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                      const aws_s3auth_request *req, aws_s3auth_result *out, char s3_code[64],
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    s3_code[0] = '\0';
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (req == NULL || req->method == NULL || req->raw_path == NULL ||
        (req->headers == NULL && req->header_count > 0) ||
        (req->query == NULL && req->query_count > 0)) {
        snprintf(s3_code, 64, "InternalError");
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "bad arguments");
    }
    const char *authorization = s3auth_find(req->headers, req->header_count, "authorization");
    int rc;
    if (authorization != NULL) {
        rc = s3auth_verify_header(creds, jobkeys, req, authorization, out, s3_code, err, errlen);
    } else if (s3auth_query(req, "X-Amz-Algorithm") != NULL ||
               s3auth_query(req, "X-Amz-Signature") != NULL ||
               s3auth_query(req, "X-Amz-Credential") != NULL) {
        rc = s3auth_verify_presigned(creds, jobkeys, req, out, s3_code, err, errlen);
    } else {
        rc = s3auth_deny(s3_code, "AccessDenied", err, errlen,
                         "Access Denied: anonymous requests are not allowed");
    }
    if (rc != SLUICE_OK) {
        char keep[AWS_ACCESS_KEY_ID_MAX + 1];
        bool presigned = out->presigned;
        memcpy(keep, out->access_key_id, sizeof keep);
        memset(out, 0, sizeof *out);
        memcpy(out->access_key_id, keep, sizeof keep);
        out->presigned = presigned;
    }
    return rc;
}
