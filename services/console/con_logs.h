/*
 * con_logs.h — the tails of the action logs being watched
 * (GET /console/logs): one copy of each log object's bytes, read from the
 * artifact store by one poller at most once per poll interval per log, shared
 * by every browser watching that log — not one read per browser.
 *
 * A log is named by its object key (<prefix><pipeline>/<action execution
 * id>.log). A watcher joins a log (created on the first join, freed when its
 * last watcher leaves) and reads Server-Sent Event text: "event: start" first
 * (the browser clears what it shows: a reconnection starts over), then
 * "event: log" blocks whose data is the next bytes of the log in base64 (any
 * bytes, any cut: the browser decodes them as one UTF-8 stream), and
 * "event: cut" once when the log passed max_bytes (no more is read), and a
 * comment line after each heartbeat.
 *
 * Bounded: at most max_logs logs and max_watchers watchers in all (joins
 * past them are refused), max_bytes kept per log. No I/O: con_logs_due tells
 * the poller which logs to read and from where, con_logs_grow hands it what
 * it read; watchers are woken through the wake function given at creation.
 * Thread-safe (one mutex); wake is called with the lock held.
 *
 * And the pure checks of the endpoint's input: which log a request asks for
 * (con_logs_key_of, from its query) and whether the api lists that action
 * execution for the person (con_logs_answer_page, one page of
 * ListActionExecutions' answer).
 */
#ifndef SLUICE_CON_LOGS_H
#define SLUICE_CON_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CON_LOGS_KEY_MAX   512  /* bytes of an object key, NUL included */
#define CON_LOGS_ID_MAX    64   /* bytes of an execution or action execution id */
#define CON_LOGS_TOKEN_MAX 2048 /* bytes of a ListActionExecutions nextToken, NUL included */

typedef struct con_logs con_logs;
typedef struct con_logs_watcher con_logs_watcher;

typedef void (*con_logs_wake_fn)(void *waker);

/* One log to read now: its key and the offset its new bytes start at. */
typedef struct con_logs_due {
    char key[CON_LOGS_KEY_MAX];
    uint64_t from;
} con_logs_due;

/*
 * The registry (max_logs, max_watchers >= 1, max_bytes >= 1024,
 * interval_ms >= 1). NULL only for bad arguments; out of memory aborts.
 */
con_logs *con_logs_new(size_t max_logs, size_t max_watchers, size_t max_bytes, int64_t interval_ms,
                       con_logs_wake_fn wake);

/* Frees the registry; every watcher must have left. Accepts NULL. */
void con_logs_free(con_logs *logs);

/*
 * Adds a watcher of the log key (copied; 1..CON_LOGS_KEY_MAX-1 bytes). 0 with
 * *out, SLUICE_ETOOBIG (max_logs or max_watchers reached) or SLUICE_EINVAL
 * (a bad key).
 */
int con_logs_join(con_logs *logs, const char *key, con_logs_watcher **out);

/* Gives watcher the waker to call when its log grows (NULL: none yet). */
void con_logs_attach(con_logs *logs, con_logs_watcher *watcher, void *waker);

/*
 * Moves up to max bytes (>= 256) of event text for watcher into buf: their
 * number, or 0 when it has seen everything read so far.
 */
long con_logs_read(con_logs *logs, con_logs_watcher *watcher, char *buf, size_t max);

/* Removes and frees watcher (and its log with its last watcher). */
void con_logs_leave(con_logs *logs, con_logs_watcher *watcher);

/*
 * Fills due with up to max logs to read at now_ms (watched, not cut, not read
 * in the last interval) and marks them read at now_ms: their number.
 */
size_t con_logs_due_now(con_logs *logs, int64_t now_ms, con_logs_due *due, size_t max);

/*
 * The bytes read for key from offset from (len may be 0): appended when from
 * is still the log's length (else ignored: the log left or another read came
 * first), up to max_bytes (past it the log is cut), and its watchers woken.
 */
void con_logs_grow(con_logs *logs, const char *key, uint64_t from, const void *bytes, size_t len);

/*
 * Queues a comment line for every watcher and wakes it: a closed connection is
 * found (and its watcher leaves) at the next write, not when the log grows.
 */
void con_logs_heartbeat(con_logs *logs);

/* Counters: logs watched now, watchers now, bytes read in all, reads handed out. */
typedef struct con_logs_stats {
    size_t logs;
    size_t watchers;
    uint64_t bytes;
    uint64_t reads;
} con_logs_stats;

void con_logs_get_stats(con_logs *logs, con_logs_stats *out);

/* True when id is an execution's or an action execution's id: 1..64 of [A-Za-z0-9-]. */
bool con_logs_id_valid(const char *id);

/*
 * The object key of the log GET /console/logs?pipeline=&execution=&action=
 * asks for, "<prefix><pipeline>/<action>.log", into key (CON_LOGS_KEY_MAX
 * bytes): pipeline a pipeline name (con_core_pipeline_valid) other than "."
 * and ".." (dot segments of the store's URL), execution and
 * action ids (con_logs_id_valid), any of them possibly NULL (absent from the
 * query). 0, SLUICE_EINVAL (err names the parameter) or SLUICE_ETOOBIG (the
 * key would not fit: a prefix too long).
 */
int con_logs_key_of(const char *prefix, const char *pipeline, const char *execution,
                    const char *action, char *key, char *err, size_t errlen);

/*
 * Reads one page of ListActionExecutions' answer (body, len bytes, any
 * bytes): *found set when an element of actionExecutionDetails has the
 * actionExecutionId action; next (CON_LOGS_TOKEN_MAX bytes) gets its
 * nextToken, "" on the last page. 0, or SLUICE_EPARSE with err saying what is
 * wrong (not a JSON object, actionExecutionDetails not an array, nextToken
 * not a string or of CON_LOGS_TOKEN_MAX bytes or more); *found false and
 * next "" then.
 */
int con_logs_answer_page(const char *body, size_t len, const char *action, bool *found, char *next,
                         char *err, size_t errlen);

#endif
