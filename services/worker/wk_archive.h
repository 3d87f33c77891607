/*
 * wk_archive.h — input artifacts unpacked into a workspace and output
 * artifacts packed from it, with libarchive.
 *
 * Unpacking reads a zip (or a tar, compressed or not) held in memory; every
 * entry passes wk_path_check first, so an entry that would escape (a ".."
 * component, an absolute path, a symbolic link pointing out, a device, FIFO
 * or socket) fails the unpacking with a message naming it. libarchive writes
 * with ARCHIVE_EXTRACT_SECURE_SYMLINKS and _SECURE_NODOTDOT as well,
 * permissions kept without set-user-id, set-group-id and sticky bits,
 * ownership never restored. The bytes written are counted against a bound.
 *
 * Packing walks the plan's source directory (symbolic links are not
 * followed: a link is stored as a link), takes the regular files and links
 * whose relative path matches the output artifact's globs, and writes them
 * into a zip in memory, bounded in bytes.
 *
 * Thread-compatible: each call works on its own archive objects and paths
 * (no chdir).
 */
#ifndef SLUICE_WK_ARCHIVE_H
#define SLUICE_WK_ARCHIVE_H

#include "wk_plan.h"

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_ARCHIVE_DEPTH_MAX 64     /* directory levels packing descends */
#define WK_ARCHIVE_FILES_MAX 100000 /* entries one archive may hold */

/*
 * Unpacks len bytes of data into dir (which exists). Adds the bytes written
 * to *unpacked and fails when it would pass max_bytes. 0; SLUICE_EDENIED with
 * err naming the refused entry; SLUICE_ETOOBIG (the bound, too many entries);
 * SLUICE_EPARSE (not an archive libarchive reads, a damaged entry); SLUICE_EIO
 * (the disk). What was written before a failure stays (the workspace is
 * removed as a whole).
 */
int wk_archive_unpack(const void *data, size_t len, const char *dir, uint64_t max_bytes,
                      uint64_t *unpacked, char *err, size_t errlen);

/*
 * Packs the files of plan->src_dir that belong in output artifact i
 * (wk_plan_output_match) into a zip appended to zip (a bound of its own:
 * SLUICE_ETOOBIG past it). *nfiles is the number of entries written. 0;
 * SLUICE_ENOTFOUND when no file matches (err names the globs); SLUICE_EIO.
 */
int wk_archive_pack(const wk_plan *plan, size_t i, sluice_buf *zip, size_t *nfiles, char *err,
                    size_t errlen);

/* Whether the file at relpath (relative to the packed root) belongs in the artifact. */
typedef bool (*wk_archive_match_fn)(void *ctx, const char *relpath);

/*
 * The same over any root directory: the files match selects, stored by
 * their path relative to root (by their base name when discard_paths).
 * artifact and globs (may be NULL) name the artifact and its globs in
 * messages. SLUICE_ENOTFOUND also when root is not a directory.
 */
int wk_archive_pack_dir(const char *root, bool discard_paths, wk_archive_match_fn match,
                        void *match_ctx, const char *artifact, const char *globs, sluice_buf *zip,
                        size_t *nfiles, char *err, size_t errlen);

#endif
