/*
 * art_store.c — the filesystem store (see art_store.h for the layout and the
 * commit protocol). Paths are built with snprintf into PATH_MAX buffers from
 * the data directory, validated bucket names, hashes and generated ids only.
 */
#include "art_store.h"

#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/id.h"
#include "sluice/time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define STORE_META_FILE_MAX (64 * 1024)
#define STORE_COPY_BUF      (256 * 1024)

struct art_store {
    char dir[PATH_MAX];
    pthread_mutex_t lock;
    unsigned counter; /* version ids; under lock */
};

struct art_store_writer {
    art_store *st;
    char path[PATH_MAX];
    int fd;
    bool finished;
    bool moved; /* the temporary file was renamed away */
    art_digest digest;
    art_digest_result result;
};

/* ------------------------------------------------------------------ helpers */

__attribute__((format(printf, 3, 4))) static int store_path(char *out, size_t outlen,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= outlen) ? SLUICE_ETOOBIG : SLUICE_OK;
}

static int store_mkdir(const char *path)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        return SLUICE_EIO;
    }
    return SLUICE_OK;
}

static void store_random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    static const char hex[] = "0123456789abcdef";
    if (bytes > sizeof raw) {
        bytes = sizeof raw;
    }
    if (sluice_random_bytes(raw, bytes) != SLUICE_OK) {
        int64_t t = sluice_time_monotonic_ns();
        for (size_t i = 0; i < bytes; i++) {
            raw[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)i;
        }
    }
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * bytes] = '\0';
}

bool art_store_version_id_valid(const char *text)
{
    if (strcmp(text, "null") == 0) {
        return true;
    }
    if (strlen(text) != ART_STORE_VERSION_ID_LEN) {
        return false;
    }
    for (size_t i = 0; i < ART_STORE_VERSION_ID_LEN; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* A fresh id sorting after every earlier one of this store: ms, counter, random. Under lock. */
static void store_version_id_new(art_store *st, char out[ART_STORE_VERSION_ID_LEN + 1])
{
    char rnd[15];
    store_random_hex(rnd, 7);
    st->counter = (st->counter + 1) & 0xffffffu;
    snprintf(out, ART_STORE_VERSION_ID_LEN + 1, "%013llx%06x%.13s",
             (unsigned long long)sluice_time_now_ms() & 0xfffffffffffffull, st->counter, rnd);
}

/* Writes text to a temp file, fsyncs it and renames it to path. */
static int store_write_atomic(art_store *st, const char *path, const char *text)
{
    char tmp[PATH_MAX];
    char name[33];
    store_random_hex(name, 16);
    if (store_path(tmp, sizeof tmp, "%s/tmp/%s.json", st->dir, name) != SLUICE_OK) {
        return SLUICE_ETOOBIG;
    }
    return sluice_fs_write_atomic(tmp, path, text, strlen(text));
}

static json_t *store_read_json(const char *path)
{
    json_error_t error;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        return NULL;
    }
    json_t *value = json_loadf(f, JSON_REJECT_DUPLICATES, &error);
    fclose(f);
    return value;
}

static void store_copy_str(char *out, size_t outlen, json_t *obj, const char *name)
{
    const char *v = json_string_value(json_object_get(obj, name));
    snprintf(out, outlen, "%s", v != NULL ? v : "");
}

static json_t *store_meta_json(const art_store_meta *m)
{
    json_t *user = json_object();
    for (size_t i = 0; i < m->user_count; i++) {
        json_object_set_new(user, m->user_name[i], json_string(m->user_value[i]));
    }
    json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:o}", "key", m->key,
                          "gen", m->gen, "size", (json_int_t)m->size, "etag", m->etag, "sha256",
                          m->sha256, "contentType", m->content_type, "mtimeMs",
                          (json_int_t)m->mtime_ms, "parts", (int)m->parts, "checksumAlgorithm",
                          m->checksum_algorithm, "checksum", m->checksum, "user", user);
    if (j != NULL && (json_object_set_new(j, "versionId", json_string(m->version_id)) != 0 ||
                      json_object_set_new(j, "order", json_string(m->order)) != 0 ||
                      json_object_set_new(j, "deleteMarker", json_boolean(m->delete_marker)) != 0 ||
                      json_object_set_new(j, "pipeline", json_string(m->pipeline)) != 0 ||
                      json_object_set_new(j, "execution", json_string(m->execution)) != 0)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static int store_meta_parse(json_t *j, art_store_meta *m)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(j) || !json_is_string(json_object_get(j, "key"))) {
        return SLUICE_EPARSE;
    }
    store_copy_str(m->key, sizeof m->key, j, "key");
    store_copy_str(m->gen, sizeof m->gen, j, "gen");
    store_copy_str(m->etag, sizeof m->etag, j, "etag");
    store_copy_str(m->sha256, sizeof m->sha256, j, "sha256");
    store_copy_str(m->content_type, sizeof m->content_type, j, "contentType");
    store_copy_str(m->checksum_algorithm, sizeof m->checksum_algorithm, j, "checksumAlgorithm");
    store_copy_str(m->checksum, sizeof m->checksum, j, "checksum");
    store_copy_str(m->version_id, sizeof m->version_id, j, "versionId");
    store_copy_str(m->order, sizeof m->order, j, "order");
    store_copy_str(m->pipeline, sizeof m->pipeline, j, "pipeline");
    store_copy_str(m->execution, sizeof m->execution, j, "execution");
    m->delete_marker = json_is_true(json_object_get(j, "deleteMarker"));
    if (!art_store_version_id_valid(m->version_id)) {
        snprintf(m->version_id, sizeof m->version_id, "null"); /* written before versioning */
    }
    m->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
    m->mtime_ms = (int64_t)json_integer_value(json_object_get(j, "mtimeMs"));
    m->parts = (unsigned)json_integer_value(json_object_get(j, "parts"));
    const char *name = NULL;
    json_t *value = NULL;
    json_object_foreach(json_object_get(j, "user"), name, value)
    {
        if (m->user_count >= ART_STORE_META_MAX || !json_is_string(value)) {
            break;
        }
        snprintf(m->user_name[m->user_count], sizeof m->user_name[0], "%s", name);
        snprintf(m->user_value[m->user_count], sizeof m->user_value[0], "%s",
                 json_string_value(value));
        m->user_count++;
    }
    return SLUICE_OK;
}

