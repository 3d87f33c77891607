/*
 * aws_chunked.h — the incremental decoder of aws-chunked request bodies
 * (Content-Encoding: aws-chunked; AWS S3 API Reference, "Signature
 * Calculations for the Authorization Header: Transferring Payload in Multiple
 * Chunks" and "... including trailing headers").
 *
 * Signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]):
 *   <hex size>;chunk-signature=<64 hex>\r\n <size bytes> \r\n ... 0;chunk-signature=<sig>\r\n
 *   then "\r\n", or (-TRAILER) trailer lines "name:value\r\n", the line
 *   "x-amz-trailer-signature:<64 hex>\r\n", and "\r\n".
 *   Chunk i's signature is HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n" date
 *   "\n" scope "\n" signature(i-1) "\n" SHA-256("") "\n" SHA-256(chunk i)),
 *   chained from the seed signature of the request; the trailer's is
 *   HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" last chunk
 *   signature "\n" SHA-256("name:value\n" for each trailer)).
 * Unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER): "<hex size>\r\n<bytes>\r\n"
 *   ... "0\r\n", trailer lines, "\r\n"; nothing is signed.
 *
 * The decoder takes the raw body in pieces of any size, hands decoded bytes
 * to a sink as they arrive (before the chunk that holds them is verified: a
 * caller writes them to a temporary place and commits only after
 * aws_chunked_finish), and keeps O(1) memory: chunk data are hashed, never
 * buffered. Bounded: chunk size (AWS_CHUNKED_CHUNK_MAX), line length
 * (AWS_CHUNKED_LINE_MAX), trailer count (AWS_CHUNKED_TRAILERS_MAX). After
 * the first error every call returns that error again.
 */
#ifndef SLUICE_AWS_CHUNKED_H
#define SLUICE_AWS_CHUNKED_H

#include "sluice/aws_s3auth.h"

#include <stddef.h>
#include <stdint.h>

#define AWS_CHUNKED_CHUNK_MAX     (64ULL * 1024 * 1024) /* bytes of one chunk */
#define AWS_CHUNKED_LINE_MAX      1024                  /* a size or trailer line without CRLF */
#define AWS_CHUNKED_TRAILERS_MAX  8
#define AWS_CHUNKED_TRAILER_NAME  64
#define AWS_CHUNKED_TRAILER_VALUE 256

typedef struct aws_chunked aws_chunked;

/* Receives decoded bytes; non-zero stops decoding (aws_chunked_feed returns it). */
typedef int (*aws_chunked_sink_fn)(const void *data, size_t len, void *ctx);

/*
 * A decoder for the body of the request auth authenticated (its payload mode,
 * signing key, seed signature, date and scope are copied). NULL when out of
 * memory or when auth's payload is not one of the STREAMING-* modes.
 */
aws_chunked *aws_chunked_new(const aws_s3auth_result *auth);

/*
 * Feeds raw body bytes (any split). 0, or negative with s3_code
 * ("SignatureDoesNotMatch" for a chunk signature, "InvalidRequest" for bad
 * framing, an over-long line or chunk, too many trailers, data after the
 * end) and err; a sink failure is returned as is with s3_code "InternalError".
 */
int aws_chunked_feed(aws_chunked *d, const void *data, size_t len, aws_chunked_sink_fn sink,
                     void *ctx, char s3_code[64], char *err, size_t errlen);

/*
 * After the last byte: checks that the final zero-size chunk and the end of
 * the trailers were seen ("IncompleteBody" otherwise) and the trailer
 * signature of the signed -TRAILER form ("SignatureDoesNotMatch"). 0 or
 * negative.
 */
int aws_chunked_finish(aws_chunked *d, char s3_code[64], char *err, size_t errlen);

/* A trailer's value by (case-insensitive) name after finish, or NULL. */
const char *aws_chunked_trailer(const aws_chunked *d, const char *name);

/* Number of trailers and the name of the i-th (lower case), or NULL. */
size_t aws_chunked_trailer_count(const aws_chunked *d);
const char *aws_chunked_trailer_name(const aws_chunked *d, size_t i);

/* Decoded bytes handed to the sink so far. */
uint64_t aws_chunked_decoded_bytes(const aws_chunked *d);

/* Wipes the key and frees. Accepts NULL. */
void aws_chunked_free(aws_chunked *d);

#endif
