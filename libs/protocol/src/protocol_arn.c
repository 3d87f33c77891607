/*
 * protocol_arn.c — building and reading CodePipeline ARNs (protocol_arn.h).
 *
 * The readers walk the string once, each step checking for the NUL before it
 * looks further, so no input (empty, cut right after a ':', unterminated
 * field) makes them read past its end. Pure.
 */
#include "sluice/protocol_arn.h"

#include "sluice/error.h"
#include "sluice/protocol_names.h"

#include <stdio.h>
#include <string.h>

int protocol_arn_pipeline(char *out, size_t outlen, const char *region, const char *account,
                          const char *pipeline)
{
    if (out == NULL || outlen == 0) {
        return SLUICE_ETOOBIG;
    }
    out[0] = '\0';
    if (region == NULL || account == NULL || pipeline == NULL) {
        return SLUICE_EINVAL;
    }
    int n = snprintf(out, outlen, "arn:aws:codepipeline:%s:%s:%s", region, account, pipeline);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return SLUICE_ETOOBIG;
    }
    return SLUICE_OK;
}

static bool protocol_arn_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads aws(-[\w]+)* at p; returns the first byte after it, or NULL when p does not start so. */
static const char *protocol_arn_partition_end(const char *p)
{
    if (strncmp(p, "aws", 3) != 0) {
        return NULL;
    }
    p += 3;
    while (*p == '-') {
        p++;
        const char *start = p;
        while (protocol_arn_word_char(*p)) {
            p++;
        }
        if (p == start) {
            return NULL;
        }
    }
    return p;
}

bool protocol_arn_pattern_ok(const char *arn)
{
    if (arn == NULL || strncmp(arn, "arn:", 4) != 0) {
        return false;
    }
    const char *p = protocol_arn_partition_end(arn + 4);
    if (p == NULL || strncmp(p, ":codepipeline:", 14) != 0) {
        return false;
    }
    /* .+:[0-9]{12}:.+ — a ":<12 digits>:" with something before and after. */
    const char *rest = p + 14;
    if (*rest == '\0') {
        return false; /* nothing after ":codepipeline:" (rest + 1 would be past the end) */
    }
    for (const char *c = rest + 1; *c != '\0'; c++) {
        if (c[-1] != ':' || c - 1 == rest) {
            continue;
        }
        size_t digits = 0;
        while (digits < 12 && c[digits] >= '0' && c[digits] <= '9') {
            digits++;
        }
        if (digits == 12 && c[12] == ':' && c[13] != '\0') {
            return true;
        }
    }
    return false;
}

/* Reads [a-z0-9-]+ up to the next ':'; NULL when the field is empty, holds another byte or ends. */
static const char *protocol_arn_field(const char *p, protocol_arn_part *part)
{
    const char *start = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-') {
        p++;
    }
    if (p == start || *p != ':') {
        return NULL;
    }
    part->ptr = start;
    part->len = (size_t)(p - start);
    return p + 1;
}

int protocol_arn_parse(const char *arn, protocol_arn *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (arn == NULL || strncmp(arn, "arn:", 4) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "an ARN starts with \"arn:\"");
    }
    size_t total = 0;
    while (total < PROTOCOL_ARN_MAX && arn[total] != '\0') {
        total++;
    }
    if (total >= PROTOCOL_ARN_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "an ARN has at most %d characters",
                                PROTOCOL_ARN_MAX - 1);
    }
    protocol_arn arn_parts;
    memset(&arn_parts, 0, sizeof arn_parts);
    const char *p = arn + 4;
    const char *end = protocol_arn_partition_end(p);
    if (end == NULL || *end != ':') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the ARN's partition is not aws(-[\\w]+)*");
    }
    arn_parts.partition.ptr = p;
    arn_parts.partition.len = (size_t)(end - p);
    p = protocol_arn_field(end + 1, &arn_parts.service);
    if (p == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the ARN's service is not [a-z0-9-]+");
    }
    p = protocol_arn_field(p, &arn_parts.region);
    if (p == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the ARN's region is not [a-z0-9-]+");
    }
    size_t digits = 0;
    while (digits < 12 && p[digits] >= '0' && p[digits] <= '9') {
        digits++;
    }
    if (digits != 12 || p[12] != ':') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the ARN's account is not 12 digits followed by ':'");
    }
    arn_parts.account.ptr = p;
    arn_parts.account.len = 12;
    p += 13;
    if (*p == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the ARN names no resource");
    }
    arn_parts.resource.ptr = p;
    arn_parts.resource.len = total - (size_t)(p - arn);
    *out = arn_parts;
    return SLUICE_OK;
}

static bool protocol_arn_part_is(const protocol_arn_part *part, const char *s)
{
    return strlen(s) == part->len && memcmp(part->ptr, s, part->len) == 0;
}

int protocol_arn_pipeline_name(const char *arn, const char *region, const char *account, char *name,
                               size_t namelen, char *err, size_t errlen)
{
    if (name != NULL && namelen > 0) {
        name[0] = '\0';
    }
    protocol_arn parts;
    char why[128];
    if (protocol_arn_parse(arn, &parts, why, sizeof why) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s", why);
    }
    if (!protocol_arn_part_is(&parts.partition, "aws") ||
        !protocol_arn_part_is(&parts.service, "codepipeline") || region == NULL ||
        !protocol_arn_part_is(&parts.region, region) || account == NULL ||
        !protocol_arn_part_is(&parts.account, account)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the ARN is not of CodePipeline in account %.12s and %.64s",
                                account != NULL ? account : "?", region != NULL ? region : "?");
    }
    if (parts.resource.len > PROTOCOL_PIPELINE_NAME_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the ARN's resource is longer than a pipeline name");
    }
    char candidate[PROTOCOL_PIPELINE_NAME_MAX + 1];
    memcpy(candidate, parts.resource.ptr, parts.resource.len);
    candidate[parts.resource.len] = '\0';
    if (!protocol_pipeline_name_ok(candidate)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the ARN's resource is not a pipeline name");
    }
    if (name == NULL || namelen <= parts.resource.len) {
        return SLUICE_ETOOBIG;
    }
    memcpy(name, candidate, parts.resource.len + 1);
    return SLUICE_OK;
}