static int store_meta_load(const char *path, art_store_meta *m)
{
    json_t *j = store_read_json(path);
    if (j == NULL) {
        return errno == ENOENT ? SLUICE_ENOTFOUND : SLUICE_EIO;
    }
    int rc = store_meta_parse(j, m);
    json_decref(j);
    return rc;
}

/* The object's directory and hash: "<dir>/buckets/<b>/objects/<xx>" and <h>. */
static int store_object_paths(const art_store *st, const char *bucket, const char *key, char *base,
                              size_t baselen)
{
    char rel[ART_KEYPATH_REL_MAX];
    int rc = art_keypath_object(key, rel, sizeof rel);
    if (rc != SLUICE_OK) {
        return rc;
    }
    return store_path(base, baselen, "%s/buckets/%s/%s", st->dir, bucket, rel);
}

static int store_entry_compare(const void *a, const void *b)
{
    const art_store_entry *x = a;
    const art_store_entry *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0) {
        return c;
    }
    if (x->number != y->number) {
        return x->number < y->number ? -1 : 1;
    }
    return strcmp(x->upload_id, y->upload_id);
}

/* Sorts entries by key (qsort must not see the NULL of an empty list). */
static void store_entries_sort(art_store_entry *entries, size_t count)
{
    if (count > 1) {
        qsort(entries, count, sizeof *entries, store_entry_compare);
    }
}

void art_store_entries_free(art_store_entry *entries, size_t count)
{
    if (entries == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(entries[i].key);
    }
    free(entries);
}

/* Appends an entry (key copied). */
static int store_entries_push(art_store_entry **entries, size_t *count, size_t *cap,
                              const char *key, art_store_entry **added)
{
    if (*count == *cap) {
        size_t next = *cap == 0 ? 64 : *cap * 2;
        art_store_entry *grown = realloc(*entries, next * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        *entries = grown;
        *cap = next;
    }
    art_store_entry *e = &(*entries)[*count];
    memset(e, 0, sizeof *e);
    e->key = strdup(key);
    if (e->key == NULL) {
        return SLUICE_ENOMEM;
    }
    (*count)++;
    *added = e;
    return SLUICE_OK;
}

/* ---------------------------------------------------------------- lifecycle */

static size_t store_clean_dir(const char *dir)
{
    size_t removed = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') {
            continue;
        }
        char path[PATH_MAX];
        if (store_path(path, sizeof path, "%s/%s", dir, ent->d_name) == SLUICE_OK &&
            unlink(path) == 0) {
            removed++;
        }
    }
    closedir(d);
    return removed;
}

static int store_name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void store_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
    }
    free(names);
}

/* Appends a copy of name. */
static int store_names_push(char ***names, size_t *count, size_t *cap, const char *name)
{
    if (*count == *cap) {
        size_t next = *cap == 0 ? 64 : *cap * 2;
        char **grown = realloc(*names, next * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        *names = grown;
        *cap = next;
    }
    (*names)[*count] = strdup(name);
    if ((*names)[*count] == NULL) {
        return SLUICE_ENOMEM;
    }
    (*count)++;
    return SLUICE_OK;
}

/*
 * Cleans one objects/<xx> directory: removes vmetas duplicating their meta's
 * version (a crash between the two renames of a commit) and data files that
 * no meta or vmeta names. Keeps everything when memory runs out.
 */
static size_t store_clean_objects(const char *dir)
{
    size_t removed = 0;
    char **files = NULL;
    size_t nfiles = 0;
    size_t files_cap = 0;
    char **kept = NULL; /* "<h>.<gen>.data" named by a meta or vmeta */
    size_t nkept = 0;
    size_t kept_cap = 0;
    art_store_meta *meta = malloc(sizeof *meta);
    art_store_meta *latest = malloc(sizeof *latest);
    DIR *d = opendir(dir);
    if (d == NULL || meta == NULL || latest == NULL) {
        goto out;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] != '.' &&
            store_names_push(&files, &nfiles, &files_cap, ent->d_name) != SLUICE_OK) {
            goto out;
        }
    }
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = files[i];
        size_t len = strlen(name);
        bool is_meta = len == 69 && strcmp(name + 64, ".meta") == 0;
        bool is_vmeta = len > 71 && name[64] == '.' && strcmp(name + len - 6, ".vmeta") == 0;
        char path[PATH_MAX];
        if ((!is_meta && !is_vmeta) ||
            store_path(path, sizeof path, "%s/%s", dir, name) != SLUICE_OK) {
            continue;
        }
        int rc = store_meta_load(path, meta);
        if (rc != SLUICE_OK) {
            continue;
        }
        if (is_vmeta) {
            char latest_path[PATH_MAX];
            store_path(latest_path, sizeof latest_path, "%s/%.64s.meta", dir, name);
            if (store_meta_load(latest_path, latest) == SLUICE_OK &&
                strcmp(latest->key, meta->key) == 0 &&
                strcmp(latest->version_id, meta->version_id) == 0) {
                if (unlink(path) == 0) {
                    removed++;
                }
                continue;
            }
        }
        char data[PATH_MAX];
        if (meta->gen[0] != '\0' &&
            store_path(data, sizeof data, "%.64s.%s.data", name, meta->gen) == SLUICE_OK &&
            store_names_push(&kept, &nkept, &kept_cap, data) != SLUICE_OK) {
            goto out;
        }
    }
    if (nkept > 1) {
        qsort(kept, nkept, sizeof *kept, store_name_compare);
    }
    for (size_t i = 0; i < nfiles; i++) {
        const char *name = files[i];
        size_t len = strlen(name);
        if (len < 70 || strcmp(name + len - 5, ".data") != 0) {
            continue;
        }
        if (nkept > 0 && bsearch(&name, kept, nkept, sizeof *kept, store_name_compare) != NULL) {
            continue;
        }
        char path[PATH_MAX];
        if (store_path(path, sizeof path, "%s/%s", dir, name) == SLUICE_OK && unlink(path) == 0) {
            removed++;
        }
    }
out:
    if (d != NULL) {
        closedir(d);
    }
    store_names_free(files, nfiles);
    store_names_free(kept, nkept);
    free(meta);
    free(latest);
    return removed;
}

