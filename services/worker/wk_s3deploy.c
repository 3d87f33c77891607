/*
 * wk_s3deploy.c — S3 deploys into the artifact store (see wk_s3deploy.h).
 */
#define _GNU_SOURCE /* O_DIRECTORY, fstatat */
#include "wk_s3deploy.h"

#include "wk_archive.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WK_S3DEPLOY_DEPTH_MAX 64

/* The regular files of the unpacked artifact, by path relative to its directory. */
typedef struct wk_s3deploy_files {
    char **paths;
    size_t n;
    size_t cap;
} wk_s3deploy_files;

static void wk_s3deploy_files_free(wk_s3deploy_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->paths[i]);
    }
    free(f->paths);
    memset(f, 0, sizeof *f);
}

static int wk_s3deploy_add(wk_s3deploy_files *f, const char *path)
{
    if (f->n == WK_S3DEPLOY_FILES_MAX) {
        return SLUICE_ETOOBIG;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap == 0 ? 64 : f->cap * 2;
        char **grown = realloc(f->paths, cap * sizeof *grown);
        if (grown == NULL) {
            return SLUICE_ENOMEM;
        }
        f->paths = grown;
        f->cap = cap;
    }
    f->paths[f->n] = strdup(path);
    if (f->paths[f->n] == NULL) {
        return SLUICE_ENOMEM;
    }
    f->n++;
    return 0;
}

