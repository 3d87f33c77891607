/*
 * aws_json.h — the AWS JSON 1.1 protocol as CodePipeline speaks it
 * (smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html):
 *
 *   POST / HTTP/1.1
 *   X-Amz-Target: CodePipeline_20150709.ListPipelines
 *   Content-Type: application/x-amz-json-1.1
 *   {}
 *
 * answered with a JSON object and, on failure, {"__type": "<Name>",
 * "message": "..."} with the exception's HTTP status. Every answer carries an
 * x-amzn-RequestId header (the CLI and SDKs read it). Timestamps travel as
 * epoch seconds with millisecond precision (a JSON real).
 *
 * Status codes: CodePipeline's modelled exceptions carry no httpStatusCode
 * trait, so they are client errors, 400 (botocore's
 * data/codepipeline/2015-07-09/service-2.json); so are the common errors
 * AccessDeniedException, ThrottlingException, ValidationException,
 * UnknownOperationException, SerializationException and the SigV4 ones.
 * InternalFailure / InternalServerError are 500, ServiceUnavailable(Exception) 503.
 *
 * Pure functions over borrowed inputs (apart from the random request id);
 * thread-safe.
 */
#ifndef SLUICE_AWS_JSON_H
#define SLUICE_AWS_JSON_H

#include "sluice/buf.h"
#include "sluice/http_message.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_JSON_CONTENT_TYPE        "application/x-amz-json-1.1"
#define AWS_JSON_CODEPIPELINE_PREFIX "CodePipeline_20150709"
#define AWS_JSON_REQUEST_ID_HEADER   "x-amzn-RequestId"
#define AWS_JSON_ERROR_TYPE_HEADER   "x-amzn-ErrorType"
#define AWS_JSON_OPERATION_MAX       64   /* bytes of an operation name */
#define AWS_JSON_REQUEST_ID_LEN      36   /* a UUID */
#define AWS_JSON_MAX_DEPTH           32   /* nesting accepted in a request body */
#define AWS_JSON_MESSAGE_MAX         1024 /* bytes of an error message kept */

/* A protocol-level failure: what to answer. */
typedef struct aws_json_error {
    int http_status;
    char type[64]; /* e.g. "SerializationException" */
    char message[AWS_JSON_MESSAGE_MAX];
} aws_json_error;

/*
 * Splits an X-Amz-Target value "<prefix>.<Operation>" and checks the prefix
 * against expected_prefix (AWS_JSON_CODEPIPELINE_PREFIX for the api). The
 * operation must be 1..AWS_JSON_OPERATION_MAX ASCII letters and digits
 * starting with a letter. Writes the operation into op (op_size >=
 * AWS_JSON_OPERATION_MAX + 1). 0, or SLUICE_EPARSE with *error set to
 * UnknownOperationException (400) — the answer for a missing or foreign
 * target — and op "". Whether the operation exists is the caller's question
 * (answer UnknownOperationException too when it does not).
 */
int aws_json_target_parse(const char *target, const char *expected_prefix, char *op, size_t op_size,
                          aws_json_error *error);

/*
 * True when a request Content-Type is acceptable, leniently as AWS is:
 * absent (NULL), application/x-amz-json-1.1, application/x-amz-json-1.0 or
 * application/json, in any case, with or without parameters (";charset=...").
 */
bool aws_json_content_type_ok(const char *content_type);

/*
 * Parses a request body: empty (or only blanks) means {}; otherwise it must
 * be one JSON object nested at most max_depth deep (0 = AWS_JSON_MAX_DEPTH)
 * with no duplicate keys. 0 with *out a new reference the caller must
 * json_decref, or SLUICE_EPARSE with *out NULL and *error set to
 * SerializationException (400), or SLUICE_ENOMEM with *error InternalFailure (500).
 */
int aws_json_body_parse(const char *body, size_t len, size_t max_depth, json_t **out,
                        aws_json_error *error);

/* The HTTP status of an error type: 500, 503, or 400 for everything else. */
int aws_json_error_status(const char *type);

/*
 * Appends {"__type":"<type>","message":"<message>"} to out (message bytes
 * that are not UTF-8 become '?'). 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM.
 */
int aws_json_error_render(const char *type, const char *message, sluice_buf *out);

/*
 * Fills resp with an error answer: aws_json_error_status(type), Content-Type
 * AWS_JSON_CONTENT_TYPE, the body of aws_json_error_render and the headers
 * x-amzn-RequestId: request_id and x-amzn-ErrorType: type. 0, or the failure
 * of http_response_set_body / http_response_add_header (the response may
 * then hold the body without the headers).
 */
int aws_json_respond_error(http_response *resp, const char *type, const char *message,
                           const char *request_id);

/*
 * Fills resp with a 200 answer: body (borrowed; a JSON object) serialised
 * compactly with reals at 16 significant digits (so epoch-millisecond
 * timestamps print as 1467929497.204), Content-Type AWS_JSON_CONTENT_TYPE and
 * x-amzn-RequestId: request_id. Same failure contract as aws_json_respond_error.
 */
int aws_json_respond(http_response *resp, const json_t *body, const char *request_id);

/* A new random request id (a lowercase UUID, 37 bytes with the NUL). 0, or SLUICE_EIO. */
int aws_json_request_id(char out[AWS_JSON_REQUEST_ID_LEN + 1]);

/*
 * A new JSON real holding epoch milliseconds as epoch seconds (1467929497.204),
 * or NULL when out of memory. The caller owns the reference (use it with the
 * json_object_set_new family).
 */
json_t *aws_json_timestamp(int64_t ms);

/*
 * Reads a timestamp member given as epoch seconds (integer or real) into epoch
 * milliseconds. 0, or SLUICE_EINVAL when value is not a number or out of range.
 */
int aws_json_timestamp_ms(const json_t *value, int64_t *ms);

#endif
