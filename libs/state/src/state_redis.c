/*
 * state_redis.c — a Redis connection that survives the server going away
 * (see state_redis.h for the contract).
 *
 * hiredis does the connecting and the protocol: the context's reader parses
 * replies and redisFormatCommand* builds requests. The socket I/O of a command
 * is done here, with poll(2) against one deadline per command, because
 * hiredis 0.14.1 has neither a total deadline (SO_RCVTIMEO restarts at every
 * read) nor a bound on the size of a reply. redisSetTimeout is still set after
 * every connect, as a second guard for anything hiredis writes itself.
 *
 * Not thread-safe: one object per thread. Never prints; never puts the
 * password in a message.
 */
#include "sluice/state_redis.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/signal.h"
#include "sluice/time.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define REDIS_HOST_MAX            255
#define REDIS_USER_MAX            127
#define REDIS_PASSWORD_MAX        1024
#define REDIS_TIMEOUT_MAX_MS      (3600 * 1000)
#define REDIS_MIN_BOUND_BYTES     1024
#define REDIS_REQUEST_MAX_BYTES   ((size_t)512 * 1024 * 1024) /* Redis's proto-max-bulk-len */
#define REDIS_REPLY_MAX_BYTES     ((size_t)1024 * 1024 * 1024)
#define REDIS_DEFAULT_BOUND_BYTES ((size_t)64 * 1024 * 1024)
#define REDIS_READ_CHUNK          16384
#define REDIS_MAX_UNSENT_RETRIES  2

struct state_redis {
    char host[REDIS_HOST_MAX + 1];
    int port;
    char username[REDIS_USER_MAX + 1];
    char *password; /* NULL: no AUTH. Wiped before it is freed. */
    int connect_timeout_ms;
    int command_timeout_ms;
    int reconnect_timeout_ms;
    int backoff_min_ms;
    int backoff_max_ms;
    size_t max_reply_bytes;
    size_t max_request_bytes;

    redisContext *ctx;       /* NULL while disconnected */
    unsigned failures;       /* failed connect attempts since the last success */
    int64_t next_attempt_ms; /* monotonic time before which no attempt is made */
    int last_connect_rc;     /* why the last attempt failed */
    char connect_error[256]; /* and in words */

    state_redis_stats stats;
    bool has_reply_error;
    char reply_error[256];
    char errmsg[512];
};

/* ---- pure helpers ---------------------------------------------------------------------- */

int state_redis_backoff_ms(unsigned failures, int min_ms, int max_ms, uint32_t jitter)
{
    int64_t lo = min_ms > 0 ? min_ms : 1;
    int64_t hi = max_ms > lo ? max_ms : lo;
    int64_t ceiling = lo;
    for (unsigned i = 1; i < failures && ceiling < hi; i++) {
        ceiling *= 2;
    }
    if (ceiling > hi) {
        ceiling = hi;
    }
    int64_t half = ceiling / 2;
    int64_t span = ceiling - half + 1;
    return (int)(half + (int64_t)(jitter % (uint64_t)span));
}