static size_t store_clean_buckets(const art_store *st)
{
    size_t removed = 0;
    char root[PATH_MAX];
    if (store_path(root, sizeof root, "%s/buckets", st->dir) != SLUICE_OK) {
        return 0;
    }
    DIR *d = opendir(root);
    if (d == NULL) {
        return 0;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (!art_keypath_bucket_valid(ent->d_name)) {
            continue;
        }
        for (int i = 0; i < 256; i++) {
            char sub[PATH_MAX];
            if (store_path(sub, sizeof sub, "%s/%s/objects/%02x", root, ent->d_name, i) ==
                SLUICE_OK) {
                removed += store_clean_objects(sub);
            }
        }
    }
    closedir(d);
    return removed;
}

art_store *art_store_open(const char *dir, size_t *removed, char *err, size_t errlen)
{
    art_store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&st->lock, NULL);
    char path[PATH_MAX];
    if (store_path(st->dir, sizeof st->dir, "%s", dir) != SLUICE_OK || dir[0] == '\0') {
        sluice_error_set(err, errlen, SLUICE_EINVAL, "data directory name too long or empty");
        art_store_free(st);
        return NULL;
    }
    const char *subdirs[] = {"", "/tmp", "/buckets", "/uploads"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        if (store_path(path, sizeof path, "%s%s", st->dir, subdirs[i]) != SLUICE_OK ||
            store_mkdir(path) != SLUICE_OK) {
            sluice_error_set(err, errlen, SLUICE_EIO, "cannot create %s: %s", path,
                             strerror(errno));
            art_store_free(st);
            return NULL;
        }
    }
    store_path(path, sizeof path, "%s/tmp", st->dir);
    size_t count = store_clean_dir(path);
    count += store_clean_buckets(st);
    if (removed != NULL) {
        *removed = count;
    }
    return st;
}

void art_store_free(art_store *st)
{
    if (st == NULL) {
        return;
    }
    pthread_mutex_destroy(&st->lock);
    free(st);
}

uint64_t art_store_free_bytes(const art_store *st)
{
    struct statvfs vfs;
    if (statvfs(st->dir, &vfs) != 0) {
        return UINT64_MAX;
    }
    return (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
}

size_t art_store_tmp_count(const art_store *st)
{
    char path[PATH_MAX];
    size_t count = 0;
    if (store_path(path, sizeof path, "%s/tmp", st->dir) != SLUICE_OK) {
        return 0;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] != '.') {
            count++;
        }
    }
    closedir(d);
    return count;
}

/* ------------------------------------------------------------------ buckets */

bool art_store_bucket_exists(const art_store *st, const char *bucket)
{
    char path[PATH_MAX];
    struct stat sb;
    return art_keypath_bucket_valid(bucket) &&
           store_path(path, sizeof path, "%s/buckets/%s/bucket.json", st->dir, bucket) ==
               SLUICE_OK &&
           stat(path, &sb) == 0;
}

int art_store_bucket_create(art_store *st, const char *bucket)
{
    if (!art_keypath_bucket_valid(bucket)) {
        return SLUICE_EINVAL;
    }
    char path[PATH_MAX];
    pthread_mutex_lock(&st->lock);
    int rc = SLUICE_OK;
    if (art_store_bucket_exists(st, bucket)) {
        rc = SLUICE_EEXIST;
        goto out;
    }
    store_path(path, sizeof path, "%s/buckets/%s", st->dir, bucket);
    rc = store_mkdir(path);
    store_path(path, sizeof path, "%s/buckets/%s/objects", st->dir, bucket);
    if (rc == SLUICE_OK) {
        rc = store_mkdir(path);
    }
    for (int i = 0; i < 256 && rc == SLUICE_OK; i++) {
        store_path(path, sizeof path, "%s/buckets/%s/objects/%02x", st->dir, bucket, i);
        rc = store_mkdir(path);
    }
    if (rc == SLUICE_OK) {
        char text[64];
        snprintf(text, sizeof text, "{\"createdMs\": %lld}\n", (long long)sluice_time_now_ms());
        store_path(path, sizeof path, "%s/buckets/%s/bucket.json", st->dir, bucket);
        rc = store_write_atomic(st, path, text);
    }
out:
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static bool store_dir_has_files(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        return false;
    }
    struct dirent *ent;
    bool found = false;
    while (!found && (ent = readdir(d)) != NULL) {
        found = ent->d_name[0] != '.';
    }
    closedir(d);
    return found;
}

int art_store_bucket_delete(art_store *st, const char *bucket)
{
    if (!art_store_bucket_exists(st, bucket)) {
        return SLUICE_ENOTFOUND;
    }
    art_store_entry *uploads = NULL;
    size_t nuploads = 0;
    if (art_store_upload_list(st, bucket, &uploads, &nuploads) == SLUICE_OK) {
        art_store_entries_free(uploads, nuploads);
    }
    char path[PATH_MAX];
    pthread_mutex_lock(&st->lock);
    int rc = nuploads > 0 ? SLUICE_ECONFLICT : SLUICE_OK;
    for (int i = 0; i < 256 && rc == SLUICE_OK; i++) {
        store_path(path, sizeof path, "%s/buckets/%s/objects/%02x", st->dir, bucket, i);
        if (store_dir_has_files(path)) {
            rc = SLUICE_ECONFLICT;
        }
    }
    if (rc == SLUICE_OK) {
        store_path(path, sizeof path, "%s/buckets/%s/bucket.json", st->dir, bucket);
        unlink(path);
        for (int i = 0; i < 256; i++) {
            store_path(path, sizeof path, "%s/buckets/%s/objects/%02x", st->dir, bucket, i);
            rmdir(path);
        }
        store_path(path, sizeof path, "%s/buckets/%s/objects", st->dir, bucket);
        rmdir(path);
        store_path(path, sizeof path, "%s/buckets/%s", st->dir, bucket);
        rc = rmdir(path) == 0 ? SLUICE_OK : SLUICE_EIO;
        store_path(path, sizeof path, "%s/buckets", st->dir);
        sluice_fs_fsync_dir(path);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int art_store_bucket_list(const art_store *st, art_store_entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    char root[PATH_MAX];
    store_path(root, sizeof root, "%s/buckets", st->dir);
    DIR *d = opendir(root);
    if (d == NULL) {
        return SLUICE_EIO;
    }
    int rc = SLUICE_OK;
    struct dirent *ent;
    while (rc == SLUICE_OK && (ent = readdir(d)) != NULL) {
        if (!art_store_bucket_exists(st, ent->d_name)) {
            continue;
        }
        art_store_entry *e = NULL;
        rc = store_entries_push(out, count, &cap, ent->d_name, &e);
        if (rc == SLUICE_OK) {
            char path[PATH_MAX];
            store_path(path, sizeof path, "%s/%s/bucket.json", root, ent->d_name);
            json_t *j = store_read_json(path);
            e->mtime_ms = (int64_t)json_integer_value(json_object_get(j, "createdMs"));
            json_decref(j);
        }
    }
    closedir(d);
    if (rc != SLUICE_OK) {
        art_store_entries_free(*out, *count);
        *out = NULL;
        *count = 0;
        return rc;
    }
    store_entries_sort(*out, *count);
    return SLUICE_OK;
}

/* ------------------------------------------------------------------ writing */

int art_store_writer_new(art_store *st, art_store_writer **out, char *err, size_t errlen)
{
    *out = NULL;
    art_store_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    w->st = st;
    w->fd = -1;
    char name[33];
    store_random_hex(name, 16);
    if (store_path(w->path, sizeof w->path, "%s/tmp/%s.upload", st->dir, name) != SLUICE_OK) {
        free(w);
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "path too long");
    }
    if (art_digest_init(&w->digest) != SLUICE_OK) {
        free(w);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (w->fd < 0) {
        int e = errno;
        art_digest_free(&w->digest);
        free(w);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot create a temporary file: %s",
                                strerror(e));
    }
    *out = w;
    return SLUICE_OK;
}

int art_store_writer_write(art_store_writer *w, const void *data, size_t len, char *err,
                           size_t errlen)
{
    if (w->finished) {
        return sluice_error_set(err, errlen, SLUICE_ESTATE, "writer already finished");
    }
    if (art_digest_update(&w->digest, data, len) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINTERNAL, "digest failure");
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return sluice_error_set(err, errlen, SLUICE_EIO, "cannot write the object: %s",
                                    n < 0 ? strerror(errno) : "short write");
        }
        p += n;
        len -= (size_t)n;
    }
    return SLUICE_OK;
}

