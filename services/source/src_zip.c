/*
 * src_zip.c — tar to zip through libarchive (see src_zip.h). Deflate for
 * every file; libarchive writes the Unix mode into each entry's external
 * attributes, which unzip and Python's zipfile read back.
 */
#include "src_zip.h"

#include "sluice/error.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SRC_ZIP_BLOCK 65536

static bool src_zip_path_ok(const char *path)
{
    if (path == NULL || path[0] == '\0' || path[0] == '/') {
        return false;
    }
    const char *p = path;
    while (*p != '\0') {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            return false;
        }
        p += len;
        p += (*p == '/');
    }
    return true;
}

int src_zip_from_tar(const char *tar_path, const char *zip_path, int64_t max_bytes,
                     int64_t *zip_bytes, char *err, size_t errlen)
{
    *zip_bytes = 0;
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_new();
    int rc = SLUICE_ENOMEM;
    char block[SRC_ZIP_BLOCK];
    if (in == NULL || out == NULL) {
        goto done;
    }
    archive_read_support_format_tar(in);
    if (archive_read_open_filename(in, tar_path, SRC_ZIP_BLOCK) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot read the tree's tar %s: %s",
                              tar_path, archive_error_string(in));
        goto done;
    }
    if (archive_write_set_format_zip(out) != ARCHIVE_OK ||
        archive_write_set_options(out, "zip:compression=deflate") != ARCHIVE_OK ||
        archive_write_open_filename(out, zip_path) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot write the zip %s: %s", zip_path,
                              archive_error_string(out));
        goto done;
    }
    struct archive_entry *entry;
    int r;
    while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
        const char *path = archive_entry_pathname(entry);
        if (!src_zip_path_ok(path)) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "the tree holds an entry with an absolute or climbing path");
            goto done;
        }
        if (archive_write_header(out, entry) != ARCHIVE_OK) {
            rc = sluice_error_set(err, errlen, SLUICE_EIO, "writing the zip entry %s: %s", path,
                                  archive_error_string(out));
            goto done;
        }
        ssize_t got;
        while ((got = archive_read_data(in, block, sizeof block)) > 0) {
            if (archive_write_data(out, block, (size_t)got) != got) {
                rc = sluice_error_set(err, errlen, SLUICE_EIO, "writing the zip entry %s: %s", path,
                                      archive_error_string(out));
                goto done;
            }
            if (archive_filter_bytes(out, -1) > max_bytes) {
                rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                      "the source zip exceeds %lld bytes (at %s)",
                                      (long long)max_bytes, path);
                goto done;
            }
        }
        if (got < 0) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "reading %s from the tar: %s", path,
                                  archive_error_string(in));
            goto done;
        }
    }
    if (r != ARCHIVE_EOF) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "reading the tree's tar: %s",
                              archive_error_string(in));
        goto done;
    }
    if (archive_write_close(out) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "finishing the zip %s: %s", zip_path,
                              archive_error_string(out));
        goto done;
    }
    *zip_bytes = archive_filter_bytes(out, -1);
    rc = 0;
    if (*zip_bytes > max_bytes) {
        rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                              "the source zip takes %lld bytes; at "
                              "most %lld are allowed",
                              (long long)*zip_bytes, (long long)max_bytes);
    }
done:
    if (in != NULL) {
        archive_read_free(in);
    }
    if (out != NULL) {
        archive_write_free(out);
    }
    if (rc != 0) {
        *zip_bytes = 0;
        unlink(zip_path);
    }
    return rc;
}

int src_zip_single(const char *name, const char *data, size_t len, const char *zip_path,
                   int64_t *zip_bytes, char *err, size_t errlen)
{
    *zip_bytes = 0;
    if (!src_zip_path_ok(name)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the entry %s has a refused path",
                                name);
    }
    struct archive *out = archive_write_new();
    struct archive_entry *entry = archive_entry_new();
    int rc = SLUICE_ENOMEM;
    if (out == NULL || entry == NULL) {
        sluice_error_set(err, errlen, rc, "out of memory");
        goto done;
    }
    if (archive_write_set_format_zip(out) != ARCHIVE_OK ||
        archive_write_set_options(out, "zip:compression=deflate") != ARCHIVE_OK ||
        archive_write_open_filename(out, zip_path) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot write the zip %s: %s", zip_path,
                              archive_error_string(out));
        goto done;
    }
    archive_entry_set_pathname(entry, name);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, (la_int64_t)len);
    if (archive_write_header(out, entry) != ARCHIVE_OK ||
        archive_write_data(out, data, len) != (la_ssize_t)len ||
        archive_write_close(out) != ARCHIVE_OK) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "writing the zip %s: %s", zip_path,
                              archive_error_string(out));
        goto done;
    }
    *zip_bytes = archive_filter_bytes(out, -1);
    rc = 0;
done:
    if (entry != NULL) {
        archive_entry_free(entry);
    }
    if (out != NULL) {
        archive_write_free(out);
    }
    if (rc != 0) {
        unlink(zip_path);
    }
    return rc;
}
