/*
 * art_mpu.h — ListMultipartUploads: which uploads in progress a request
 * answers (prefix, delimiter rolling keys up into common prefixes that count
 * once against max-uploads, key-marker / upload-id-marker as S3 resumes, the
 * next markers when truncated) and the ListMultipartUploadsResult document.
 * Pure; thread-safe.
 */
#ifndef ART_MPU_H
#define ART_MPU_H

#include "art_store.h"

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define ART_MPU_MAX 1000 /* max-uploads, as S3 */

typedef struct art_mpu_params {
    const char *prefix;           /* "" for none */
    const char *delimiter;        /* "" for none */
    const char *key_marker;       /* "" for the beginning */
    const char *upload_id_marker; /* "" for none; only with key_marker */
    size_t max_uploads;           /* 0..1000 */
} art_mpu_params;

typedef struct art_mpu_result {
    size_t *uploads; /* indexes into the entries, ascending */
    size_t upload_count;
    char **prefixes; /* common prefixes, ascending, owned */
    size_t prefix_count;
    bool truncated;
    char next_key[ART_KEYPATH_KEY_MAX + 1];           /* when truncated: the last key or prefix */
    char next_upload_id[ART_STORE_UPLOAD_ID_LEN + 1]; /* "" when the last was a prefix */
} art_mpu_result;

/*
 * Selects from entries[0..count) (sorted by key then upload id, as
 * art_store_upload_list gives them) under p into out (free with
 * art_mpu_result_free). With a key marker, uploads of keys after it are listed,
 * plus those of the marker's key whose id is after upload_id_marker; a marker
 * that is a common prefix (ends with the delimiter) skips that prefix. 0 or SLUICE_ENOMEM.
 */
int art_mpu_select(const art_store_entry *entries, size_t count, const art_mpu_params *p,
                   art_mpu_result *out);

void art_mpu_result_free(art_mpu_result *out);

/* Appends the ListMultipartUploadsResult of bucket for (p, res) over entries. 0, SLUICE_ENOMEM,
 * SLUICE_ETOOBIG. */
int art_mpu_xml(const char *bucket, const art_mpu_params *p, const art_store_entry *entries,
                const art_mpu_result *res, sluice_buf *out);

#endif