uint64_t art_store_writer_bytes(const art_store_writer *w)
{
    return w->digest.bytes;
}

int art_store_writer_finish(art_store_writer *w, art_digest_result *out, char *err, size_t errlen)
{
    if (w->finished) {
        *out = w->result;
        return SLUICE_OK;
    }
    int rc = art_digest_final(&w->digest, &w->result);
    art_digest_free(&w->digest);
    w->finished = true;
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "digest failure");
    }
    if (fsync(w->fd) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot sync the object: %s",
                                strerror(errno));
    }
    *out = w->result;
    return SLUICE_OK;
}

void art_store_writer_free(art_store_writer *w)
{
    if (w == NULL) {
        return;
    }
    if (w->fd >= 0) {
        close(w->fd);
    }
    if (!w->moved) {
        unlink(w->path);
    }
    art_digest_free(&w->digest);
    free(w);
}

/* Loads base's meta when it is key's (a SHA-256 collision is another key). */
static int store_meta_load_key(const char *base, const char *suffix, const char *key,
                               art_store_meta *m)
{
    char path[PATH_MAX];
    if (store_path(path, sizeof path, "%s%s", base, suffix) != SLUICE_OK) {
        return SLUICE_ETOOBIG;
    }
    int rc = store_meta_load(path, m);
    if (rc == SLUICE_OK && strcmp(m->key, key) != 0) {
        rc = SLUICE_ENOTFOUND;
    }
    return rc;
}

/* Writes m as JSON to path (fsync, rename). */
static int store_meta_write(art_store *st, const char *path, const art_store_meta *m)
{
    json_t *j = store_meta_json(m);
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = store_write_atomic(st, path, text);
    free(text);
    return rc;
}

static void store_data_unlink(const char *base, const art_store_meta *m)
{
    char path[PATH_MAX];
    if (m->gen[0] != '\0' &&
        store_path(path, sizeof path, "%s.%s.data", base, m->gen) == SLUICE_OK) {
        unlink(path);
    }
}

static int store_versioning_read(const art_store *st, const char *bucket, art_store_versioning *out)
{
    char path[PATH_MAX];
    *out = ART_STORE_VERSIONING_NEVER;
    if (!art_store_bucket_exists(st, bucket) ||
        store_path(path, sizeof path, "%s/buckets/%s/bucket.json", st->dir, bucket) != SLUICE_OK) {
        return SLUICE_ENOTFOUND;
    }
    json_t *j = store_read_json(path);
    if (j == NULL) {
        return errno == ENOENT ? SLUICE_ENOTFOUND : SLUICE_EIO;
    }
    const char *v = json_string_value(json_object_get(j, "versioning"));
    if (v != NULL && strcmp(v, "Enabled") == 0) {
        *out = ART_STORE_VERSIONING_ENABLED;
    } else if (v != NULL && strcmp(v, "Suspended") == 0) {
        *out = ART_STORE_VERSIONING_SUSPENDED;
    }
    json_decref(j);
    return SLUICE_OK;
}

int art_store_bucket_versioning_get(const art_store *st, const char *bucket,
                                    art_store_versioning *out)
{
    return store_versioning_read(st, bucket, out);
}

