/*
 * src_git.c — git as a child process (see src_git.h).
 *
 * posix_spawnp with file actions (stdin /dev/null, stdout a pipe, stderr an
 * unlinked temporary file), the child in its own process group so a time-out
 * kills git and whatever it started (ssh, git-remote-https). Output is read
 * with poll() against a monotonic deadline.
 */
#include "src_git.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/time.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SRC_GIT_ARGS_MAX  24
#define SRC_GIT_ENV_EXTRA 8
#define SRC_GIT_ENV_MAX   512
#define SRC_GIT_LS_MAX    (64 * 1024)
#define SRC_GIT_REV_MAX   256
#define SRC_GIT_LOCK_POLL 20 /* ms between attempts to take a mirror's lock */
#define SRC_GIT_SSH_MAX   (3 * SRC_REPOS_PATH_MAX + 256)

struct src_git {
    char git[256];
    char cache_dir[SRC_GIT_PATH_MAX - 100];
    char askpass[SRC_GIT_PATH_MAX];
    int64_t timeout_ms;
};

static const char src_git_askpass_script[] =
    "#!/bin/sh\n"
    "# sluice-source's GIT_ASKPASS: answers git from the child's environment.\n"
    "case \"$1\" in\n"
    "[Uu]sername*) printf '%s\\n' \"$SLUICE_GIT_USERNAME\" ;;\n"
    "*) printf '%s\\n' \"$SLUICE_GIT_PASSWORD\" ;;\n"
    "esac\n";

static int src_git_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : SLUICE_EIO;
    }
    return SLUICE_EIO;
}

int src_git_new(const src_git_config *config, src_git **out, char *err, size_t errlen)
{
    *out = NULL;
    if (config->cache_dir == NULL || config->cache_dir[0] != '/') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the git cache directory must be an absolute path");
    }
    src_git *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return SLUICE_ENOMEM;
    }
    const char *program = config->git != NULL && config->git[0] != '\0' ? config->git : "git";
    int n1 = snprintf(g->git, sizeof g->git, "%s", program);
    int n2 = snprintf(g->cache_dir, sizeof g->cache_dir, "%s", config->cache_dir);
    int n3 = snprintf(g->askpass, sizeof g->askpass, "%s/askpass.sh", config->cache_dir);
    g->timeout_ms = config->timeout_ms > 0 ? config->timeout_ms : 300000;
    if (n1 < 0 || (size_t)n1 >= sizeof g->git || n2 < 0 || (size_t)n2 >= sizeof g->cache_dir ||
        n3 < 0 || (size_t)n3 >= sizeof g->askpass) {
        free(g);
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the git cache directory is too long");
    }
    char mirrors[SRC_GIT_PATH_MAX];
    snprintf(mirrors, sizeof mirrors, "%s/mirrors", g->cache_dir);
    if (src_git_mkdir(g->cache_dir) != 0 || src_git_mkdir(mirrors) != 0) {
        int e = errno;
        free(g);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot create %s: %s", mirrors,
                                strerror(e));
    }
    char tmp[SRC_GIT_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", g->askpass, (long)getpid());
    unlink(tmp);
    if (sluice_fs_write_atomic(tmp, g->askpass, src_git_askpass_script,
                               sizeof src_git_askpass_script - 1) != 0 ||
        chmod(g->askpass, 0700) != 0) {
        free(g);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot write the askpass helper %s/%s",
                                config->cache_dir, "askpass.sh");
    }
    *out = g;
    return 0;
}

void src_git_free(src_git *git)
{
    free(git);
}

int src_git_mirror_path(const src_git *git, const char *url, char out[SRC_GIT_PATH_MAX])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(url, strlen(url), digest, &len, EVP_sha256(), NULL) != 1) {
        return SLUICE_EINTERNAL;
    }
    char hex[33];
    for (size_t i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    int n = snprintf(out, SRC_GIT_PATH_MAX, "%s/mirrors/%s.git", git->cache_dir, hex);
    return n < 0 || n >= SRC_GIT_PATH_MAX ? SLUICE_ETOOBIG : 0;
}

