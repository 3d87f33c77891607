/*
 * art_s3.c — the S3 REST shell (see art_s3.h).
 *
 * A request goes through begin (route, authenticate, checks the headers
 * decide: bucket and upload exist, size bounds, free space), data (the body:
 * streamed into a writer for PutObject / UploadPart, kept in a bounded buffer
 * for XML bodies, refused otherwise), end (the operation) and done (the writer
 * is freed, which unlinks its temporary file unless it was committed — so a
 * client that disconnects leaves nothing behind).
 */
#define _XOPEN_SOURCE 700 /* strptime */

#include "art_s3.h"

#include "art_access.h"
#include "art_copy.h"
#include "art_list.h"
#include "art_mpu.h"
#include "art_range.h"
#include "art_route.h"
#include "art_xml.h"

#include "sluice/aws_chunked.h"
#include "sluice/aws_s3auth.h"
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S3_XML_CTYPE    "application/xml"
#define S3_RESPONSE_MAX (8 * 1024 * 1024)
#define S3_COPY_BUF     (256 * 1024)
#define S3_LIST_DEFAULT 1000
#define S3_REQUEST_ID   17
#define S3_MESSAGE_MAX  512

struct art_s3 {
    art_s3_config config;
    atomic_long in_flight;
    http_metrics_family *requests, *errors, *bytes_in, *bytes_out, *uploads;
};

typedef enum { BODY_NONE, BODY_XML, BODY_STREAM } s3_body_mode;

/* One request across the callbacks. */
typedef struct s3_request {
    art_s3 *s3;
    art_route route;
    char request_id[S3_REQUEST_ID + 1];
    aws_s3auth_result auth;
    s3_body_mode mode;
    bool counted; /* in in_flight */
    art_store_writer *writer;
    aws_chunked *chunked;
    sluice_buf xml;
    uint64_t received; /* decoded body bytes */
    /* the first failure while the body streamed: answered at end */
    char fail_code[64];
    char fail_message[S3_MESSAGE_MAX];
    unsigned part_number;
    char upload_id[ART_STORE_UPLOAD_ID_LEN + 1];
    art_copy_source source; /* CopyObject / UploadPartCopy */
} s3_request;

/* --------------------------------------------------------------- responses */

typedef struct s3_error_status {
    const char *code;
    int status;
} s3_error_status;

static const s3_error_status s3_statuses[] = {
    {"AccessDenied", 403},
    {"AuthorizationHeaderMalformed", 400},
    {"BadDigest", 400},
    {"BucketAlreadyOwnedByYou", 409},
    {"BucketNotEmpty", 409},
    {"EntityTooLarge", 400},
    {"EntityTooSmall", 400},
    {"ExpiredToken", 400},
    {"IncompleteBody", 400},
    {"InsufficientStorage", 507},
    {"InternalError", 500},
    {"InvalidAccessKeyId", 403},
    {"InvalidArgument", 400},
    {"InvalidBucketName", 400},
    {"InvalidDigest", 400},
    {"InvalidPart", 400},
    {"InvalidPartOrder", 400},
    {"InvalidRange", 416},
    {"InvalidRequest", 400},
    {"InvalidToken", 400},
    {"KeyTooLongError", 400},
    {"MalformedXML", 400},
    {"MetadataTooLarge", 400},
    {"MethodNotAllowed", 405},
    {"MissingContentLength", 411},
    {"MissingSecurityHeader", 400},
    {"NoSuchBucket", 404},
    {"NoSuchKey", 404},
    {"NoSuchUpload", 404},
    {"NoSuchVersion", 404},
    {"NotImplemented", 501},
    {"PreconditionFailed", 412},
    {"RequestTimeTooSkewed", 403},
    {"SignatureDoesNotMatch", 403},
    {"XAmzContentSHA256Mismatch", 400},
};

static int s3_status_of(const char *code)
{
    for (size_t i = 0; i < sizeof s3_statuses / sizeof s3_statuses[0]; i++) {
        if (strcmp(s3_statuses[i].code, code) == 0) {
            return s3_statuses[i].status;
        }
    }
    return 400;
}

static void s3_error(s3_request *r, http_response *resp, const char *code, const char *message)
{
    sluice_buf body;
    sluice_buf_init(&body, S3_RESPONSE_MAX);
    char resource[ART_KEYPATH_KEY_MAX + ART_KEYPATH_BUCKET_MAX + 4] = "";
    if (r->route.bucket[0] != '\0') {
        snprintf(resource, sizeof resource, "/%s%s%s", r->route.bucket,
                 r->route.key[0] != '\0' ? "/" : "", r->route.key);
    }
    int status = s3_status_of(code);
    if (art_xml_error(code, message, resource, r->request_id, &body) == SLUICE_OK) {
        http_response_set_body(resp, status, S3_XML_CTYPE, body.data, body.len);
    } else {
        http_response_set_body(resp, status, S3_XML_CTYPE, "", 0);
    }
    sluice_buf_free(&body);
    http_response_add_header(resp, "x-amz-request-id", r->request_id);
    if (r->s3->errors != NULL) {
        const char *labels[] = {code};
        http_metrics_inc(r->s3->errors, labels, 1);
    }
}

static void s3_xml_send(s3_request *r, http_response *resp, art_xml *x)
{
    sluice_buf body;
    sluice_buf_init(&body, S3_RESPONSE_MAX);
    if (x == NULL || art_xml_finish(x, &body) != SLUICE_OK) {
        sluice_buf_free(&body);
        s3_error(r, resp, "InternalError", "cannot render the response");
        return;
    }
    http_response_set_body(resp, 200, S3_XML_CTYPE, body.data, body.len);
    sluice_buf_free(&body);
    http_response_add_header(resp, "x-amz-request-id", r->request_id);
}

static void s3_empty(s3_request *r, http_response *resp, int status)
{
    http_response_set_body(resp, status, "", "", 0);
    http_response_add_header(resp, "x-amz-request-id", r->request_id);
}

static void s3_iso_time(int64_t ms, char *out, size_t outlen)
{
    sluice_time_format_rfc3339_ms(ms, out, outlen);
}

static void s3_http_date(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool s3_parse_http_date(const char *text, int64_t *ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0') {
        return false;
    }
    *ms = (int64_t)timegm(&tm) * 1000;
    return true;
}

static void s3_quoted(const char *etag, char *out, size_t outlen)
{
    snprintf(out, outlen, "\"%s\"", etag);
}

/* ------------------------------------------------------------------ helpers */

static const char *s3_query(const http_request *req, const char *name)
{
    return http_request_query(req, name);
}

static bool s3_parse_u64(const char *text, uint64_t *out)
{
    if (text == NULL || text[0] < '0' || text[0] > '9') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}

/* Fills meta's content type and x-amz-meta-* from the request headers. */
static void s3_meta_from_headers(const http_request *req, art_store_meta *meta)
{
    const char *ctype = http_request_header(req, "Content-Type");
    snprintf(meta->content_type, sizeof meta->content_type, "%s",
             ctype != NULL ? ctype : "binary/octet-stream");
    meta->user_count = 0;
    for (size_t i = 0; i < req->header_count && meta->user_count < ART_STORE_META_MAX; i++) {
        const char *name = req->headers[i].name;
        if (strncasecmp(name, "x-amz-meta-", 11) != 0 || name[11] == '\0') {
            continue;
        }
        size_t n = 0;
        for (const char *p = name + 11; *p != '\0' && n < ART_STORE_META_NAME_MAX; p++) {
            meta->user_name[meta->user_count][n++] = (char)tolower((unsigned char)*p);
        }
        meta->user_name[meta->user_count][n] = '\0';
        snprintf(meta->user_value[meta->user_count], sizeof meta->user_value[0], "%s",
                 req->headers[i].value);
        meta->user_count++;
    }
}

/*
 * Records who wrote an object: the pipeline and pipeline execution of the job
 * credentials that authenticated the write (what retention sweeps by), none
 * for long-lived keys.
 */
static void s3_meta_tag(const s3_request *r, art_store_meta *meta)
{
    meta->pipeline[0] = '\0';
    meta->execution[0] = '\0';
    if (r->auth.job) {
        snprintf(meta->pipeline, sizeof meta->pipeline, "%s", r->auth.job_scope.pipeline);
        snprintf(meta->execution, sizeof meta->execution, "%s", r->auth.job_scope.execution_id);
    }
}

static void s3_add_object_headers(http_response *resp, const art_store_meta *meta)
{
    char text[128];
    s3_quoted(meta->etag, text, sizeof text);
    http_response_add_header(resp, "ETag", text);
    s3_http_date(meta->mtime_ms, text, sizeof text);
    http_response_add_header(resp, "Last-Modified", text);
    http_response_add_header(resp, "Accept-Ranges", "bytes");
    for (size_t i = 0; i < meta->user_count; i++) {
        char name[ART_STORE_META_NAME_MAX + 16];
        snprintf(name, sizeof name, "x-amz-meta-%s", meta->user_name[i]);
        http_response_add_header(resp, name, meta->user_value[i]);
    }
}

/* true when the bucket's versioning was ever enabled (versions then carry x-amz-version-id). */
static bool s3_versioned(const s3_request *r, const char *bucket)
{
    art_store_versioning v = ART_STORE_VERSIONING_NEVER;
    return art_store_bucket_versioning_get(r->s3->config.store, bucket, &v) == SLUICE_OK &&
           v != ART_STORE_VERSIONING_NEVER;
}

