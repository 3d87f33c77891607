/*
 * aws_sigv4.h — AWS Signature Version 4, header form, as the CodePipeline
 * endpoint checks it (AWS IAM User Guide, "Create a signed AWS API request":
 * docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 *
 *   Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/codepipeline/aws4_request,
 *                  SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=<64 hex>
 *   X-Amz-Date: 20261126T070747Z
 *   X-Amz-Security-Token: ...            (optional)
 *   X-Amz-Content-SHA256: <64 hex>        (optional; the payload hash is computed from the body)
 *
 * aws_sigv4_verify decides whether a request is authentic and, when it is
 * not, which error a real endpoint answers (every one is HTTP 400 in the AWS
 * JSON protocol):
 *   MissingAuthenticationTokenException  no Authorization header
 *   IncompleteSignatureException         malformed Authorization, missing X-Amz-Date,
 *                                        a signed header absent from the request
 *   InvalidSignatureException            wrong signature, scope (date/region/service/
 *                                        terminator), clock skew over the window (15
 *                                        minutes unless configured), Host, X-Amz-Date or
 *                                        a configured required header (the api: X-Amz-Target)
 *                                        not signed, payload hash mismatch
 *   UnrecognizedClientException          unknown access key id or wrong session token
 * The building blocks (canonical request, string to sign, signing key) are
 * exported for tests and for signing (aws_sigv4_sign, used by Sluice's own
 * clients). Everything here is pure — the clock is an argument — and
 * thread-safe. Secrets, signing keys and signatures never appear in messages.
 *
 * Only the header form is accepted: X-Amz-Date is required (the older Date
 * header form and query-string presigning are not — botocore and the aws CLI
 * send neither to CodePipeline).
 *
 * Canonical URI: the server sees the percent-decoded path, so the URI is
 * rebuilt by encoding it (RFC 3986 unreserved characters and '/' kept) and
 * then encoding it again, as SigV4 prescribes for every service but S3, after
 * removing dot segments and empty segments as botocore does. That is exact for
 * CodePipeline's "/" and for any client that percent-encodes the characters
 * outside the unreserved set.
 */
#ifndef SLUICE_AWS_SIGV4_H
#define SLUICE_AWS_SIGV4_H

#include "sluice/aws_credentials.h"
#include "sluice/buf.h"
#include "sluice/http_message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_SIGV4_ALGORITHM          "AWS4-HMAC-SHA256"
#define AWS_SIGV4_TERMINATOR         "aws4_request"
#define AWS_SIGV4_MAX_SKEW_MS        (15 * 60 * 1000)
#define AWS_SIGV4_HEX_LEN            64 /* SHA-256 digests and signatures in hex */
#define AWS_SIGV4_KEY_LEN            32 /* signing key bytes */
#define AWS_SIGV4_AMZ_DATE_LEN       16 /* "YYYYMMDDThhmmssZ" */
#define AWS_SIGV4_SCOPE_PART_MAX     64 /* bytes of region, service or terminator */
#define AWS_SIGV4_SIGNED_HEADERS_MAX 1024
#define AWS_SIGV4_AUTHORIZATION_MAX  (AWS_SIGV4_SIGNED_HEADERS_MAX + 512)
#define AWS_SIGV4_ERROR_TYPE_MAX     64
#define AWS_SIGV4_MESSAGE_MAX        512

/* The parts of an Authorization header. */
typedef struct aws_sigv4_authorization {
    char access_key_id[AWS_ACCESS_KEY_ID_MAX + 1];
    char date[9]; /* YYYYMMDD of the scope */
    char region[AWS_SIGV4_SCOPE_PART_MAX + 1];
    char service[AWS_SIGV4_SCOPE_PART_MAX + 1];
    char terminator[AWS_SIGV4_SCOPE_PART_MAX + 1];
    char signed_headers[AWS_SIGV4_SIGNED_HEADERS_MAX + 1]; /* "host;x-amz-date", as sent */
    char signature[AWS_SIGV4_HEX_LEN + 1];                 /* as sent; "" if longer than 64 */
    int signature_too_long;                                /* sent signature exceeded 64 chars */
} aws_sigv4_authorization;

