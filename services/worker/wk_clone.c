/*
 * wk_clone.c — a clone reference turned into a working copy (see wk_clone.h).
 */
#define _GNU_SOURCE /* O_DIRECTORY, O_NOFOLLOW */
#include "wk_clone.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WK_CLONE_OUT_MAX   2048 /* bytes of git's output kept for the message */
#define WK_CLONE_PATH_MAX  4096
#define WK_CLONE_DEPTH_MAX 64 /* directory levels counted */

bool wk_clone_is_ref(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return false;
    }
    size_t n = 0;
    bool found = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        n++;
        if (strcmp(e->d_name, AWS_CLONEREF_FILE) == 0) {
            found = true;
        }
    }
    closedir(d);
    if (n != 1 || !found) {
        return false;
    }
    char path[WK_CLONE_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, AWS_CLONEREF_FILE);
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int wk_clone_read(const char *dir, aws_cloneref *ref, char *err, size_t errlen)
{
    char path[WK_CLONE_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, AWS_CLONEREF_FILE);
    sluice_buf text;
    sluice_buf_init(&text, AWS_CLONEREF_MAX_BYTES);
    int rc = sluice_fs_read_file(path, &text);
    if (rc != 0) {
        sluice_buf_free(&text);
        return sluice_error_set(err, errlen, rc == SLUICE_ETOOBIG ? SLUICE_ETOOBIG : SLUICE_EIO,
                                "%s cannot be read%s", AWS_CLONEREF_FILE,
                                rc == SLUICE_ETOOBIG ? ": it is too large" : "");
    }
    rc = aws_cloneref_parse(text.data != NULL ? text.data : "", text.len, ref, err, errlen);
    sluice_buf_free(&text);
    if (rc == 0 && unlink(path) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot remove %s: %s", path,
                              strerror(errno));
    }
    return rc;
}

/* git in path: the first directory of path holding an executable "git". */
static int wk_clone_find_git(const char *path, char *out, size_t outlen)
{
    const char *p = path;
    while (*p != '\0') {
        size_t n = strcspn(p, ":");
        if (n > 0 && p[0] == '/' && n + 5 < outlen) {
            memcpy(out, p, n);
            memcpy(out + n, "/git", 5);
            if (access(out, X_OK) == 0) {
                return 0;
            }
        }
        p += n;
        if (*p == ':') {
            p++;
        }
    }
    return SLUICE_ENOTFOUND;
}

typedef struct wk_clone_out {
    char text[WK_CLONE_OUT_MAX];
    size_t len;
    wk_exec_sink sink;
    void *sink_ctx;
} wk_clone_out;

static bool wk_clone_out_sink(void *ctx, const char *data, size_t n)
{
    wk_clone_out *o = ctx;
    size_t room = sizeof o->text - 1 - o->len;
    size_t take = n < room ? n : room;
    memcpy(o->text + o->len, data, take);
    o->len += take;
    o->text[o->len] = '\0';
    return o->sink == NULL || o->sink(o->sink_ctx, data, n);
}

/* The first non-empty line of git's output, or "no output". */
static void wk_clone_first_line(const wk_clone_out *o, char *line, size_t cap)
{
    const char *s = o->text;
    while (*s == '\n' || *s == '\r') {
        s++;
    }
    size_t n = strcspn(s, "\r\n");
    if (n == 0) {
        snprintf(line, cap, "no output");
        return;
    }
    snprintf(line, cap, "%.*s", (int)(n < 400 ? n : 400), s);
}