/* ---- the child's environment ------------------------------------------------------- */

typedef struct src_git_env {
    char *vars[SRC_GIT_ENV_MAX + SRC_GIT_ENV_EXTRA + 1];
    size_t count;
    char *owned[SRC_GIT_ENV_EXTRA]; /* built strings, wiped when freed */
    size_t nowned;
} src_git_env;

static bool src_git_env_dropped(const char *var)
{
    return strncmp(var, "GIT_", 4) == 0 || strncmp(var, "SLUICE_", 7) == 0 ||
           strncmp(var, "SSH_ASKPASS", 11) == 0;
}

static int src_git_env_add(src_git_env *env, const char *name, const char *value)
{
    if (env->nowned >= SRC_GIT_ENV_EXTRA) {
        return SLUICE_ETOOBIG;
    }
    size_t len = strlen(name) + strlen(value) + 2;
    char *var = malloc(len);
    if (var == NULL) {
        return SLUICE_ENOMEM;
    }
    snprintf(var, len, "%s=%s", name, value);
    env->owned[env->nowned++] = var;
    env->vars[env->count++] = var;
    env->vars[env->count] = NULL;
    return 0;
}

static void src_git_env_free(src_git_env *env)
{
    for (size_t i = 0; i < env->nowned; i++) {
        OPENSSL_cleanse(env->owned[i], strlen(env->owned[i]));
        free(env->owned[i]);
    }
    env->nowned = 0;
    env->count = 0;
}

/* Single-quotes path for a shell word; refuses a path holding a quote. */
static bool src_git_quote(char *out, size_t outlen, const char *path)
{
    if (strchr(path, '\'') != NULL) {
        return false;
    }
    int n = snprintf(out, outlen, "'%s'", path);
    return n > 0 && (size_t)n < outlen;
}

static int src_git_env_build(const src_git *g, const src_git_remote *remote, src_git_env *env)
{
    memset(env, 0, sizeof *env);
    for (char **e = environ; *e != NULL && env->count < SRC_GIT_ENV_MAX; e++) {
        if (!src_git_env_dropped(*e)) {
            env->vars[env->count++] = *e;
        }
    }
    env->vars[env->count] = NULL;
    int rc = src_git_env_add(env, "GIT_TERMINAL_PROMPT", "0");
    rc = rc != 0 ? rc : src_git_env_add(env, "GIT_ALLOW_PROTOCOL", "file:http:https:ssh");
    const src_credentials *c = remote != NULL ? remote->credentials : NULL;
    if (rc == 0 && remote != NULL &&
        (remote->kind == SRC_REMOTE_HTTP || remote->kind == SRC_REMOTE_HTTPS) && c != NULL &&
        c->password != NULL) {
        rc = src_git_env_add(env, "GIT_ASKPASS", g->askpass);
        rc = rc != 0 ? rc : src_git_env_add(env, "SLUICE_GIT_USERNAME", c->username);
        rc = rc != 0 ? rc : src_git_env_add(env, "SLUICE_GIT_PASSWORD", c->password);
    }
    if (rc == 0 && remote != NULL && remote->kind == SRC_REMOTE_SSH) {
        char command[SRC_GIT_SSH_MAX] = "ssh -o BatchMode=yes";
        char quoted[SRC_REPOS_PATH_MAX + 3];
        size_t used = strlen(command);
        if (c != NULL && c->ssh_key_file[0] != '\0') {
            if (!src_git_quote(quoted, sizeof quoted, c->ssh_key_file)) {
                src_git_env_free(env);
                return SLUICE_EINVAL;
            }
            used += (size_t)snprintf(command + used, sizeof command - used,
                                     " -o IdentitiesOnly=yes -i %s", quoted);
        }
        if (c != NULL && c->known_hosts_file[0] != '\0') {
            if (!src_git_quote(quoted, sizeof quoted, c->known_hosts_file)) {
                src_git_env_free(env);
                return SLUICE_EINVAL;
            }
            snprintf(command + used, sizeof command - used,
                     " -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s", quoted);
        }
        rc = src_git_env_add(env, "GIT_SSH_COMMAND", command);
    }
    if (rc != 0) {
        src_git_env_free(env);
    }
    return rc;
}

