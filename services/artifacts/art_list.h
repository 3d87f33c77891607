/*
 * art_list.h — the listing logic of ListObjects / ListObjectsV2 / ListObjectVersions /
 * ListMultipartUploads over a sorted key array: prefix, delimiter (common
 * prefixes rolled up, each counting as one entry against max-keys as in S3),
 * a start point (marker, start-after or a decoded continuation token) and
 * truncation with the next start point. Continuation tokens are opaque to
 * clients: base64url of "K<key>" (resume after a key) or "P<prefix>" (resume
 * after every key under a common prefix). Pure; thread-safe.
 */
#ifndef ART_LIST_H
#define ART_LIST_H

#include <stdbool.h>
#include <stddef.h>

#define ART_LIST_TOKEN_MAX 1500 /* bytes of an encoded continuation token */

typedef struct art_list_params {
    const char *prefix;    /* "" for none */
    const char *delimiter; /* "" for none */
    const char *after;     /* start strictly after this ("" for the beginning) */
    bool after_is_prefix;  /* after is a common prefix: skip every key under it too */
    size_t max_keys;       /* 0..1000 as S3 (0 answers nothing, not truncated) */
} art_list_params;

typedef struct art_list_result {
    size_t *contents; /* indexes into keys, ascending */
    size_t content_count;
    char **prefixes; /* common prefixes, ascending, each owned */
    size_t prefix_count;
    bool truncated;
    const char *next;         /* when truncated: last key or prefix returned (points into result) */
    bool next_is_prefix;      /* next is a common prefix */
    const char *next_version; /* versions listing, truncated at a version: its id */
} art_list_result;

/* ListObjectVersions' start point and bounds. */
typedef struct art_list_version_params {
    const char *prefix;            /* "" for none */
    const char *delimiter;         /* "" for none */
    const char *key_marker;        /* "" for the beginning */
    const char *version_id_marker; /* "" for none: start after every version of key_marker */
    size_t max_keys;               /* 0..1000; versions, markers and prefixes each count one */
} art_list_version_params;

/*
 * Lists keys[0..count) (sorted ascending by bytes, unique) under params into
 * out (to be freed with art_list_result_free). 0 or SLUICE_ENOMEM (out is
 * then empty).
 */
int art_list_run(const char *const *keys, size_t count, const art_list_params *params,
                 art_list_result *out);

void art_list_result_free(art_list_result *out);

/*
 * ListObjectVersions over keys[0..count) with version_ids[0..count) (sorted by
 * key, then newest first; one entry per version or delete marker): the
 * versions of key_marker after version_id_marker, then the keys after
 * key_marker, under prefix, rolled up at delimiter (a common prefix at or
 * before key_marker is not answered again). When truncated, next and
 * next_version are NextKeyMarker and NextVersionIdMarker (next_version NULL
 * when next is a prefix). 0 or SLUICE_ENOMEM (out is then empty).
 */
int art_list_versions_run(const char *const *keys, const char *const *version_ids, size_t count,
                          const art_list_version_params *params, art_list_result *out);

/* Encodes a continuation token for (start, is_prefix). 0 or SLUICE_ETOOBIG. */
int art_list_token_encode(const char *start, bool is_prefix, char *out, size_t outlen);

/* Decodes a token into start (NUL-terminated) and *is_prefix. 0 or SLUICE_EPARSE. */
int art_list_token_decode(const char *token, char *start, size_t startlen, bool *is_prefix);

#endif