/*
 * The request's ?versionId= into *out (NULL when absent). false (and resp,
 * InvalidArgument) when it is not an id this store could have issued.
 */
static bool s3_version_param(s3_request *r, const http_request *req, http_response *resp,
                             const char **out)
{
    *out = s3_query(req, "versionId");
    if (*out != NULL && !art_store_version_id_valid(*out)) {
        s3_error(r, resp, "InvalidArgument", "Invalid version id specified");
        return false;
    }
    return true;
}

static void s3_add_version_headers(http_response *resp, const char *version_id, bool marker)
{
    if (marker) {
        http_response_add_header(resp, "x-amz-delete-marker", "true");
    }
    if (version_id != NULL && version_id[0] != '\0') {
        http_response_add_header(resp, "x-amz-version-id", version_id);
    }
}

/* ------------------------------------------------------------- body intake */

static int s3_sink(const void *data, size_t len, void *ctx)
{
    s3_request *r = ctx;
    char err[256];
    r->received += len;
    if (r->received > r->s3->config.max_object_size) {
        snprintf(r->fail_code, sizeof r->fail_code, "EntityTooLarge");
        snprintf(r->fail_message, sizeof r->fail_message,
                 "Your proposed upload exceeds the maximum allowed object size of %llu bytes.",
                 (unsigned long long)r->s3->config.max_object_size);
        return SLUICE_ETOOBIG;
    }
    int rc = art_store_writer_write(r->writer, data, len, err, sizeof err);
    if (rc != SLUICE_OK) {
        snprintf(r->fail_code, sizeof r->fail_code, "InternalError");
        snprintf(r->fail_message, sizeof r->fail_message, "%s", err);
    }
    return rc;
}

static int s3_data(void *stream, const char *bytes, size_t len, void *ctx)
{
    (void)ctx;
    s3_request *r = stream;
    if (r->s3->bytes_in != NULL) {
        http_metrics_inc(r->s3->bytes_in, NULL, (double)len);
    }
    if (r->fail_code[0] != '\0') {
        return -1;
    }
    if (r->mode == BODY_XML) {
        if (sluice_buf_append(&r->xml, bytes, len) != SLUICE_OK) {
            snprintf(r->fail_code, sizeof r->fail_code, "MalformedXML");
            snprintf(r->fail_message, sizeof r->fail_message, "the XML body exceeds %d bytes",
                     ART_XML_BODY_MAX);
            return -1;
        }
        return 0;
    }
    if (r->mode != BODY_STREAM) {
        return 0; /* a body where none is expected is ignored, as S3 does */
    }
    if (r->chunked != NULL) {
        char code[64] = "";
        char err[256];
        if (aws_chunked_feed(r->chunked, bytes, len, s3_sink, r, code, err, sizeof err) !=
            SLUICE_OK) {
            if (r->fail_code[0] == '\0') {
                snprintf(r->fail_code, sizeof r->fail_code, "%s",
                         code[0] != '\0' ? code : "InvalidRequest");
                snprintf(r->fail_message, sizeof r->fail_message, "%s", err);
            }
            return -1;
        }
        return 0;
    }
    return s3_sink(bytes, len, r) == SLUICE_OK ? 0 : -1;
}

/* -------------------------------------------------------------- begin checks */

static bool s3_is_upload_op(art_route_op op)
{
    return op == ART_OP_PUT_OBJECT || op == ART_OP_UPLOAD_PART;
}

/* Sets up streaming of the body; answers (resp) and returns false on refusal. */
static bool s3_begin_stream(s3_request *r, const http_request *req, http_response *resp)
{
    art_s3 *s3 = r->s3;
    const char *encoding = http_request_header(req, "Content-Encoding");
    bool chunked = r->auth.payload == AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED ||
                   r->auth.payload == AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER ||
                   r->auth.payload == AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER ||
                   (encoding != NULL && strstr(encoding, "aws-chunked") != NULL);
    const char *length =
        http_request_header(req, chunked ? "x-amz-decoded-content-length" : "Content-Length");
    uint64_t declared = 0;
    bool has_length = s3_parse_u64(length, &declared);
    if (!has_length && http_request_header(req, "Transfer-Encoding") == NULL) {
        s3_error(r, resp, "MissingContentLength",
                 "You must provide the Content-Length HTTP header.");
        return false;
    }
    if (has_length && declared > s3->config.max_object_size) {
        char message[S3_MESSAGE_MAX];
        snprintf(message, sizeof message,
                 "Your proposed upload exceeds the maximum allowed object size of %llu bytes.",
                 (unsigned long long)s3->config.max_object_size);
        s3_error(r, resp, "EntityTooLarge", message);
        return false;
    }
    uint64_t free_bytes = art_store_free_bytes(s3->config.store);
    if (free_bytes != UINT64_MAX && (free_bytes < s3->config.min_free_bytes ||
                                     free_bytes - s3->config.min_free_bytes < declared)) {
        char message[S3_MESSAGE_MAX];
        snprintf(message, sizeof message,
                 "The artifact store keeps %llu bytes of its disk free and cannot take this "
                 "upload now (%llu bytes free).",
                 (unsigned long long)s3->config.min_free_bytes, (unsigned long long)free_bytes);
        s3_error(r, resp, "InsufficientStorage", message);
        return false;
    }
    char err[256];
    if (art_store_writer_new(s3->config.store, &r->writer, err, sizeof err) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", err);
        return false;
    }
    if (chunked) {
        r->chunked = aws_chunked_new(&r->auth);
        if (r->chunked == NULL) {
            s3_error(r, resp, "InternalError", "out of memory");
            return false;
        }
    }
    r->mode = BODY_STREAM;
    r->counted = true;
    long now = atomic_fetch_add(&s3->in_flight, 1) + 1;
    if (s3->uploads != NULL) {
        http_metrics_set(s3->uploads, NULL, (double)now);
    }
    return true;
}

/* Long-lived keys: their role's classes (art_access); job credentials: their scope. */
static bool s3_access_allows(const s3_request *r)
{
    if (!r->auth.job) {
        return art_access_allows(r->auth.role, r->route.op);
    }
    switch (r->route.op) {
    case ART_OP_GET_OBJECT:
    case ART_OP_HEAD_OBJECT:
        return aws_jobcred_allows(&r->auth.job_scope, AWS_JOBCRED_READ, r->route.bucket,
                                  r->route.key);
    case ART_OP_PUT_OBJECT:
    case ART_OP_CREATE_MULTIPART_UPLOAD:
    case ART_OP_UPLOAD_PART:
    case ART_OP_COMPLETE_MULTIPART_UPLOAD:
    case ART_OP_ABORT_MULTIPART_UPLOAD:
    case ART_OP_LIST_PARTS:
        return aws_jobcred_allows(&r->auth.job_scope, AWS_JOBCRED_WRITE, r->route.bucket,
                                  r->route.key);
    case ART_OP_COPY_OBJECT:
    case ART_OP_UPLOAD_PART_COPY: /* reads the source, writes the destination */
        return aws_jobcred_allows(&r->auth.job_scope, AWS_JOBCRED_READ, r->source.bucket,
                                  r->source.key) &&
               aws_jobcred_allows(&r->auth.job_scope, AWS_JOBCRED_WRITE, r->route.bucket,
                                  r->route.key);
    default:
        return false;
    }
}

/* bytes of x-amz-meta-* names (after the prefix) and values a request may store, as S3 */
#define S3_USER_META_MAX 2048

/* Header checks before authentication (*code, *msg set when refused): names that are not HTTP
 * tokens and values with control characters (libmicrohttpd lets both through), an Authorization
 * scheme other than SigV4's or SigV2's (S3: Unsupported Authorization Type), a repeated
 * x-amz-content-sha256; and user metadata over S3's 2 KB on the operations that store it
 * (CopyObject only with REPLACE). */
static bool s3_headers_refused(const http_request *req, art_route_op op, const char **code,
                               const char **msg)
{
    size_t meta_bytes = 0;
    unsigned sha256_count = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        const char *name = req->headers[i].name;
        const char *value = req->headers[i].value;
        bool bad = name[0] == '\0';
        for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
            bad = bad || *c <= 0x20 || *c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *c) != NULL;
        }
        for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
            bad = bad || (*c < 0x20 && *c != '\t') || *c == 0x7f;
        }
        if (bad) {
            *code = "InvalidArgument";
            *msg = "A header name or value has characters HTTP does not allow.";
            return true;
        }
        if (strncasecmp(name, "x-amz-meta-", 11) == 0) {
            meta_bytes += strlen(name + 11) + strlen(value);
        }
        sha256_count += strcasecmp(name, "x-amz-content-sha256") == 0;
    }
    const char *auth = http_request_header(req, "Authorization");
    if (auth != NULL && strncmp(auth, "AWS4-HMAC-SHA256 ", 17) != 0 &&
        strncmp(auth, "AWS ", 4) != 0) {
        *code = "InvalidArgument";
        *msg = "Unsupported Authorization Type";
        return true;
    }
    if (sha256_count > 1) {
        *code = "InvalidArgument";
        *msg = "x-amz-content-sha256 must be given once.";
        return true;
    }
    const char *directive = http_request_header(req, "x-amz-metadata-directive");
    bool replace = directive != NULL && strcmp(directive, "REPLACE") == 0;
    if (meta_bytes > S3_USER_META_MAX &&
        (op == ART_OP_PUT_OBJECT || op == ART_OP_CREATE_MULTIPART_UPLOAD ||
         (op == ART_OP_COPY_OBJECT && replace))) {
        *code = "MetadataTooLarge";
        *msg = "Your metadata headers exceed the maximum allowed metadata size.";
        return true;
    }
    return false;
}