/* Lists the regular files below root/rel (rel "" for root), links not followed. */
static int wk_s3deploy_walk(const char *root, const char *rel, int depth, wk_s3deploy_files *f)
{
    if (depth > WK_S3DEPLOY_DEPTH_MAX) {
        return SLUICE_ETOOBIG;
    }
    char dir_path[4096];
    int n = snprintf(dir_path, sizeof dir_path, "%s%s%s", root, rel[0] != '\0' ? "/" : "", rel);
    if (n < 0 || (size_t)n >= sizeof dir_path) {
        return SLUICE_ETOOBIG;
    }
    DIR *dir = opendir(dir_path);
    if (dir == NULL) {
        return SLUICE_EIO;
    }
    int rc = 0;
    struct dirent *ent;
    while (rc == 0 && (ent = readdir(dir)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) {
            continue;
        }
        char child[4096];
        n = snprintf(child, sizeof child, "%s%s%s", rel, rel[0] != '\0' ? "/" : "", ent->d_name);
        if (n < 0 || (size_t)n >= sizeof child) {
            rc = SLUICE_ETOOBIG;
            break;
        }
        struct stat st;
        if (fstatat(dirfd(dir), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = SLUICE_EIO;
        } else if (S_ISDIR(st.st_mode)) {
            rc = wk_s3deploy_walk(root, child, depth + 1, f);
        } else if (S_ISREG(st.st_mode)) {
            rc = wk_s3deploy_add(f, child);
        }
    }
    closedir(dir);
    return rc;
}

static int wk_s3deploy_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the first n staged objects; failures are logged (the prefix is the worker's). */
static void wk_s3deploy_unstage(const wk_s3deploy_params *p, const wk_s3deploy_files *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char key[WK_DEPLOY_KEY_MAX + 1];
        char staged[WK_DEPLOY_KEY_MAX + 1];
        char err[512] = "";
        if (wk_deploy_object_key(p->target, f->paths[i], key, sizeof key) != 0 ||
            wk_deploy_staging_key(p->job_id, key, staged, sizeof staged) != 0) {
            continue;
        }
        if (aws_s3_delete(p->s3, p->deploy_cred, p->target->bucket, staged, err, sizeof err) != 0) {
            SLUICE_WARN("job %s: the staged object %s was not deleted: %s", p->job_id, staged, err);
        }
    }
}

static aws_s3_meta wk_s3deploy_meta(const wk_deploy_store *t, const char *content_type)
{
    return (aws_s3_meta){
        .content_type = content_type,
        .cache_control = t->cache_control[0] != '\0' ? t->cache_control : NULL,
        .canned_acl = t->canned_acl[0] != '\0' ? t->canned_acl : NULL,
    };
}

static int wk_s3deploy_extract(const wk_s3deploy_params *p, const void *zip, size_t len,
                               size_t *count, wk_result_end *end, char *err, size_t errlen)
{
    const wk_deploy_store *t = p->target;
    uint64_t unpacked = 0;
    char why[1024] = "";
    int rc = wk_archive_unpack(zip, len, p->dir, p->unpacked_max, &unpacked, why, sizeof why);
    if (rc != 0) {
        *end = rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED;
        return sluice_error_set(err, errlen, rc, "input artifact %s cannot be unpacked: %s",
                                p->input_name, why);
    }
    wk_s3deploy_files files = {0};
    rc = wk_s3deploy_walk(p->dir, "", 0, &files);
    if (rc != 0) {
        wk_s3deploy_files_free(&files);
        *end = rc == SLUICE_ETOOBIG ? WK_RESULT_JOB_FAILED : WK_RESULT_SYSTEM;
        return sluice_error_set(err, errlen, rc,
                                "input artifact %s cannot be listed (more than %d files or %d "
                                "levels, or the disk failed)",
                                p->input_name, WK_S3DEPLOY_FILES_MAX, WK_S3DEPLOY_DEPTH_MAX);
    }
    qsort(files.paths, files.n, sizeof files.paths[0], wk_s3deploy_cmp);
    /* 1. stage */
    size_t staged_n = 0;
    for (; rc == 0 && staged_n < files.n; staged_n++) {
        const char *rel = files.paths[staged_n];
        char key[WK_DEPLOY_KEY_MAX + 1];
        char staged[WK_DEPLOY_KEY_MAX + 1];
        if (wk_deploy_object_key(t, rel, key, sizeof key) != 0 ||
            wk_deploy_staging_key(p->job_id, key, staged, sizeof staged) != 0) {
            *end = WK_RESULT_JOB_FAILED;
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                  "the object key of %.200s is longer than %d bytes", rel,
                                  WK_DEPLOY_KEY_MAX);
            break;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", p->dir, rel);
        sluice_buf body;
        sluice_buf_init(&body, p->object_max_bytes);
        rc = sluice_fs_read_file(path, &body);
        if (rc != 0) {
            sluice_buf_free(&body);
            *end = rc == SLUICE_ETOOBIG ? WK_RESULT_JOB_FAILED : WK_RESULT_SYSTEM;
            rc = sluice_error_set(err, errlen, rc, "%.200s of input artifact %s cannot be read%s",
                                  rel, p->input_name,
                                  rc == SLUICE_ETOOBIG ? " (larger than the worker uploads)" : "");
            break;
        }
        aws_s3_meta meta = wk_s3deploy_meta(t, wk_deploy_content_type(rel));
        rc =
            aws_s3_put_object(p->s3, p->deploy_cred, t->bucket, staged,
                              body.data != NULL ? body.data : "", body.len, &meta, why, sizeof why);
        sluice_buf_free(&body);
        if (rc != 0) {
            *end = rc == SLUICE_EDENIED || rc == SLUICE_ENOTFOUND ? WK_RESULT_CONFIGURATION
                                                                  : WK_RESULT_SYSTEM;
            rc = sluice_error_set(err, errlen, rc,
                                  "%s cannot be staged in bucket %s (nothing was deployed): %s",
                                  rel, t->bucket, why);
            break;
        }
    }
    if (rc != 0) {
        wk_s3deploy_unstage(p, &files, staged_n);
        wk_s3deploy_files_free(&files);
        return rc;
    }
    /* 2. into place */
    size_t placed = 0;
    for (; placed < files.n; placed++) {
        char key[WK_DEPLOY_KEY_MAX + 1];
        char staged[WK_DEPLOY_KEY_MAX + 1];
        (void)wk_deploy_object_key(t, files.paths[placed], key, sizeof key);
        (void)wk_deploy_staging_key(p->job_id, key, staged, sizeof staged);
        rc = aws_s3_copy(p->s3, p->deploy_cred, t->bucket, staged, t->bucket, key, why, sizeof why);
        if (rc != 0) {
            *end = WK_RESULT_SYSTEM;
            rc = sluice_error_set(err, errlen, rc,
                                  "%s cannot be copied into place: %s (%zu of %zu objects were "
                                  "replaced before it)",
                                  key, why, placed, files.n);
            break;
        }
    }
    /* 3. the staged copies */
    wk_s3deploy_unstage(p, &files, files.n);
    *count = files.n;
    wk_s3deploy_files_free(&files);
    return rc;
}

int wk_s3deploy_run(const wk_s3deploy_params *p, char *summary, size_t summarylen,
                    wk_result_end *end, char *err, size_t errlen)
{
    const wk_deploy_store *t = p->target;
    char why[1024] = "";
    http_client_response resp;
    int rc = aws_s3_get(p->s3, p->job_cred, p->input_bucket, p->input_key, &resp, why, sizeof why);
    if (rc != 0) {
        http_client_response_free(&resp);
        *end = rc == SLUICE_EIO ? WK_RESULT_SYSTEM : WK_RESULT_JOB_FAILED;
        return sluice_error_set(err, errlen, rc, "input artifact %s cannot be read: %s",
                                p->input_name, why);
    }
    const char *zip = resp.body.data != NULL ? resp.body.data : "";
    size_t count = 1;
    if (t->extract) {
        rc = wk_s3deploy_extract(p, zip, resp.body.len, &count, end, err, errlen);
    } else {
        aws_s3_meta meta = wk_s3deploy_meta(t, "application/zip");
        rc = aws_s3_put_object(p->s3, p->deploy_cred, t->bucket, t->key, zip, resp.body.len, &meta,
                               why, sizeof why);
        if (rc != 0) {
            *end = rc == SLUICE_EDENIED || rc == SLUICE_ENOTFOUND ? WK_RESULT_CONFIGURATION
                                                                  : WK_RESULT_SYSTEM;
            rc = sluice_error_set(err, errlen, rc, "the artifact cannot be written to %s/%s: %s",
                                  t->bucket, t->key, why);
        }
    }
    http_client_response_free(&resp);
    if (rc == 0 && t->extract) {
        snprintf(summary, summarylen, "extracted %s to s3://%s/%s: %zu object%s", p->input_name,
                 t->bucket, t->key, count, count == 1 ? "" : "s");
    } else if (rc == 0) {
        snprintf(summary, summarylen, "copied %s to s3://%s/%s", p->input_name, t->bucket, t->key);
    }
    return rc;
}
