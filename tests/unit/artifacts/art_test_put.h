/*
 * art_test_put.h — one object written into an art_store the way art_s3 does
 * (writer, digests, commit), for the store's unit tests.
 */
#ifndef ART_TEST_PUT_H
#define ART_TEST_PUT_H

#include "art_store.h"

/*
 * Writes bucket/key = text with content type "text/plain", recorded as
 * written by pipeline/execution ("" for none). version (may be NULL, else
 * ART_STORE_VERSION_ID_LEN + 1 bytes) gets the new version's id. Returns
 * art_store_commit_object's result (or the writer's failure).
 */
int art_test_put(art_store *st, const char *bucket, const char *key, const char *text,
                 const char *pipeline, const char *execution, char *version);

#endif
