/*
 * aws_s3auth.h — STUB of libs/aws's S3 request authentication (the s3auth
 * branch owns the real module; see ARTIFACTS-AUTH). Same names and shapes;
 * the stub verifies header SigV4 only (no presigned URLs, no job credentials).
 * Deleted when libs/aws/include/sluice/aws_s3auth.h is merged.
 */
#ifndef SLUICE_AWS_S3AUTH_H
#define SLUICE_AWS_S3AUTH_H

#include "sluice/aws_credentials.h"
#include "sluice/aws_jobcred.h"
#include "sluice/aws_sigv4.h"
#include "sluice/http_message.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum aws_s3auth_payload {
    AWS_S3AUTH_PAYLOAD_SIGNED,   /* x-amz-content-sha256 is the hex SHA-256 of the body */
    AWS_S3AUTH_PAYLOAD_UNSIGNED, /* UNSIGNED-PAYLOAD (and presigned URLs) */
    AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED,
    AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER,
    AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER,
} aws_s3auth_payload;

typedef struct aws_s3auth_request {
    const char *method;
    const char *raw_path; /* the request target's path, percent-encoded */
    const http_pair *query;
    size_t query_count;
    const http_pair *headers;
    size_t header_count;
    int64_t now_ms;
    int64_t max_skew_ms;
} aws_s3auth_request;

typedef struct aws_s3auth_result {
    char access_key_id[AWS_ACCESS_KEY_ID_MAX + 1];
    char identity[AWS_IDENTITY_MAX + 1];
    char role[AWS_ROLE_MAX + 1];
    bool presigned;
    aws_s3auth_payload payload;
    char payload_sha256[AWS_SIGV4_HEX_LEN + 1];
    unsigned char signing_key[AWS_SIGV4_KEY_LEN];
    char seed_signature[AWS_SIGV4_HEX_LEN + 1];
    char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1];
    char scope[128];
    bool job;
    aws_jobcred_scope job_scope;
} aws_s3auth_result;

/* 0 when the request is authentic; otherwise a negative SLUICE_E* with s3_code and err set. */
int aws_s3auth_verify(const aws_credentials *creds, const aws_jobcred_keys *jobkeys,
                      const aws_s3auth_request *req, aws_s3auth_result *out, char s3_code[64],
                      char *err, size_t errlen);

#endif
