/*
 * fuzz_aws_cloneref.c — libFuzzer target over aws_cloneref_parse (libs/aws
 * aws_cloneref.h), the reader of a CODEBUILD_CLONE_REF reference file that
 * sluice-worker takes from an input artifact (stored input). The input is
 * copied into a heap block of exactly its size. Beyond not crashing: a parsed
 * reference passes aws_cloneref_check (so its URL carries no credentials and
 * cannot be taken for an option), a failure leaves it cleared with a message,
 * and a parsed reference builds back into text that parses to the same
 * members.
 */
#include "sluice/aws_cloneref.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    aws_cloneref ref;
    char err[256] = "";
    int rc = aws_cloneref_parse(text, size, &ref, err, sizeof err);
    free(text);
    if (rc != SLUICE_OK) {
        if (err[0] == '\0' || ref.url[0] != '\0' || ref.commit[0] != '\0') {
            abort();
        }
        return 0;
    }
    if (aws_cloneref_check(&ref, err, sizeof err) != SLUICE_OK || !aws_cloneref_url_ok(ref.url) ||
        ref.url[0] == '-' || strchr(ref.url, ' ') != NULL) {
        abort();
    }
    char *built = NULL;
    size_t len = 0;
    if (aws_cloneref_build(&ref, &built, &len, err, sizeof err) != SLUICE_OK) {
        abort();
    }
    aws_cloneref back;
    if (aws_cloneref_parse(built, len, &back, err, sizeof err) != SLUICE_OK ||
        strcmp(back.url, ref.url) != 0 || strcmp(back.commit, ref.commit) != 0 ||
        strcmp(back.branch, ref.branch) != 0 || strcmp(back.repository, ref.repository) != 0) {
        abort();
    }
    free(built);
    return 0;
}