bool state_redis_error_is_transient(const char *reply_error)
{
    static const char *const transient[] = {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN"};
    if (reply_error == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        size_t n = strlen(transient[i]);
        if (strncmp(reply_error, transient[i], n) == 0 &&
            (reply_error[n] == ' ' || reply_error[n] == '\0')) {
            return true;
        }
    }
    return false;
}

/* ---- small shell helpers ----------------------------------------------------------------- */

static struct timeval redis_timeval(int ms)
{
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

static void redis_sleep_ms(int64_t ms)
{
    if (ms <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)((ms % 1000) * 1000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !sluice_signal_stop_requested()) {
    }
}

static uint32_t redis_jitter(void)
{
    uint32_t value = 0;
    if (sluice_random_bytes(&value, sizeof value) != SLUICE_OK) {
        value = (uint32_t)sluice_time_monotonic_ns();
    }
    return value;
}

__attribute__((format(printf, 3, 4))) static int redis_fail(state_redis *r, int rc, const char *fmt,
                                                            ...)
{
    int n = snprintf(r->errmsg, sizeof r->errmsg, "redis %s:%d: ", r->host, r->port);
    if (n < 0 || (size_t)n >= sizeof r->errmsg) {
        return rc;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg + n, sizeof r->errmsg - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

static void redis_drop(state_redis *r)
{
    if (r->ctx != NULL) {
        redisFree(r->ctx);
        r->ctx = NULL;
        r->stats.disconnects++;
    }
}

/* True when an idle connection has something to read: Redis sends nothing
 * unasked, so that is the server's FIN or RST (or garbage). */
static bool redis_peer_closed(const state_redis *r)
{
    struct pollfd pfd = {.fd = r->ctx->fd, .events = POLLIN};
    int n;
    do {
        n = poll(&pfd, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n != 0;
}

/* Waits until fd is ready for events or the deadline passes. */
static int redis_wait(state_redis *r, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - sluice_time_monotonic_ms();
        if (left <= 0) {
            return redis_fail(r, SLUICE_ETIMEDOUT, "no reply within %d ms", r->command_timeout_ms);
        }
        struct pollfd pfd = {.fd = r->ctx->fd, .events = events};
        int n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0) {
            return SLUICE_OK;
        }
        if (n < 0 && errno != EINTR) {
            return redis_fail(r, SLUICE_EREDIS, "poll failed: %s", strerror(errno));
        }
    }
}

/*
 * Writes one formatted command and reads one reply within command_timeout_ms.
 * *sent becomes true once any byte left. On failure the connection is unusable.
 */
static int redis_roundtrip(state_redis *r, const char *cmd, size_t len, redisReply **out,
                           bool *sent)
{
    int64_t deadline = sluice_time_monotonic_ms() + r->command_timeout_ms;
    int fd = r->ctx->fd;
    size_t off = 0;
    int rc;

    *out = NULL;
    *sent = false;
    while (off < len) {
        rc = redis_wait(r, POLLOUT, deadline);
        if (rc != SLUICE_OK) {
            return rc;
        }
        ssize_t n = send(fd, cmd + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return redis_fail(r, SLUICE_EREDIS, "write failed: %s", strerror(errno));
        }
        off += (size_t)n;
        *sent = true;
    }

    size_t received = 0;
    char chunk[REDIS_READ_CHUNK];
    for (;;) {
        void *reply = NULL;
        if (redisReaderGetReply(r->ctx->reader, &reply) != REDIS_OK) {
            return redis_fail(r, SLUICE_EREDIS, "protocol error: %s", r->ctx->reader->errstr);
        }
        if (reply != NULL) {
            *out = reply;
            return SLUICE_OK;
        }
        rc = redis_wait(r, POLLIN, deadline);
        if (rc != SLUICE_OK) {
            return rc;
        }
        ssize_t n = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n == 0) {
            return redis_fail(r, SLUICE_EREDIS, "connection closed by the server");
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            return redis_fail(r, SLUICE_EREDIS, "read failed: %s", strerror(errno));
        }
        if ((size_t)n > r->max_reply_bytes - received) {
            return redis_fail(r, SLUICE_ETOOBIG, "reply exceeds %zu bytes", r->max_reply_bytes);
        }
        received += (size_t)n;
        if (redisReaderFeed(r->ctx->reader, chunk, (size_t)n) != REDIS_OK) {
            return redis_fail(r, SLUICE_ENOMEM, "cannot buffer the reply");
        }
    }
}

/* Sends AUTH (with a password) or PING on a new connection. */
static int redis_handshake(state_redis *r)
{
    const char *argv[3];
    int argc = 0;
    if (r->password != NULL) {
        argv[argc++] = "AUTH";
        if (r->username[0] != '\0') {
            argv[argc++] = r->username;
        }
        argv[argc++] = r->password;
    } else {
        argv[argc++] = "PING";
    }
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, NULL);
    if (len < 0) {
        return redis_fail(r, SLUICE_ENOMEM, "cannot format the handshake");
    }
    redisReply *reply = NULL;
    bool sent = false;
    int rc = redis_roundtrip(r, cmd, (size_t)len, &reply, &sent);
    redisFreeCommand(cmd);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        if (r->password != NULL) {
            rc = redis_fail(r, SLUICE_EDENIED, "AUTH refused: %.*s", 200, reply->str);
        } else if (strncmp(reply->str, "NOAUTH", 6) == 0) {
            rc = redis_fail(r, SLUICE_EDENIED,
                            "the server requires a password (no password configured)");
        } else {
            rc = redis_fail(r, SLUICE_EREDIS, "PING failed: %.*s", 200, reply->str);
        }
    }
    freeReplyObject(reply);
    return rc;
}

/* One connect attempt: TCP connect, command timeouts, keepalive, handshake. */
static int redis_connect_once(state_redis *r)
{
    redisContext *c =
        redisConnectWithTimeout(r->host, r->port, redis_timeval(r->connect_timeout_ms));
    if (c == NULL) {
        return redis_fail(r, SLUICE_ENOMEM, "cannot allocate a connection");
    }
    if (c->err != 0) {
        int saved = errno;
        int rc = (saved == ETIMEDOUT || strstr(c->errstr, "timed out") != NULL) ? SLUICE_ETIMEDOUT
                                                                                : SLUICE_EREDIS;
        redis_fail(r, rc, "connect failed: %s", c->errstr);
        redisFree(c);
        return rc;
    }
    if (redisSetTimeout(c, redis_timeval(r->command_timeout_ms)) != REDIS_OK) {
        redis_fail(r, SLUICE_EREDIS, "cannot set the command timeout: %s", c->errstr);
        redisFree(c);
        return SLUICE_EREDIS;
    }
    (void)redisEnableKeepAlive(c); /* best effort: a dead peer is noticed by the deadlines anyway */
    r->ctx = c;
    int rc = redis_handshake(r);
    if (rc != SLUICE_OK) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    return rc;
}

/*
 * Makes sure a usable connection exists, connecting with backoff until
 * budget_end (monotonic ms). Attempts that would start after budget_end are
 * not made.
 */
static int redis_ensure_connected(state_redis *r, int64_t budget_end)
{
    if (r->ctx != NULL) {
        if (!redis_peer_closed(r)) {
            return SLUICE_OK;
        }
        redis_drop(r);
    }
    int64_t start = sluice_time_monotonic_ms();
    unsigned attempts = 0;
    for (;;) {
        int64_t now = sluice_time_monotonic_ms();
        if (now < r->next_attempt_ms) {
            if (r->next_attempt_ms > budget_end || sluice_signal_stop_requested()) {
                break; /* a stop does not wait for a server that may be gone */
            }
            redis_sleep_ms(r->next_attempt_ms - now);
        }
        attempts++;
        int rc = redis_connect_once(r);
        if (rc == SLUICE_OK) {
            r->failures = 0;
            r->next_attempt_ms = 0;
            r->stats.connects++;
            return SLUICE_OK;
        }
        snprintf(r->connect_error, sizeof r->connect_error, "%s", r->errmsg);
        r->last_connect_rc = rc;
        r->stats.connect_failures++;
        if (r->failures < UINT_MAX) {
            r->failures++;
        }
        r->next_attempt_ms =
            sluice_time_monotonic_ms() + state_redis_backoff_ms(r->failures, r->backoff_min_ms,
                                                                r->backoff_max_ms, redis_jitter());
        if (rc == SLUICE_EDENIED || rc == SLUICE_ENOMEM) {
            return rc; /* waiting would not change the answer */
        }
        if (sluice_time_monotonic_ms() >= budget_end) {
            break;
        }
    }
    /* connect_error already starts with "redis host:port: " */
    snprintf(r->errmsg, sizeof r->errmsg,
             "%s (not connected: %u attempt(s) in %lld ms, %u failure(s) in a row)",
             r->connect_error[0] != '\0' ? r->connect_error : "redis: not connected", attempts,
             (long long)(sluice_time_monotonic_ms() - start), r->failures);
    return r->last_connect_rc != 0 ? r->last_connect_rc : SLUICE_EREDIS;
}

/* Runs one formatted command: connect if needed, send, read, retry as allowed. */
static int redis_execute(state_redis *r, state_redis_retry retry, const char *cmd, size_t len,
                         redisReply **out)
{
    int64_t budget_end = sluice_time_monotonic_ms() + r->reconnect_timeout_ms;
    bool retried = false;
    int unsent_retries = 0;
    unsigned transient_waits = 0;

    if (len > r->max_request_bytes) {
        return redis_fail(r, SLUICE_ETOOBIG, "request of %zu bytes exceeds %zu", len,
                          r->max_request_bytes);
    }
    for (;;) {
        int rc = redis_ensure_connected(r, budget_end);
        if (rc != SLUICE_OK) {
            return rc;
        }
        redisReply *reply = NULL;
        bool sent = false;
        rc = redis_roundtrip(r, cmd, len, &reply, &sent);
        if (rc != SLUICE_OK) {
            redis_drop(r);
            if (rc == SLUICE_EREDIS && !sent && unsent_retries < REDIS_MAX_UNSENT_RETRIES) {
                unsent_retries++; /* nothing reached the server: always safe */
                continue;
            }
            if (rc == SLUICE_EREDIS && sent && retry == STATE_REDIS_RETRY && !retried) {
                retried = true;
                r->stats.retries++;
                continue;
            }
            if (rc == SLUICE_EREDIS && sent) {
                size_t n = strlen(r->errmsg);
                snprintf(r->errmsg + n, sizeof r->errmsg - n, "%s",
                         retry == STATE_REDIS_RETRY ? " (after one retry)"
                                                    : " (the command may or may not have run)");
            }
            return rc;
        }
        r->stats.commands++;
        if (reply->type != REDIS_REPLY_ERROR) {
            r->has_reply_error = false; /* a transient one may have come first */
            *out = reply;
            return SLUICE_OK;
        }
        snprintf(r->reply_error, sizeof r->reply_error, "%s", reply->str != NULL ? reply->str : "");
        r->has_reply_error = true;
        freeReplyObject(reply);
        int64_t now = sluice_time_monotonic_ms();
        if (state_redis_error_is_transient(r->reply_error) && now < budget_end) {
            transient_waits++;
            int64_t wait = state_redis_backoff_ms(transient_waits, r->backoff_min_ms,
                                                  r->backoff_max_ms, redis_jitter());
            redis_sleep_ms(wait < budget_end - now ? wait : budget_end - now);
            continue;
        }
        if (strncmp(r->reply_error, "NOAUTH", 6) == 0) {
            return redis_fail(r, SLUICE_EDENIED, "error reply: %s", r->reply_error);
        }
        return redis_fail(r, SLUICE_EREDIS, "error reply: %s", r->reply_error);
    }
}

static void redis_begin_call(state_redis *r, redisReply **out)
{
    *out = NULL;
    r->has_reply_error = false;
    r->reply_error[0] = '\0';
    r->errmsg[0] = '\0';
}

/* ---- public API -------------------------------------------------------------------------- */

void state_redis_config_init(state_redis_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = "127.0.0.1";
    cfg->port = 6379;
    cfg->connect_timeout_ms = 1000;
    cfg->command_timeout_ms = 2000;
    cfg->reconnect_timeout_ms = 5000;
    cfg->backoff_min_ms = 50;
    cfg->backoff_max_ms = 2000;
    cfg->max_reply_bytes = REDIS_DEFAULT_BOUND_BYTES;
    cfg->max_request_bytes = REDIS_DEFAULT_BOUND_BYTES;
}

static int redis_check_config(const state_redis_config *cfg, char *err, size_t errlen)
{
    if (cfg->host == NULL || cfg->host[0] == '\0' || strlen(cfg->host) > REDIS_HOST_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "redis host must be 1 to %d bytes",
                                REDIS_HOST_MAX);
    }
    if (cfg->port < 1 || cfg->port > 65535) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "redis port %d is not in 1..65535",
                                cfg->port);
    }
    if (cfg->username != NULL && strlen(cfg->username) > REDIS_USER_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "redis username exceeds %d bytes",
                                REDIS_USER_MAX);
    }
    if (cfg->username != NULL && cfg->username[0] != '\0' &&
        (cfg->password == NULL || cfg->password[0] == '\0')) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "redis username given without a password");
    }
    if (cfg->password != NULL && strlen(cfg->password) > REDIS_PASSWORD_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "redis password exceeds %d bytes",
                                REDIS_PASSWORD_MAX);
    }
    if (cfg->connect_timeout_ms < 1 || cfg->connect_timeout_ms > REDIS_TIMEOUT_MAX_MS ||
        cfg->command_timeout_ms < 1 || cfg->command_timeout_ms > REDIS_TIMEOUT_MAX_MS ||
        cfg->reconnect_timeout_ms < 0 || cfg->reconnect_timeout_ms > REDIS_TIMEOUT_MAX_MS) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "redis timeouts must be 1..%d ms (reconnect 0..%d ms)",
                                REDIS_TIMEOUT_MAX_MS, REDIS_TIMEOUT_MAX_MS);
    }
    if (cfg->backoff_min_ms < 1 || cfg->backoff_max_ms < cfg->backoff_min_ms ||
        cfg->backoff_max_ms > REDIS_TIMEOUT_MAX_MS) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "redis backoff needs 1 <= min <= max <= %d ms",
                                REDIS_TIMEOUT_MAX_MS);
    }
    if (cfg->max_reply_bytes < REDIS_MIN_BOUND_BYTES ||
        cfg->max_reply_bytes > REDIS_REPLY_MAX_BYTES ||
        cfg->max_request_bytes < REDIS_MIN_BOUND_BYTES ||
        cfg->max_request_bytes > REDIS_REQUEST_MAX_BYTES) {
        return sluice_error_set(
            err, errlen, SLUICE_EINVAL,
            "redis size bounds must be %d..%zu bytes (requests) and ..%zu (replies)",
            REDIS_MIN_BOUND_BYTES, REDIS_REQUEST_MAX_BYTES, REDIS_REPLY_MAX_BYTES);
    }
    return SLUICE_OK;
}

