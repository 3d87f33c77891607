/*
 * redis_proc.c — start, kill and restart a private redis-server (see redis_proc.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "redis_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REDIS_PROC_READY_MS 5000

static int proc_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
}

static void proc_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* True once the server answers PING (after AUTH when it has a password). */
static int proc_answers(const redis_proc *p)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", p->port, tv);
    int ok = 0;
    if (c != NULL && c->err == 0) {
        redisSetTimeout(c, tv);
        redisReply *reply = NULL;
        if (p->password[0] != '\0') {
            reply = redisCommand(c, "AUTH %s", p->password);
            freeReplyObject(reply);
        }
        reply = redisCommand(c, "PING");
        ok = reply != NULL && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
        freeReplyObject(reply);
    }
    redisFree(c);
    return ok;
}

static int proc_spawn(redis_proc *p)
{
    char port[16];
    char logfile[320];
    snprintf(port, sizeof port, "%d", p->port);
    snprintf(logfile, sizeof logfile, "%s/redis.log", p->dir);
    const char *argv[24];
    int argc = 0;
    argv[argc++] = "redis-server";
    argv[argc++] = "--port";
    argv[argc++] = port;
    argv[argc++] = "--bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--dir";
    argv[argc++] = p->dir;
    argv[argc++] = "--logfile";
    argv[argc++] = logfile;
    argv[argc++] = "--save";
    argv[argc++] = "";
    argv[argc++] = "--appendonly";
    argv[argc++] = "yes";
    argv[argc++] = "--appendfsync";
    argv[argc++] = "always";
    argv[argc++] = "--daemonize";
    argv[argc++] = "no";
    if (p->password[0] != '\0') {
        argv[argc++] = "--requirepass";
        argv[argc++] = p->password;
    }
    argv[argc] = NULL;

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            close(devnull);
        }
        execvp(argv[0], (char *const *)(void *)argv);
        fprintf(stderr, "redis_proc: cannot run redis-server: %s\n", strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    for (int waited = 0; waited < REDIS_PROC_READY_MS; waited += 20) {
        if (proc_answers(p)) {
            return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            p->pid = 0;
            fprintf(stderr, "redis_proc: redis-server on port %d exited early (see %s)\n", p->port,
                    logfile);
            return -1;
        }
        proc_sleep_ms(20);
    }
    fprintf(stderr, "redis_proc: redis-server on port %d did not answer in time\n", p->port);
    redis_proc_kill(p);
    return -1;
}

int redis_proc_start(redis_proc *p, const char *password)
{
    memset(p, 0, sizeof *p);
    snprintf(p->password, sizeof p->password, "%s", password != NULL ? password : "");
    const char *tmp = getenv("TMPDIR");
    snprintf(p->dir, sizeof p->dir, "%s/sluice-redis-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(p->dir) == NULL) {
        p->dir[0] = '\0';
        return -1;
    }
    p->port = proc_free_port();
    if (p->port <= 0) {
        return -1;
    }
    return proc_spawn(p);
}

int redis_proc_restart(redis_proc *p)
{
    redis_proc_kill(p);
    return proc_spawn(p);
}

void redis_proc_kill(redis_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGCONT); /* a stopped process still dies of SIGKILL, but be plain */
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

void redis_proc_signal(redis_proc *p, int sig)
{
    if (p->pid > 0) {
        kill(p->pid, sig);
    }
}

static int proc_remove(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void redis_proc_cleanup(redis_proc *p)
{
    redis_proc_kill(p);
    if (p->dir[0] != '\0') {
        nftw(p->dir, proc_remove, 16, FTW_DEPTH | FTW_PHYS);
        p->dir[0] = '\0';
    }
}
