/*
 * art_store.h — the artifact store's filesystem: buckets, objects and multipart
 * uploads under one data directory.
 *
 * Layout (every name below is generated or validated, never a key):
 *   tmp/                              uploads in progress (random names)
 *   buckets/<bucket>/bucket.json      the bucket's creation time
 *   buckets/<bucket>/objects/<xx>/<h>.meta         the object's metadata (JSON)
 *   buckets/<bucket>/objects/<xx>/<h>.<gen>.data   its bytes; the meta names <gen>
 *   uploads/<upload id>/upload.json   a multipart upload's bucket, key, metadata
 *   uploads/<upload id>/<n>.data, <n>.json         its parts
 *   buckets/<bucket>/objects/<xx>/<h>.<version id>.vmeta  a noncurrent version's
 *                                     (or delete marker's) metadata, naming its data
 * where <h> is art_keypath's SHA-256 of the key.
 *
 * Versioning: bucket.json carries "versioning" ("", "Enabled" or "Suspended").
 * <h>.meta is always the latest version or delete marker of the key; older
 * versions live in <h>.<version id>.vmeta, each naming its own <h>.<gen>.data
 * (a delete marker names none). A version id is "null" (writes while
 * versioning was never enabled or is suspended) or 32 lowercase hex digits:
 * 13 of the creation time in ms, 6 of a per-store counter, 13 random, so ids
 * sort by creation. Every meta also carries "order", an id of the same form
 * drawn at commit, by which versions (including "null") sort newest first.
 * Making a new version latest: its data is renamed into place, the previous
 * latest is written (fsync, rename) as <h>.<its id>.vmeta, then the new meta
 * is renamed over <h>.meta (the commit); a replaced "null" version's files
 * are unlinked afterwards. Removing the latest promotes the newest vmeta by
 * renaming a copy of it over <h>.meta, then unlinking that vmeta.
 * art_store_open removes a vmeta whose version id equals its <h>.meta's (a
 * crash between the two renames) and keeps every data file any meta or
 * vmeta names.
 *
 * Crash safety: bytes stream into tmp/ while art_digest runs, are fsynced and
 * renamed to <h>.<gen>.data; then the metadata is written to tmp/, fsynced and
 * renamed over <h>.meta — that rename is the commit — and the directory is
 * fsynced; the previous generation's data file is unlinked afterwards. A crash
 * at any point leaves either the old or the new object, plus at worst a data
 * file no meta names, which art_store_open removes along with everything in
 * tmp/. A reader opens the data file named by the meta it read, so an object
 * replaced meanwhile still reads whole (the open file outlives the unlink).
 *
 * Threads: every function may be called from any thread; commits, deletes and
 * bucket changes are serialised by one mutex, reads are not. Memory does not
 * grow with object size (fixed buffers); listings hold one entry per object
 * (version listings one per version or delete marker).
 */
#ifndef ART_STORE_H
#define ART_STORE_H

#include "art_digest.h"
#include "art_keypath.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ART_STORE_META_MAX       16  /* x-amz-meta-* pairs kept */
#define ART_STORE_META_NAME_MAX  128 /* bytes of a metadata name (after x-amz-meta-) */
#define ART_STORE_META_VALUE_MAX 1024
#define ART_STORE_CTYPE_MAX      255
#define ART_STORE_UPLOAD_ID_LEN  32 /* hex */
#define ART_STORE_GEN_MAX        40
#define ART_STORE_VERSION_ID_LEN 32  /* hex; or "null" */
#define ART_STORE_TAG_MAX        127 /* pipeline / execution names kept with a version */

/* A bucket's versioning state (bucket.json "versioning"). */
typedef enum art_store_versioning {
    ART_STORE_VERSIONING_NEVER = 0, /* never enabled: versions are "null", no header */
    ART_STORE_VERSIONING_ENABLED,
    ART_STORE_VERSIONING_SUSPENDED,
} art_store_versioning;

typedef struct art_store art_store;

/* An object's metadata as kept in <h>.meta. */
typedef struct art_store_meta {
    char key[ART_KEYPATH_KEY_MAX + 1];
    char gen[ART_STORE_GEN_MAX + 1]; /* names the data file */
    uint64_t size;
    char etag[ART_DIGEST_ETAG_MAX]; /* without quotes */
    char sha256[65];                /* hex SHA-256 of the whole object */
    char content_type[ART_STORE_CTYPE_MAX + 1];
    int64_t mtime_ms;
    unsigned parts;              /* 0 for a single PUT */
    char checksum_algorithm[16]; /* "CRC32", "CRC32C", "SHA256" or "" */
    char checksum[ART_DIGEST_B64_MAX];
    size_t user_count;
    char user_name[ART_STORE_META_MAX][ART_STORE_META_NAME_MAX + 1];
    char user_value[ART_STORE_META_MAX][ART_STORE_META_VALUE_MAX + 1];
    char version_id[ART_STORE_VERSION_ID_LEN + 1]; /* "null" or 32 hex; set on commit */
    char order[ART_STORE_VERSION_ID_LEN + 1];      /* sorts versions by creation */
    bool delete_marker;                            /* gen is "" then */
    char pipeline[ART_STORE_TAG_MAX + 1];          /* "" unless set by the writer */
    char execution[ART_STORE_TAG_MAX + 1];
} art_store_meta;

