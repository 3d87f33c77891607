/*
 * redis_proc.h — a private redis-server for tests that must stop, restart or
 * freeze their server (the shared fixture's Redis must not be disturbed).
 *
 * The server listens on 127.0.0.1 on a free port, keeps an append-only file
 * (fsync on every write) in its own temporary directory, so data written
 * before a SIGKILL is there after the restart, and dies with the test process
 * (PR_SET_PDEATHSIG). Test support code, not a library: single-threaded.
 */
#ifndef SLUICE_TEST_REDIS_PROC_H
#define SLUICE_TEST_REDIS_PROC_H

#include <sys/types.h>

typedef struct redis_proc {
    pid_t pid; /* 0 while not running */
    int port;
    char dir[256];     /* the server's working directory */
    char password[64]; /* "" for none */
} redis_proc;

/* Picks a free port, makes a temp dir, starts the server and waits until it answers (5 s).
 * 0 or -1. */
int redis_proc_start(redis_proc *p, const char *password);

/* Starts the server again on the same port and directory, waits until it answers. 0 or -1. */
int redis_proc_restart(redis_proc *p);

/* SIGKILLs the server and reaps it. */
void redis_proc_kill(redis_proc *p);

/* Sends sig (SIGSTOP / SIGCONT) to the server. */
void redis_proc_signal(redis_proc *p, int sig);

/* Kills the server if it runs and removes its directory. */
void redis_proc_cleanup(redis_proc *p);

#endif
