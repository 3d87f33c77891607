/*
 * wk_archive.c — libarchive unpacking through wk_path and zip packing (see
 * wk_archive.h).
 */
#include "wk_archive.h"

#include "wk_path.h"

#include "sluice/error.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WK_ARCHIVE_BLOCK (64 * 1024)

/* ---- unpacking ---------------------------------------------------------------------------- */

static wk_entry_type wk_archive_type(struct archive_entry *entry)
{
    if (archive_entry_hardlink(entry) != NULL) {
        return WK_ENTRY_HARDLINK;
    }
    switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
        return WK_ENTRY_FILE;
    case AE_IFDIR:
        return WK_ENTRY_DIRECTORY;
    case AE_IFLNK:
        return WK_ENTRY_SYMLINK;
    case AE_IFCHR:
        return WK_ENTRY_CHARACTER_DEVICE;
    case AE_IFBLK:
        return WK_ENTRY_BLOCK_DEVICE;
    case AE_IFIFO:
        return WK_ENTRY_FIFO;
    case AE_IFSOCK:
        return WK_ENTRY_SOCKET;
    default:
        return WK_ENTRY_OTHER;
    }
}

/* Copies the entry's data from in to out, counting against the bound. */
static int wk_archive_copy(struct archive *in, struct archive *out, const char *name,
                           uint64_t max_bytes, uint64_t *unpacked, char *err, size_t errlen)
{
    for (;;) {
        const void *block = NULL;
        size_t size = 0;
        la_int64_t offset = 0;
        int r = archive_read_data_block(in, &block, &size, &offset);
        if (r == ARCHIVE_EOF) {
            return 0;
        }
        if (r < ARCHIVE_WARN) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE, "entry \"%s\": %s", name,
                                    archive_error_string(in));
        }
        if (size > max_bytes || *unpacked > max_bytes - size) {
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                    "the input artifacts unpack to more than %llu bytes",
                                    (unsigned long long)max_bytes);
        }
        *unpacked += size;
        if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
            return sluice_error_set(err, errlen, SLUICE_EIO, "entry \"%s\": %s", name,
                                    archive_error_string(out));
        }
    }
}

int wk_archive_unpack(const void *data, size_t len, const char *dir, uint64_t max_bytes,
                      uint64_t *unpacked, char *err, size_t errlen)
{
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    wk_path_set *set = wk_path_set_new();
    char *clean = malloc(WK_PATH_MAX + 1);
    char *full = malloc(strlen(dir) + WK_PATH_MAX + 2);
    char *link = malloc(strlen(dir) + WK_PATH_MAX + 2);
    int rc = SLUICE_ENOMEM;
    if (in == NULL || out == NULL || set == NULL || clean == NULL || full == NULL || link == NULL) {
        sluice_error_set(err, errlen, rc, "out of memory");
        goto out;
    }
    archive_read_support_format_zip(in);
    archive_read_support_format_tar(in);
    archive_read_support_filter_all(in);
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                            ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                            ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    if (archive_read_open_memory(in, data, len) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "not a zip or tar archive: %s",
                              archive_error_string(in));
        goto out;
    }
    size_t entries = 0;
    for (;;) {
        struct archive_entry *entry = NULL;
        int r = archive_read_next_header(in, &entry);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r < ARCHIVE_WARN) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "the archive is damaged after %zu entries: %s", entries,
                                  archive_error_string(in));
            goto out;
        }
        if (++entries > WK_ARCHIVE_FILES_MAX) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                  "the archive holds more than %d entries", WK_ARCHIVE_FILES_MAX);
            goto out;
        }
        const char *path = archive_entry_pathname(entry);
        wk_entry_type type = wk_archive_type(entry);
        const char *target = type == WK_ENTRY_SYMLINK    ? archive_entry_symlink(entry)
                             : type == WK_ENTRY_HARDLINK ? archive_entry_hardlink(entry)
                                                         : NULL;
        rc = wk_path_check(set, path != NULL ? path : "", type, target, clean, WK_PATH_MAX + 1, err,
                           errlen);
        if (rc != 0) {
            goto out;
        }
        if (clean[0] == '\0') {
            continue; /* "./": the directory itself */
        }
        snprintf(full, strlen(dir) + WK_PATH_MAX + 2, "%s/%s", dir, clean);
        archive_entry_set_pathname(entry, full);
        if (type == WK_ENTRY_HARDLINK) {
            char target_clean[WK_PATH_MAX + 1];
            /* Checked by wk_path_check; cleaned the same way here. */
            wk_path_set *scratch = wk_path_set_new();
            if (scratch == NULL) {
                rc = SLUICE_ENOMEM;
                goto out;
            }
            rc = wk_path_check(scratch, target, WK_ENTRY_FILE, NULL, target_clean,
                               sizeof target_clean, err, errlen);
            wk_path_set_free(scratch);
            if (rc != 0) {
                goto out;
            }
            snprintf(link, strlen(dir) + WK_PATH_MAX + 2, "%s/%s", dir, target_clean);
            archive_entry_set_hardlink(entry, link);
        }
        archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
        archive_entry_set_uid(entry, getuid());
        archive_entry_set_gid(entry, getgid());
        if (archive_write_header(out, entry) < ARCHIVE_WARN) {
            rc = sluice_error_set(err, errlen, SLUICE_EIO, "entry \"%s\": %s", path,
                                  archive_error_string(out));
            goto out;
        }
        if (type == WK_ENTRY_FILE && archive_entry_size(entry) > 0) {
            rc = wk_archive_copy(in, out, path, max_bytes, unpacked, err, errlen);
            if (rc != 0) {
                goto out;
            }
        }
        if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
            rc = sluice_error_set(err, errlen, SLUICE_EIO, "entry \"%s\": %s", path,
                                  archive_error_string(out));
            goto out;
        }
    }
    rc = wk_path_finish(set, err, errlen);
