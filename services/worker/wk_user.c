/*
 * wk_user.c — the commands' user (see wk_user.h).
 */
#include "wk_user.h"

#include "sluice/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define WK_USER_DEPTH_MAX 256 /* directories deep; deeper trees are refused */

/* True when uid:gid can enter dir: a child takes the identity and tries. */
static bool wk_user_can_reach(const wk_exec_ident *ident, const char *dir)
{
    pid_t pid = fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(ident->gid) != 0 || setuid(ident->uid) != 0) {
            _exit(2);
        }
        _exit(chdir(dir) == 0 ? 0 : 1);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int wk_user_resolve(const char *name, const char *workspace_root, wk_user *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (name == NULL || name[0] == '\0') {
        return 0;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    struct passwd pw;
    struct passwd *found = NULL;
    char buf[4096];
    int rc = getpwnam_r(name, &pw, buf, sizeof buf, &found);
    if (rc != 0 || found == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "SLUICE_WORKER_RUN_AS: no user \"%s\" on this machine", name);
    }
    if (pw.pw_uid == 0) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "SLUICE_WORKER_RUN_AS: \"%s\" is root, not an unprivileged user",
                                name);
    }
    if (geteuid() != 0) {
        if (pw.pw_uid == geteuid()) {
            return 0; /* the worker's own user: nothing to switch */
        }
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "SLUICE_WORKER_RUN_AS: the worker runs as uid %u, not root, and "
                                "cannot run commands as \"%s\" (uid %u); unset it to run them as "
                                "the worker's user",
                                (unsigned)geteuid(), name, (unsigned)pw.pw_uid);
    }
    out->switch_to = true;
    out->ident.uid = pw.pw_uid;
    out->ident.gid = pw.pw_gid;
    /* traversable, not listable: a job's workspace is reached by its name only */
    if (chmod(workspace_root, 0711) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "SLUICE_WORKER_WORKSPACES %s: %s",
                                workspace_root, strerror(errno));
    }
    if (!wk_user_can_reach(&out->ident, workspace_root)) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "SLUICE_WORKER_RUN_AS: user \"%s\" cannot reach "
                                "SLUICE_WORKER_WORKSPACES %s (a directory above it is closed "
                                "to others)",
                                name, workspace_root);
    }
    return 0;
}

/* Gives at/name and, for a directory, what it holds; depth bounds the descent. */
static int wk_user_own_at(int at, const char *name, const wk_exec_ident *ident, int depth)
{
    if (fchownat(at, name, ident->uid, ident->gid, AT_SYMLINK_NOFOLLOW) != 0) {
        return -1;
    }
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOTDIR || errno == ELOOP ? 0 : -1; /* not a directory */
    }
    if (depth >= WK_USER_DEPTH_MAX) {
        close(fd);
        errno = ELOOP;
        return -1;
    }
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        rc = wk_user_own_at(dirfd(dir), entry->d_name, ident, depth + 1);
    }
    closedir(dir);
    return rc;
}

int wk_user_own_tree(const wk_user *user, const char *path, char *err, size_t errlen)
{
    if (user == NULL || !user->switch_to) {
        return 0;
    }
    if (wk_user_own_at(AT_FDCWD, path, &user->ident, 0) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO,
                                "cannot give the workspace %s to user %s: %s", path, user->name,
                                strerror(errno));
    }
    return 0;
}

int wk_user_confined(const wk_user *user, const char *dir, const char *workspace, char *err,
                     size_t errlen)
{
    if (user == NULL || !user->switch_to) {
        return 0;
    }
    char *real_ws = realpath(workspace, NULL);
    char *real_dir = realpath(dir, NULL);
    int rc = 0;
    if (real_dir == NULL && errno == ENOENT) {
        rc = 0; /* nothing to read there */
    } else if (real_ws == NULL || real_dir == NULL ||
               strncmp(real_dir, real_ws, strlen(real_ws)) != 0 ||
               real_dir[strlen(real_ws)] != '/') {
        const char *shown =
            strncmp(dir, workspace, strlen(workspace)) == 0 && dir[strlen(workspace)] == '/'
                ? dir + strlen(workspace) + 1
                : dir;
        rc = sluice_error_set(err, errlen, SLUICE_EDENIED,
                              "the directory %s leads out of the workspace (through a symbolic "
                              "link); it is not read",
                              shown);
    }
    free(real_ws);
    free(real_dir);
    return rc;
}
