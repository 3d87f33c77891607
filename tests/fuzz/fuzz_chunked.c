/*
 * libFuzzer target for the aws-chunked decoder. Input: one byte choosing the
 * payload mode, one byte choosing how the rest is split between feeds, the
 * 64-character seed signature, then the body. The signing key and scope are
 * those of tests/unit/aws/s3auth_vectors.json, so its streaming bodies are
 * valid seeds.
 */
#include "sluice/aws_chunked.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_sink(const void *data, size_t len, void *ctx)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 + AWS_SIGV4_HEX_LEN) {
        return 0;
    }
    static const aws_s3auth_payload modes[] = {AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED,
                                               AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER,
                                               AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER};
    aws_s3auth_result *auth = calloc(1, sizeof *auth);
    if (auth == NULL) {
        return 0;
    }
    auth->payload = modes[data[0] % 3];
    size_t step = (size_t)data[1] + 1;
    memcpy(auth->seed_signature, data + 2, AWS_SIGV4_HEX_LEN);
    auth->seed_signature[AWS_SIGV4_HEX_LEN] = '\0';
    memcpy(auth->amz_date, "20261126T070747Z", sizeof auth->amz_date);
    memcpy(auth->scope, "20261126/us-east-1/s3/aws4_request",
           sizeof "20261126/us-east-1/s3/aws4_request");
    aws_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20261126", "us-east-1", "s3",
                          auth->signing_key);
    aws_chunked *d = aws_chunked_new(auth);
    free(auth);
    if (d == NULL) {
        return 0;
    }
    const uint8_t *body = data + 2 + AWS_SIGV4_HEX_LEN;
    size_t len = size - 2 - AWS_SIGV4_HEX_LEN;
    size_t decoded = 0;
    char code[64];
    char err[256];
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += step) {
        size_t n = len - off < step ? len - off : step;
        rc = aws_chunked_feed(d, body + off, n, fuzz_sink, &decoded, code, err, sizeof err);
    }
    if (rc == 0 && aws_chunked_finish(d, code, err, sizeof err) == 0) {
        for (size_t i = 0; i < aws_chunked_trailer_count(d); i++) {
            aws_chunked_trailer(d, aws_chunked_trailer_name(d, i));
        }
    }
    if (decoded != aws_chunked_decoded_bytes(d)) {
        abort();
    }
    aws_chunked_free(d);
    return 0;
}