/* What the endpoint verifies against. */
typedef struct aws_sigv4_config {
    const char *region;  /* the endpoint's region, e.g. "us-east-1" */
    const char *service; /* the signing name, "codepipeline" */
    int64_t max_skew_ms; /* 0 = AWS_SIGV4_MAX_SKEW_MS */
    /* Headers that must be among SignedHeaders besides Host and X-Amz-Date,
     * ';'-separated as named in the message ("X-Amz-Target"); NULL or "": none. */
    const char *required_signed;
} aws_sigv4_config;

/* The verdict of aws_sigv4_verify. */
typedef struct aws_sigv4_result {
    int http_status;                               /* 200 when authenticated */
    char error_type[AWS_SIGV4_ERROR_TYPE_MAX];     /* "" when authenticated */
    char message[AWS_SIGV4_MESSAGE_MAX];           /* AWS's wording; "" when authenticated */
    char access_key_id[AWS_ACCESS_KEY_ID_MAX + 1]; /* as parsed ("" if not), safe to log */
    char identity[AWS_IDENTITY_MAX + 1];           /* set when authenticated */
    char role[AWS_ROLE_MAX + 1];                   /* set when authenticated */
    char scope[AWS_SCOPE_MAX + 1];                 /* the role's scope ("" none), likewise */
    char signature[AWS_SIGV4_HEX_LEN + 1];         /* the verified signature (replay checks) */
    int64_t signed_ms;                             /* X-Amz-Date when authenticated, epoch ms */
    int64_t expires_ms;                            /* signed_ms + the skew window */
} aws_sigv4_result;

/* Output of aws_sigv4_sign: the headers to add to the request. */
typedef struct aws_sigv4_signature_headers {
    char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1];           /* X-Amz-Date */
    char payload_hash[AWS_SIGV4_HEX_LEN + 1];            /* X-Amz-Content-SHA256, optional */
    char authorization[AWS_SIGV4_AUTHORIZATION_MAX + 1]; /* Authorization */
} aws_sigv4_signature_headers;

/*
 * Authenticates req signed for config's region and service at now_ms (epoch
 * milliseconds) against store. req, store and config are borrowed.
 * Returns 0 with result->http_status 200 and identity/role set; SLUICE_EDENIED
 * with result holding the AWS error type, message and status (400) to answer;
 * or SLUICE_EINVAL / SLUICE_ENOMEM (bad arguments, out of memory) with result
 * holding InternalFailure / 500.
 */
int aws_sigv4_verify(const aws_sigv4_config *config, const aws_credentials *store,
                     const http_request *req, int64_t now_ms, aws_sigv4_result *result);

/*
 * Parses an Authorization header value. 0, or SLUICE_EPARSE with AWS's
 * IncompleteSignatureException wording in err (the signature is never
 * echoed); out is then partially filled.
 */
int aws_sigv4_parse_authorization(const char *value, aws_sigv4_authorization *out, char *err,
                                  size_t errlen);

/* Parses "YYYYMMDDThhmmssZ" into epoch ms. 0, or SLUICE_EPARSE with *ms untouched. */
int aws_sigv4_parse_amz_date(const char *text, int64_t *ms);

/* Formats epoch ms as "YYYYMMDDThhmmssZ" (17 bytes with the NUL). 0, or SLUICE_ERANGE. */
int aws_sigv4_format_amz_date(int64_t ms, char out[AWS_SIGV4_AMZ_DATE_LEN + 1]);

/* Appends text percent-encoded: unreserved characters kept, '/' kept when keep_slash. */
int aws_sigv4_uri_encode(const char *text, size_t len, int keep_slash, sluice_buf *out);

/* Appends the canonical URI of a decoded path (see above). 0 or SLUICE_ETOOBIG / SLUICE_ENOMEM. */
int aws_sigv4_canonical_uri(const char *path, sluice_buf *out);

/* Appends the canonical query string of decoded arguments (encoded, sorted by name then value). */
int aws_sigv4_canonical_query(const http_pair *query, size_t count, sluice_buf *out);

/*
 * Appends the canonical headers block ("name:trimmed values\n" for each name
 * of signed_headers, in that order; repeated headers joined with ','). 0, or
 * SLUICE_ENOTFOUND when a signed header is absent from headers (err names it),
 * SLUICE_EPARSE for a malformed list, SLUICE_ETOOBIG / SLUICE_ENOMEM.
 */
