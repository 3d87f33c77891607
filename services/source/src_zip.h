/*
 * src_zip.h — a CODE_ZIP artifact: the tar git archive wrote, turned into a
 * zip by libarchive, entry by entry and in the same order — regular files
 * with their mode (0644 or 0755, as git stores them), directories and
 * symbolic links; git's pax global header (the commit id) is not an entry.
 *
 * The zip is bounded: writing stops with SLUICE_ETOOBIG as soon as it would
 * exceed max_bytes, and the partial file is removed. Entries whose path is
 * absolute or climbs out with ".." are refused (git never writes them; a
 * tar from elsewhere might).
 *
 * A CODEBUILD_CLONE_REF artifact is a zip of one file (src_zip_single).
 *
 * Thread-compatible: each call has its own archives.
 */
#ifndef SLUICE_SRC_ZIP_H
#define SLUICE_SRC_ZIP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes zip_path (created; must not exist) from the tar at tar_path. 0 with
 * *zip_bytes its size, or SLUICE_ETOOBIG (over max_bytes), SLUICE_EPARSE (a
 * malformed tar or a refused path), SLUICE_EIO, with err; zip_path is removed
 * on failure.
 */
int src_zip_from_tar(const char *tar_path, const char *zip_path, int64_t max_bytes,
                     int64_t *zip_bytes, char *err, size_t errlen);

/*
 * Writes zip_path (created; must not exist) holding one regular file, name
 * (a relative path without ".."), mode 0644, of len bytes of data. 0 with
 * *zip_bytes its size, or SLUICE_EIO / SLUICE_ENOMEM with err; zip_path is
 * removed on failure.
 */
int src_zip_single(const char *name, const char *data, size_t len, const char *zip_path,
                   int64_t *zip_bytes, char *err, size_t errlen);

#endif
