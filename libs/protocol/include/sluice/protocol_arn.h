/*
 * protocol_arn.h — CodePipeline ARNs: building them and reading them back.
 *
 * A pipeline's ARN is arn:aws:codepipeline:<region>:<account>:<pipeline>; it
 * names the pipeline in every envelope's "resources", in GetPipeline's
 * metadata and in the tagging operations. Reading an ARN from the network
 * (a resourceArn) happens in two steps: the loose pattern botocore checks
 * (protocol_arn_pattern_ok), then the strict split into partition, service,
 * region, account and resource (protocol_arn_parse), from which
 * protocol_arn_pipeline_name takes the pipeline of one installation.
 *
 * Pure, no allocation; every read is bounded by the input's NUL (parsers never
 * look past it). Thread-safe.
 */
#ifndef SLUICE_PROTOCOL_ARN_H
#define SLUICE_PROTOCOL_ARN_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a buffer that holds any ARN this module builds or accepts, NUL included. */
#define PROTOCOL_ARN_MAX 1012 /* CodePipeline's ResourceArn: at most 1011 characters */

/*
 * Writes the pipeline ARN "arn:aws:codepipeline:<region>:<account>:<pipeline>"
 * into out[outlen]. 0, or SLUICE_ETOOBIG with out emptied when it does not fit,
 * or SLUICE_EINVAL when an argument is NULL.
 */
int protocol_arn_pipeline(char *out, size_t outlen, const char *region, const char *account,
                          const char *pipeline);

/*
 * True when arn matches botocore's ResourceArn pattern
 * arn:aws(-[\w]+)*:codepipeline:.+:[0-9]{12}:.+ (arn may be NULL: false).
 */
bool protocol_arn_pattern_ok(const char *arn);

/* The parts of an ARN: views into the parsed string (not NUL-terminated). */
typedef struct protocol_arn_part {
    const char *ptr;
    size_t len;
} protocol_arn_part;

typedef struct protocol_arn {
    protocol_arn_part partition; /* "aws", "aws-cn", ... */
    protocol_arn_part service;   /* "codepipeline" */
    protocol_arn_part region;
    protocol_arn_part account;  /* 12 digits */
    protocol_arn_part resource; /* everything after the account's ':' (may hold ':' and '/') */
} protocol_arn;

/*
 * Splits arn "arn:<partition>:<service>:<region>:<account>:<resource>" with a
 * partition aws(-[\w]+)*, a service and a region of [a-z0-9-]+, a 12-digit
 * account and a non-empty resource, at most PROTOCOL_ARN_MAX - 1 bytes in all. 0 with *out
 * filled (views into arn), or SLUICE_EPARSE with the reason in err (*out zeroed).
 */
int protocol_arn_parse(const char *arn, protocol_arn *out, char *err, size_t errlen);

/*
 * Reads the pipeline a CodePipeline ARN names in the given region and account:
 * the ARN must be exactly protocol_arn_pipeline(region, account, <name>) for a
 * valid pipeline name (protocol_names.h), which is copied into name[namelen]
 * (namelen > PROTOCOL_PIPELINE_NAME_MAX). 0; SLUICE_EINVAL with err when the
 * ARN is malformed or names something else; SLUICE_ETOOBIG when name is too small.
 */
int protocol_arn_pipeline_name(const char *arn, const char *region, const char *account, char *name,
                               size_t namelen, char *err, size_t errlen);

#endif
