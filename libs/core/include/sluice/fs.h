/*
 * fs.h — the few filesystem steps that make a file's appearance crash-safe:
 * write to a temporary name, fsync, rename into place, fsync the directory.
 * A reader of the final name sees either nothing (or the previous file) or
 * the whole new content, whatever moment the process or machine dies at.
 * Also the one check every secret file of every service goes through
 * (sluice_fs_check_private). Thread-safe (no shared state); every function
 * sets no global but errno.
 */
#ifndef SLUICE_FS_H
#define SLUICE_FS_H

#include "sluice/buf.h"

#include <stddef.h>

/* Fsyncs a directory so that renames and unlinks in it are durable. Best effort. */
void sluice_fs_fsync_dir(const char *dir);

/* Fsyncs the directory that holds path (the part before its last '/'). Best effort. */
void sluice_fs_fsync_parent(const char *path);

/*
 * Creates tmp_path (which must not exist), writes len bytes, fsyncs it,
 * renames it to path and fsyncs path's directory. tmp_path and path must be
 * on one filesystem. 0, or SLUICE_EIO (tmp_path is removed; path untouched).
 */
int sluice_fs_write_atomic(const char *tmp_path, const char *path, const void *data, size_t len);

/*
 * Reads the whole file at path into out (appending; out's bound applies).
 * 0, SLUICE_ENOTFOUND (no such file), SLUICE_ETOOBIG (larger than out's
 * bound: out unchanged), SLUICE_EIO.
 */
int sluice_fs_read_file(const char *path, sluice_buf *out);

/*
 * Checks that path names a regular file that neither its group nor others
 * may read, write or run (mode & 077 == 0), so a secret in it is the owner's
 * alone. 0 when it is; SLUICE_ENOTFOUND (no such file), SLUICE_EIO (cannot
 * stat it), SLUICE_EINVAL (not a regular file) or SLUICE_EDENIED (readable
 * by others: the message names the file and its mode, e.g. 0644, and says
 * to chmod 600) with a message naming path in err. Touches nothing.
 */
int sluice_fs_check_private(const char *path, char *err, size_t errlen);

#endif
