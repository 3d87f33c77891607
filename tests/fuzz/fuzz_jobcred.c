/*
 * libFuzzer target for the job credential parsers: the session token
 * verifier (input "<access key id>\n<token>") and, on the same bytes, the
 * key file parser. A token that verifies must grant nothing beyond its scope
 * lists.
 */
#include "sluice/aws_jobcred.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static aws_jobcred_keys *fuzz_keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_keys == NULL) {
        aws_jobcred_keys_parse(
            &fuzz_keys, "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
            NULL, 0);
    }
    char *copy = malloc(size + 1);
    aws_jobcred_scope *scope = malloc(sizeof *scope);
    if (copy == NULL || scope == NULL) {
        free(copy);
        free(scope);
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    aws_jobcred_keys *keys = NULL;
    if (aws_jobcred_keys_parse(&keys, copy, NULL, 0) == 0) {
        aws_jobcred_keys_signing_id(keys);
        aws_jobcred_keys_free(keys);
    }
    char *nl = strchr(copy, '\n');
    const char *akid = copy;
    const char *token = "";
    if (nl != NULL) {
        *nl = '\0';
        token = nl + 1;
    }
    char secret[AWS_JOBCRED_SECRET_LEN + 1];
    char code[64];
    char err[256];
    if (aws_jobcred_verify(fuzz_keys, akid, token, 0, scope, secret, code, err, sizeof err) == 0) {
        if (scope->read_count > AWS_JOBCRED_OBJECTS_MAX ||
            scope->write_count > AWS_JOBCRED_OBJECTS_MAX ||
            aws_jobcred_allows(scope, AWS_JOBCRED_READ, "no-such-bucket-x", "k")) {
            abort();
        }
    }
    free(scope);
    free(copy);
    return 0;
}
