/*
 * state_redis.h — one connection to Redis, with timeouts, AUTH and reconnect.
 *
 * A state_redis object owns one hiredis context and hides its lifecycle:
 *   - connect_timeout_ms bounds one TCP connect; command_timeout_ms bounds the
 *     write of one command and the read of its reply (including the AUTH or PING
 *     that follows every connect), so no call waits on a silent server forever;
 *   - the password (optional) is sent with AUTH on every connect and is never
 *     written into an error message;
 *   - a context that failed is dead: the next call connects again, waiting
 *     between attempts with exponential backoff and jitter (backoff_min_ms
 *     doubling up to backoff_max_ms). The backoff carries over from one call to
 *     the next until a connect succeeds, so a client facing a dead server does
 *     not hammer it. One call spends at most reconnect_timeout_ms waiting for a
 *     connection (none once the process is asked to stop: sluice_signal_stop_requested);
 *     it then fails with the last reason. Before each command an
 *     idle connection that the server closed (a restart, a client timeout) is
 *     noticed and replaced, so nothing is sent into a dead socket.
 *   - a command whose connection broke after it was sent may or may not have run.
 *     It is sent again on a new connection only when the caller says it is safe
 *     (STATE_REDIS_RETRY: reads, idempotent writes, CAS-guarded scripts). A
 *     command that timed out is never sent again. Error replies that mean "not
 *     executed, try later" (LOADING, BUSY, TRYAGAIN, MASTERDOWN) are retried
 *     with backoff within the same reconnect budget.
 *   - replies are bounded: a reply larger than max_reply_bytes fails with
 *     SLUICE_ETOOBIG (the connection is dropped, as the rest of it is unread),
 *     a request larger than max_request_bytes is refused before sending.
 *
 * Worst-case time of one call: reconnect_timeout_ms + connect_timeout_ms +
 * 3 × command_timeout_ms (a handshake, the command and one retry).
 *
 * Scripts loaded on the server are not reloaded here: state_script.h loads a
 * script again when EVALSHA answers NOSCRIPT, which covers a restart and a
 * SCRIPT FLUSH alike.
 *
 * Threads: an object is not thread-safe; use one per thread. The library never
 * prints; the reason of the last failure is kept in the object
 * (state_redis_last_error). SIGPIPE is never raised by this module (it writes
 * with MSG_NOSIGNAL), but hiredis itself is not so careful: ignore SIGPIPE
 * process-wide (sluice_signal_install does).
 */
#ifndef SLUICE_STATE_REDIS_H
#define SLUICE_STATE_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct state_redis state_redis;

typedef struct state_redis_config {
    const char *host;         /* name or address; default "127.0.0.1" */
    int port;                 /* default 6379 */
    const char *username;     /* NULL or "": AUTH <password> (the "default" user) */
    const char *password;     /* NULL or "": no AUTH */
    int connect_timeout_ms;   /* one TCP connect; default 1000 */
    int command_timeout_ms;   /* one command's write and reply; default 2000 */
    int reconnect_timeout_ms; /* time one call may spend reconnecting; default 5000 (0: once) */
    int backoff_min_ms;       /* first wait between failed attempts; default 50 */
    int backoff_max_ms;       /* cap of the wait; default 2000 */
    size_t max_reply_bytes;   /* bound on one reply's bytes on the wire; default 64 MiB */
    size_t max_request_bytes; /* bound on one command's bytes on the wire; default 64 MiB */
    bool connect_lazily;      /* true: state_redis_new does not connect; the first call does */
} state_redis_config;

/* Whether a command may be sent again after its connection broke mid-flight. */
typedef enum state_redis_retry {
    STATE_REDIS_NO_RETRY = 0, /* running it twice would do harm: fail instead */
    STATE_REDIS_RETRY = 1,    /* idempotent: send it once more on a new connection */
} state_redis_retry;

