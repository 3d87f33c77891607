/*
 * aws_s3auth.h — SigV4 as S3 checks it: the Authorization header with every
 * payload mode of x-amz-content-sha256, and presigned URLs (query-string
 * SigV4 with an expiry). AWS S3 API Reference, "Authenticating Requests (AWS
 * Signature Version 4)".
 *
 * What differs from the CodePipeline form (aws_sigv4_verify):
 *   - the canonical URI is the path as received, encoded once and not
 *     normalised (aws_sigv4_s3_canonical_uri);
 *   - x-amz-content-sha256 is required in the header form and is the payload
 *     hash of the canonical request, whatever it says: a hex SHA-256 (the
 *     caller must check the body against result->payload_sha256),
 *     UNSIGNED-PAYLOAD, or one of the three STREAMING-* modes (the body is
 *     aws-chunked: aws_chunked.h decodes it with the seed signature and
 *     signing key left in the result);
 *   - presigned URLs: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 *     X-Amz-Expires (1..604800 s), X-Amz-SignedHeaders, X-Amz-Signature and
 *     optionally X-Amz-Security-Token in the query; the payload is
 *     UNSIGNED-PAYLOAD; after X-Amz-Date + X-Amz-Expires the URL is refused
 *     ("Request has expired");
 *   - S3's error codes (HTTP statuses: AccessDenied, SignatureDoesNotMatch,
 *     InvalidAccessKeyId, RequestTimeTooSkewed, ExpiredToken, InvalidToken
 *     403; AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
 *     InvalidRequest, InvalidArgument, MissingSecurityHeader 400 — see
 *     aws_s3auth_http_status).
 *
 * Keys: long-lived ones from an aws_credentials store (SLUICE_CREDENTIALS,
 * as the api), whose session token, when configured, must be sent; job
 * credentials (aws_jobcred.h) when the access key id is not in the store and
 * an X-Amz-Security-Token holding a job token is sent. The region of the
 * credential scope is checked only when the request names one. Pure and
 * thread-safe; the clock is an argument. Secrets never reach messages.
 */
#ifndef SLUICE_AWS_S3AUTH_H
#define SLUICE_AWS_S3AUTH_H

#include "sluice/aws_credentials.h"
#include "sluice/aws_jobcred.h"
#include "sluice/aws_sigv4.h"
#include "sluice/http_message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_S3AUTH_SERVICE         "s3"
#define AWS_S3AUTH_PRESIGN_MAX_S   604800 /* X-Amz-Expires bound: 7 days */
#define AWS_S3AUTH_SCOPE_MAX       128
#define AWS_S3AUTH_UNSIGNED        "UNSIGNED-PAYLOAD"
#define AWS_S3AUTH_STREAMING       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define AWS_S3AUTH_STREAMING_TRAIL "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define AWS_S3AUTH_UNSIGNED_TRAIL  "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

typedef enum aws_s3auth_payload {
    AWS_S3AUTH_PAYLOAD_SIGNED, /* x-amz-content-sha256 is the hex SHA-256 of the body: verify it */
    AWS_S3AUTH_PAYLOAD_UNSIGNED,                   /* UNSIGNED-PAYLOAD (and presigned URLs) */
    AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED,           /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
    AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER,   /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER */
    AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER, /* STREAMING-UNSIGNED-PAYLOAD-TRAILER */
} aws_s3auth_payload;

/* One request as received; everything borrowed for the call. */
typedef struct aws_s3auth_request {
    const char *method; /* "GET", "PUT", ... */
    const char
        *raw_path; /* the request target's path exactly as received (still percent-encoded) */
    const http_pair *query; /* decoded query parameters */
    size_t query_count;
    const http_pair *headers; /* as received; names case-insensitive */
    size_t header_count;
    int64_t now_ms;
    int64_t max_skew_ms; /* 0 = 15 minutes, as S3 */
    const char *region;  /* the region the scope must name, or NULL for any */
} aws_s3auth_request;

typedef struct aws_s3auth_result {
    char access_key_id[AWS_ACCESS_KEY_ID_MAX + 1]; /* as parsed, even on failure ("" if none) */
    char identity[AWS_IDENTITY_MAX + 1];           /* the configured identity, or "job:<job id>" */
    char role[AWS_ROLE_MAX + 1];                   /* the configured role, or "job" */
    bool presigned;
    aws_s3auth_payload payload;
    char payload_sha256[AWS_SIGV4_HEX_LEN + 1]; /* when PAYLOAD_SIGNED, lower case */
    /* What a streaming decoder needs to check chunk signatures: */
    unsigned char signing_key[AWS_SIGV4_KEY_LEN];
    char seed_signature[AWS_SIGV4_HEX_LEN + 1];
    char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1];
    char scope[AWS_S3AUTH_SCOPE_MAX]; /* date/region/s3/aws4_request */
    bool job;                         /* authenticated by job credentials: job_scope is set */
    aws_jobcred_scope job_scope;
} aws_s3auth_result;

/*
 * 0 when the request is authentic; otherwise SLUICE_EDENIED with s3_code set
 * to S3's error code and a human message in err, or SLUICE_EINVAL (bad
 * arguments) / SLUICE_ENOMEM with s3_code "InternalError". creds may be NULL
 * (job credentials only), jobkeys may be NULL (no job credentials). out is
 * always written; its signing key is sensitive (wipe it with
 * aws_s3auth_result_wipe when done).
 */
int aws_s3auth_verify(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                      const aws_s3auth_request *req, aws_s3auth_result *out, char s3_code[64],
                      char *err, size_t errlen);

/* The HTTP status S3 answers with for s3_code (403, 400, or 500 when unknown). */
int aws_s3auth_http_status(const char *s3_code);

/* Wipes the signing key and seed signature of a result. */
void aws_s3auth_result_wipe(aws_s3auth_result *result);

#endif