/* ---- running git ---------------------------------------------------------------------- */

typedef struct src_git_run_result {
    bool timed_out;
    int status; /* exit status, -1 when killed */
    char stderr_text[SRC_GIT_STDERR_MAX + 1];
} src_git_run_result;

/* Replaces every occurrence of secret in text with "***". */
static void src_git_scrub(char *text, const char *secret)
{
    size_t n = secret != NULL ? strlen(secret) : 0;
    if (n == 0) {
        return;
    }
    char *hit;
    while ((hit = strstr(text, secret)) != NULL) {
        size_t rest = strlen(hit + n);
        memcpy(hit, "***", 3);
        memmove(hit + 3, hit + n, rest + 1);
        if (n < 3) {
            break; /* a secret shorter than its mask: one pass is enough */
        }
    }
}

static void src_git_kill(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/*
 * Runs git with args (NULL-terminated, args[0] unused: the program is
 * g->git). stdout goes into out (bounded by its max; NULL: discarded).
 * 0 when git exited 0; SLUICE_EIO (non-zero exit), SLUICE_ETIMEDOUT,
 * SLUICE_ETOOBIG (stdout over its bound), SLUICE_EIO for spawn failures;
 * res always filled.
 */
static int src_git_run(const src_git *g, const src_git_remote *remote, const char **args,
                       sluice_buf *out, src_git_run_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = -1;
    src_git_env env;
    int rc = src_git_env_build(g, remote, &env);
    if (rc != 0) {
        snprintf(res->stderr_text, sizeof res->stderr_text,
                 "fatal: the credentials of the remote cannot be handed to git (a path holds a "
                 "quote)");
        return rc;
    }
    args[0] = g->git;
    int pipefd[2] = {-1, -1};
    char errpath[SRC_GIT_PATH_MAX + 32];
    snprintf(errpath, sizeof errpath, "%s/stderr.XXXXXX", g->cache_dir);
    int errfd = mkstemp(errpath);
    if (errfd >= 0) {
        unlink(errpath);
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    bool actions_ok = false, attr_ok = false;
    pid_t pid = -1;
    rc = SLUICE_EIO;
    if (errfd < 0 || pipe(pipefd) != 0) {
        snprintf(res->stderr_text, sizeof res->stderr_text, "fatal: cannot start git: %s",
                 strerror(errno));
        goto out;
    }
    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
    actions_ok = posix_spawn_file_actions_init(&actions) == 0;
    attr_ok = posix_spawnattr_init(&attr) == 0;
    if (!actions_ok || !attr_ok ||
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1) != 0 ||
        posix_spawn_file_actions_adddup2(&actions, errfd, 2) != 0 ||
        posix_spawn_file_actions_addclose(&actions, pipefd[1]) != 0 ||
        posix_spawn_file_actions_addclose(&actions, errfd) != 0 ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP) != 0 ||
        posix_spawnattr_setpgroup(&attr, 0) != 0) {
        snprintf(res->stderr_text, sizeof res->stderr_text, "fatal: cannot prepare git's start");
        goto out;
    }
    char *const *argv = NULL;
    memcpy(&argv, &args, sizeof argv); /* posix_spawnp's argv type predates const */
    int spawn_rc = posix_spawnp(&pid, g->git, &actions, &attr, argv, env.vars);
    close(pipefd[1]);
    pipefd[1] = -1;
    if (spawn_rc != 0) {
        pid = -1;
        snprintf(res->stderr_text, sizeof res->stderr_text, "fatal: cannot start %s: %s", g->git,
                 strerror(spawn_rc));
        goto out;
    }
    int64_t deadline = sluice_time_monotonic_ms() + g->timeout_ms;
    char chunk[16384];
    bool too_big = false;
    while (true) {
        int64_t left = deadline - sluice_time_monotonic_ms();
        if (left <= 0) {
            res->timed_out = true;
            break;
        }
        struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            continue;
        }
        ssize_t got = read(pipefd[0], chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break; /* EOF: git closed stdout */
        }
        if (out != NULL && sluice_buf_append(out, chunk, (size_t)got) != 0) {
            too_big = true;
            break;
        }
    }
    int wstatus = 0;
    while (!res->timed_out && !too_big) {
        pid_t w = waitpid(pid, &wstatus, WNOHANG);
        if (w == pid) {
            pid = -1;
            break;
        }
        if (w < 0 && errno != EINTR) {
            pid = -1;
            break;
        }
        if (sluice_time_monotonic_ms() >= deadline) {
            res->timed_out = true;
            break;
        }
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (pid > 0) {
        src_git_kill(pid);
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
        pid = -1;
        rc = res->timed_out ? SLUICE_ETIMEDOUT : SLUICE_ETOOBIG;
        if (too_big) {
            snprintf(res->stderr_text, sizeof res->stderr_text,
                     "fatal: git's output exceeded its bound");
        }
        goto out;
    }
    res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    if (lseek(errfd, 0, SEEK_SET) == 0) {
        ssize_t n = read(errfd, res->stderr_text, SRC_GIT_STDERR_MAX);
        res->stderr_text[n > 0 ? n : 0] = '\0';
    }
    rc = res->status == 0 ? 0 : SLUICE_EIO;
out:
    if (remote != NULL && remote->credentials != NULL) {
        src_git_scrub(res->stderr_text, remote->credentials->password);
    }
    if (pipefd[0] >= 0) {
        close(pipefd[0]);
    }
    if (pipefd[1] >= 0) {
        close(pipefd[1]);
    }
    if (errfd >= 0) {
        close(errfd);
    }
    if (actions_ok) {
        posix_spawn_file_actions_destroy(&actions);
    }
    if (attr_ok) {
        posix_spawnattr_destroy(&attr);
    }
    src_git_env_free(&env);
    return rc;
}