typedef struct state_redis_stats {
    uint64_t connects;         /* successful connects (the first one included) */
    uint64_t connect_failures; /* failed connect attempts */
    uint64_t disconnects;      /* connections dropped after an error or found closed */
    uint64_t commands;         /* commands that got a reply (error replies included) */
    uint64_t retries;          /* commands sent a second time */
} state_redis_stats;

/* Fills cfg with the defaults above (host "127.0.0.1", port 6379, no password). */
void state_redis_config_init(state_redis_config *cfg);

/*
 * Creates a connection object from cfg (strings are copied). Unless
 * cfg->connect_lazily, it connects now, retrying within reconnect_timeout_ms.
 * Returns 0 with *out set; on failure *out is NULL, err holds the reason and
 * the code is SLUICE_EINVAL (bad configuration), SLUICE_EDENIED (AUTH refused,
 * or the server wants a password), SLUICE_ETIMEDOUT, SLUICE_EREDIS (cannot
 * connect) or SLUICE_ENOMEM.
 */
int state_redis_new(const state_redis_config *cfg, state_redis **out, char *err, size_t errlen);

/* Closes the connection and frees r (the password copy is wiped). Accepts NULL. */
void state_redis_free(state_redis *r);

/*
 * Sends one command given as argv (lens[i] bytes each; lens NULL: argv are C
 * strings) and waits for its reply, connecting first if needed.
 * Returns 0 with *out set to the reply, which the caller frees with
 * freeReplyObject; never an error reply. On failure *out is NULL and:
 *   SLUICE_EREDIS      the server answered with an error (see
 *                      state_redis_last_reply_error), or the connection failed;
 *   SLUICE_EDENIED     AUTH was refused or the server wants one (NOAUTH);
 *   SLUICE_ETIMEDOUT   no connection or no reply within the bounds;
 *   SLUICE_ETOOBIG     the request or the reply exceeds its bound;
 *   SLUICE_EINVAL / SLUICE_ENOMEM.
 * When the connection broke after the command was sent and retry is
 * STATE_REDIS_NO_RETRY, the failure is SLUICE_EREDIS and the command may or
 * may not have run (the message says so).
 */
int state_redis_commandv(state_redis *r, state_redis_retry retry, int argc, const char **argv,
                         const size_t *lens, redisReply **out);

/*
 * As state_redis_commandv, with the command written as hiredis's format
 * ("SET %s %b", key, value, (size_t)len): %s a C string, %b a pointer and a
 * size_t length, each one argument, never split on spaces.
 */
int state_redis_command(state_redis *r, state_redis_retry retry, redisReply **out, const char *fmt,
                        ...);

/* Sends PING (retried once if the connection broke). 0 when the server answered PONG. */
int state_redis_ping(state_redis *r);

/* True while a connection is open (not probed: a server that went away is noticed on the next
 * call). */
bool state_redis_is_connected(const state_redis *r);

/* Closes the connection now; the next call connects again. */
void state_redis_disconnect(state_redis *r);

/* The reason of the last failure ("" if none); valid until the next call on r. */
const char *state_redis_last_error(const state_redis *r);

/* The server's text when the last failure was an error reply ("NOSCRIPT ..."), else NULL. */
const char *state_redis_last_reply_error(const state_redis *r);

/* Copies the counters into *out. */
void state_redis_get_stats(const state_redis *r, state_redis_stats *out);

/*
 * The wait before the next connect attempt after `failures` failed attempts in
 * a row (failures >= 1): the ceiling min_ms × 2^(failures-1), capped at max_ms,
 * and the wait a point in [ceiling/2, ceiling] chosen by jitter ("equal
 * jitter"). Pure; min_ms <= 0 is taken as 1 and max_ms < min_ms as min_ms.
 */
int state_redis_backoff_ms(unsigned failures, int min_ms, int max_ms, uint32_t jitter);

/* True when an error reply says the command did not run and may succeed later. Pure. */
bool state_redis_error_is_transient(const char *reply_error);

#endif