int art_store_bucket_versioning_set(art_store *st, const char *bucket, art_store_versioning v)
{
    if (v != ART_STORE_VERSIONING_ENABLED && v != ART_STORE_VERSIONING_SUSPENDED) {
        return SLUICE_EINVAL;
    }
    char path[PATH_MAX];
    if (!art_store_bucket_exists(st, bucket) ||
        store_path(path, sizeof path, "%s/buckets/%s/bucket.json", st->dir, bucket) != SLUICE_OK) {
        return SLUICE_ENOTFOUND;
    }
    pthread_mutex_lock(&st->lock);
    int rc = SLUICE_OK;
    char *text = NULL;
    json_t *j = store_read_json(path);
    if (j == NULL || !json_is_object(j)) {
        rc = SLUICE_EIO;
        goto out;
    }
    json_object_set_new(j, "versioning",
                        json_string(v == ART_STORE_VERSIONING_ENABLED ? "Enabled" : "Suspended"));
    text = json_dumps(j, JSON_COMPACT);
    rc = text != NULL ? store_write_atomic(st, path, text) : SLUICE_ENOMEM;
out:
    free(text);
    json_decref(j);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/*
 * Makes meta (data already in place, or a delete marker) the latest version
 * of its key under base. Under lock. Fills version_id and order. The
 * previous latest becomes a vmeta unless both are "null"; a replaced null
 * version's files go after the commit.
 */
static int store_commit_locked(art_store *st, const char *bucket, const char *base,
                               art_store_meta *meta)
{
    art_store_versioning v = ART_STORE_VERSIONING_NEVER;
    int rc = store_versioning_read(st, bucket, &v);
    if (rc != SLUICE_OK) {
        return rc;
    }
    store_version_id_new(st, meta->order);
    if (v == ART_STORE_VERSIONING_ENABLED) {
        memcpy(meta->version_id, meta->order, sizeof meta->version_id);
    } else {
        snprintf(meta->version_id, sizeof meta->version_id, "null");
    }
    bool new_null = strcmp(meta->version_id, "null") == 0;
    char meta_path[PATH_MAX];
    char path[PATH_MAX];
    art_store_meta *old = malloc(sizeof *old);
    art_store_meta *null_v = malloc(sizeof *null_v);
    if (old == NULL || null_v == NULL) {
        rc = SLUICE_ENOMEM;
        goto out;
    }
    store_path(meta_path, sizeof meta_path, "%s.meta", base);
    bool had_old = store_meta_load_key(base, ".meta", meta->key, old) == SLUICE_OK;
    bool old_replaced = had_old && new_null && strcmp(old->version_id, "null") == 0;
    bool had_null_v =
        new_null && store_meta_load_key(base, ".null.vmeta", meta->key, null_v) == SLUICE_OK;
    if (had_old && !old_replaced) {
        rc = store_path(path, sizeof path, "%s.%s.vmeta", base, old->version_id);
        if (rc == SLUICE_OK) {
            rc = store_meta_write(st, path, old);
        }
        if (rc != SLUICE_OK) {
            goto out;
        }
    }
    rc = store_meta_write(st, meta_path, meta);
    if (rc != SLUICE_OK) {
        goto out;
    }
    if (old_replaced && strcmp(old->gen, meta->gen) != 0) {
        store_data_unlink(base, old);
    }
    if (had_null_v) {
        store_path(path, sizeof path, "%s.null.vmeta", base);
        unlink(path);
        store_data_unlink(base, null_v);
    }
out:
    free(old);
    free(null_v);
    return rc;
}

int art_store_commit_object(art_store *st, art_store_writer *w, const char *bucket,
                            art_store_meta *meta, char *err, size_t errlen)
{
    if (!w->finished) {
        return sluice_error_set(err, errlen, SLUICE_ESTATE, "writer not finished");
    }
    if (!art_store_bucket_exists(st, bucket)) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "no such bucket");
    }
    char base[PATH_MAX];
    char data_path[PATH_MAX];
    if (store_object_paths(st, bucket, meta->key, base, sizeof base) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "invalid key");
    }
    meta->size = w->result.bytes;
    memcpy(meta->sha256, w->result.sha256_hex, sizeof meta->sha256);
    if (meta->parts == 0) {
        snprintf(meta->etag, sizeof meta->etag, "%s", w->result.md5_hex);
    }
    meta->delete_marker = false;
    meta->mtime_ms = sluice_time_now_ms();
    char rnd[17];
    store_random_hex(rnd, 8);
    snprintf(meta->gen, sizeof meta->gen, "%013llx%s", (unsigned long long)meta->mtime_ms, rnd);
    if (store_path(data_path, sizeof data_path, "%s.%s.data", base, meta->gen) != SLUICE_OK) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "path too long");
    }
    int rc = SLUICE_OK;
    pthread_mutex_lock(&st->lock);
    if (rename(w->path, data_path) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot place the object: %s",
                              strerror(errno));
        goto out;
    }
    w->moved = true;
    rc = store_commit_locked(st, bucket, base, meta);
    if (rc != SLUICE_OK) {
        unlink(data_path);
        sluice_error_set(err, errlen, rc, "cannot write the object's metadata");
    }
out:
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* ------------------------------------------------------------------ objects */

int art_store_object_open_version(const art_store *st, const char *bucket, const char *key,
                                  const char *version_id, art_store_meta *meta, int *fd,
                                  bool *no_bucket)
{
    if (fd != NULL) {
        *fd = -1;
    }
    *no_bucket = false;
    memset(meta, 0, sizeof *meta);
    if (version_id != NULL && !art_store_version_id_valid(version_id)) {
        return SLUICE_EINVAL;
    }
    if (!art_store_bucket_exists(st, bucket)) {
        *no_bucket = true;
        return SLUICE_ENOTFOUND;
    }
    char base[PATH_MAX];
    char path[PATH_MAX];
    if (store_object_paths(st, bucket, key, base, sizeof base) != SLUICE_OK) {
        return SLUICE_ENOTFOUND;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        int rc = store_meta_load_key(base, ".meta", key, meta);
        if (version_id != NULL && (rc != SLUICE_OK || strcmp(meta->version_id, version_id) != 0)) {
            if (rc != SLUICE_OK && rc != SLUICE_ENOTFOUND) {
                return rc;
            }
            store_path(path, sizeof path, ".%s.vmeta", version_id);
            rc = store_meta_load_key(base, path, key, meta);
            if (rc == SLUICE_ENOTFOUND && attempt == 0) {
                continue; /* promoted meanwhile: the meta may hold it now */
            }
        }
        if (rc != SLUICE_OK) {
            return rc;
        }
        if (fd == NULL || meta->delete_marker) {
            return SLUICE_OK;
        }
        store_path(path, sizeof path, "%s.%s.data", base, meta->gen);
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd >= 0) {
            return SLUICE_OK;
        }
        if (errno != ENOENT) {
            return SLUICE_EIO;
        }
        /* replaced between reading the meta and opening the data: read again */
    }
    return version_id != NULL ? SLUICE_ENOTFOUND : SLUICE_EIO;
}

int art_store_object_open(const art_store *st, const char *bucket, const char *key,
                          art_store_meta *meta, int *fd, bool *no_bucket)
{
    int rc = art_store_object_open_version(st, bucket, key, NULL, meta, fd, no_bucket);
    if (rc == SLUICE_OK && meta->delete_marker) {
        return SLUICE_ENOTFOUND;
    }
    return rc;
}

