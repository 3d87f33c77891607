/* art_test_put.c — see art_test_put.h. */
#include "art_test_put.h"

#include "sluice/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int art_test_put(art_store *st, const char *bucket, const char *key, const char *text,
                 const char *pipeline, const char *execution, char *version)
{
    art_store_writer *w = NULL;
    char err[256];
    int rc = art_store_writer_new(st, &w, err, sizeof err);
    if (rc != SLUICE_OK) {
        return rc;
    }
    art_store_meta *meta = calloc(1, sizeof *meta);
    if (meta == NULL) {
        art_store_writer_free(w);
        return SLUICE_ENOMEM;
    }
    snprintf(meta->key, sizeof meta->key, "%s", key);
    snprintf(meta->content_type, sizeof meta->content_type, "text/plain");
    snprintf(meta->pipeline, sizeof meta->pipeline, "%s", pipeline);
    snprintf(meta->execution, sizeof meta->execution, "%s", execution);
    art_digest_result d;
    rc = art_store_writer_write(w, text, strlen(text), err, sizeof err);
    if (rc == SLUICE_OK) {
        rc = art_store_writer_finish(w, &d, err, sizeof err);
    }
    if (rc == SLUICE_OK) {
        rc = art_store_commit_object(st, w, bucket, meta, err, sizeof err);
    }
    if (rc == SLUICE_OK && version != NULL) {
        memcpy(version, meta->version_id, ART_STORE_VERSION_ID_LEN + 1);
    }
    art_store_writer_free(w);
    free(meta);
    return rc;
}