/* One version or delete marker of a key (art_store_version_list). key is owned. */
typedef struct art_store_version {
    char *key;
    char version_id[ART_STORE_VERSION_ID_LEN + 1];
    bool is_latest;
    bool delete_marker;
    uint64_t size;
    char etag[ART_DIGEST_ETAG_MAX];
    int64_t mtime_ms;
    char pipeline[ART_STORE_TAG_MAX + 1];
    char execution[ART_STORE_TAG_MAX + 1];
    char order[ART_STORE_VERSION_ID_LEN + 1]; /* sorts versions by creation */
} art_store_version;

/* What a delete did (art_store_object_delete_version). */
typedef struct art_store_delete_result {
    bool delete_marker; /* a marker was written, or the version removed was one */
    char version_id[ART_STORE_VERSION_ID_LEN + 1]; /* the marker's or removed version's id */
} art_store_delete_result;

/* One entry of a listing. key is owned by the listing. */
typedef struct art_store_entry {
    char *key;
    char upload_id[ART_STORE_UPLOAD_ID_LEN + 1]; /* uploads only */
    uint64_t size;
    char etag[ART_DIGEST_ETAG_MAX];
    int64_t mtime_ms;
    unsigned number; /* parts only */
} art_store_entry;

typedef struct art_store_writer art_store_writer;

/*
 * Opens (creating the layout) the store under dir and cleans up what a crash
 * left: everything in tmp/, vmetas duplicating their meta's version, data
 * files no meta or vmeta names. removed (may be NULL)
 * gets the number of files removed. NULL on failure with the reason in err.
 */
art_store *art_store_open(const char *dir, size_t *removed, char *err, size_t errlen);

/* Frees the handle. Accepts NULL. */
void art_store_free(art_store *st);

/* Bytes available to unprivileged users on the store's filesystem (UINT64_MAX if unknown). */
uint64_t art_store_free_bytes(const art_store *st);

/* Files now in tmp/ (uploads in progress or leftovers), for tests and metrics. */
size_t art_store_tmp_count(const art_store *st);

/* ----------------------------------------------------------------- buckets */

/* 0, SLUICE_EEXIST (exists), SLUICE_EINVAL (bad name), SLUICE_EIO. */
int art_store_bucket_create(art_store *st, const char *bucket);

/* true when the bucket exists. */
bool art_store_bucket_exists(const art_store *st, const char *bucket);

/* 0, SLUICE_ENOTFOUND, SLUICE_ECONFLICT (objects, noncurrent versions, delete markers or
 * uploads left), SLUICE_EIO. */
int art_store_bucket_delete(art_store *st, const char *bucket);

/* Every bucket, sorted by name (key = name, mtime_ms = creation). Free with art_store_entries_free.
 */
int art_store_bucket_list(const art_store *st, art_store_entry **out, size_t *count);

void art_store_entries_free(art_store_entry *entries, size_t count);

/* The bucket's versioning state. 0 or SLUICE_ENOTFOUND (no bucket), SLUICE_EIO. */
int art_store_bucket_versioning_get(const art_store *st, const char *bucket,
                                    art_store_versioning *out);

/*
 * Sets the bucket's versioning to ENABLED or SUSPENDED (NEVER is refused with
 * SLUICE_EINVAL: once enabled, a bucket cannot go back). 0, SLUICE_ENOTFOUND,
 * SLUICE_EIO; on failure bucket.json is unchanged.
 */
int art_store_bucket_versioning_set(art_store *st, const char *bucket, art_store_versioning v);

/* ----------------------------------------------------------------- writing */

/* A new writer streaming into a fresh file under tmp/. 0, or SLUICE_EIO / SLUICE_ENOMEM. */
int art_store_writer_new(art_store *st, art_store_writer **out, char *err, size_t errlen);

/* Appends bytes (digests follow). 0, or SLUICE_EIO (disk full: err says so). */
int art_store_writer_write(art_store_writer *w, const void *data, size_t len, char *err,
                           size_t errlen);

/* Bytes written so far. */
uint64_t art_store_writer_bytes(const art_store_writer *w);

/* Fsyncs the file and finishes the digests into out. Once. 0 or SLUICE_EIO. */
int art_store_writer_finish(art_store_writer *w, art_digest_result *out, char *err, size_t errlen);

/* Unlinks the temporary file unless it was committed; frees w. Accepts NULL. */
void art_store_writer_free(art_store_writer *w);

/*
 * Commits a finished writer as bucket/meta->key. meta carries key, content
 * type, user metadata, checksum and (for multipart) etag and parts; size,
 * sha256, gen, mtime_ms and (when parts is 0) etag are filled here from the
 * digests. The writer stays owned by the caller (free it). 0, or
 * SLUICE_ENOTFOUND (no bucket), SLUICE_EIO; on failure the previous object
 * is untouched. meta->version_id gets the new version's id ("null" unless the
 * bucket's versioning is enabled); the previous latest stays as a noncurrent
 * version unless it was the "null" version and the new one is "null" too.
 */
