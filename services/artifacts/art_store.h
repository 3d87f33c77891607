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
 * where <h> is art_keypath's SHA-256 of the key.
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
 * grow with object size (fixed buffers); listings hold one entry per object.
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
} art_store_meta;

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
 * left: everything in tmp/, data files no meta names. removed (may be NULL)
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

/* 0, SLUICE_ENOTFOUND, SLUICE_ECONFLICT (objects or uploads left), SLUICE_EIO. */
int art_store_bucket_delete(art_store *st, const char *bucket);

/* Every bucket, sorted by name (key = name, mtime_ms = creation). Free with art_store_entries_free.
 */
int art_store_bucket_list(const art_store *st, art_store_entry **out, size_t *count);

void art_store_entries_free(art_store_entry *entries, size_t count);

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
 * is untouched.
 */
int art_store_commit_object(art_store *st, art_store_writer *w, const char *bucket,
                            art_store_meta *meta, char *err, size_t errlen);

/* ----------------------------------------------------------------- objects */

/*
 * Reads bucket/key's metadata and, when fd is not NULL, opens its data (the
 * caller owns *fd). 0, or SLUICE_ENOTFOUND (no such bucket: *no_bucket true;
 * or no such key), SLUICE_EIO.
 */
int art_store_object_open(const art_store *st, const char *bucket, const char *key,
                          art_store_meta *meta, int *fd, bool *no_bucket);

/* Removes bucket/key. 0 (also when it did not exist), SLUICE_ENOTFOUND (no bucket), SLUICE_EIO. */
int art_store_object_delete(art_store *st, const char *bucket, const char *key);

/* Every object of bucket sorted by key. 0, SLUICE_ENOTFOUND, SLUICE_ETOOBIG (over max), SLUICE_EIO.
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