/* The newest vmeta of key under base into best; false when there is none. */
static bool store_newest_vmeta(const char *base, const char *key, art_store_meta *best,
                               art_store_meta *scratch)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", base);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    const char *h = slash + 1;
    size_t hlen = strlen(h);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return false;
    }
    bool found = false;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len <= hlen + 7 || strncmp(ent->d_name, h, hlen) != 0 || ent->d_name[hlen] != '.' ||
            strcmp(ent->d_name + len - 6, ".vmeta") != 0) {
            continue;
        }
        char path[PATH_MAX];
        if (store_path(path, sizeof path, "%s/%s", dir, ent->d_name) != SLUICE_OK ||
            store_meta_load(path, scratch) != SLUICE_OK || strcmp(scratch->key, key) != 0) {
            continue;
        }
        if (!found || strcmp(scratch->order, best->order) > 0) {
            *best = *scratch;
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* Removes one version of key under base. Under lock. removed gets what it was. */
static int store_version_delete_locked(art_store *st, const char *base, const char *key,
                                       const char *version_id, art_store_meta *removed)
{
    char path[PATH_MAX];
    char meta_path[PATH_MAX];
    store_path(meta_path, sizeof meta_path, "%s.meta", base);
    int rc = store_meta_load_key(base, ".meta", key, removed);
    if (rc == SLUICE_OK && strcmp(removed->version_id, version_id) == 0) {
        art_store_meta *next = malloc(sizeof *next);
        art_store_meta *scratch = malloc(sizeof *scratch);
        if (next == NULL || scratch == NULL) {
            free(next);
            free(scratch);
            return SLUICE_ENOMEM;
        }
        if (store_newest_vmeta(base, key, next, scratch)) {
            rc = store_meta_write(st, meta_path, next); /* the commit */
            if (rc == SLUICE_OK) {
                store_path(path, sizeof path, "%s.%s.vmeta", base, next->version_id);
                unlink(path);
                sluice_fs_fsync_parent(path);
            }
        } else {
            rc = unlink(meta_path) == 0 ? SLUICE_OK : SLUICE_EIO;
            sluice_fs_fsync_parent(meta_path);
        }
        free(next);
        free(scratch);
        if (rc == SLUICE_OK) {
            store_data_unlink(base, removed);
        }
        return rc;
    }
    if (rc != SLUICE_OK && rc != SLUICE_ENOTFOUND) {
        return rc;
    }
    store_path(path, sizeof path, ".%s.vmeta", version_id);
    rc = store_meta_load_key(base, path, key, removed);
    if (rc != SLUICE_OK) {
        return rc;
    }
    store_path(path, sizeof path, "%s.%s.vmeta", base, version_id);
    if (unlink(path) != 0) {
        return SLUICE_EIO;
    }
    sluice_fs_fsync_parent(path);
    store_data_unlink(base, removed);
    return SLUICE_OK;
}

int art_store_version_delete(art_store *st, const char *bucket, const char *key,
                             const char *version_id, uint64_t *freed_bytes)
{
    if (freed_bytes != NULL) {
        *freed_bytes = 0;
    }
    if (!art_store_version_id_valid(version_id)) {
        return SLUICE_EINVAL;
    }
    char base[PATH_MAX];
    if (!art_store_bucket_exists(st, bucket) ||
        store_object_paths(st, bucket, key, base, sizeof base) != SLUICE_OK) {
        return SLUICE_ENOTFOUND;
    }
    art_store_meta *removed = malloc(sizeof *removed);
    if (removed == NULL) {
        return SLUICE_ENOMEM;
    }
    pthread_mutex_lock(&st->lock);
    int rc = store_version_delete_locked(st, base, key, version_id, removed);
    pthread_mutex_unlock(&st->lock);
    if (rc == SLUICE_OK && freed_bytes != NULL && !removed->delete_marker) {
        *freed_bytes = removed->size;
    }
    free(removed);
    return rc;
}

int art_store_object_delete_version(art_store *st, const char *bucket, const char *key,
                                    const char *version_id, art_store_delete_result *res)
{
    art_store_delete_result scratch;
    if (res == NULL) {
        res = &scratch;
    }
    memset(res, 0, sizeof *res);
    if (version_id != NULL && !art_store_version_id_valid(version_id)) {
        return SLUICE_EINVAL;
    }
    if (!art_store_bucket_exists(st, bucket)) {
        return SLUICE_ENOTFOUND;
    }
    char base[PATH_MAX];
    if (store_object_paths(st, bucket, key, base, sizeof base) != SLUICE_OK) {
        return SLUICE_OK;
    }
    art_store_meta *meta = malloc(sizeof *meta);
    if (meta == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = SLUICE_OK;
    pthread_mutex_lock(&st->lock);
    art_store_versioning v = ART_STORE_VERSIONING_NEVER;
    if (version_id != NULL) {
        rc = store_version_delete_locked(st, base, key, version_id, meta);
        snprintf(res->version_id, sizeof res->version_id, "%s", version_id);
        if (rc == SLUICE_OK) {
            res->delete_marker = meta->delete_marker;
        } else if (rc == SLUICE_ENOTFOUND) {
            rc = SLUICE_OK;
        }
    } else if (store_versioning_read(st, bucket, &v) != SLUICE_OK) {
        rc = SLUICE_EIO;
    } else if (v == ART_STORE_VERSIONING_NEVER) {
        if (store_meta_load_key(base, ".meta", key, meta) == SLUICE_OK) {
            rc = store_version_delete_locked(st, base, key, meta->version_id, meta);
        }
    } else {
        memset(meta, 0, sizeof *meta);
        snprintf(meta->key, sizeof meta->key, "%s", key);
        meta->delete_marker = true;
        meta->mtime_ms = sluice_time_now_ms();
        rc = store_commit_locked(st, bucket, base, meta);
        res->delete_marker = true;
        memcpy(res->version_id, meta->version_id, sizeof res->version_id);
    }
    pthread_mutex_unlock(&st->lock);
    free(meta);
    return rc;
}

int art_store_object_delete(art_store *st, const char *bucket, const char *key)
{
    return art_store_object_delete_version(st, bucket, key, NULL, NULL);
}

static int store_version_compare(const void *a, const void *b)
{
    const art_store_version *x = a;
    const art_store_version *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0) {
        return c;
    }
    if (x->is_latest != y->is_latest) {
        return x->is_latest ? -1 : 1;
    }
    return -strcmp(x->order, y->order); /* newest first */
}

void art_store_versions_free(art_store_version *v, size_t count)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(v[i].key);
    }
    free(v);
}

