/*
 * aws_chunked.h — STUB of libs/aws's aws-chunked decoder (the s3auth branch
 * owns the real one). Same names; the stub decodes the framing and trailers
 * but does not check chunk signatures. Deleted when the real header is merged.
 */
#ifndef SLUICE_AWS_CHUNKED_H
#define SLUICE_AWS_CHUNKED_H

#include "sluice/aws_s3auth.h"

#include <stddef.h>
#include <stdint.h>

typedef struct aws_chunked aws_chunked;
typedef int (*aws_chunked_sink_fn)(const void *data, size_t len, void *ctx);

aws_chunked *aws_chunked_new(const aws_s3auth_result *auth);
int aws_chunked_feed(aws_chunked *d, const void *data, size_t len, aws_chunked_sink_fn sink,
                     void *ctx, char s3_code[64], char *err, size_t errlen);
int aws_chunked_finish(aws_chunked *d, char s3_code[64], char *err, size_t errlen);
const char *aws_chunked_trailer(const aws_chunked *d, const char *name);
uint64_t aws_chunked_decoded_bytes(const aws_chunked *d);
void aws_chunked_free(aws_chunked *d);

#endif
