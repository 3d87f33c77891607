/*
 * libFuzzer target for the parsers of libs/aws that see network input: the
 * Authorization header, X-Amz-Date, X-Amz-Target, Content-Type, the JSON 1.1
 * request body, a whole SigV4 verification, and the credential configuration
 * string. The input is split at the first four '\n' into Authorization,
 * X-Amz-Date, X-Amz-Target and Content-Type; the rest is the body.
 */
#include "sluice/aws_credentials.h"
#include "sluice/aws_json.h"
#include "sluice/aws_sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FIELDS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';

    const char *fields[FUZZ_FIELDS] = {"", "", "", ""};
    char *cursor = copy;
    for (int i = 0; i < FUZZ_FIELDS; i++) {
        char *newline = memchr(cursor, '\n', size - (size_t)(cursor - copy));
        if (newline == NULL) {
            break;
        }
        *newline = '\0';
        fields[i] = cursor;
        cursor = newline + 1;
    }
    const char *body = cursor;
    size_t body_len = size - (size_t)(cursor - copy);

    aws_sigv4_authorization auth;
    char err[512];
    if (aws_sigv4_parse_authorization(fields[0], &auth, err, sizeof err) == 0) {
        http_pair headers[] = {{"Host", "127.0.0.1:7070"}, {"X-Amz-Date", fields[1]}};
        sluice_buf canonical;
        sluice_buf_init(&canonical, 1 << 16);
        aws_sigv4_canonical_headers(headers, 2, auth.signed_headers, &canonical, err, sizeof err);
        sluice_buf_free(&canonical);
    }
    int64_t ms = 0;
    aws_sigv4_parse_amz_date(fields[1], &ms);

    char op[AWS_JSON_OPERATION_MAX + 1];
    aws_json_error error;
    aws_json_target_parse(fields[2], AWS_JSON_CODEPIPELINE_PREFIX, op, sizeof op, &error);
    aws_json_content_type_ok(fields[3]);
    json_t *input = NULL;
    if (aws_json_body_parse(body, body_len, 0, &input, &error) == 0) {
        json_decref(input);
    }

    aws_credentials *store = aws_credentials_new();
    if (store != NULL) {
        aws_credentials_add(store, "AKIDSLUICEFUZZ000001", "fuzz-secret", NULL, "fuzz", "admin",
                            err, sizeof err);
        http_pair headers[] = {{"Host", "127.0.0.1:7070"},
                               {"Authorization", fields[0]},
                               {"X-Amz-Date", fields[1]},
                               {"X-Amz-Target", fields[2]},
                               {"Content-Type", fields[3]}};
        http_pair query[] = {{fields[2], fields[3]}};
        http_request req = {.method = "POST",
                            .path = fields[3],
                            .headers = headers,
                            .header_count = 5,
                            .query = query,
                            .query_count = 1,
                            .body = body,
                            .body_len = body_len};
        aws_sigv4_config config = {.region = "us-east-1", .service = "codepipeline"};
        aws_sigv4_result result;
        aws_sigv4_verify(&config, store, &req, 1795676867000, &result);
        aws_credentials_parse(store, fields[0], err, sizeof err);
        aws_credentials_free(store);
    }
    free(copy);
    return 0;
}
