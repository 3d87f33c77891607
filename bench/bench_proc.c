/*
 * bench_proc.c — orchestrator child processes for the benchmarks (see
 * bench_proc.h).
 */
#include "bench_proc.h"

#include "sluice/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_LINE_MAX    8192
#define PROC_METRICS_MAX (256 * 1024)

static void proc_sleep_us(long us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};
    nanosleep(&ts, NULL);
}

/* Whether entry "NAME=..." sets a name that one of env sets too. */
static int proc_overridden(const char *entry, const char *const *env)
{
    const char *eq = strchr(entry, '=');
    size_t len = eq != NULL ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        if (strncmp(env[i], entry, len) == 0 && env[i][len] == '=') {
            return 1;
        }
    }
    return 0;
}

int bench_proc_spawn(bench_proc *p, const char *binary, const char *const *env,
                     const char *log_path, char *err, size_t errlen)
{
    extern char **environ;
    memset(p, 0, sizeof *p);
    snprintf(p->log, sizeof p->log, "%s", log_path);
    size_t nenv = 0;
    while (env != NULL && env[nenv] != NULL) {
        nenv++;
    }
    if (nenv > BENCH_PROC_MAX_ENV) {
        snprintf(err, errlen, "more than %d environment settings", BENCH_PROC_MAX_ENV);
        return -1;
    }
    size_t ninherited = 0;
    while (environ[ninherited] != NULL) {
        ninherited++;
    }
    /* Built before fork: the child of a threaded process may only exec. */
    char **envp = calloc(ninherited + nenv + 1, sizeof *envp);
    if (envp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < ninherited; i++) {
        if (!proc_overridden(environ[i], env)) {
            envp[k++] = environ[i];
        }
    }
    size_t first_own = k;
    for (size_t i = 0; i < nenv; i++) {
        envp[k] = strdup(env[i]);
        if (envp[k++] == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    envp[k] = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s", binary);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", log_path, strerror(errno));
        goto fail;
    }
    char *const argv[] = {path, NULL};
    p->spawned_ns = sluice_time_monotonic_ns();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        execve(path, argv, envp);
        _exit(127);
    }
    int saved = errno;
    close(fd);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(saved));
        goto fail;
    }
    p->pid = pid;
fail:
    for (size_t i = first_own; i < k; i++) {
        free(envp[i]);
    }
    free(envp);
    return p->pid > 0 ? 0 : -1;
}

int bench_proc_log_count(const bench_proc *p, const char *needle, char *last, size_t lastlen)
{
    FILE *f = fopen(p->log, "r");
    if (f == NULL) {
        return 0;
    }
    char line[PROC_LINE_MAX];
    int count = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, needle) != NULL) {
            count++;
            if (last != NULL) {
                snprintf(last, lastlen, "%s", line);
            }
        }
    }
    fclose(f);
    return count;
}

static int proc_alive(const bench_proc *p)
{
    if (p->pid <= 0) {
        return 0;
    }
    int status;
    return waitpid(p->pid, &status, WNOHANG) == 0;
}

int bench_proc_wait_log(const bench_proc *p, const char *needle, int n, int timeout_ms,
                        int64_t *seen_ns, char *line, size_t linelen)
{
    int64_t deadline = sluice_time_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        if (bench_proc_log_count(p, needle, line, linelen) >= n) {
            if (seen_ns != NULL) {
                *seen_ns = sluice_time_monotonic_ns();
            }
            return 0;
        }
        if (sluice_time_monotonic_ns() >= deadline || !proc_alive(p)) {
            return -1;
        }
        proc_sleep_us(BENCH_PROC_POLL_US);
    }
}

/* GET path over HTTP/1.0 into buf (NUL-terminated). Bytes read, or -1. */
static long proc_http_get(int port, const char *path, char *buf, size_t buflen)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct timeval tv = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char request[256];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    long total = -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        send(fd, request, (size_t)n, MSG_NOSIGNAL) == n) {
        total = 0;
        while ((size_t)total + 1 < buflen) {
            ssize_t got = recv(fd, buf + total, buflen - 1 - (size_t)total, 0);
            if (got <= 0) {
                break;
            }
            total += got;
        }
        buf[total] = '\0';
    }
    close(fd);
    return total;
}

int bench_proc_metric(const bench_proc *p, const char *name, double *value)
{
    if (p->port <= 0) {
        return -1;
    }
    char *buf = malloc(PROC_METRICS_MAX);
    if (buf == NULL) {
        return -1;
    }
    int rc = -1;
    size_t len = strlen(name);
    if (proc_http_get(p->port, "/metrics", buf, PROC_METRICS_MAX) > 0) {
        for (char *line = buf; line != NULL && *line != '\0';) {
            char *next = strchr(line, '\n');
            if (strncmp(line, name, len) == 0 && line[len] == ' ') {
                char *end = NULL;
                double v = strtod(line + len + 1, &end);
                if (end != line + len + 1) {
                    *value = v;
                    rc = 0;
                }
                break;
            }
            line = next != NULL ? next + 1 : NULL;
        }
    }
    free(buf);
    return rc;
}

long bench_proc_status_kb(pid_t pid, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    size_t flen = strlen(field);
    long kb = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            char *end = NULL;
            long value = strtol(line + flen + 1, &end, 10);
            if (end != line + flen + 1) {
                kb = value;
            }
            break;
        }
    }
    fclose(f);
    return kb;
}

long bench_proc_stop(bench_proc *p, int timeout_ms)
{
    if (p->pid <= 0) {
        return 0;
    }
    int64_t started = sluice_time_monotonic_ns();
    kill(p->pid, SIGTERM);
    int64_t deadline = started + (int64_t)timeout_ms * 1000000;
    int status;
    long took = -1;
    for (;;) {
        pid_t done = waitpid(p->pid, &status, WNOHANG);
        if (done == p->pid || (done < 0 && errno == ECHILD)) {
            took = (long)((sluice_time_monotonic_ns() - started) / 1000000);
            break;
        }
        if (sluice_time_monotonic_ns() >= deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &status, 0);
            break;
        }
        proc_sleep_us(1000);
    }
    p->pid = 0;
    return took;
}
