/*
 * bench_proc.h — sluice-orchestrator replicas as child processes of the
 * benchmark, watched from outside: when they log that they are ready, how
 * much memory they hold (/proc/<pid>/status), and a clean stop.
 *
 * A replica's stdout and stderr go to a log file; the log is read back to
 * find lines (the "orchestrator ready in N ms" line, group assignments). It
 * is polled every BENCH_PROC_POLL_US, which bounds the error of an outside
 * timing. Not for anything but benchmarks: a failure to fork or exec is
 * reported, nothing is retried. Single-threaded.
 */
#ifndef SLUICE_BENCH_PROC_H
#define SLUICE_BENCH_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_PROC_POLL_US 250
#define BENCH_PROC_MAX_ENV 32

typedef struct bench_proc {
    pid_t pid;          /* 0 when not running */
    char log[1024];     /* path of the log file */
    int64_t spawned_ns; /* monotonic time just before fork */
    int port;           /* its health/metrics port once known (the caller sets it), else 0 */
} bench_proc;

/*
 * Starts binary with the current environment plus env ("NAME=VALUE"
 * strings, at most BENCH_PROC_MAX_ENV, NULL-terminated; they override), its
 * output appended to log_path. 0 with p filled, or -1 with the reason in
 * err (nothing started).
 */
int bench_proc_spawn(bench_proc *p, const char *binary, const char *const *env,
                     const char *log_path, char *err, size_t errlen);

/*
 * Number of lines of p's log that contain needle (0 when the log cannot be
 * read). When last is not NULL, the last such line is copied into it.
 */
int bench_proc_log_count(const bench_proc *p, const char *needle, char *last, size_t lastlen);

/*
 * Polls p's log until at least n lines contain needle, the process exits or
 * timeout_ms passes. 0 with *seen_ns (may be NULL) set to the monotonic time
 * the n-th line was first seen, -1 otherwise. line (may be NULL) receives
 * the last matching line.
 */
int bench_proc_wait_log(const bench_proc *p, const char *needle, int n, int timeout_ms,
                        int64_t *seen_ns, char *line, size_t linelen);

/*
 * Reads one sample of p's GET /metrics (Prometheus text) on 127.0.0.1:port:
 * the value of the first line "<name> <value>" (a metric without labels).
 * 0 with *value set, or -1 (no port, no answer, no such line).
 */
int bench_proc_metric(const bench_proc *p, const char *name, double *value);

/* A "Vm*" field of /proc/<pid>/status (e.g. "VmRSS", "VmHWM") in KiB, or -1. */
long bench_proc_status_kb(pid_t pid, const char *field);

/*
 * Sends SIGTERM, waits up to timeout_ms for the exit, then SIGKILL. Returns
 * the time the exit took in milliseconds (-1 when it had to be killed).
 * Accepts a process that is not running.
 */
long bench_proc_stop(bench_proc *p, int timeout_ms);

#endif