static void s3_begin(const http_request *req, http_response *resp, void **stream, void *ctx)
{
    art_s3 *s3 = ctx;
    s3_request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        http_response_set_body(resp, 503, "text/plain", "out of memory", 13);
        return;
    }
    *stream = r;
    r->s3 = s3;
    sluice_buf_init(&r->xml, ART_XML_BODY_MAX);
    char rnd[9];
    unsigned char raw[4] = {0};
    sluice_random_bytes(raw, sizeof raw);
    snprintf(rnd, sizeof rnd, "%02X%02X%02X%02X", raw[0], raw[1], raw[2], raw[3]);
    snprintf(r->request_id, sizeof r->request_id, "%08llX%s",
             (unsigned long long)(sluice_time_now_ms() & 0xffffffffLL), rnd);

    int rc = art_route_resolve(
        req->method, req->path, req->query, req->query_count, http_request_header(req, "Host"),
        http_request_header(req, "x-amz-copy-source") != NULL, s3->config.vhost_domain, &r->route);
    if (s3->requests != NULL) {
        const char *labels[] = {art_route_op_name(r->route.op)};
        http_metrics_inc(s3->requests, labels, 1);
    }
    if (rc == SLUICE_EINVAL) {
        s3_error(r, resp, "InvalidBucketName", "The specified bucket is not valid.");
        return;
    }
    if (rc == SLUICE_ETOOBIG) {
        s3_error(r, resp, "KeyTooLongError",
                 "Your key is too long or not valid UTF-8 (at most 1024 bytes).");
        return;
    }
    if (rc != SLUICE_OK) {
        s3_error(r, resp, "NotImplemented",
                 "A header or query you provided implies functionality that is not implemented.");
        return;
    }

    const char *refused_code = NULL;
    const char *refused_msg = NULL;
    if (s3_headers_refused(req, r->route.op, &refused_code, &refused_msg)) {
        s3_error(r, resp, refused_code, refused_msg);
        return;
    }

    /* authenticate */
    sluice_buf raw_path;
    sluice_buf_init(&raw_path, 4 * ART_KEYPATH_KEY_MAX + 256);
    char code[64] = "";
    char err[S3_MESSAGE_MAX] = "";
    rc = aws_sigv4_uri_encode(req->path, strlen(req->path), 1, &raw_path);
    aws_s3auth_request areq = {
        .method = req->method,
        .raw_path = sluice_buf_cstr(&raw_path),
        .query = req->query,
        .query_count = req->query_count,
        .headers = req->headers,
        .header_count = req->header_count,
        .now_ms = sluice_time_now_ms(),
        .max_skew_ms = AWS_SIGV4_MAX_SKEW_MS,
    };
    if (rc == SLUICE_OK) {
        rc = aws_s3auth_verify(s3->config.creds, s3->config.jobkeys, &areq, &r->auth, code, err,
                               sizeof err);
    } else {
        snprintf(code, sizeof code, "KeyTooLongError");
        snprintf(err, sizeof err, "the request path is too long");
    }
    sluice_buf_free(&raw_path);
    if (rc != SLUICE_OK) {
        s3_error(r, resp, code[0] != '\0' ? code : "AccessDenied", err);
        return;
    }
    if (r->route.op == ART_OP_COPY_OBJECT || r->route.op == ART_OP_UPLOAD_PART_COPY) {
        if (art_copy_source_parse(http_request_header(req, "x-amz-copy-source"), &r->source) !=
            SLUICE_OK) {
            s3_error(r, resp, "InvalidArgument",
                     "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
            return;
        }
        if (r->source.version_id[0] != '\0' && !art_store_version_id_valid(r->source.version_id)) {
            s3_error(r, resp, "InvalidArgument", "Invalid version id specified");
            return;
        }
    }
    if (!s3_access_allows(r)) {
        s3_error(r, resp, "AccessDenied", "Access Denied");
        return;
    }

    /* checks the headers decide */
    art_route_op op = r->route.op;
    bool bucket_op = op != ART_OP_LIST_BUCKETS && op != ART_OP_CREATE_BUCKET;
    if (bucket_op && !art_store_bucket_exists(s3->config.store, r->route.bucket)) {
        s3_error(r, resp, "NoSuchBucket", "The specified bucket does not exist");
        return;
    }
    if (op == ART_OP_UPLOAD_PART || op == ART_OP_UPLOAD_PART_COPY) {
        const char *number = s3_query(req, "partNumber");
        uint64_t n = 0;
        if (!s3_parse_u64(number, &n) || n < 1 || n > ART_XML_PARTS_MAX) {
            s3_error(r, resp, "InvalidArgument",
                     "Part number must be an integer between 1 and 10000, inclusive");
            return;
        }
        r->part_number = (unsigned)n;
    }
    if (op == ART_OP_UPLOAD_PART || op == ART_OP_UPLOAD_PART_COPY ||
        op == ART_OP_COMPLETE_MULTIPART_UPLOAD || op == ART_OP_ABORT_MULTIPART_UPLOAD ||
        op == ART_OP_LIST_PARTS) {
        const char *id = s3_query(req, "uploadId");
        char owner[ART_KEYPATH_BUCKET_MAX + 1];
        art_store_meta *meta = malloc(sizeof *meta);
        bool ok =
            meta != NULL && id != NULL &&
            art_store_upload_get(s3->config.store, id, owner, sizeof owner, meta) == SLUICE_OK &&
            strcmp(owner, r->route.bucket) == 0 && strcmp(meta->key, r->route.key) == 0;
        free(meta);
        if (!ok) {
            s3_error(r, resp, "NoSuchUpload",
                     "The specified upload does not exist. The upload ID may be invalid, or the "
                     "upload may have been aborted or completed.");
            return;
        }
        snprintf(r->upload_id, sizeof r->upload_id, "%s", id);
    }
    if (s3_is_upload_op(op)) {
        s3_begin_stream(r, req, resp);
        return;
    }
    if (op == ART_OP_COMPLETE_MULTIPART_UPLOAD || op == ART_OP_DELETE_OBJECTS ||
        op == ART_OP_PUT_BUCKET_VERSIONING) {
        r->mode = BODY_XML;
    }
}

/* --------------------------------------------------------- checks at the end */

/* Compares the digests with what the client declared; false (and resp) on mismatch. */
static bool s3_check_digests(s3_request *r, const http_request *req, const art_digest_result *d,
                             art_store_meta *meta, http_response *resp)
{
    const char *md5 = http_request_header(req, "Content-MD5");
    if (md5 != NULL) {
        size_t len = strlen(md5);
        unsigned char decoded[32];
        int n = len == 24 && md5[22] == '=' && md5[23] == '='
                    ? EVP_DecodeBlock(decoded, (const unsigned char *)md5, 24)
                    : -1;
        if (n != 18) {
            s3_error(r, resp, "InvalidDigest", "The Content-MD5 you specified was invalid.");
            return false;
        }
        if (memcmp(decoded, d->md5, 16) != 0) {
            s3_error(r, resp, "BadDigest",
                     "The Content-MD5 you specified did not match what we received.");
            return false;
        }
    }
    if (r->auth.payload == AWS_S3AUTH_PAYLOAD_SIGNED &&
        strcmp(r->auth.payload_sha256, d->sha256_hex) != 0) {
        s3_error(r, resp, "XAmzContentSHA256Mismatch",
                 "The provided 'x-amz-content-sha256' header does not match what was computed.");
        return false;
    }
    static const struct {
        const char *header;
        const char *algorithm;
        size_t offset;
    } checks[] = {
        {"x-amz-checksum-crc32", "CRC32", offsetof(art_digest_result, crc32_b64)},
        {"x-amz-checksum-crc32c", "CRC32C", offsetof(art_digest_result, crc32c_b64)},
        {"x-amz-checksum-sha256", "SHA256", offsetof(art_digest_result, sha256_b64)},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const char *sent = http_request_header(req, checks[i].header);
        if (sent == NULL && r->chunked != NULL) {
            sent = aws_chunked_trailer(r->chunked, checks[i].header);
        }
        if (sent == NULL) {
            continue;
        }
        const char *computed = (const char *)d + checks[i].offset;
        if (strcmp(sent, computed) != 0) {
            char message[S3_MESSAGE_MAX];
            snprintf(message, sizeof message,
                     "The %s you specified did not match the calculated checksum.",
                     checks[i].algorithm);
            s3_error(r, resp, "BadDigest", message);
            return false;
        }
        if (meta != NULL) {
            snprintf(meta->checksum_algorithm, sizeof meta->checksum_algorithm, "%s",
                     checks[i].algorithm);
            snprintf(meta->checksum, sizeof meta->checksum, "%s", computed);
        }
    }
    return true;
}

/* --------------------------------------------------------------- operations */

