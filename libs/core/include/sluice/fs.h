/*
 * fs.h — the few filesystem steps that make a file's appearance crash-safe:
 * write to a temporary name, fsync, rename into place, fsync the directory.
 * A reader of the final name sees either nothing (or the previous file) or
 * the whole new content, whatever moment the process or machine dies at.
 * Also the check every secret file passes before it is read: owned by the
 * process's user and not readable or writable by group or others.
 * Thread-safe (no shared state); every function sets no global but errno.
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
 * Checks that path (followed if a symbolic link) is a regular file of the
 * process's effective user with no permission bits for group or others (mode
 * 0600 or 0400). 0 when it is; otherwise a message naming the file (and its
 * mode, when that is the problem) in err and SLUICE_ENOTFOUND (no such file),
 * SLUICE_EDENIED (readable or writable by group/other, not a regular file,
 * or owned by someone else) or SLUICE_EIO (stat failed otherwise). Never
 * changes the file.
 */
int sluice_fs_check_private(const char *path, char *err, size_t errlen);

/*
 * Reads the one-line secret of the private file path (sluice_fs_check_private
 * first) into out (outmax bytes with the NUL); one trailing "\n" or "\r\n"
 * is dropped. 0; otherwise out is "" and err names the file (never the
 * content): the codes of sluice_fs_check_private, SLUICE_EINVAL (empty, more
 * than one line, a NUL, or outmax - 1 bytes or more: what names the secret
 * in the message, e.g. "the password"), SLUICE_EIO. Every copy of the
 * content but out is wiped.
 */
int sluice_fs_read_secret_line(const char *path, const char *what, char *out, size_t outmax,
                               char *err, size_t errlen);

#endif