out:
    if (out != NULL) {
        archive_write_close(out);
        archive_write_free(out);
    }
    if (in != NULL) {
        archive_read_free(in);
    }
    wk_path_set_free(set);
    free(clean);
    free(full);
    free(link);
    return rc;
}

/* ---- packing ------------------------------------------------------------------------------ */

typedef struct wk_archive_pack_ctx {
    wk_archive_match_fn match;
    void *match_ctx;
    bool discard_paths;
    const char *artifact;
    struct archive *zip;
    size_t nfiles;
    char *err;
    size_t errlen;
} wk_archive_pack_ctx;

static la_ssize_t wk_archive_write_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
    sluice_buf *zip = ctx;
    int rc = sluice_buf_append(zip, buf, n);
    if (rc != 0) {
        archive_set_error(a, rc == SLUICE_ETOOBIG ? EFBIG : ENOMEM,
                          "the output artifact exceeds %zu bytes", zip->max);
        return -1;
    }
    return (la_ssize_t)n;
}

static int wk_archive_add(wk_archive_pack_ctx *c, const char *full, const char *rel,
                          const struct stat *st)
{
    struct archive_entry *entry = archive_entry_new();
    if (entry == NULL) {
        return SLUICE_ENOMEM;
    }
    const char *base = strrchr(rel, '/');
    archive_entry_set_pathname(entry, c->discard_paths && base != NULL ? base + 1 : rel);
    archive_entry_copy_stat(entry, st);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    int rc = 0;
    char target[4096];
    if (S_ISLNK(st->st_mode)) {
        ssize_t n = readlink(full, target, sizeof target - 1);
        if (n < 0) {
            archive_entry_free(entry);
            return sluice_error_set(c->err, c->errlen, SLUICE_EIO, "cannot read link %s: %s", rel,
                                    strerror(errno));
        }
        target[n] = '\0';
        archive_entry_set_symlink(entry, target);
        archive_entry_set_size(entry, 0);
    }
    if (archive_write_header(c->zip, entry) < ARCHIVE_WARN) {
        rc = sluice_error_set(c->err, c->errlen, SLUICE_ETOOBIG, "output artifact %s: %s",
                              c->artifact, archive_error_string(c->zip));
    }
    if (rc == 0 && S_ISREG(st->st_mode)) {
        int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            rc = sluice_error_set(c->err, c->errlen, SLUICE_EIO, "cannot read %s: %s", rel,
                                  strerror(errno));
        }
        char *block = fd >= 0 ? malloc(WK_ARCHIVE_BLOCK) : NULL;
        while (rc == 0 && block != NULL) {
            ssize_t n = read(fd, block, WK_ARCHIVE_BLOCK);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                rc = sluice_error_set(c->err, c->errlen, SLUICE_EIO, "cannot read %s: %s", rel,
                                      strerror(errno));
                break;
            }
            if (n == 0) {
                break;
            }
            if (archive_write_data(c->zip, block, (size_t)n) < 0) {
                rc = sluice_error_set(c->err, c->errlen, SLUICE_ETOOBIG, "output artifact %s: %s",
                                      c->artifact, archive_error_string(c->zip));
            }
        }
        if (fd >= 0 && block == NULL && rc == 0) {
            rc = SLUICE_ENOMEM;
        }
        free(block);
        if (fd >= 0) {
            close(fd);
        }
    }
    archive_entry_free(entry);
    if (rc == 0) {
        c->nfiles++;
    }
    return rc;
}

