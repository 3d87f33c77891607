/*
 * wk_exec.c — fork/exec in a process group, with timeout (see wk_exec.h).
 *
 * Between fork and execve the child calls only async-signal-safe functions:
 * the worker is multithreaded.
 */
#define _GNU_SOURCE /* close_range */
#include "wk_exec.h"

#include "sluice/error.h"
#include "sluice/time.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WK_EXEC_POLL_MS  50  /* how often the child's state is looked at */
#define WK_EXEC_DRAIN_MS 200 /* output still read after the group was killed */
#define WK_EXEC_CHUNK    8192

/* The child's side: never returns. */
static void wk_exec_child(const char *const *argv, char *const *envp, const char *cwd, int out_fd,
                          int null_fd, pid_t parent, const wk_exec_ident *ident)
{
    (void)setpgid(0, 0);
    if (ident != NULL) {
        /* group first: once the user is given up, the group cannot be */
        if (setgroups(0, NULL) != 0 || setgid(ident->gid) != 0 || setuid(ident->uid) != 0 ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            static const char msg[] = "sluice-worker: cannot take the commands' user\n";
            (void)!write(out_fd, msg, sizeof msg - 1);
            _exit(126);
        }
    }
    /* a worker killed outright takes its command along (its own children aside) */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(125);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)sigaction(sig, &dfl, NULL);
        }
    }
    if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
        _exit(126);
    }
    (void)close_range(3, ~0U, 0);
    if (chdir(cwd) != 0) {
        static const char msg[] = "sluice-worker: cannot enter the source directory\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(126);
    }
    union {
        const char *const *in;
        char *const *out;
    } args = {argv}; /* execve's prototype predates const */
    execve(argv[0], args.out, envp);
    _exit(127);
}

/* Reads what is available; false at end of file. */
static bool wk_exec_read(int fd, wk_exec_sink sink, void *ctx, bool *overflow)
{
    char buf[WK_EXEC_CHUNK];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        if (n == 0) {
            return false;
        }
        if (!*overflow && !sink(ctx, buf, (size_t)n)) {
            *overflow = true;
        }
        if ((size_t)n < sizeof buf) {
            return true;
        }
    }
}

int wk_exec_run(const char *const *argv, char *const *envp, const char *cwd, int64_t deadline_ms,
                const atomic_bool *stop, wk_exec_sink sink, void *sink_ctx, wk_exec_result *res,
                char *err, size_t errlen)
{
    return wk_exec_run_as(argv, envp, cwd, deadline_ms, stop, NULL, sink, sink_ctx, res, err,
                          errlen);
}

int wk_exec_run_as(const char *const *argv, char *const *envp, const char *cwd, int64_t deadline_ms,
                   const atomic_bool *stop, const wk_exec_ident *ident, wk_exec_sink sink,
                   void *sink_ctx, wk_exec_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    int pipefd[2];
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot open /dev/null: %s",
                                strerror(errno));
    }
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        close(null_fd);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot make a pipe: %s", strerror(errno));
    }
    int64_t started = sluice_time_monotonic_ms();
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        close(null_fd);
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot fork: %s", strerror(e));
    }
    if (pid == 0) {
        wk_exec_child(argv, envp, cwd, pipefd[1], null_fd, parent, ident);
    }
    (void)setpgid(pid, pid); /* the child does it too: whichever runs first */
    close(pipefd[1]);
    close(null_fd);
    int fd = pipefd[0];
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    bool open_pipe = true;
    bool exited = false;
    bool killed = false;
    bool overflow = false;
    int status = 0;
    int64_t drain_until = 0;
    res->end = WK_EXEC_EXITED;
    for (;;) {
        if (!exited) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                (void)kill(-pid, SIGKILL); /* what it left running in its group */
                drain_until = sluice_time_monotonic_ms() + WK_EXEC_DRAIN_MS;
            }
        }
        int64_t now = sluice_time_monotonic_ms();
        if (!exited && !killed) {
            wk_exec_end why = WK_EXEC_EXITED;
            if (now >= deadline_ms) {
                why = WK_EXEC_TIMED_OUT;
            } else if (stop != NULL && atomic_load(stop)) {
                why = WK_EXEC_STOPPED;
            } else if (overflow) {
                why = WK_EXEC_OVERFLOW;
            }
            if (why != WK_EXEC_EXITED) {
                res->end = why;
                killed = true;
                (void)kill(-pid, SIGKILL);
            }
        }
        if (exited && (!open_pipe || now >= drain_until)) {
            break;
        }
        if (!open_pipe) {
            struct timespec ts = {0, WK_EXEC_POLL_MS * 1000000L / 5};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int timeout = WK_EXEC_POLL_MS;
        if (!exited && deadline_ms - now < timeout) {
            timeout = deadline_ms - now > 0 ? (int)(deadline_ms - now) : 0;
        }
        int r = poll(&pfd, 1, timeout);
        if (r > 0) {
            open_pipe = wk_exec_read(fd, sink, sink_ctx, &overflow);
        }
    }
    close(fd);
    res->duration_ms = sluice_time_monotonic_ms() - started;
    if (WIFEXITED(status)) {
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->signal = WTERMSIG(status);
    }
    if (overflow && res->end == WK_EXEC_EXITED) {
        res->end = WK_EXEC_OVERFLOW;
    }
    return 0;
}