/* Appends m's version (key copied). */
static int store_versions_push(art_store_version **out, size_t *count, size_t *cap,
                               const art_store_meta *m, bool is_latest)
{
    if (*count == *cap) {
        size_t next = *cap == 0 ? 64 : *cap * 2;
        art_store_version *grown = realloc(*out, next * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        *out = grown;
        *cap = next;
    }
    art_store_version *v = &(*out)[*count];
    memset(v, 0, sizeof *v);
    v->key = strdup(m->key);
    if (v->key == NULL) {
        return SLUICE_ENOMEM;
    }
    memcpy(v->version_id, m->version_id, sizeof v->version_id);
    memcpy(v->order, m->order, sizeof v->order);
    v->is_latest = is_latest;
    v->delete_marker = m->delete_marker;
    v->size = m->delete_marker ? 0 : m->size;
    memcpy(v->etag, m->etag, sizeof v->etag);
    v->mtime_ms = m->mtime_ms;
    memcpy(v->pipeline, m->pipeline, sizeof v->pipeline);
    memcpy(v->execution, m->execution, sizeof v->execution);
    (*count)++;
    return SLUICE_OK;
}

int art_store_version_list(const art_store *st, const char *bucket, size_t max,
                           art_store_version **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!art_store_bucket_exists(st, bucket)) {
        return SLUICE_ENOTFOUND;
    }
    size_t cap = 0;
    int rc = SLUICE_OK;
    art_store_meta *meta = malloc(sizeof *meta);
    art_store_meta *latest = malloc(sizeof *latest);
    if (meta == NULL || latest == NULL) {
        free(meta);
        free(latest);
        return SLUICE_ENOMEM;
    }
    for (int i = 0; i < 256 && rc == SLUICE_OK; i++) {
        char dir[PATH_MAX];
        store_path(dir, sizeof dir, "%s/buckets/%s/objects/%02x", st->dir, bucket, i);
        DIR *d = opendir(dir);
        if (d == NULL) {
            continue;
        }
        struct dirent *ent;
        while (rc == SLUICE_OK && (ent = readdir(d)) != NULL) {
            size_t len = strlen(ent->d_name);
            bool is_meta = len == 69 && strcmp(ent->d_name + 64, ".meta") == 0;
            bool is_vmeta =
                len > 71 && ent->d_name[64] == '.' && strcmp(ent->d_name + len - 6, ".vmeta") == 0;
            if (!is_meta && !is_vmeta) {
                continue;
            }
            char path[PATH_MAX];
            store_path(path, sizeof path, "%s/%s", dir, ent->d_name);
            if (store_meta_load(path, meta) != SLUICE_OK) {
                continue; /* deleted meanwhile */
            }
            if (is_vmeta) {
                /* a leftover of a crash between the two renames duplicates the latest */
                store_path(path, sizeof path, "%s/%.64s.meta", dir, ent->d_name);
                if (store_meta_load(path, latest) == SLUICE_OK &&
                    strcmp(latest->version_id, meta->version_id) == 0) {
                    continue;
                }
            }
            if (*count >= max) {
                rc = SLUICE_ETOOBIG;
                break;
            }
            rc = store_versions_push(out, count, &cap, meta, is_meta);
        }
        closedir(d);
    }
    free(meta);
    free(latest);
    if (rc != SLUICE_OK) {
        art_store_versions_free(*out, *count);
        *out = NULL;
        *count = 0;
        return rc;
    }
    if (*count > 1) {
        qsort(*out, *count, sizeof **out, store_version_compare);
    }
    return SLUICE_OK;
}

int art_store_object_list(const art_store *st, const char *bucket, size_t max,
                          art_store_entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!art_store_bucket_exists(st, bucket)) {
        return SLUICE_ENOTFOUND;
    }
    size_t cap = 0;
    int rc = SLUICE_OK;
    art_store_meta *meta = malloc(sizeof *meta);
    if (meta == NULL) {
        return SLUICE_ENOMEM;
    }
    for (int i = 0; i < 256 && rc == SLUICE_OK; i++) {
        char dir[PATH_MAX];
        store_path(dir, sizeof dir, "%s/buckets/%s/objects/%02x", st->dir, bucket, i);
        DIR *d = opendir(dir);
        if (d == NULL) {
            continue;
        }
        struct dirent *ent;
        while (rc == SLUICE_OK && (ent = readdir(d)) != NULL) {
            size_t len = strlen(ent->d_name);
            if (len != 69 || strcmp(ent->d_name + 64, ".meta") != 0) {
                continue;
            }
            char path[PATH_MAX];
            store_path(path, sizeof path, "%s/%s", dir, ent->d_name);
            if (store_meta_load(path, meta) != SLUICE_OK || meta->delete_marker) {
                continue; /* deleted meanwhile, or hidden by a delete marker */
            }
            if (*count >= max) {
                rc = SLUICE_ETOOBIG;
                break;
            }
            art_store_entry *e = NULL;
            rc = store_entries_push(out, count, &cap, meta->key, &e);
            if (rc == SLUICE_OK) {
                e->size = meta->size;
                e->mtime_ms = meta->mtime_ms;
                memcpy(e->etag, meta->etag, sizeof e->etag);
            }
        }
        closedir(d);
    }
    free(meta);
    if (rc != SLUICE_OK) {
        art_store_entries_free(*out, *count);
        *out = NULL;
        *count = 0;
        return rc;
    }
    store_entries_sort(*out, *count);
    return SLUICE_OK;
}

/* ---------------------------------------------------------------- multipart */

