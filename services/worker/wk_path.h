/*
 * wk_path.h — which entries of an input artifact may be unpacked into a
 * job's workspace: the pure check behind the worker's unpacking, applied to
 * every entry before libarchive writes it.
 *
 * An entry is accepted when it stays inside the directory it is unpacked
 * into (the artifact's directory of the workspace):
 *   - its path is relative, non-empty, at most WK_PATH_MAX bytes, without
 *     control characters and without a ".." component ("./" components and
 *     repeated slashes are harmless and dropped from the cleaned path);
 *   - it is a regular file, a directory, a hard link or a symbolic link —
 *     character and block devices, FIFOs and sockets are refused;
 *   - a hard link's target passes the same path rules;
 *   - a symbolic link's target is relative and, resolved lexically from the
 *     link's own directory, never climbs above the artifact's directory;
 *     ".." in a target may not step back over an earlier symbolic link of the
 *     same archive (its real parent is elsewhere);
 *   - no entry is written through a symbolic link of the same archive (a
 *     path whose leading components name an earlier link).
 * libarchive's ARCHIVE_EXTRACT_SECURE_* flags are set by the shell as well;
 * this check is what names the entry in the action's failure message.
 *
 * A wk_path_set remembers the symbolic links seen so far in one archive (at
 * most WK_PATH_SET_MAX). wk_path_finish runs the symbolic-link checks again
 * once the whole archive is known, so a link defined after the entries that
 * depend on it is caught too.
 *
 * Pure; a set belongs to one thread.
 */
#ifndef SLUICE_WK_PATH_H
#define SLUICE_WK_PATH_H

#include <stddef.h>

#define WK_PATH_MAX     1024 /* bytes of an entry path or link target */
#define WK_PATH_SET_MAX 4096 /* symbolic links one archive may hold */
#define WK_PATH_ERR_MAX 1400 /* room for a message naming the longest entry */

typedef enum wk_entry_type {
    WK_ENTRY_FILE = 0,
    WK_ENTRY_DIRECTORY,
    WK_ENTRY_SYMLINK,
    WK_ENTRY_HARDLINK,
    WK_ENTRY_CHARACTER_DEVICE,
    WK_ENTRY_BLOCK_DEVICE,
    WK_ENTRY_FIFO,
    WK_ENTRY_SOCKET,
    WK_ENTRY_OTHER,
} wk_entry_type;

typedef struct wk_path_set wk_path_set;

/* A new empty set, or NULL when out of memory. */
wk_path_set *wk_path_set_new(void);

/* Frees a set. Accepts NULL. */
void wk_path_set_free(wk_path_set *set);

/*
 * Checks one entry: path as the archive names it, its type and, for links,
 * target (NULL otherwise). On acceptance returns 0, writes the cleaned
 * relative path into clean (clean_len bytes; may be NULL; "" for the
 * artifact's directory itself, a "./" directory entry) and records links in
 * set. On refusal returns SLUICE_EDENIED with err naming
 * the entry and the reason (e.g. `entry "../x": the path climbs out of the
 * workspace with ".."`); the set is then unchanged. SLUICE_ETOOBIG when the
 * set is full or clean too short, SLUICE_ENOMEM.
 */
int wk_path_check(wk_path_set *set, const char *path, wk_entry_type type, const char *target,
                  char *clean, size_t clean_len, char *err, size_t errlen);

/*
 * Checks every recorded symbolic link again against the complete set. 0, or
 * SLUICE_EDENIED with err naming the first offending link.
 */
int wk_path_finish(const wk_path_set *set, char *err, size_t errlen);

/* The entry type's name for messages ("FIFO", "character device", ...). Static. */
const char *wk_path_type_name(wk_entry_type type);

#endif
