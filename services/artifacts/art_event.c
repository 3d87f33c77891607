/*
 * art_event.c — the "Sluice Artifact Stored" event (see art_event.h).
 */
#include "art_event.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/protocol_names.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void art_event_from_store(art_event_stored *ev, const char *bucket, const art_store_meta *meta,
                          const aws_s3auth_result *auth)
{
    memset(ev, 0, sizeof *ev);
    snprintf(ev->bucket, sizeof ev->bucket, "%s", bucket);
    snprintf(ev->key, sizeof ev->key, "%s", meta->key);
    ev->size = meta->size;
    snprintf(ev->sha256, sizeof ev->sha256, "%s", meta->sha256);
    snprintf(ev->etag, sizeof ev->etag, "%s", meta->etag);
    ev->parts = meta->parts;
    ev->time_ms = meta->mtime_ms;
    snprintf(ev->version_id, sizeof ev->version_id, "%s", meta->version_id);
    if (auth != NULL) {
        snprintf(ev->identity, sizeof ev->identity, "%s", auth->identity);
        if (auth->job) {
            snprintf(ev->job_id, sizeof ev->job_id, "%s", auth->job_scope.job_id);
            snprintf(ev->pipeline, sizeof ev->pipeline, "%s", auth->job_scope.pipeline);
        }
    }
}

void art_event_id(const art_event_stored *ev, char out[37])
{
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)ev->time_ms);
    const char *parts[] = {"sluice-artifact-stored", ev->bucket, ev->key, ev->sha256, t};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++) {
        /* the terminator separates the fields */
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        memset(md, 0, 16);
    }
    sluice_uuid_v4_from_bytes(md, out);
}

const char *art_event_key(const art_event_stored *ev)
{
    return ev->pipeline[0] != '\0' ? ev->pipeline : ev->bucket;
}

int art_event_envelope(const art_event_stored *ev, const char *account, const char *region,
                       bus_envelope **out, char *err, size_t errlen)
{
    *out = NULL;
    json_t *detail = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s}", "bucket", ev->bucket, "key",
                               ev->key, "size", (json_int_t)ev->size, "sha256", ev->sha256, "etag",
                               ev->etag, "parts", (json_int_t)ev->parts, "storedBy",
                               ev->identity[0] != '\0' ? ev->identity : "anonymous");
    if (detail == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    if (ev->version_id[0] != '\0' &&
        json_object_set_new(detail, "versionId", json_string(ev->version_id)) != 0) {
        json_decref(detail);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    if (ev->job_id[0] != '\0' &&
        (json_object_set_new(detail, "jobId", json_string(ev->job_id)) != 0 ||
         json_object_set_new(detail, "pipeline", json_string(ev->pipeline)) != 0)) {
        json_decref(detail);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    char id[SLUICE_UUID_LEN + 1];
    art_event_id(ev, id);
    char arn[ART_KEYPATH_BUCKET_MAX + 16];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", ev->bucket);
    const char *resources[] = {arn};
    bus_envelope_spec spec = {
        .id = id,
        .detail_type = PROTOCOL_DETAIL_ARTIFACT_STORED,
        .source = PROTOCOL_SOURCE_ARTIFACTS,
        .account = account,
        .region = region,
        .time_ms = ev->time_ms,
        .resources = resources,
        .nresources = 1,
        .detail = detail,
    };
    char reason[BUS_ENVELOPE_REASON_MAX];
    int rc = bus_envelope_new(&spec, out, reason, sizeof reason);
    json_decref(detail);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "artifact event: %s", reason);
    }
    return SLUICE_OK;
}