/* ---- operations ----------------------------------------------------------------------- */

int src_git_ls_remote(src_git *git, const src_git_remote *remote, const char *branch,
                      char commit[SRC_COMMIT_ID_MAX + 1], src_failure *fail)
{
    commit[0] = '\0';
    char ref[SRC_BRANCH_MAX + 16];
    snprintf(ref, sizeof ref, "refs/heads/%s", branch);
    const char *args[] = {NULL, "-c", "credential.helper=", "ls-remote", "--heads", remote->url,
                          ref,  NULL};
    sluice_buf out;
    sluice_buf_init(&out, SRC_GIT_LS_MAX);
    src_git_run_result res;
    int rc = src_git_run(git, remote, args, &out, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_LS_REMOTE, remote->url, branch, NULL, res.timed_out,
                             res.stderr_text, fail);
        sluice_buf_free(&out);
        return rc;
    }
    rc = src_git_heads_find(out.data != NULL ? out.data : "", branch, commit);
    sluice_buf_free(&out);
    if (rc == SLUICE_ENOTFOUND) {
        src_failure_missing_branch(remote->url, branch, fail);
    } else if (rc != 0) {
        commit[0] = '\0';
        src_failure_classify(SRC_GIT_OP_LS_REMOTE, remote->url, branch, NULL, false,
                             "fatal: git ls-remote answered with a malformed commit id", fail);
    }
    return rc;
}

