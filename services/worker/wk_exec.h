/*
 * wk_exec.h — one command run as a child process in a process group of its
 * own, its output handed to a sink, ended by the timeout, a stop or the
 * sink's bound by killing the whole group.
 *
 * The child: a new process group (setpgid), stdin /dev/null, stdout and
 * stderr one pipe, the working directory given, exactly the environment
 * given (nothing inherited), default signal dispositions and an empty signal
 * mask, every other descriptor closed, SIGKILL when the worker's thread that
 * started it dies (PR_SET_PDEATHSIG), then execve. The parent reads the
 * pipe until the command has exited; then the group is sent SIGKILL, so
 * nothing the command started in the background outlives it (a process that
 * left the group with setsid is beyond reach), and what is left in the pipe
 * is drained for a moment. At the deadline, when *stop is set or when the
 * sink refuses more output, the group is killed at once with SIGKILL.
 *
 * With an identity (wk_exec_run_as), the child drops its supplementary
 * groups, takes the identity's group and user, and sets no_new_privs
 * before anything else runs (wk_user.h); PR_SET_PDEATHSIG is set after the
 * switch, which would clear it.
 *
 * Thread-safe: each call forks its own child and waits for that pid only.
 */
#ifndef SLUICE_WK_EXEC_H
#define SLUICE_WK_EXEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Takes n bytes of output; returns false to stop the command (a bound was reached). */
typedef bool (*wk_exec_sink)(void *ctx, const char *data, size_t n);

typedef enum wk_exec_end {
    WK_EXEC_EXITED = 0, /* exit_code / signal say how */
    WK_EXEC_TIMED_OUT,
    WK_EXEC_STOPPED,  /* *stop was set */
    WK_EXEC_OVERFLOW, /* the sink refused more output */
} wk_exec_end;

typedef struct wk_exec_result {
    wk_exec_end end;
    int exit_code; /* WK_EXEC_EXITED without a signal */
    int signal;    /* the signal that ended it, or 0 */
    int64_t duration_ms;
} wk_exec_result;

/*
 * Runs argv[0] with argv and envp (NULL-terminated; borrowed) in cwd until it
 * ends or the monotonic clock passes deadline_ms (sluice_time_monotonic_ms).
 * 0 with res filled; SLUICE_EIO with err when the child cannot be started
 * (fork, pipe; an execve failure shows as exit code 127 instead).
 */
int wk_exec_run(const char *const *argv, char *const *envp, const char *cwd, int64_t deadline_ms,
                const atomic_bool *stop, wk_exec_sink sink, void *sink_ctx, wk_exec_result *res,
                char *err, size_t errlen);

/* The user and group a command runs as (wk_user.h). */
typedef struct wk_exec_ident {
    uid_t uid;
    gid_t gid;
} wk_exec_ident;

/*
 * wk_exec_run with the child taking ident (borrowed; NULL: the worker's own
 * user). A child that cannot take it exits with code 126 before execve.
 */
int wk_exec_run_as(const char *const *argv, char *const *envp, const char *cwd, int64_t deadline_ms,
                   const atomic_bool *stop, const wk_exec_ident *ident, wk_exec_sink sink,
                   void *sink_ctx, wk_exec_result *res, char *err, size_t errlen);

#endif