static void s3_list_buckets(s3_request *r, http_response *resp)
{
    art_store_entry *entries = NULL;
    size_t count = 0;
    if (art_store_bucket_list(r->s3->config.store, &entries, &count) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot list buckets");
        return;
    }
    art_xml *x = art_xml_new("ListAllMyBucketsResult");
    if (x != NULL) {
        art_xml_open(x, "Owner");
        art_xml_text(x, "ID", "sluice");
        art_xml_text(x, "DisplayName", "sluice");
        art_xml_close(x);
        art_xml_open(x, "Buckets");
        for (size_t i = 0; i < count; i++) {
            char when[64];
            s3_iso_time(entries[i].mtime_ms, when, sizeof when);
            art_xml_open(x, "Bucket");
            art_xml_text(x, "Name", entries[i].key);
            art_xml_text(x, "CreationDate", when);
            art_xml_close(x);
        }
        art_xml_close(x);
    }
    art_store_entries_free(entries, count);
    s3_xml_send(r, resp, x);
}

static void s3_list_objects(s3_request *r, const http_request *req, http_response *resp, bool v2)
{
    art_store_entry *entries = NULL;
    size_t count = 0;
    int rc = art_store_object_list(r->s3->config.store, r->route.bucket, r->s3->config.list_max,
                                   &entries, &count);
    if (rc != SLUICE_OK) {
        s3_error(r, resp, rc == SLUICE_ENOTFOUND ? "NoSuchBucket" : "InternalError",
                 rc == SLUICE_ENOTFOUND ? "The specified bucket does not exist"
                                        : "cannot list the bucket");
        return;
    }
    const char **keys = calloc(count + 1, sizeof *keys);
    if (keys == NULL) {
        art_store_entries_free(entries, count);
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        keys[i] = entries[i].key;
    }
    const char *prefix = s3_query(req, "prefix");
    const char *delimiter = s3_query(req, "delimiter");
    const char *max = s3_query(req, "max-keys");
    uint64_t max_keys = S3_LIST_DEFAULT;
    if (max != NULL && (!s3_parse_u64(max, &max_keys))) {
        free(keys);
        art_store_entries_free(entries, count);
        s3_error(r, resp, "InvalidArgument",
                 "Provided max-keys not an integer or within integer range");
        return;
    }
    if (max_keys > S3_LIST_DEFAULT) {
        max_keys = S3_LIST_DEFAULT;
    }
    char start[ART_KEYPATH_KEY_MAX + 2] = "";
    bool start_is_prefix = false;
    const char *token = v2 ? s3_query(req, "continuation-token") : NULL;
    if (token != NULL) {
        if (art_list_token_decode(token, start, sizeof start, &start_is_prefix) != SLUICE_OK) {
            free(keys);
            art_store_entries_free(entries, count);
            s3_error(r, resp, "InvalidArgument", "The continuation token provided is incorrect");
            return;
        }
    } else {
        const char *after = s3_query(req, v2 ? "start-after" : "marker");
        snprintf(start, sizeof start, "%s", after != NULL ? after : "");
    }
    art_list_params params = {prefix != NULL ? prefix : "", delimiter != NULL ? delimiter : "",
                              start, start_is_prefix, (size_t)max_keys};
    art_list_result result;
    if (art_list_run(keys, count, &params, &result) != SLUICE_OK) {
        free(keys);
        art_store_entries_free(entries, count);
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    art_xml *x = art_xml_new("ListBucketResult");
    if (x != NULL) {
        art_xml_text(x, "Name", r->route.bucket);
        art_xml_text(x, "Prefix", params.prefix);
        if (params.delimiter[0] != '\0') {
            art_xml_text(x, "Delimiter", params.delimiter);
        }
        art_xml_textf(x, "MaxKeys", "%llu", (unsigned long long)max_keys);
        art_xml_text(x, "IsTruncated", result.truncated ? "true" : "false");
        if (v2) {
            art_xml_textf(x, "KeyCount", "%zu", result.content_count + result.prefix_count);
            if (token != NULL) {
                art_xml_text(x, "ContinuationToken", token);
            }
            if (result.truncated) {
                char next[ART_LIST_TOKEN_MAX];
                if (art_list_token_encode(result.next, result.next_is_prefix, next, sizeof next) ==
                    SLUICE_OK) {
                    art_xml_text(x, "NextContinuationToken", next);
                }
            }
        } else {
            art_xml_text(x, "Marker", start);
            if (result.truncated && params.delimiter[0] != '\0') {
                art_xml_text(x, "NextMarker", result.next);
            }
        }
        for (size_t i = 0; i < result.content_count; i++) {
            const art_store_entry *e = &entries[result.contents[i]];
            char when[64];
            char etag[ART_DIGEST_ETAG_MAX + 2];
            s3_iso_time(e->mtime_ms, when, sizeof when);
            s3_quoted(e->etag, etag, sizeof etag);
            art_xml_open(x, "Contents");
            art_xml_text(x, "Key", e->key);
            art_xml_text(x, "LastModified", when);
            art_xml_text(x, "ETag", etag);
            art_xml_textf(x, "Size", "%llu", (unsigned long long)e->size);
            art_xml_text(x, "StorageClass", "STANDARD");
            art_xml_close(x);
        }
        for (size_t i = 0; i < result.prefix_count; i++) {
            art_xml_open(x, "CommonPrefixes");
            art_xml_text(x, "Prefix", result.prefixes[i]);
            art_xml_close(x);
        }
    }
    art_list_result_free(&result);
    free(keys);
    art_store_entries_free(entries, count);
    s3_xml_send(r, resp, x);
}

static void s3_put_object(s3_request *r, const http_request *req, http_response *resp)
{
    char err[256];
    art_digest_result d;
    if (r->chunked != NULL) {
        char code[64] = "";
        if (aws_chunked_finish(r->chunked, code, err, sizeof err) != SLUICE_OK) {
            s3_error(r, resp, code[0] != '\0' ? code : "IncompleteBody", err);
            return;
        }
    }
    const char *declared = http_request_header(
        req, r->chunked != NULL ? "x-amz-decoded-content-length" : "Content-Length");
    uint64_t want = 0;
    if (s3_parse_u64(declared, &want) && want != r->received) {
        s3_error(r, resp, "IncompleteBody",
                 "You did not provide the number of bytes specified by the Content-Length HTTP "
                 "header.");
        return;
    }
    if (art_store_writer_finish(r->writer, &d, err, sizeof err) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", err);
        return;
    }
    art_store_meta *meta = calloc(1, sizeof *meta);
    if (meta == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    if (!s3_check_digests(r, req, &d, meta, resp)) {
        free(meta);
        return; /* the writer's temporary file goes in done */
    }
    char etag[ART_DIGEST_ETAG_MAX + 2];
    if (r->route.op == ART_OP_UPLOAD_PART) {
        if (art_store_upload_put_part(r->s3->config.store, r->writer, r->upload_id, r->part_number,
                                      &d, err, sizeof err) != SLUICE_OK) {
            free(meta);
            s3_error(r, resp, "NoSuchUpload", "The specified upload does not exist.");
            return;
        }
        s3_quoted(d.md5_hex, etag, sizeof etag);
    } else {
        snprintf(meta->key, sizeof meta->key, "%s", r->route.key);
        s3_meta_from_headers(req, meta);
        s3_meta_tag(r, meta);
        int rc = art_store_commit_object(r->s3->config.store, r->writer, r->route.bucket, meta, err,
                                         sizeof err);
        if (rc != SLUICE_OK) {
            free(meta);
            s3_error(r, resp, rc == SLUICE_ENOTFOUND ? "NoSuchBucket" : "InternalError", err);
            return;
        }
        s3_quoted(meta->etag, etag, sizeof etag);
        if (r->s3->config.on_stored != NULL) {
            r->s3->config.on_stored(r->route.bucket, meta, &r->auth, r->s3->config.stored_ctx);
        }
    }
    bool versioned = r->route.op == ART_OP_PUT_OBJECT && s3_versioned(r, r->route.bucket);
    s3_empty(r, resp, 200);
    http_response_add_header(resp, "ETag", etag);
    if (versioned) {
        s3_add_version_headers(resp, meta->version_id, false);
    }
    free(meta);
}

static void s3_get_object(s3_request *r, const http_request *req, http_response *resp, bool head)
{
    art_store_meta *meta = malloc(sizeof *meta);
    if (meta == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    int fd = -1;
    bool no_bucket = false;
    const char *version = NULL;
    if (!s3_version_param(r, req, resp, &version)) {
        free(meta);
        return;
    }
    int rc = art_store_object_open_version(r->s3->config.store, r->route.bucket, r->route.key,
                                           version, meta, &fd, &no_bucket);
    if (rc == SLUICE_OK && meta->delete_marker) {
        if (version != NULL) {
            s3_error(r, resp, "MethodNotAllowed",
                     "The specified method is not allowed against this resource.");
            http_response_add_header(resp, "Allow", "DELETE");
        } else {
            s3_error(r, resp, "NoSuchKey", "The specified key does not exist.");
        }
        s3_add_version_headers(resp, meta->version_id, true);
        free(meta);
        return;
    }
    if (rc != SLUICE_OK) {
        free(meta);
        if (rc == SLUICE_ENOTFOUND && !no_bucket && version != NULL) {
            s3_error(r, resp, "NoSuchVersion", "The specified version does not exist.");
        } else if (rc == SLUICE_ENOTFOUND) {
            s3_error(r, resp, no_bucket ? "NoSuchBucket" : "NoSuchKey",
                     no_bucket ? "The specified bucket does not exist"
                               : "The specified key does not exist.");
        } else {
            s3_error(r, resp, "InternalError", "cannot open the object");
        }
        return;
    }
    bool versioned = s3_versioned(r, r->route.bucket);
    char etag[ART_DIGEST_ETAG_MAX + 2];
    s3_quoted(meta->etag, etag, sizeof etag);
    const char *if_match = http_request_header(req, "If-Match");
    const char *if_none = http_request_header(req, "If-None-Match");
    const char *if_since = http_request_header(req, "If-Modified-Since");
    const char *if_unmod = http_request_header(req, "If-Unmodified-Since");
    int64_t when = 0;
    int64_t mtime_s = meta->mtime_ms / 1000 * 1000;
    if ((if_match != NULL && strcmp(if_match, etag) != 0 && strcmp(if_match, "*") != 0) ||
        (if_match == NULL && if_unmod != NULL && s3_parse_http_date(if_unmod, &when) &&
         mtime_s > when)) {
        close(fd);
        free(meta);
        s3_error(r, resp, "PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold");
        return;
    }
    if ((if_none != NULL && (strcmp(if_none, etag) == 0 || strcmp(if_none, "*") == 0)) ||
        (if_none == NULL && if_since != NULL && s3_parse_http_date(if_since, &when) &&
         mtime_s <= when)) {
        close(fd);
        s3_empty(r, resp, 304);
        s3_add_object_headers(resp, meta);
        if (versioned) {
            s3_add_version_headers(resp, meta->version_id, false);
        }
        free(meta);
        return;
    }
    uint64_t start = 0;
    uint64_t length = meta->size;
    art_range_kind kind =
        art_range_parse(http_request_header(req, "Range"), meta->size, &start, &length);
    if (kind == ART_RANGE_UNSATISFIABLE) {
        close(fd);
        free(meta);
        s3_error(r, resp, "InvalidRange", "The requested range is not satisfiable");
        char text[64];
        snprintf(text, sizeof text, "bytes */%llu", (unsigned long long)length);
        http_response_add_header(resp, "Content-Range", text);
        return;
    }
    int status = kind == ART_RANGE_PARTIAL ? 206 : 200;
    const char *ctype = s3_query(req, "response-content-type");
    if (length == 0) {
        close(fd);
        http_response_set_body(resp, status, ctype != NULL ? ctype : meta->content_type, "", 0);
    } else if (http_response_set_file(resp, status, ctype != NULL ? ctype : meta->content_type, fd,
                                      start, length) != SLUICE_OK) {
        free(meta);
        s3_error(r, resp, "InternalError", "cannot send the object");
        return;
    }
    http_response_add_header(resp, "x-amz-request-id", r->request_id);
    s3_add_object_headers(resp, meta);
    if (versioned) {
        s3_add_version_headers(resp, meta->version_id, false);
    }
    if (kind == ART_RANGE_PARTIAL) {
        char text[96];
        snprintf(text, sizeof text, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + length - 1), (unsigned long long)meta->size);
        http_response_add_header(resp, "Content-Range", text);
    }
    if (!head && r->s3->bytes_out != NULL) {
        http_metrics_inc(r->s3->bytes_out, NULL, (double)length);
    }
    free(meta);
}

static void s3_create_upload(s3_request *r, const http_request *req, http_response *resp)
{
    art_store_meta *meta = calloc(1, sizeof *meta);
    if (meta == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    snprintf(meta->key, sizeof meta->key, "%s", r->route.key);
    s3_meta_from_headers(req, meta);
    char id[ART_STORE_UPLOAD_ID_LEN + 1];
    int rc = art_store_upload_create(r->s3->config.store, r->route.bucket, meta, id);
    free(meta);
    if (rc != SLUICE_OK) {
        s3_error(r, resp, rc == SLUICE_ENOTFOUND ? "NoSuchBucket" : "InternalError",
                 "cannot start the upload");
        return;
    }
    art_xml *x = art_xml_new("InitiateMultipartUploadResult");
    if (x != NULL) {
        art_xml_text(x, "Bucket", r->route.bucket);
        art_xml_text(x, "Key", r->route.key);
        art_xml_text(x, "UploadId", id);
    }
    s3_xml_send(r, resp, x);
}

/* Appends part number's bytes to w with a fixed buffer. */
static int s3_copy_part(s3_request *r, art_store_writer *w, unsigned number, char *buf)
{
    int fd = -1;
    char err[256];
    if (art_store_upload_open_part(r->s3->config.store, r->upload_id, number, &fd) != SLUICE_OK) {
        return SLUICE_ENOTFOUND;
    }
    int rc = SLUICE_OK;
    for (;;) {
        ssize_t n = read(fd, buf, S3_COPY_BUF);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = SLUICE_EIO;
            break;
        }
        if (n == 0) {
            break;
        }
        rc = art_store_writer_write(w, buf, (size_t)n, err, sizeof err);
        if (rc != SLUICE_OK) {
            break;
        }
    }
    close(fd);
    return rc;
}

static void s3_complete_upload(s3_request *r, http_response *resp)
{
    art_s3 *s3 = r->s3;
    char err[S3_MESSAGE_MAX];
    art_xml_part *parts = malloc(ART_XML_PARTS_MAX * sizeof *parts);
    unsigned char(*md5s)[16] = malloc(ART_XML_PARTS_MAX * sizeof *md5s);
    art_store_meta *meta = calloc(1, sizeof *meta);
    char *buf = malloc(S3_COPY_BUF);
    art_store_entry *stored = NULL;
    size_t nstored = 0;
    art_store_writer *w = NULL;
    size_t count = 0;
    if (parts == NULL || md5s == NULL || meta == NULL || buf == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        goto out;
    }
    int rc = art_xml_parse_complete(sluice_buf_cstr(&r->xml), r->xml.len, parts, ART_XML_PARTS_MAX,
                                    &count, err, sizeof err);
    if (rc != SLUICE_OK) {
        s3_error(r, resp, "MalformedXML", err);
        goto out;
    }
    for (size_t i = 1; i < count; i++) {
        if (parts[i].number <= parts[i - 1].number) {
            s3_error(r, resp, "InvalidPartOrder",
                     "The list of parts was not in ascending order. The parts list must be "
                     "specified in order by part number.");
            goto out;
        }
    }
    char bucket[ART_KEYPATH_BUCKET_MAX + 1];
    if (art_store_upload_get(s3->config.store, r->upload_id, bucket, sizeof bucket, meta) !=
            SLUICE_OK ||
        art_store_upload_parts(s3->config.store, r->upload_id, &stored, &nstored) != SLUICE_OK) {
        s3_error(r, resp, "NoSuchUpload", "The specified upload does not exist.");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        const art_store_entry *found = NULL;
        for (size_t j = 0; j < nstored; j++) {
            if (stored[j].number == parts[i].number) {
                found = &stored[j];
            }
        }
        unsigned char md5[16];
        unsigned char want[16];
        if (found == NULL || art_digest_parse_etag(parts[i].etag, md5) != SLUICE_OK ||
            art_digest_parse_etag(found->etag, want) != SLUICE_OK || memcmp(md5, want, 16) != 0) {
            s3_error(r, resp, "InvalidPart",
                     "One or more of the specified parts could not be found. The part may not "
                     "have been uploaded, or the specified entity tag may not match the part's "
                     "entity tag.");
            goto out;
        }
        if (i + 1 < count && found->size < s3->config.min_part_size) {
            s3_error(r, resp, "EntityTooSmall",
                     "Your proposed upload is smaller than the minimum allowed size");
            goto out;
        }
        memcpy(md5s[i], md5, 16);
    }
    if (art_store_writer_new(s3->config.store, &w, err, sizeof err) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", err);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (s3_copy_part(r, w, parts[i].number, buf) != SLUICE_OK) {
            s3_error(r, resp, "InternalError", "cannot assemble the parts");
            goto out;
        }
    }
    art_digest_result d;
    if (art_store_writer_finish(w, &d, err, sizeof err) != SLUICE_OK ||
        art_digest_multipart_etag((const unsigned char(*)[16])md5s, count, meta->etag) !=
            SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot finish the object");
        goto out;
    }
    meta->parts = (unsigned)count;
    s3_meta_tag(r, meta);
    if (art_store_commit_object(s3->config.store, w, r->route.bucket, meta, err, sizeof err) !=
        SLUICE_OK) {
        s3_error(r, resp, "InternalError", err);
        goto out;
    }
    art_store_upload_abort(s3->config.store, r->upload_id); /* the parts are no longer needed */
    if (s3->config.on_stored != NULL) {
        s3->config.on_stored(r->route.bucket, meta, &r->auth, s3->config.stored_ctx);
    }
    art_xml *x = art_xml_new("CompleteMultipartUploadResult");
    if (x != NULL) {
        char location[ART_KEYPATH_KEY_MAX + 96];
        char etag[ART_DIGEST_ETAG_MAX + 2];
        snprintf(location, sizeof location, "/%s/%s", r->route.bucket, r->route.key);
        s3_quoted(meta->etag, etag, sizeof etag);
        art_xml_text(x, "Location", location);
        art_xml_text(x, "Bucket", r->route.bucket);
        art_xml_text(x, "Key", r->route.key);
        art_xml_text(x, "ETag", etag);
    }
    s3_xml_send(r, resp, x);
    if (s3_versioned(r, r->route.bucket)) {
        s3_add_version_headers(resp, meta->version_id, false);
    }
out:
    art_store_writer_free(w);
    art_store_entries_free(stored, nstored);
    free(parts);
    free(md5s);
    free(meta);
    free(buf);
}

static void s3_list_parts(s3_request *r, http_response *resp)
{
    art_store_entry *stored = NULL;
    size_t n = 0;
    if (art_store_upload_parts(r->s3->config.store, r->upload_id, &stored, &n) != SLUICE_OK) {
        s3_error(r, resp, "NoSuchUpload", "The specified upload does not exist.");
        return;
    }
    art_xml *x = art_xml_new("ListPartsResult");
    if (x != NULL) {
        art_xml_text(x, "Bucket", r->route.bucket);
        art_xml_text(x, "Key", r->route.key);
        art_xml_text(x, "UploadId", r->upload_id);
        art_xml_text(x, "IsTruncated", "false");
        for (size_t i = 0; i < n; i++) {
            char when[64];
            char etag[ART_DIGEST_ETAG_MAX + 2];
            s3_iso_time(stored[i].mtime_ms, when, sizeof when);
            s3_quoted(stored[i].etag, etag, sizeof etag);
            art_xml_open(x, "Part");
            art_xml_textf(x, "PartNumber", "%u", stored[i].number);
            art_xml_text(x, "LastModified", when);
            art_xml_text(x, "ETag", etag);
            art_xml_textf(x, "Size", "%llu", (unsigned long long)stored[i].size);
            art_xml_close(x);
        }
    }
    art_store_entries_free(stored, n);
    s3_xml_send(r, resp, x);
}

static void s3_delete_objects(s3_request *r, http_response *resp)
{
    art_xml_delete_item *items = malloc(ART_XML_DELETE_MAX * sizeof *items);
    if (items == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    size_t count = 0;
    bool quiet = false;
    char err[S3_MESSAGE_MAX];
    if (art_xml_parse_delete(sluice_buf_cstr(&r->xml), r->xml.len, items, ART_XML_DELETE_MAX,
                             &count, &quiet, err, sizeof err) != SLUICE_OK) {
        free(items);
        s3_error(r, resp, "MalformedXML", err);
        return;
    }
    art_xml *x = art_xml_new("DeleteResult");
    for (size_t i = 0; i < count && x != NULL; i++) {
        const char *version = items[i].version_id[0] != '\0' ? items[i].version_id : NULL;
        art_store_delete_result res;
        memset(&res, 0, sizeof res);
        bool bad_version = version != NULL && !art_store_version_id_valid(version);
        int rc = art_keypath_key_valid(items[i].key) && !bad_version
                     ? art_store_object_delete_version(r->s3->config.store, r->route.bucket,
                                                       items[i].key, version, &res)
                     : SLUICE_EINVAL;
        if (rc == SLUICE_OK && !quiet) {
            art_xml_open(x, "Deleted");
            art_xml_text(x, "Key", items[i].key);
            if (version != NULL) {
                art_xml_text(x, "VersionId", version);
            }
            if (res.delete_marker) {
                art_xml_text(x, "DeleteMarker", "true");
                if (version == NULL) {
                    art_xml_text(x, "DeleteMarkerVersionId", res.version_id);
                }
            }
            art_xml_close(x);
        } else if (rc != SLUICE_OK) {
            art_xml_open(x, "Error");
            art_xml_text(x, "Key", items[i].key);
            if (version != NULL) {
                art_xml_text(x, "VersionId", version);
            }
            art_xml_text(x, "Code", rc == SLUICE_EINVAL ? "InvalidArgument" : "InternalError");
            art_xml_text(x, "Message",
                         bad_version           ? "Invalid version id specified"
                         : rc == SLUICE_EINVAL ? "invalid key"
                                               : "cannot delete");
            art_xml_close(x);
        }
    }
    free(items);
    s3_xml_send(r, resp, x);
}

/* Appends [start, start + length) of fd to w with a fixed buffer. 0 or SLUICE_EIO. */
static int s3_copy_range(int fd, uint64_t start, uint64_t length, art_store_writer *w, char *buf)
{
    char err[256];
    uint64_t done = 0;
    while (done < length) {
        size_t want = length - done < S3_COPY_BUF ? (size_t)(length - done) : S3_COPY_BUF;
        ssize_t n = pread(fd, buf, want, (off_t)(start + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return SLUICE_EIO; /* a short source is a changed file: refuse */
        }
        if (art_store_writer_write(w, buf, (size_t)n, err, sizeof err) != SLUICE_OK) {
            return SLUICE_EIO;
        }
        done += (uint64_t)n;
    }
    return SLUICE_OK;
}

/* The x-amz-copy-source-if-* headers of req. */
static void s3_copy_conditions(const http_request *req, art_copy_conditions *c)
{
    memset(c, 0, sizeof *c);
    c->if_match = http_request_header(req, "x-amz-copy-source-if-match");
    c->if_none_match = http_request_header(req, "x-amz-copy-source-if-none-match");
    const char *since = http_request_header(req, "x-amz-copy-source-if-modified-since");
    const char *unmod = http_request_header(req, "x-amz-copy-source-if-unmodified-since");
    c->has_modified_since = since != NULL && s3_parse_http_date(since, &c->modified_since_ms);
    c->has_unmodified_since = unmod != NULL && s3_parse_http_date(unmod, &c->unmodified_since_ms);
}

/*
 * CopyObject and UploadPartCopy: the source streams from its data file into a
 * writer (so into tmp/ with the digests running) and is committed as PutObject
 * or UploadPart commits, so a crash leaves the old destination or the new one.
 */
static void s3_copy(s3_request *r, const http_request *req, http_response *resp)
{
    art_s3 *s3 = r->s3;
    bool part = r->route.op == ART_OP_UPLOAD_PART_COPY;
    char err[S3_MESSAGE_MAX];
    art_store_meta *src = malloc(sizeof *src);
    art_store_meta *meta = calloc(1, sizeof *meta);
    char *buf = malloc(S3_COPY_BUF);
    art_store_writer *w = NULL;
    int fd = -1;
    if (src == NULL || meta == NULL || buf == NULL) {
        s3_error(r, resp, "InternalError", "out of memory");
        goto out;
    }
    const char *directive = http_request_header(req, "x-amz-metadata-directive");
    bool replace = directive != NULL && strcmp(directive, "REPLACE") == 0;
    if (!part && directive != NULL && !replace && strcmp(directive, "COPY") != 0) {
        s3_error(r, resp, "InvalidArgument", "Unknown metadata directive.");
        goto out;
    }
    bool no_bucket = false;
    const char *src_version = r->source.version_id[0] != '\0' ? r->source.version_id : NULL;
    int rc = art_store_object_open_version(s3->config.store, r->source.bucket, r->source.key,
                                           src_version, src, &fd, &no_bucket);
    if (rc == SLUICE_OK && src->delete_marker) {
        if (src_version != NULL) {
            s3_error(r, resp, "InvalidRequest",
                     "The source of a copy request may not specifically refer to a delete "
                     "marker by version id.");
        } else {
            s3_error(r, resp, "NoSuchKey", "The specified key does not exist.");
            s3_add_version_headers(resp, src->version_id, true);
        }
        goto out;
    }
    if (rc == SLUICE_ENOTFOUND && !no_bucket && src_version != NULL) {
        s3_error(r, resp, "NoSuchVersion", "The specified version does not exist.");
        goto out;
    }
    if (rc == SLUICE_ENOTFOUND) {
        s3_error(r, resp, no_bucket ? "NoSuchBucket" : "NoSuchKey",
                 no_bucket ? "The specified bucket does not exist"
                           : "The specified key does not exist.");
        goto out;
    }
    if (rc != SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot open the copy source");
        goto out;
    }
    art_copy_conditions cond;
    s3_copy_conditions(req, &cond);
    if (!art_copy_conditions_hold(&cond, src->etag, src->mtime_ms)) {
        s3_error(r, resp, "PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold");
        goto out;
    }
    if (!part && !replace && src_version == NULL &&
        strcmp(r->source.bucket, r->route.bucket) == 0 &&
        strcmp(r->source.key, r->route.key) == 0) {
        s3_error(r, resp, "InvalidRequest",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.");
        goto out;
    }
    uint64_t start = 0;
    uint64_t length = src->size;
    const char *range = part ? http_request_header(req, "x-amz-copy-source-range") : NULL;
    if (range != NULL) {
        rc = art_copy_range_parse(range, src->size, &start, &length);
        if (rc == SLUICE_EPARSE) {
            s3_error(r, resp, "InvalidArgument",
                     "The x-amz-copy-source-range value must be of the form bytes=first-last "
                     "where first and last are the zero-based offsets of the first and last "
                     "bytes to copy");
            goto out;
        }
        if (rc != SLUICE_OK) {
            snprintf(err, sizeof err,
                     "Range specified is not valid for source object of size: %llu",
                     (unsigned long long)src->size);
            s3_error(r, resp, "InvalidRange", err);
            goto out;
        }
    }
    uint64_t free_bytes = art_store_free_bytes(s3->config.store);
    if (free_bytes != UINT64_MAX && (free_bytes < s3->config.min_free_bytes ||
                                     free_bytes - s3->config.min_free_bytes < length)) {
        snprintf(err, sizeof err,
                 "The artifact store keeps %llu bytes of its disk free and cannot take this "
                 "copy now (%llu bytes free).",
                 (unsigned long long)s3->config.min_free_bytes, (unsigned long long)free_bytes);
        s3_error(r, resp, "InsufficientStorage", err);
        goto out;
    }
    art_digest_result d;
    if (art_store_writer_new(s3->config.store, &w, err, sizeof err) != SLUICE_OK ||
        s3_copy_range(fd, start, length, w, buf) != SLUICE_OK ||
        art_store_writer_finish(w, &d, err, sizeof err) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot copy the object");
        goto out;
    }
    sluice_buf body;
    sluice_buf_init(&body, S3_RESPONSE_MAX);
    if (part) {
        if (art_store_upload_put_part(s3->config.store, w, r->upload_id, r->part_number, &d, err,
                                      sizeof err) != SLUICE_OK) {
            sluice_buf_free(&body);
            s3_error(r, resp, "NoSuchUpload", "The specified upload does not exist.");
            goto out;
        }
        rc = art_copy_result_xml("CopyPartResult", d.md5_hex, sluice_time_now_ms(), &body);
    } else {
        snprintf(meta->key, sizeof meta->key, "%s", r->route.key);
        if (replace) {
            s3_meta_from_headers(req, meta);
        } else {
            snprintf(meta->content_type, sizeof meta->content_type, "%s", src->content_type);
            meta->user_count = src->user_count;
            memcpy(meta->user_name, src->user_name, sizeof meta->user_name);
            memcpy(meta->user_value, src->user_value, sizeof meta->user_value);
        }
        /* the same bytes: the source's whole-object checksum still holds */
        snprintf(meta->checksum_algorithm, sizeof meta->checksum_algorithm, "%s",
                 src->parts == 0 ? src->checksum_algorithm : "");
        snprintf(meta->checksum, sizeof meta->checksum, "%s", src->parts == 0 ? src->checksum : "");
        s3_meta_tag(r, meta); /* the copy's writer, not the source's */
        rc = art_store_commit_object(s3->config.store, w, r->route.bucket, meta, err, sizeof err);
        if (rc != SLUICE_OK) {
            sluice_buf_free(&body);
            s3_error(r, resp, rc == SLUICE_ENOTFOUND ? "NoSuchBucket" : "InternalError", err);
            goto out;
        }
        if (s3->config.on_stored != NULL) {
            s3->config.on_stored(r->route.bucket, meta, &r->auth, s3->config.stored_ctx);
        }
        rc = art_copy_result_xml("CopyObjectResult", meta->etag, meta->mtime_ms, &body);
    }
    if (rc != SLUICE_OK) {
        sluice_buf_free(&body);
        s3_error(r, resp, "InternalError", "cannot render the response");
        goto out;
    }
    http_response_set_body(resp, 200, S3_XML_CTYPE, body.data, body.len);
    sluice_buf_free(&body);
    http_response_add_header(resp, "x-amz-request-id", r->request_id);
    if (src_version != NULL || s3_versioned(r, r->source.bucket)) {
        http_response_add_header(resp, "x-amz-copy-source-version-id", src->version_id);
    }
    if (!part && s3_versioned(r, r->route.bucket)) {
        s3_add_version_headers(resp, meta->version_id, false);
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    art_store_writer_free(w);
    free(src);
    free(meta);
    free(buf);
}

static void s3_list_uploads(s3_request *r, const http_request *req, http_response *resp)
{
    const char *prefix = s3_query(req, "prefix");
    const char *delimiter = s3_query(req, "delimiter");
    const char *key_marker = s3_query(req, "key-marker");
    const char *id_marker = s3_query(req, "upload-id-marker");
    const char *max_text = s3_query(req, "max-uploads");
    uint64_t max = ART_MPU_MAX;
    if (max_text != NULL && !s3_parse_u64(max_text, &max)) {
        s3_error(r, resp, "InvalidArgument",
                 "Provided max-uploads not an integer or within integer range");
        return;
    }
    art_mpu_params p = {
        .prefix = prefix != NULL ? prefix : "",
        .delimiter = delimiter != NULL ? delimiter : "",
        .key_marker = key_marker != NULL ? key_marker : "",
        .upload_id_marker = key_marker != NULL && id_marker != NULL ? id_marker : "",
        .max_uploads = max > ART_MPU_MAX ? ART_MPU_MAX : (size_t)max,
    };
    art_store_entry *entries = NULL;
    size_t count = 0;
    if (art_store_upload_list(r->s3->config.store, r->route.bucket, &entries, &count) !=
        SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot list the uploads");
        return;
    }
    art_mpu_result res;
    sluice_buf body;
    sluice_buf_init(&body, S3_RESPONSE_MAX);
    if (art_mpu_select(entries, count, &p, &res) != SLUICE_OK ||
        art_mpu_xml(r->route.bucket, &p, entries, &res, &body) != SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot render the response");
    } else {
        http_response_set_body(resp, 200, S3_XML_CTYPE, body.data, body.len);
        http_response_add_header(resp, "x-amz-request-id", r->request_id);
    }
    sluice_buf_free(&body);
    art_mpu_result_free(&res);
    art_store_entries_free(entries, count);
}

static void s3_get_versioning(s3_request *r, http_response *resp)
{
    art_store_versioning v = ART_STORE_VERSIONING_NEVER;
    if (art_store_bucket_versioning_get(r->s3->config.store, r->route.bucket, &v) != SLUICE_OK) {
        s3_error(r, resp, "NoSuchBucket", "The specified bucket does not exist");
        return;
    }
    art_xml *x = art_xml_new("VersioningConfiguration");
    if (x != NULL && v != ART_STORE_VERSIONING_NEVER) {
        art_xml_text(x, "Status", v == ART_STORE_VERSIONING_ENABLED ? "Enabled" : "Suspended");
    }
    s3_xml_send(r, resp, x);
}

static void s3_put_versioning(s3_request *r, http_response *resp)
{
    char status[16];
    char err[S3_MESSAGE_MAX];
    if (art_xml_parse_versioning(sluice_buf_cstr(&r->xml), r->xml.len, status, err, sizeof err) !=
        SLUICE_OK) {
        s3_error(r, resp, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema");
        return;
    }
    art_store_versioning v = strcmp(status, "Enabled") == 0 ? ART_STORE_VERSIONING_ENABLED
                                                            : ART_STORE_VERSIONING_SUSPENDED;
    int rc = art_store_bucket_versioning_set(r->s3->config.store, r->route.bucket, v);
    if (rc == SLUICE_ENOTFOUND) {
        s3_error(r, resp, "NoSuchBucket", "The specified bucket does not exist");
    } else if (rc != SLUICE_OK) {
        s3_error(r, resp, "InternalError", "cannot set the bucket's versioning");
    } else {
        s3_empty(r, resp, 200);
    }
}

static void s3_list_versions(s3_request *r, const http_request *req, http_response *resp)
{
    const char *prefix = s3_query(req, "prefix");
    const char *delimiter = s3_query(req, "delimiter");
    const char *key_marker = s3_query(req, "key-marker");
    const char *id_marker = s3_query(req, "version-id-marker");
    const char *max_text = s3_query(req, "max-keys");
    uint64_t max_keys = S3_LIST_DEFAULT;
    if (max_text != NULL && !s3_parse_u64(max_text, &max_keys)) {
        s3_error(r, resp, "InvalidArgument",
                 "Provided max-keys not an integer or within integer range");
        return;
    }
    if (max_keys > S3_LIST_DEFAULT) {
        max_keys = S3_LIST_DEFAULT;
    }
    if (id_marker != NULL && id_marker[0] != '\0' &&
        (key_marker == NULL || key_marker[0] == '\0')) {
        s3_error(r, resp, "InvalidArgument",
                 "A version-id marker cannot be specified without a key marker.");
        return;
    }
    if (id_marker != NULL && id_marker[0] != '\0' && !art_store_version_id_valid(id_marker)) {
        s3_error(r, resp, "InvalidArgument", "Invalid version id specified");
        return;
    }
    art_store_version *v = NULL;
    size_t count = 0;
    int rc = art_store_version_list(r->s3->config.store, r->route.bucket, r->s3->config.list_max,
                                    &v, &count);
    if (rc != SLUICE_OK) {
        s3_error(r, resp, rc == SLUICE_ENOTFOUND ? "NoSuchBucket" : "InternalError",
                 rc == SLUICE_ENOTFOUND ? "The specified bucket does not exist"
                                        : "cannot list the bucket's versions");
        return;
    }
    const char **keys = calloc(count + 1, sizeof *keys);
    const char **ids = calloc(count + 1, sizeof *ids);
    if (keys == NULL || ids == NULL) {
        free(keys);
        free(ids);
        art_store_versions_free(v, count);
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        keys[i] = v[i].key;
        ids[i] = v[i].version_id;
    }
    art_list_version_params params = {
        .prefix = prefix != NULL ? prefix : "",
        .delimiter = delimiter != NULL ? delimiter : "",
        .key_marker = key_marker != NULL ? key_marker : "",
        .version_id_marker = id_marker != NULL ? id_marker : "",
        .max_keys = (size_t)max_keys,
    };
    art_list_result result;
    if (art_list_versions_run(keys, ids, count, &params, &result) != SLUICE_OK) {
        free(keys);
        free(ids);
        art_store_versions_free(v, count);
        s3_error(r, resp, "InternalError", "out of memory");
        return;
    }
    art_xml *x = art_xml_new("ListVersionsResult");
    if (x != NULL) {
        art_xml_text(x, "Name", r->route.bucket);
        art_xml_text(x, "Prefix", params.prefix);
        art_xml_text(x, "KeyMarker", params.key_marker);
        art_xml_text(x, "VersionIdMarker", params.version_id_marker);
        if (result.truncated) {
            art_xml_text(x, "NextKeyMarker", result.next);
            if (result.next_version != NULL) {
                art_xml_text(x, "NextVersionIdMarker", result.next_version);
            }
        }
        art_xml_textf(x, "MaxKeys", "%llu", (unsigned long long)max_keys);
        if (params.delimiter[0] != '\0') {
            art_xml_text(x, "Delimiter", params.delimiter);
        }
        art_xml_text(x, "IsTruncated", result.truncated ? "true" : "false");
        for (size_t i = 0; i < result.content_count; i++) {
            const art_store_version *e = &v[result.contents[i]];
            char when[64];
            char etag[ART_DIGEST_ETAG_MAX + 2];
            s3_iso_time(e->mtime_ms, when, sizeof when);
            s3_quoted(e->etag, etag, sizeof etag);
            art_xml_open(x, e->delete_marker ? "DeleteMarker" : "Version");
            art_xml_text(x, "Key", e->key);
            art_xml_text(x, "VersionId", e->version_id);
            art_xml_text(x, "IsLatest", e->is_latest ? "true" : "false");
            art_xml_text(x, "LastModified", when);
            if (!e->delete_marker) {
                art_xml_text(x, "ETag", etag);
                art_xml_textf(x, "Size", "%llu", (unsigned long long)e->size);
                art_xml_text(x, "StorageClass", "STANDARD");
            }
            art_xml_open(x, "Owner");
            art_xml_text(x, "ID", "sluice");
            art_xml_text(x, "DisplayName", "sluice");
            art_xml_close(x);
            art_xml_close(x);
        }
        for (size_t i = 0; i < result.prefix_count; i++) {
            art_xml_open(x, "CommonPrefixes");
            art_xml_text(x, "Prefix", result.prefixes[i]);
            art_xml_close(x);
        }
    }
    art_list_result_free(&result);
    free(keys);
    free(ids);
    art_store_versions_free(v, count);
    s3_xml_send(r, resp, x);
}

static void s3_end(void *stream, const http_request *req, http_response *resp, void *ctx)
{
    (void)ctx;
    s3_request *r = stream;
    if (r->fail_code[0] != '\0') {
        s3_error(r, resp, r->fail_code, r->fail_message);
        return;
    }
    art_store *st = r->s3->config.store;
    int rc = SLUICE_OK;
    switch (r->route.op) {
    case ART_OP_LIST_BUCKETS:
        s3_list_buckets(r, resp);
        return;
    case ART_OP_CREATE_BUCKET:
        rc = art_store_bucket_create(st, r->route.bucket);
        if (rc == SLUICE_EEXIST) {
            s3_error(r, resp, "BucketAlreadyOwnedByYou",
                     "Your previous request to create the named bucket succeeded and you "
                     "already own it.");
        } else if (rc != SLUICE_OK) {
            s3_error(r, resp, "InternalError", "cannot create the bucket");
        } else {
            s3_empty(r, resp, 200);
            char location[96];
            snprintf(location, sizeof location, "/%s", r->route.bucket);
            http_response_add_header(resp, "Location", location);
        }
        return;
    case ART_OP_HEAD_BUCKET:
        s3_empty(r, resp, 200);
        http_response_add_header(resp, "x-amz-bucket-region", r->s3->config.region);
        return;
    case ART_OP_DELETE_BUCKET:
        rc = art_store_bucket_delete(st, r->route.bucket);
        if (rc == SLUICE_ECONFLICT) {
            s3_error(r, resp, "BucketNotEmpty", "The bucket you tried to delete is not empty");
        } else if (rc == SLUICE_ENOTFOUND) {
            s3_error(r, resp, "NoSuchBucket", "The specified bucket does not exist");
        } else if (rc != SLUICE_OK) {
            s3_error(r, resp, "InternalError", "cannot delete the bucket");
        } else {
            s3_empty(r, resp, 204);
        }
        return;
    case ART_OP_GET_BUCKET_LOCATION: {
        art_xml *x = art_xml_new("LocationConstraint");
        s3_xml_send(r, resp, x);
        return;
    }
    case ART_OP_LIST_OBJECTS:
        s3_list_objects(r, req, resp, false);
        return;
    case ART_OP_LIST_OBJECTS_V2:
        s3_list_objects(r, req, resp, true);
        return;
    case ART_OP_PUT_OBJECT:
    case ART_OP_UPLOAD_PART:
        s3_put_object(r, req, resp);
        return;
    case ART_OP_GET_OBJECT:
        s3_get_object(r, req, resp, false);
        return;
    case ART_OP_HEAD_OBJECT:
        s3_get_object(r, req, resp, true);
        return;
    case ART_OP_DELETE_OBJECTS:
        s3_delete_objects(r, resp);
        return;
    case ART_OP_CREATE_MULTIPART_UPLOAD:
        s3_create_upload(r, req, resp);
        return;
    case ART_OP_COMPLETE_MULTIPART_UPLOAD:
        s3_complete_upload(r, resp);
        return;
    case ART_OP_ABORT_MULTIPART_UPLOAD:
        art_store_upload_abort(st, r->upload_id);
        s3_empty(r, resp, 204);
        return;
    case ART_OP_LIST_PARTS:
        s3_list_parts(r, resp);
        return;
    case ART_OP_COPY_OBJECT:
    case ART_OP_UPLOAD_PART_COPY:
        s3_copy(r, req, resp);
        return;
    case ART_OP_LIST_MULTIPART_UPLOADS:
        s3_list_uploads(r, req, resp);
        return;
    case ART_OP_DELETE_OBJECT: {
        const char *version = NULL;
        if (!s3_version_param(r, req, resp, &version)) {
            return;
        }
        art_store_delete_result res;
        rc = art_store_object_delete_version(st, r->route.bucket, r->route.key, version, &res);
        if (rc != SLUICE_OK) {
            s3_error(r, resp, "InternalError", "cannot delete the object");
        } else {
            s3_empty(r, resp, 204);
            if (version != NULL || s3_versioned(r, r->route.bucket)) {
                s3_add_version_headers(resp, res.version_id[0] != '\0' ? res.version_id : NULL,
                                       res.delete_marker);
            }
        }
        return;
    }
    case ART_OP_GET_BUCKET_VERSIONING:
        s3_get_versioning(r, resp);
        return;
    case ART_OP_PUT_BUCKET_VERSIONING:
        s3_put_versioning(r, resp);
        return;
    case ART_OP_LIST_OBJECT_VERSIONS:
        s3_list_versions(r, req, resp);
        return;
    default:
        s3_error(r, resp, "NotImplemented",
                 "A header or query you provided implies functionality that is not implemented.");
        return;
    }
}

static void s3_done(void *stream, bool completed, void *ctx)
{
    (void)completed;
    art_s3 *s3 = ctx;
    s3_request *r = stream;
    if (r == NULL) {
        return;
    }
    if (r->counted) {
        long now = atomic_fetch_sub(&s3->in_flight, 1) - 1;
        if (s3->uploads != NULL) {
            http_metrics_set(s3->uploads, NULL, (double)now);
        }
    }
    art_store_writer_free(r->writer);
    if (r->chunked != NULL) {
        aws_chunked_free(r->chunked);
    }
    sluice_buf_free(&r->xml);
    free(r);
}

art_s3 *art_s3_new(const art_s3_config *config)
{
    art_s3 *s3 = calloc(1, sizeof *s3);
    if (s3 == NULL) {
        return NULL;
    }
    s3->config = *config;
    atomic_init(&s3->in_flight, 0);
    if (config->metrics != NULL) {
        const char *op[] = {"operation"};
        const char *code[] = {"code"};
        s3->requests = http_metrics_counter(config->metrics, "sluice_artifacts_requests_total",
                                            "S3 requests by operation", op, 1);
        s3->errors = http_metrics_counter(config->metrics, "sluice_artifacts_errors_total",
                                          "S3 error answers by code", code, 1);
        s3->bytes_in = http_metrics_counter(config->metrics, "sluice_artifacts_bytes_in_total",
                                            "request body bytes received", NULL, 0);
        s3->bytes_out = http_metrics_counter(config->metrics, "sluice_artifacts_bytes_out_total",
                                             "object bytes sent", NULL, 0);
        s3->uploads = http_metrics_gauge(config->metrics, "sluice_artifacts_uploads_in_flight",
                                         "uploads whose bodies are being received", NULL, 0);
    }
    return s3;
}

void art_s3_handler(art_s3 *s3, http_stream_handler *out)
{
    out->begin = s3_begin;
    out->data = s3_data;
    out->end = s3_end;
    out->done = s3_done;
    out->ctx = s3;
}

long art_s3_uploads_in_flight(const art_s3 *s3)
{
    return atomic_load(&s3->in_flight);
}

void art_s3_free(art_s3 *s3)
{
    free(s3);
}