int src_git_heads_find(const char *listing, const char *branch, char commit[SRC_COMMIT_ID_MAX + 1])
{
    commit[0] = '\0';
    char ref[SRC_BRANCH_MAX + 16];
    int n = snprintf(ref, sizeof ref, "refs/heads/%s", branch);
    if (n < 0 || (size_t)n >= sizeof ref) {
        return SLUICE_ENOTFOUND;
    }
    size_t reflen = (size_t)n;
    /* lines "<id>\t<ref>\n": the exact ref only */
    for (const char *p = listing; *p != '\0';) {
        size_t len = strcspn(p, "\n");
        const char *tab = memchr(p, '\t', len);
        if (tab != NULL && (size_t)(tab - p) <= SRC_COMMIT_ID_MAX &&
            len - (size_t)(tab - p) - 1 == reflen && memcmp(tab + 1, ref, reflen) == 0) {
            memcpy(commit, p, (size_t)(tab - p));
            commit[tab - p] = '\0';
            if (!src_commit_id_ok(commit)) {
                commit[0] = '\0';
                return SLUICE_EPARSE;
            }
            return 0;
        }
        p += len;
        p += (*p == '\n');
    }
    return SLUICE_ENOTFOUND;
}

int src_git_ls_remote_heads(src_git *git, const src_git_remote *remote, sluice_buf *heads,
                            src_failure *fail)
{
    const char *args[] = {NULL,        "-c", "credential.helper=", "ls-remote", "--heads",
                          remote->url, NULL};
    sluice_buf_reset(heads);
    src_git_run_result res;
    int rc = src_git_run(git, remote, args, heads, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_LS_REMOTE, remote->url, "*", NULL, res.timed_out,
                             res.stderr_text, fail);
    }
    return rc;
}

/* Runs a local git command in mirror; 0 / the run's code, stdout into out when given. */
static int src_git_local(src_git *git, const char *mirror, const char *const *tail, sluice_buf *out,
                         src_git_run_result *res)
{
    const char *args[SRC_GIT_ARGS_MAX] = {NULL, "-C", mirror, "-c", "gc.auto=0"};
    size_t n = 5;
    for (size_t i = 0; tail[i] != NULL && n < SRC_GIT_ARGS_MAX - 1; i++) {
        args[n++] = tail[i];
    }
    args[n] = NULL;
    return src_git_run(git, NULL, args, out, res);
}

/* Resolves rev (a ref or an id) in mirror to a commit id. */
static int src_git_resolve(src_git *git, const char *mirror, const char *rev,
                           char resolved[SRC_COMMIT_ID_MAX + 1])
{
    char spec[SRC_GIT_REV_MAX + 16];
    snprintf(spec, sizeof spec, "%s^{commit}", rev);
    const char *tail[] = {"rev-parse", "--verify", "--quiet", spec, NULL};
    sluice_buf out;
    sluice_buf_init(&out, 256);
    src_git_run_result res;
    int rc = src_git_local(git, mirror, tail, &out, &res);
    resolved[0] = '\0';
    if (rc == 0) {
        size_t len = out.data != NULL ? strcspn(out.data, "\n") : 0;
        if (len <= SRC_COMMIT_ID_MAX) {
            memcpy(resolved, out.data, len);
            resolved[len] = '\0';
        }
        rc = src_commit_id_ok(resolved) ? 0 : SLUICE_EPARSE;
    }
    sluice_buf_free(&out);
    return rc == SLUICE_EIO ? SLUICE_ENOTFOUND : rc;
}

/* Takes the mirror's lock within the time limit: the lock's fd, or -1. */
static int src_git_lock(const src_git *git, const char *mirror)
{
    char path[SRC_GIT_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s.lock", mirror);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -1;
    }
    int64_t deadline = sluice_time_monotonic_ms() + git->timeout_ms;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || sluice_time_monotonic_ms() >= deadline) {
            close(fd);
            return -1;
        }
        struct timespec pause = {0, SRC_GIT_LOCK_POLL * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return fd;
}

