/*
 * art_event.h — the "Sluice Artifact Stored" event of one completed object
 * (PutObject, CompleteMultipartUpload): what it says, its deterministic id
 * and its EventBridge envelope. Pure: the commit time comes from the store's
 * metadata, so a retry of the same publication after a crash carries the
 * same id and consumers drop it as a duplicate.
 *
 * Detail: bucket, key, versionId, size, sha256 (hex), etag (unquoted), parts (0 for a
 * single PUT), storedBy (the authenticated identity) and, for job
 * credentials, jobId and pipeline. Message key: the pipeline when known,
 * else the bucket. Thread-safe (no shared state).
 */
#ifndef ART_EVENT_H
#define ART_EVENT_H

#include "art_digest.h"
#include "art_keypath.h"
#include "art_store.h"

#include "sluice/aws_credentials.h"
#include "sluice/aws_s3auth.h"
#include "sluice/bus_envelope.h"

#include <stdint.h>

typedef struct art_event_stored {
    char bucket[ART_KEYPATH_BUCKET_MAX + 1];
    char key[ART_KEYPATH_KEY_MAX + 1];
    uint64_t size;
    char sha256[65];
    char etag[ART_DIGEST_ETAG_MAX];
    unsigned parts;
    int64_t time_ms; /* the commit time */
    char identity[AWS_IDENTITY_MAX + 1];
    char job_id[128];                              /* "" unless stored with job credentials */
    char pipeline[128];                            /* likewise */
    char version_id[ART_STORE_VERSION_ID_LEN + 1]; /* the new version's id ("null" unversioned) */
} art_event_stored;

/* Fills ev from a committed object and the request's authentication (auth may be NULL). */
void art_event_from_store(art_event_stored *ev, const char *bucket, const art_store_meta *meta,
                          const aws_s3auth_result *auth);

/* The event id: a UUID from SHA-256 of (bucket, key, sha256, time_ms). */
void art_event_id(const art_event_stored *ev, char out[37]);

/* The message key: the pipeline when known, else the bucket. */
const char *art_event_key(const art_event_stored *ev);

/*
 * Builds the envelope (source sluice.artifacts, resources the bucket's ARN).
 * 0 with *out set (bus_envelope_free), or SLUICE_EINVAL / SLUICE_ENOMEM with a
 * reason in err and *out NULL.
 */
int art_event_envelope(const art_event_stored *ev, const char *account, const char *region,
                       bus_envelope **out, char *err, size_t errlen);

#endif
