/*
 * src_upload.h — a source artifact into the artifact store: one S3 PutObject
 * (path-style, SigV4 header signing with X-Amz-Content-SHA256 and the job's
 * session token signed) with the job's artifactCredentials, which allow
 * writing exactly the job's output objects (aws_jobcred.h).
 *
 * The file is read whole (bounded by max_bytes, the zip bound) and sent with
 * its length. Thread-compatible: one http_client per thread.
 */
#ifndef SLUICE_SRC_UPLOAD_H
#define SLUICE_SRC_UPLOAD_H

#include "sluice/http_client.h"

#include <stddef.h>
#include <stdint.h>

typedef struct src_upload_target {
    const char *endpoint; /* "http://127.0.0.1:7071", no trailing '/' needed */
    const char *region;   /* signing region */
    const char *bucket;
    const char *key;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL: none */
} src_upload_target;

/*
 * PUTs the file at path to target. 0 when the store answered 200; else
 * SLUICE_EDENIED (403: err carries the store's code), SLUICE_EIO (another
 * status, or no answer), SLUICE_ETOOBIG (the file over max_bytes), SLUICE_EINVAL
 * (a bucket or key the upload cannot name), each with err (never a secret).
 */
int src_upload_put(http_client *client, const src_upload_target *target, const char *path,
                   int64_t max_bytes, int64_t now_ms, char *err, size_t errlen);

#endif