int aws_sigv4_canonical_headers(const http_pair *headers, size_t count, const char *signed_headers,
                                sluice_buf *out, char *err, size_t errlen);

/*
 * Appends the canonical request: method, canonical URI, canonical query,
 * canonical headers, signed headers and payload_hash, separated by '\n'.
 * Failures as aws_sigv4_canonical_headers.
 */
int aws_sigv4_canonical_request(const char *method, const char *path, const http_pair *query,
                                size_t query_count, const http_pair *headers, size_t header_count,
                                const char *signed_headers, const char *payload_hash,
                                sluice_buf *out, char *err, size_t errlen);

/*
 * Appends S3's canonical URI of a request path exactly as received (still
 * percent-encoded): S3 signs the path URI-encoded once and neither normalises
 * it nor encodes it twice. Each byte is re-encoded as SigV4 prescribes
 * (unreserved characters and '/' kept, everything else %XX in upper case) so
 * that a client's choice of escapes (%7e or ~, %2a or *) does not matter; an
 * encoded slash (%2F) stays encoded. 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM.
 */
int aws_sigv4_s3_canonical_uri(const char *raw_path, sluice_buf *out);

/*
 * As aws_sigv4_canonical_request, with the canonical URI already built
 * (aws_sigv4_canonical_uri or aws_sigv4_s3_canonical_uri).
 */
int aws_sigv4_canonical_request_uri(const char *method, const char *canonical_uri,
                                    const http_pair *query, size_t query_count,
                                    const http_pair *headers, size_t header_count,
                                    const char *signed_headers, const char *payload_hash,
                                    sluice_buf *out, char *err, size_t errlen);

/* Appends the string to sign: algorithm, amz_date, scope ("date/region/service/aws4_request"),
 * hex SHA-256 of the canonical request. */
int aws_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
                             size_t len, sluice_buf *out);

/* Derives the signing key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request"). 0, or SLUICE_EINVAL (over-long secret) / SLUICE_EINTERNAL. */
int aws_sigv4_signing_key(const char *secret, const char *date, const char *region,
                          const char *service, unsigned char key[AWS_SIGV4_KEY_LEN]);

/* Hex HMAC-SHA256 of string_to_sign under key: the signature. 0 or SLUICE_EINTERNAL. */
int aws_sigv4_signature(const unsigned char key[AWS_SIGV4_KEY_LEN], const char *string_to_sign,
                        size_t len, char hex[AWS_SIGV4_HEX_LEN + 1]);

/* Lowercase hex SHA-256 of data. */
void aws_sigv4_sha256_hex(const void *data, size_t len, char hex[AWS_SIGV4_HEX_LEN + 1]);

/* True when name is one of the ';'-separated names in list (SignedHeaders; case-insensitive). */
bool aws_sigv4_list_has(const char *list, const char *name);

/*
 * Checks that every ';'-separated name of required is in signed_headers
 * (case-insensitive). 0, or SLUICE_ENOTFOUND with the first missing name, as
 * spelled in required, copied into missing (truncated to missing_len).
 * required NULL or "" requires nothing.
 */
int aws_sigv4_check_signed(const char *signed_headers, const char *required, char *missing,
                           size_t missing_len);

/*
 * Signs a request as a client: every header in headers (which must include
 * Host and must not include X-Amz-Date or Authorization) is signed, together
 * with X-Amz-Date for now_ms. The caller sends out->amz_date as X-Amz-Date and
 * out->authorization as Authorization (and may send out->payload_hash as
 * X-Amz-Content-SHA256, unsigned). 0, or SLUICE_EINVAL (missing Host, bad
 * arguments), SLUICE_ETOOBIG, SLUICE_ENOMEM.
 */
int aws_sigv4_sign(const char *access_key_id, const char *secret, const char *region,
                   const char *service, const char *method, const char *path,
                   const http_pair *query, size_t query_count, const http_pair *headers,
                   size_t header_count, const void *body, size_t body_len, int64_t now_ms,
                   aws_sigv4_signature_headers *out);

#endif