int art_store_commit_object(art_store *st, art_store_writer *w, const char *bucket,
                            art_store_meta *meta, char *err, size_t errlen);

/* ----------------------------------------------------------------- objects */

/*
 * Reads bucket/key's latest metadata and, when fd is not NULL, opens its data
 * (the caller owns *fd). 0, or SLUICE_ENOTFOUND (no such bucket: *no_bucket
 * true; or no such key; or the latest is a delete marker: meta is then that
 * marker, meta->delete_marker true), SLUICE_EIO.
 */
int art_store_object_open(const art_store *st, const char *bucket, const char *key,
                          art_store_meta *meta, int *fd, bool *no_bucket);

/*
 * Like art_store_object_open for one version (version_id NULL: the latest).
 * A delete marker gives 0 with meta->delete_marker true and *fd -1.
 * SLUICE_EINVAL when version_id is malformed, SLUICE_ENOTFOUND when absent.
 */
int art_store_object_open_version(const art_store *st, const char *bucket, const char *key,
                                  const char *version_id, art_store_meta *meta, int *fd,
                                  bool *no_bucket);

/*
 * Removes bucket/key as a DELETE without versionId does: with versioning
 * never enabled the object goes; enabled, a delete marker with a fresh id
 * becomes latest; suspended, a "null" marker replaces any null version.
 * 0 (also when it did not exist), SLUICE_ENOTFOUND (no bucket), SLUICE_EIO.
 */
int art_store_object_delete(art_store *st, const char *bucket, const char *key);

/*
 * art_store_object_delete, or (version_id not NULL) art_store_version_delete
 * that tolerates an absent version; res (may be NULL) says what happened.
 * SLUICE_EINVAL for a malformed version_id.
 */
int art_store_object_delete_version(art_store *st, const char *bucket, const char *key,
                                    const char *version_id, art_store_delete_result *res);

/* true for "null" or 32 lowercase hex digits. */
bool art_store_version_id_valid(const char *text);

/*
 * Every version and delete marker of bucket, sorted by key then newest first,
 * at most max (SLUICE_ETOOBIG beyond). Free with art_store_versions_free.
 * 0, SLUICE_ENOTFOUND (no bucket), SLUICE_ENOMEM, SLUICE_EIO.
 */
int art_store_version_list(const art_store *st, const char *bucket, size_t max,
                           art_store_version **out, size_t *count);

/* Frees a version list. Accepts NULL. */
void art_store_versions_free(art_store_version *v, size_t count);

/*
 * Permanently removes one version or delete marker of bucket/key, promoting
 * the next newest when it was the latest. freed_bytes (may be NULL) gets the
 * data bytes released. 0, SLUICE_ENOTFOUND (no bucket, key or version),
 * SLUICE_EINVAL (malformed id), SLUICE_EIO.
 */
int art_store_version_delete(art_store *st, const char *bucket, const char *key,
                             const char *version_id, uint64_t *freed_bytes);

/* Every object of bucket whose latest is not a delete marker, sorted by key. 0, SLUICE_ENOTFOUND,
 * SLUICE_ETOOBIG (over max), SLUICE_EIO.
 */
int art_store_object_list(const art_store *st, const char *bucket, size_t max,
                          art_store_entry **out, size_t *count);

/* --------------------------------------------------------------- multipart */

/* Starts an upload of bucket/meta->key (meta's content type and user metadata kept). */
int art_store_upload_create(art_store *st, const char *bucket, const art_store_meta *meta,
                            char upload_id[ART_STORE_UPLOAD_ID_LEN + 1]);

/* The upload's bucket and metadata. 0 or SLUICE_ENOTFOUND (NoSuchUpload). */
int art_store_upload_get(const art_store *st, const char *upload_id, char *bucket, size_t bucketlen,
                         art_store_meta *meta);

/* Commits a finished writer as part number of upload_id. 0, SLUICE_ENOTFOUND, SLUICE_EIO. */
int art_store_upload_put_part(art_store *st, art_store_writer *w, const char *upload_id,
                              unsigned number, const art_digest_result *digest, char *err,
                              size_t errlen);

/* The upload's parts sorted by number. 0, SLUICE_ENOTFOUND. */
int art_store_upload_parts(const art_store *st, const char *upload_id, art_store_entry **out,
                           size_t *count);

/* Open part number's data read-only. 0 or SLUICE_ENOTFOUND. */
int art_store_upload_open_part(const art_store *st, const char *upload_id, unsigned number,
                               int *fd);

/* Removes the upload and its parts. 0 or SLUICE_ENOTFOUND. */
int art_store_upload_abort(art_store *st, const char *upload_id);

/* The uploads in progress of bucket, sorted by key then upload id. */
int art_store_upload_list(const art_store *st, const char *bucket, art_store_entry **out,
                          size_t *count);

/* true when text is a well-formed upload id (32 lowercase hex digits). */
bool art_store_upload_id_valid(const char *text);

#endif
