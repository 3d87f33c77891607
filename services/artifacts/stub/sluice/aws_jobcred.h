/*
 * aws_jobcred.h — STUB of libs/aws's job credentials (the s3auth branch owns the
 * real module). Only the types and aws_jobcred_allows that sluice-artifacts
 * calls; deleted when libs/aws/include/sluice/aws_jobcred.h is merged.
 */
#ifndef SLUICE_AWS_JOBCRED_H
#define SLUICE_AWS_JOBCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_JOBCRED_OBJECTS_MAX 32

typedef struct aws_jobcred_keys aws_jobcred_keys;

typedef struct aws_jobcred_scope {
    char job_id[128];
    char pipeline[128];
    int64_t expires_s;
    size_t read_count, write_count;
    char read[AWS_JOBCRED_OBJECTS_MAX][1100]; /* "bucket/key" */
    char write[AWS_JOBCRED_OBJECTS_MAX][1100];
} aws_jobcred_scope;

typedef enum { AWS_JOBCRED_READ, AWS_JOBCRED_WRITE } aws_jobcred_access;

/* True when scope lets its holder read (or write) bucket/key exactly. */
bool aws_jobcred_allows(const aws_jobcred_scope *scope, aws_jobcred_access access,
                        const char *bucket, const char *key);

#endif