static int src_git_fetch_locked(src_git *git, const src_git_remote *remote, const char *branch,
                                const char *commit, char resolved[SRC_COMMIT_ID_MAX + 1],
                                const char *mirror, src_failure *fail)
{
    src_git_run_result res;
    struct stat st;
    char head[SRC_GIT_PATH_MAX + 8];
    snprintf(head, sizeof head, "%s/HEAD", mirror);
    if (stat(head, &st) != 0) {
        const char *args[] = {NULL, "init", "--quiet", "--bare", mirror, NULL};
        int rc = src_git_run(git, NULL, args, NULL, &res);
        if (rc != 0) {
            src_failure_classify(SRC_GIT_OP_LOCAL, remote->url, branch, commit, res.timed_out,
                                 res.stderr_text, fail);
            return rc;
        }
    }
    char refspec[2 * SRC_BRANCH_MAX + 40];
    snprintf(refspec, sizeof refspec, "+refs/heads/%s:refs/heads/%s", branch, branch);
    const char *args[] = {
        NULL,        "-C",    mirror,    "-c",        "credential.helper=",    "-c",
        "gc.auto=0", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote->url,
        refspec,     NULL};
    int rc = src_git_run(git, remote, args, NULL, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_FETCH, remote->url, branch, NULL, res.timed_out,
                             res.stderr_text, fail);
        return rc;
    }
    char ref[SRC_BRANCH_MAX + 16];
    snprintf(ref, sizeof ref, "refs/heads/%s", branch);
    if (commit == NULL || commit[0] == '\0') {
        rc = src_git_resolve(git, mirror, ref, resolved);
        if (rc != 0) {
            src_failure_missing_branch(remote->url, branch, fail);
        }
        return rc;
    }
    rc = src_git_resolve(git, mirror, commit, resolved);
    if (rc == SLUICE_ENOTFOUND) {
        /* not reachable from the branch head fetched: ask for the commit itself */
        const char *by_id[] = {
            NULL,        "-C",    mirror,    "-c",        "credential.helper=",    "-c",
            "gc.auto=0", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote->url,
            commit,      NULL};
        if (src_git_run(git, remote, by_id, NULL, &res) == 0) {
            rc = src_git_resolve(git, mirror, commit, resolved);
        }
    }
    if (rc != 0) {
        src_failure_missing_commit(remote->url, branch, commit, fail);
    }
    return rc;
}

int src_git_fetch(src_git *git, const src_git_remote *remote, const char *branch,
                  const char *commit, char resolved[SRC_COMMIT_ID_MAX + 1],
                  char mirror[SRC_GIT_PATH_MAX], src_failure *fail)
{
    resolved[0] = '\0';
    char why[256];
    if (src_remote_branch_check(branch, why, sizeof why) != 0 ||
        (commit != NULL && commit[0] != '\0' && !src_commit_id_ok(commit))) {
        fail->type = SRC_FAILURE_CONFIGURATION;
        snprintf(fail->message, sizeof fail->message,
                 "The revision to fetch is not a branch name and commit id: %s",
                 commit != NULL && !src_commit_id_ok(commit) ? "the commit id is not 40 or 64 hex "
                                                               "digits"
                                                             : why);
        return SLUICE_EINVAL;
    }
    if (src_git_mirror_path(git, remote->url, mirror) != 0) {
        fail->type = SRC_FAILURE_JOB_FAILED;
        snprintf(fail->message, sizeof fail->message, "The mirror path of %s is too long",
                 remote->url);
        return SLUICE_ETOOBIG;
    }
    int lock = src_git_lock(git, mirror);
    if (lock < 0) {
        fail->type = SRC_FAILURE_SYSTEM_UNAVAILABLE;
        snprintf(fail->message, sizeof fail->message,
                 "The mirror of %s stayed locked by another fetch for longer than "
                 "SLUICE_SOURCE_GIT_TIMEOUT_MS",
                 remote->url);
        return SLUICE_ETIMEDOUT;
    }
    int rc = src_git_fetch_locked(git, remote, branch, commit, resolved, mirror, fail);
    flock(lock, LOCK_UN);
    close(lock);
    return rc;
}