bool art_store_upload_id_valid(const char *text)
{
    if (strlen(text) != ART_STORE_UPLOAD_ID_LEN) {
        return false;
    }
    for (size_t i = 0; i < ART_STORE_UPLOAD_ID_LEN; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

int art_store_upload_create(art_store *st, const char *bucket, const art_store_meta *meta,
                            char upload_id[ART_STORE_UPLOAD_ID_LEN + 1])
{
    if (!art_store_bucket_exists(st, bucket)) {
        return SLUICE_ENOTFOUND;
    }
    store_random_hex(upload_id, ART_STORE_UPLOAD_ID_LEN / 2);
    char path[PATH_MAX];
    store_path(path, sizeof path, "%s/uploads/%s", st->dir, upload_id);
    if (store_mkdir(path) != SLUICE_OK) {
        return SLUICE_EIO;
    }
    art_store_meta copy = *meta;
    copy.mtime_ms = sluice_time_now_ms();
    json_t *j = store_meta_json(&copy);
    json_object_set_new(j, "bucket", json_string(bucket));
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    store_path(path, sizeof path, "%s/uploads/%s/upload.json", st->dir, upload_id);
    int rc = store_write_atomic(st, path, text);
    free(text);
    return rc;
}

int art_store_upload_get(const art_store *st, const char *upload_id, char *bucket, size_t bucketlen,
                         art_store_meta *meta)
{
    if (!art_store_upload_id_valid(upload_id)) {
        return SLUICE_ENOTFOUND;
    }
    char path[PATH_MAX];
    store_path(path, sizeof path, "%s/uploads/%s/upload.json", st->dir, upload_id);
    json_t *j = store_read_json(path);
    if (j == NULL) {
        return SLUICE_ENOTFOUND;
    }
    int rc = store_meta_parse(j, meta);
    store_copy_str(bucket, bucketlen, j, "bucket");
    json_decref(j);
    return rc;
}

int art_store_upload_put_part(art_store *st, art_store_writer *w, const char *upload_id,
                              unsigned number, const art_digest_result *digest, char *err,
                              size_t errlen)
{
    if (!art_store_upload_id_valid(upload_id)) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "no such upload");
    }
    char dir[PATH_MAX];
    char data_path[PATH_MAX];
    char meta_path[PATH_MAX];
    struct stat sb;
    store_path(dir, sizeof dir, "%s/uploads/%s", st->dir, upload_id);
    store_path(data_path, sizeof data_path, "%s/%u.data", dir, number);
    store_path(meta_path, sizeof meta_path, "%s/%u.json", dir, number);
    char text[256];
    snprintf(text, sizeof text, "{\"etag\":\"%s\",\"size\":%llu,\"mtimeMs\":%lld}", digest->md5_hex,
             (unsigned long long)digest->bytes, (long long)sluice_time_now_ms());
    pthread_mutex_lock(&st->lock);
    int rc = SLUICE_OK;
    if (stat(dir, &sb) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "no such upload");
    } else if (rename(w->path, data_path) != 0) {
        rc =
            sluice_error_set(err, errlen, SLUICE_EIO, "cannot place the part: %s", strerror(errno));
    } else {
        w->moved = true;
        rc = store_write_atomic(st, meta_path, text);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int art_store_upload_parts(const art_store *st, const char *upload_id, art_store_entry **out,
                           size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!art_store_upload_id_valid(upload_id)) {
        return SLUICE_ENOTFOUND;
    }
    char dir[PATH_MAX];
    store_path(dir, sizeof dir, "%s/uploads/%s", st->dir, upload_id);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return SLUICE_ENOTFOUND;
    }
    size_t cap = 0;
    int rc = SLUICE_OK;
    struct dirent *ent;
    while (rc == SLUICE_OK && (ent = readdir(d)) != NULL) {
        char *end = NULL;
        unsigned long n = strtoul(ent->d_name, &end, 10);
        if (end == ent->d_name || strcmp(end, ".json") != 0 || n < 1 || n > 10000) {
            continue;
        }
        char path[PATH_MAX];
        store_path(path, sizeof path, "%s/%s", dir, ent->d_name);
        json_t *j = store_read_json(path);
        if (j == NULL) {
            continue;
        }
        art_store_entry *e = NULL;
        rc = store_entries_push(out, count, &cap, "", &e);
        if (rc == SLUICE_OK) {
            e->number = (unsigned)n;
            e->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
            e->mtime_ms = (int64_t)json_integer_value(json_object_get(j, "mtimeMs"));
            store_copy_str(e->etag, sizeof e->etag, j, "etag");
        }
        json_decref(j);
    }
    closedir(d);
    if (rc != SLUICE_OK) {
        art_store_entries_free(*out, *count);
        *out = NULL;
        *count = 0;
        return rc;
    }
    store_entries_sort(*out, *count);
    return SLUICE_OK;
}

int art_store_upload_open_part(const art_store *st, const char *upload_id, unsigned number, int *fd)
{
    *fd = -1;
    if (!art_store_upload_id_valid(upload_id)) {
        return SLUICE_ENOTFOUND;
    }
    char path[PATH_MAX];
    store_path(path, sizeof path, "%s/uploads/%s/%u.data", st->dir, upload_id, number);
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    return *fd >= 0 ? SLUICE_OK : SLUICE_ENOTFOUND;
}

int art_store_upload_abort(art_store *st, const char *upload_id)
{
    if (!art_store_upload_id_valid(upload_id)) {
        return SLUICE_ENOTFOUND;
    }
    char dir[PATH_MAX];
    store_path(dir, sizeof dir, "%s/uploads/%s", st->dir, upload_id);
    pthread_mutex_lock(&st->lock);
    char path[PATH_MAX];
    store_path(path, sizeof path, "%s/upload.json", dir);
    int rc = unlink(path) == 0 ? SLUICE_OK : SLUICE_ENOTFOUND;
    if (rc == SLUICE_OK) {
        store_clean_dir(dir);
        rmdir(dir);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int art_store_upload_list(const art_store *st, const char *bucket, art_store_entry **out,
                          size_t *count)
{
    *out = NULL;
    *count = 0;
    char root[PATH_MAX];
    store_path(root, sizeof root, "%s/uploads", st->dir);
    DIR *d = opendir(root);
    if (d == NULL) {
        return SLUICE_EIO;
    }
    art_store_meta *meta = malloc(sizeof *meta);
    if (meta == NULL) {
        closedir(d);
        return SLUICE_ENOMEM;
    }
    size_t cap = 0;
    int rc = SLUICE_OK;
    struct dirent *ent;
    while (rc == SLUICE_OK && (ent = readdir(d)) != NULL) {
        char owner[ART_KEYPATH_BUCKET_MAX + 1];
        if (!art_store_upload_id_valid(ent->d_name) ||
            art_store_upload_get(st, ent->d_name, owner, sizeof owner, meta) != SLUICE_OK ||
            strcmp(owner, bucket) != 0) {
            continue;
        }
        art_store_entry *e = NULL;
        rc = store_entries_push(out, count, &cap, meta->key, &e);
        if (rc == SLUICE_OK) {
            memcpy(e->upload_id, ent->d_name, ART_STORE_UPLOAD_ID_LEN + 1);
            e->mtime_ms = meta->mtime_ms;
        }
    }
    closedir(d);
    free(meta);
    if (rc != SLUICE_OK) {
        art_store_entries_free(*out, *count);
        *out = NULL;
        *count = 0;
        return rc;
    }
    store_entries_sort(*out, *count);
    return SLUICE_OK;
}
