/*
 * wk_user.h — the unprivileged user the commands run as
 * (SLUICE_WORKER_RUN_AS).
 *
 * Resolved once at start-up. A worker running as root with a user named
 * runs every command (wk_exec.h, with its identity) as that user and group,
 * without supplementary groups and with no_new_privs, in a workspace handed
 * to the user (wk_user_own_tree) once its inputs are unpacked; the
 * workspaces' directory is made traversable (0711) but not listable, and
 * the user must be able to reach it (checked at start-up by a child that
 * takes the user's identity). A worker not running as root runs the
 * commands as its own user: naming another user then is refused at
 * start-up, naming its own is accepted. No user named: the commands run as
 * the worker's user, whoever that is (a root worker warns).
 *
 * Threads: wk_user_resolve from main before the slots start;
 * wk_user_own_tree from any slot.
 */
#ifndef SLUICE_WK_USER_H
#define SLUICE_WK_USER_H

#include "wk_exec.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct wk_user {
    bool switch_to; /* commands take ident (a root worker with a user named) */
    wk_exec_ident ident;
    char name[64]; /* the user the commands run as ("" when not named) */
} wk_user;

/*
 * Resolves name ("" or NULL: none) for commands run in workspaces under
 * workspace_root (which exists). 0 with out set; SLUICE_ENOTFOUND (no such
 * user), SLUICE_EDENIED (not root and another user; the user is root; the
 * user cannot reach workspace_root) or SLUICE_EIO with err naming
 * SLUICE_WORKER_RUN_AS and the reason.
 */
int wk_user_resolve(const char *name, const char *workspace_root, wk_user *out, char *err,
                    size_t errlen);

/*
 * Gives every entry of the tree at path (symbolic links themselves, never
 * followed) to the user, when the commands switch to one; nothing otherwise.
 * 0, or SLUICE_EIO with err.
 */
int wk_user_own_tree(const wk_user *user, const char *path, char *err, size_t errlen);

/*
 * When the commands switch to a user, checks that dir (which the worker is
 * about to read as root: an output's files) still resolves inside workspace
 * — the user owns the workspace and could have replaced a directory by a
 * link out of it. 0 (also when no user is switched to, or dir does not
 * exist: the caller says so); SLUICE_EDENIED with err naming dir.
 */
int wk_user_confined(const wk_user *user, const char *dir, const char *workspace, char *err,
                     size_t errlen);

#endif
