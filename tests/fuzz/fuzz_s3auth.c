/*
 * libFuzzer target for aws_s3auth_verify: the Authorization header and
 * presigned query parsers and the whole S3 SigV4 check, with long-lived keys
 * and job credentials. Input: a method line, a raw path line, a query line
 * ("name=value&..." split on '&' and the first '=', not decoded), then header
 * lines "Name: value" up to an empty line or the end.
 */
#include "sluice/aws_s3auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_PAIRS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static aws_credentials *fuzz_creds;
static aws_jobcred_keys *fuzz_keys;

static char *fuzz_line(char **cursor)
{
    char *start = *cursor;
    char *nl = strchr(start, '\n');
    if (nl == NULL) {
        *cursor = start + strlen(start);
    } else {
        *nl = '\0';
        *cursor = nl + 1;
    }
    return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_creds == NULL) {
        fuzz_creds = aws_credentials_new();
        aws_credentials_add(fuzz_creds, "AKIDSLUICETEST000001",
                            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, "demo", "admin", NULL,
                            0);
        aws_jobcred_keys_parse(
            &fuzz_keys, "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
            NULL, 0);
    }
    char *copy = malloc(size + 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *cursor = copy;
    const char *method = fuzz_line(&cursor);
    const char *path = fuzz_line(&cursor);
    char *query_text = fuzz_line(&cursor);
    http_pair query[FUZZ_PAIRS];
    size_t query_count = 0;
    for (char *q = query_text; *q != '\0' && query_count < FUZZ_PAIRS;) {
        char *amp = strchr(q, '&');
        char *next = amp != NULL ? amp + 1 : q + strlen(q);
        if (amp != NULL) {
            *amp = '\0';
        }
        char *eq = strchr(q, '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        query[query_count++] = (http_pair){q, eq != NULL ? eq + 1 : ""};
        q = next;
    }
    http_pair headers[FUZZ_PAIRS];
    size_t header_count = 0;
    while (*cursor != '\0' && header_count < FUZZ_PAIRS) {
        char *line = fuzz_line(&cursor);
        if (*line == '\0') {
            break;
        }
        char *colon = strchr(line, ':');
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ') {
            value++;
        }
        headers[header_count++] = (http_pair){line, value};
    }
    aws_s3auth_request req = {.method = method,
                              .raw_path = path,
                              .query = query,
                              .query_count = query_count,
                              .headers = headers,
                              .header_count = header_count,
                              .now_ms = 1795676867000LL};
    aws_s3auth_result *out = malloc(sizeof *out);
    char code[64];
    char err[512];
    if (out != NULL) {
        aws_s3auth_verify(fuzz_creds, fuzz_keys, &req, out, code, err, sizeof err);
        aws_s3auth_http_status(code);
        free(out);
    }
    free(copy);
    return 0;
}