static int wk_archive_walk(wk_archive_pack_ctx *c, const char *dir, const char *rel, int depth)
{
    if (depth > WK_ARCHIVE_DEPTH_MAX) {
        return sluice_error_set(c->err, c->errlen, SLUICE_ETOOBIG,
                                "%s is nested more than %d directories deep", rel,
                                WK_ARCHIVE_DEPTH_MAX);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return sluice_error_set(c->err, c->errlen, SLUICE_EIO, "cannot list %s: %s",
                                rel[0] != '\0' ? rel : ".", strerror(errno));
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        size_t flen = strlen(dir) + strlen(de->d_name) + 2;
        size_t rlen = strlen(rel) + strlen(de->d_name) + 2;
        char *full = malloc(flen);
        char *sub = malloc(rlen);
        if (full == NULL || sub == NULL) {
            free(full);
            free(sub);
            rc = SLUICE_ENOMEM;
            break;
        }
        snprintf(full, flen, "%s/%s", dir, de->d_name);
        snprintf(sub, rlen, "%s%s%s", rel, rel[0] != '\0' ? "/" : "", de->d_name);
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = sluice_error_set(c->err, c->errlen, SLUICE_EIO, "cannot stat %s: %s", sub,
                                  strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = wk_archive_walk(c, full, sub, depth + 1);
        } else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && c->match(c->match_ctx, sub)) {
            if (c->nfiles == WK_ARCHIVE_FILES_MAX) {
                rc = sluice_error_set(c->err, c->errlen, SLUICE_ETOOBIG,
                                      "output artifact %s would hold more than %d files",
                                      c->artifact, WK_ARCHIVE_FILES_MAX);
            } else {
                rc = wk_archive_add(c, full, sub, &st);
            }
        }
        free(full);
        free(sub);
    }
    closedir(d);
    return rc;
}

int wk_archive_pack_dir(const char *root, bool discard_paths, wk_archive_match_fn match,
                        void *match_ctx, const char *artifact, const char *globs, sluice_buf *zip,
                        size_t *nfiles, char *err, size_t errlen)
{
    *nfiles = 0;
    wk_archive_pack_ctx c = {.match = match,
                             .match_ctx = match_ctx,
                             .discard_paths = discard_paths,
                             .artifact = artifact,
                             .err = err,
                             .errlen = errlen};
    c.zip = archive_write_new();
    if (c.zip == NULL) {
        return SLUICE_ENOMEM;
    }
    archive_write_set_format_zip(c.zip);
    archive_write_set_bytes_in_last_block(c.zip, 1);
    if (archive_write_open2(c.zip, zip, NULL, wk_archive_write_cb, NULL, NULL) != ARCHIVE_OK) {
        int rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot start the zip: %s",
                                  archive_error_string(c.zip));
        archive_write_free(c.zip);
        return rc;
    }
    struct stat st;
    int rc = 0;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                              "output artifact %s: its base directory does not exist", artifact);
    } else {
        rc = wk_archive_walk(&c, root, "", 0);
    }
    if (archive_write_close(c.zip) != ARCHIVE_OK && rc == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "output artifact %s: %s", artifact,
                              archive_error_string(c.zip));
    }
    archive_write_free(c.zip);
    if (rc == 0 && c.nfiles == 0) {
        rc = sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                              "output artifact %s: no file of the source directory matches %s",
                              artifact, globs != NULL && globs[0] != '\0' ? globs : "(any file)");
    }
    *nfiles = c.nfiles;
    return rc;
}

typedef struct wk_archive_plan_match {
    const wk_plan *plan;
    size_t output;
} wk_archive_plan_match;

static bool wk_archive_plan_matches(void *ctx, const char *relpath)
{
    const wk_archive_plan_match *m = ctx;
    return wk_plan_output_match(m->plan, m->output, relpath);
}

int wk_archive_pack(const wk_plan *plan, size_t i, sluice_buf *zip, size_t *nfiles, char *err,
                    size_t errlen)
{
    sluice_buf globs;
    sluice_buf_init(&globs, 2048);
    for (size_t j = 0; j < plan->outputs[i].nfiles; j++) {
        sluice_buf_appendf(&globs, "%s\"%s\"", j > 0 ? ", " : "", plan->outputs[i].files[j]);
    }
    wk_archive_plan_match m = {plan, i};
    int rc = wk_archive_pack_dir(plan->src_dir, false, wk_archive_plan_matches, &m,
                                 plan->outputs[i].name, sluice_buf_cstr(&globs), zip, nfiles, err,
                                 errlen);
    sluice_buf_free(&globs);
    return rc;
}