int src_git_commit_info(src_git *git, const char *mirror, const char *commit, src_commit *out,
                        src_failure *fail)
{
    const char *tail[] = {"log", "-1", "-z", "--format=" SRC_COMMIT_FORMAT, commit, "--", NULL};
    sluice_buf buf;
    sluice_buf_init(&buf, SRC_COMMIT_OUTPUT_MAX);
    src_git_run_result res;
    int rc = src_git_local(git, mirror, tail, &buf, &res);
    if (rc == 0) {
        char why[256] = "";
        rc = src_commit_parse(buf.data != NULL ? buf.data : "", buf.len, out, why, sizeof why);
        if (rc != 0) {
            fail->type = SRC_FAILURE_JOB_FAILED;
            snprintf(fail->message, sizeof fail->message, "git's description of %s: %s", commit,
                     why);
        }
    } else {
        src_failure_classify(SRC_GIT_OP_LOCAL, mirror, NULL, commit, res.timed_out, res.stderr_text,
                             fail);
    }
    sluice_buf_free(&buf);
    return rc;
}

int src_git_archive(src_git *git, const char *mirror, const char *commit, const char *tar_path,
                    src_failure *fail)
{
    /* tar.umask=022: the modes git stores (0644, 0755), not git's default umask 0002 */
    const char *tail[] = {"-c", "tar.umask=022", "archive", "--format=tar",
                          "-o", tar_path,        commit,    NULL};
    src_git_run_result res;
    int rc = src_git_local(git, mirror, tail, NULL, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_LOCAL, mirror, NULL, commit, res.timed_out, res.stderr_text,
                             fail);
    }
    return rc;
}

/* Creates the bare mirror when missing (under its lock). */
static int src_git_mirror_init(src_git *git, const src_git_remote *remote, const char *mirror,
                               src_failure *fail)
{
    struct stat st;
    char head[SRC_GIT_PATH_MAX + 8];
    snprintf(head, sizeof head, "%s/HEAD", mirror);
    if (stat(head, &st) == 0) {
        return 0;
    }
    src_git_run_result res;
    const char *args[] = {NULL, "init", "--quiet", "--bare", mirror, NULL};
    int rc = src_git_run(git, NULL, args, NULL, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_LOCAL, remote->url, NULL, NULL, res.timed_out,
                             res.stderr_text, fail);
    }
    return rc;
}

int src_git_fetch_ref(src_git *git, const src_git_remote *remote, const char *ref,
                      char resolved[SRC_COMMIT_ID_MAX + 1], char mirror[SRC_GIT_PATH_MAX],
                      src_failure *fail)
{
    resolved[0] = '\0';
    char why[256];
    if (strncmp(ref, "refs/", 5) != 0 || strlen(ref) > SRC_GIT_REV_MAX ||
        src_remote_branch_check(ref + 5, why, sizeof why) != 0) {
        fail->type = SRC_FAILURE_CONFIGURATION;
        snprintf(fail->message, sizeof fail->message, "The ref to fetch is not a ref name");
        return SLUICE_EINVAL;
    }
    if (src_git_mirror_path(git, remote->url, mirror) != 0) {
        fail->type = SRC_FAILURE_JOB_FAILED;
        snprintf(fail->message, sizeof fail->message, "The mirror path of %s is too long",
                 remote->url);
        return SLUICE_ETOOBIG;
    }
    int lock = src_git_lock(git, mirror);
    if (lock < 0) {
        fail->type = SRC_FAILURE_SYSTEM_UNAVAILABLE;
        snprintf(fail->message, sizeof fail->message,
                 "The mirror of %s stayed locked by another fetch for longer than "
                 "SLUICE_SOURCE_GIT_TIMEOUT_MS",
                 remote->url);
        return SLUICE_ETIMEDOUT;
    }
    int rc = src_git_mirror_init(git, remote, mirror, fail);
    if (rc == 0) {
        char refspec[2 * SRC_GIT_REV_MAX + 8];
        snprintf(refspec, sizeof refspec, "+%s:%s", ref, ref);
        const char *args[] = {
            NULL,        "-C",    mirror,    "-c",        "credential.helper=",    "-c",
            "gc.auto=0", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote->url,
            refspec,     NULL};
        src_git_run_result res;
        rc = src_git_run(git, remote, args, NULL, &res);
        if (rc != 0) {
            src_failure_classify(SRC_GIT_OP_FETCH, remote->url, NULL, NULL, res.timed_out,
                                 res.stderr_text, fail);
            if (strstr(res.stderr_text, "couldn't find remote ref") != NULL) {
                rc = SLUICE_ENOTFOUND;
            }
        }
    }
    if (rc == 0) {
        rc = src_git_resolve(git, mirror, ref, resolved);
        if (rc != 0) {
            fail->type = SRC_FAILURE_REVISION_UNAVAILABLE;
            snprintf(fail->message, sizeof fail->message, "The ref %s of %s names no commit", ref,
                     remote->url);
        }
    }
    flock(lock, LOCK_UN);
    close(lock);
    return rc;
}