static int wk_clone_git(const char *const *argv, char *const *envp, const wk_clone_run *run,
                        const char *what, char *err, size_t errlen)
{
    wk_clone_out out = {.len = 0, .sink = run->sink, .sink_ctx = run->sink_ctx};
    out.text[0] = '\0';
    wk_exec_result res;
    char xerr[256] = "";
    int rc = wk_exec_run(argv, envp, "/", run->deadline_ms, run->stop, wk_clone_out_sink, &out,
                         &res, xerr, sizeof xerr);
    if (rc != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "git could not be started: %s", xerr);
    }
    if (res.end == WK_EXEC_TIMED_OUT) {
        return sluice_error_set(err, errlen, SLUICE_ETIMEDOUT,
                                "%s did not finish within the job's timeout", what);
    }
    if (res.end == WK_EXEC_STOPPED) {
        return sluice_error_set(err, errlen, SLUICE_EAGAIN,
                                "%s was stopped: the worker shut down or lost the job", what);
    }
    if (res.end != WK_EXEC_EXITED || res.exit_code != 0 || res.signal != 0) {
        char line[420];
        wk_clone_first_line(&out, line, sizeof line);
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s failed (git: %s)", what, line);
    }
    return 0;
}

int wk_clone_checkout(const aws_cloneref *ref, const char *dir, const wk_clone_run *run, char *err,
                      size_t errlen)
{
    char git[WK_CLONE_PATH_MAX];
    if (wk_clone_find_git(run->path, git, sizeof git) != 0) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "there is no git in the worker's PATH (%s); install git",
                                run->path);
    }
    char path_var[WK_CLONE_PATH_MAX + 8];
    char home_var[WK_CLONE_PATH_MAX + 8];
    snprintf(path_var, sizeof path_var, "PATH=%s", run->path);
    snprintf(home_var, sizeof home_var, "HOME=%s", run->home);
    char lang[] = "LANG=C.UTF-8";
    char prompt[] = "GIT_TERMINAL_PROMPT=0";
    char nosystem[] = "GIT_CONFIG_NOSYSTEM=1";
    char protocols[] = "GIT_ALLOW_PROTOCOL=file:http:https";
    char *envp[] = {path_var, home_var, lang, prompt, nosystem, protocols, NULL};
    const char *clone[] = {git,
                           "-c",
                           "credential.helper=",
                           "clone",
                           "--quiet",
                           "--no-local",
                           "--no-checkout",
                           "--",
                           ref->url,
                           dir,
                           NULL};
    char what[AWS_CLONEREF_URL_MAX + 64];
    snprintf(what, sizeof what, "cloning %s", ref->url);
    int rc = wk_clone_git(clone, envp, run, what, err, errlen);
    if (rc != 0) {
        return rc;
    }
    /* a commit no branch or tag holds (a revision override) is fetched by its id */
    const char *has[] = {git, "-C", dir, "cat-file", "-e", ref->commit, NULL};
    wk_clone_run quiet = *run;
    quiet.sink = NULL;
    char ignored[64];
    if (wk_clone_git(has, envp, &quiet, "looking the commit up", ignored, sizeof ignored) != 0) {
        const char *fetch[] = {git,       "-c",     "credential.helper=", "-C", dir, "fetch",
                               "--quiet", "origin", ref->commit,          NULL};
        snprintf(what, sizeof what, "fetching commit %s from %s", ref->commit, ref->url);
        rc = wk_clone_git(fetch, envp, run, what, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    const char *checkout[] = {
        git,         "-c", "credential.helper=", "-c",      "advice.detachedHead=false",
        "-C",        dir,  "checkout",           "--quiet", "--detach",
        ref->commit, NULL};
    snprintf(what, sizeof what, "checking out commit %s of %s", ref->commit, ref->url);
    return wk_clone_git(checkout, envp, run, what, err, errlen);
}

/* Bytes of the regular files under the directory fd (closed here), depth levels at most. */
static uint64_t wk_clone_dir_bytes(int fd, int depth)
{
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return 0;
    }
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue;
        }
        if (S_ISREG(st.st_mode)) {
            total += (uint64_t)st.st_size;
        } else if (S_ISDIR(st.st_mode) && depth > 0) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                total += wk_clone_dir_bytes(sub, depth - 1);
            }
        }
    }
    closedir(d);
    return total;
}

uint64_t wk_clone_tree_bytes(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd >= 0 ? wk_clone_dir_bytes(fd, WK_CLONE_DEPTH_MAX) : 0;
}
