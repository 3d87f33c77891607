/*
 * fuzz_protocol_arn.c — libFuzzer target over the ARN readers of
 * libs/protocol (protocol_arn.h), which see every resourceArn a caller sends.
 * The input is copied into a heap block of exactly its size plus the NUL, so a
 * read past the end trips AddressSanitizer. Beyond not crashing: every view
 * parse returns lies inside the input, a parsed ARN of CodePipeline matches
 * the pattern, and a pipeline name read back builds the same ARN again.
 */
#include "sluice/error.h"
#include "sluice/protocol_arn.h"
#include "sluice/protocol_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(const char *arn, size_t len, protocol_arn_part part)
{
    if (part.ptr < arn || part.ptr + part.len > arn + len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *arn = malloc(size + 1);
    if (arn == NULL) {
        return 0;
    }
    memcpy(arn, data, size);
    arn[size] = '\0';
    size_t len = strlen(arn);
    bool pattern = protocol_arn_pattern_ok(arn);
    protocol_arn parts;
    char err[128];
    if (protocol_arn_parse(arn, &parts, err, sizeof err) == SLUICE_OK) {
        check_part(arn, len, parts.partition);
        check_part(arn, len, parts.service);
        check_part(arn, len, parts.region);
        check_part(arn, len, parts.account);
        check_part(arn, len, parts.resource);
        if (parts.account.len != 12 || parts.resource.len == 0 || parts.region.len == 0) {
            abort();
        }
        if (parts.service.len == 12 && memcmp(parts.service.ptr, "codepipeline", 12) == 0 &&
            !pattern) {
            abort(); /* the strict reading accepts only what the loose pattern does */
        }
    }
    char name[PROTOCOL_PIPELINE_NAME_MAX + 1];
    if (protocol_arn_pipeline_name(arn, "us-east-1", "123456789012", name, sizeof name, err,
                                   sizeof err) == SLUICE_OK) {
        char again[PROTOCOL_ARN_MAX];
        if (!pattern || !protocol_pipeline_name_ok(name) ||
            protocol_arn_pipeline(again, sizeof again, "us-east-1", "123456789012", name) !=
                SLUICE_OK ||
            strcmp(again, arn) != 0) {
            abort(); /* a name read from an ARN builds that ARN again */
        }
    }
    free(arn);
    return 0;
}