bool src_git_has_commit(src_git *git, const src_git_remote *remote, const char *mirror,
                        const char *commit)
{
    char resolved[SRC_COMMIT_ID_MAX + 1];
    if (!src_commit_id_ok(commit)) {
        return false;
    }
    if (src_git_resolve(git, mirror, commit, resolved) == 0) {
        return true;
    }
    int lock = src_git_lock(git, mirror);
    if (lock < 0) {
        return false;
    }
    const char *by_id[] = {
        NULL,        "-C",    mirror,    "-c",        "credential.helper=",    "-c",
        "gc.auto=0", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote->url,
        commit,      NULL};
    src_git_run_result res;
    bool ok = src_git_run(git, remote, by_id, NULL, &res) == 0 &&
              src_git_resolve(git, mirror, commit, resolved) == 0;
    flock(lock, LOCK_UN);
    close(lock);
    return ok;
}

bool src_git_is_ancestor(src_git *git, const char *mirror, const char *ancestor, const char *head)
{
    if (!src_commit_id_ok(ancestor) || !src_commit_id_ok(head)) {
        return false;
    }
    const char *tail[] = {"merge-base", "--is-ancestor", ancestor, head, NULL};
    src_git_run_result res;
    return src_git_local(git, mirror, tail, NULL, &res) == 0;
}

int src_git_changed_files(src_git *git, const char *mirror, const char *from, const char *to,
                          bool merge_base, size_t max_bytes, sluice_buf *out, src_failure *fail)
{
    char range[2 * SRC_COMMIT_ID_MAX + 8];
    const char *own[] = {"diff-tree", "--root", "--no-commit-id", "-r", "--name-only", "-z",
                         to,          NULL};
    const char *between[] = {"diff", "--no-renames", "--name-only", "-z", range, "--", NULL};
    sluice_buf_init(out, max_bytes);
    if (!src_commit_id_ok(to) || (from != NULL && from[0] != '\0' && !src_commit_id_ok(from))) {
        fail->type = SRC_FAILURE_JOB_FAILED;
        snprintf(fail->message, sizeof fail->message, "The commits to compare are not ids");
        return SLUICE_EINVAL;
    }
    snprintf(range, sizeof range, "%s%s%s", from != NULL ? from : "", merge_base ? "..." : "..",
             to);
    src_git_run_result res;
    int rc = src_git_local(git, mirror, from != NULL && from[0] != '\0' ? between : own, out, &res);
    if (rc != 0) {
        src_failure_classify(SRC_GIT_OP_LOCAL, mirror, NULL, to, res.timed_out, res.stderr_text,
                             fail);
        sluice_buf_free(out);
    }
    return rc;
}