int state_redis_new(const state_redis_config *cfg, state_redis **out, char *err, size_t errlen)
{
    *out = NULL;
    int rc = redis_check_config(cfg, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    state_redis *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    snprintf(r->host, sizeof r->host, "%s", cfg->host);
    r->port = cfg->port;
    snprintf(r->username, sizeof r->username, "%s", cfg->username != NULL ? cfg->username : "");
    if (cfg->password != NULL && cfg->password[0] != '\0') {
        r->password = strdup(cfg->password);
        if (r->password == NULL) {
            state_redis_free(r);
            return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
    }
    r->connect_timeout_ms = cfg->connect_timeout_ms;
    r->command_timeout_ms = cfg->command_timeout_ms;
    r->reconnect_timeout_ms = cfg->reconnect_timeout_ms;
    r->backoff_min_ms = cfg->backoff_min_ms;
    r->backoff_max_ms = cfg->backoff_max_ms;
    r->max_reply_bytes = cfg->max_reply_bytes;
    r->max_request_bytes = cfg->max_request_bytes;

    if (!cfg->connect_lazily) {
        rc = redis_ensure_connected(r, sluice_time_monotonic_ms() + r->reconnect_timeout_ms);
        if (rc != SLUICE_OK) {
            sluice_error_set(err, errlen, rc, "%s", r->errmsg);
            state_redis_free(r);
            return rc;
        }
    }
    *out = r;
    return SLUICE_OK;
}

void state_redis_free(state_redis *r)
{
    if (r == NULL) {
        return;
    }
    if (r->ctx != NULL) {
        redisFree(r->ctx);
    }
    if (r->password != NULL) {
        explicit_bzero(r->password, strlen(r->password));
        free(r->password);
    }
    free(r);
}

int state_redis_commandv(state_redis *r, state_redis_retry retry, int argc, const char **argv,
                         const size_t *lens, redisReply **out)
{
    redis_begin_call(r, out);
    if (argc < 1 || argv == NULL) {
        return redis_fail(r, SLUICE_EINVAL, "a command needs at least one argument");
    }
    /* Rough size first, so hiredis's int length cannot overflow. */
    size_t total = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = lens != NULL ? lens[i] : strlen(argv[i]);
        if (n > r->max_request_bytes - total) {
            return redis_fail(r, SLUICE_ETOOBIG, "request exceeds %zu bytes", r->max_request_bytes);
        }
        total += n;
    }
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0) {
        return redis_fail(r, SLUICE_ENOMEM, "cannot format the command");
    }
    int rc = redis_execute(r, retry, cmd, (size_t)len, out);
    redisFreeCommand(cmd);
    return rc;
}

int state_redis_command(state_redis *r, state_redis_retry retry, redisReply **out, const char *fmt,
                        ...)
{
    redis_begin_call(r, out);
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0) {
        return redis_fail(r, SLUICE_EINVAL,
                          "cannot format the command (bad format or out of memory)");
    }
    int rc = redis_execute(r, retry, cmd, (size_t)len, out);
    redisFreeCommand(cmd);
    return rc;
}

int state_redis_ping(state_redis *r)
{
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "PING");
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "PONG") != 0) {
        rc = redis_fail(r, SLUICE_EREDIS, "unexpected answer to PING");
    }
    freeReplyObject(reply);
    return rc;
}

bool state_redis_is_connected(const state_redis *r)
{
    return r->ctx != NULL;
}

void state_redis_disconnect(state_redis *r)
{
    redis_drop(r);
}

const char *state_redis_last_error(const state_redis *r)
{
    return r->errmsg;
}

const char *state_redis_last_reply_error(const state_redis *r)
{
    return r->has_reply_error ? r->reply_error : NULL;
}

void state_redis_get_stats(const state_redis *r, state_redis_stats *out)
{
    *out = r->stats;
}
