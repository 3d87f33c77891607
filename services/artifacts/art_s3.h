/*
 * art_s3.h — the S3 REST shell of sluice-artifacts: one streaming route of
 * libs/http (http_server_route_prefix "/") that authenticates each request
 * (aws_s3auth_verify), routes it (art_route), streams PutObject / UploadPart
 * bodies through the aws-chunked decoder when present into art_store writers
 * while the digests run, checks Content-MD5, x-amz-content-sha256 and
 * x-amz-checksum-* before anything becomes visible, and answers with S3's
 * headers, XML documents and error documents (art_xml). GetObject streams the
 * file range from its descriptor.
 *
 * Threads: the callbacks run on libmicrohttpd's pool threads, concurrently;
 * art_s3 itself is read-only after art_s3_new apart from atomics and the
 * metrics registry (thread-safe). Owns nothing it is given.
 */
#ifndef ART_S3_H
#define ART_S3_H

#include "art_store.h"

#include "sluice/aws_credentials.h"
#include "sluice/aws_jobcred.h"
#include "sluice/aws_s3auth.h"
#include "sluice/http_metrics.h"
#include "sluice/http_server.h"

#include <stdint.h>

/*
 * What an object's completion tells the rest of the service (events): called
 * after the commit, before the response, with the request's authentication.
 */
typedef void (*art_s3_stored_fn)(const char *bucket, const art_store_meta *meta,
                                 const aws_s3auth_result *auth, void *ctx);

typedef struct art_s3_config {
    art_store *store;                /* borrowed */
    const aws_credentials *creds;    /* borrowed: long-lived keys */
    const aws_jobcred_keys *jobkeys; /* borrowed, may be NULL */
    const char *region;              /* reported by GetBucketLocation */
    const char *vhost_domain;        /* "" disables virtual-host style */
    uint64_t max_object_size;        /* bytes; EntityTooLarge beyond */
    uint64_t min_free_bytes;         /* uploads refused when less is free */
    uint64_t min_part_size;          /* every part but the last (S3: 5 MiB) */
    size_t list_max;                 /* objects one listing may scan */
    http_metrics *metrics;           /* borrowed, may be NULL */
    art_s3_stored_fn on_stored;      /* may be NULL */
    void *stored_ctx;
} art_s3_config;

typedef struct art_s3 art_s3;

/* A new shell (config copied, pointers borrowed). NULL when out of memory. */
art_s3 *art_s3_new(const art_s3_config *config);

/* The streaming route's callbacks, bound to s3. */
void art_s3_handler(art_s3 *s3, http_stream_handler *out);

/* Uploads whose bodies are being received now. */
long art_s3_uploads_in_flight(const art_s3 *s3);

void art_s3_free(art_s3 *s3);

#endif
