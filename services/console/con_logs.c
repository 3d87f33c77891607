/*
 * con_logs.c — the shared tails of the watched action logs (see con_logs.h).
 *
 * A log is a growing byte buffer with its watchers; a watcher is an offset
 * into it. A read turns the bytes past a watcher's offset into one
 * "event: log" block (base64, so no byte of the log can end the block or the
 * stream), as much as fits the caller's buffer. The poller asks for the due
 * logs, reads them without the lock, and hands back what it read; a read
 * whose offset no longer matches (the log was freed and joined again) is
 * dropped.
 *
 * The endpoint's input (the query, the api's listing) is checked here too,
 * without I/O, so that it can be tested and fuzzed apart from the server.
 */
#include "con_logs.h"

#include "con_core.h"

#include "sluice/error.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct con_log {
    char key[CON_LOGS_KEY_MAX];
    unsigned char *bytes;
    size_t len;
    size_t cap;
    bool cut;
    int64_t last_read_ms; /* 0: never */
    size_t watchers;
    struct con_log *next;
} con_log;

struct con_logs_watcher {
    con_log *log;
    size_t offset;
    bool started;
    bool cut_sent;
    bool beat; /* a comment line is due */
    void *waker;
    struct con_logs_watcher *next;
};

struct con_logs {
    size_t max_logs;
    size_t max_watchers;
    size_t max_bytes;
    int64_t interval_ms;
    con_logs_wake_fn wake;
    pthread_mutex_t lock;
    con_log *logs;
    size_t nlogs;
    con_logs_watcher *watchers;
    size_t nwatchers;
    uint64_t bytes_read;
    uint64_t reads;
};

static void *con_logs_alloc(size_t n)
{
    void *p = calloc(1, n);
    if (p == NULL) {
        abort();
    }
    return p;
}

con_logs *con_logs_new(size_t max_logs, size_t max_watchers, size_t max_bytes, int64_t interval_ms,
                       con_logs_wake_fn wake)
{
    if (max_logs < 1 || max_watchers < 1 || max_bytes < 1024 || interval_ms < 1) {
        return NULL;
    }
    con_logs *logs = con_logs_alloc(sizeof *logs);
    logs->max_logs = max_logs;
    logs->max_watchers = max_watchers;
    logs->max_bytes = max_bytes;
    logs->interval_ms = interval_ms;
    logs->wake = wake;
    pthread_mutex_init(&logs->lock, NULL);
    return logs;
}

void con_logs_free(con_logs *logs)
{
    if (logs == NULL) {
        return;
    }
    while (logs->watchers != NULL) {
        con_logs_leave(logs, logs->watchers);
    }
    pthread_mutex_destroy(&logs->lock);
    free(logs);
}

static con_log *con_logs_find(con_logs *logs, const char *key)
{
    for (con_log *l = logs->logs; l != NULL; l = l->next) {
        if (strcmp(l->key, key) == 0) {
            return l;
        }
    }
    return NULL;
}

int con_logs_join(con_logs *logs, const char *key, con_logs_watcher **out)
{
    size_t klen = key != NULL ? strlen(key) : 0;
    if (klen == 0 || klen >= CON_LOGS_KEY_MAX) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&logs->lock);
    con_log *log = con_logs_find(logs, key);
    if (logs->nwatchers >= logs->max_watchers || (log == NULL && logs->nlogs >= logs->max_logs)) {
        pthread_mutex_unlock(&logs->lock);
        return SLUICE_ETOOBIG;
    }
    if (log == NULL) {
        log = con_logs_alloc(sizeof *log);
        memcpy(log->key, key, klen + 1);
        log->next = logs->logs;
        logs->logs = log;
        logs->nlogs++;
    }
    con_logs_watcher *w = con_logs_alloc(sizeof *w);
    w->log = log;
    w->next = logs->watchers;
    logs->watchers = w;
    logs->nwatchers++;
    log->watchers++;
    pthread_mutex_unlock(&logs->lock);
    *out = w;
    return 0;
}

void con_logs_attach(con_logs *logs, con_logs_watcher *watcher, void *waker)
{
    pthread_mutex_lock(&logs->lock);
    watcher->waker = waker;
    pthread_mutex_unlock(&logs->lock);
}

long con_logs_read(con_logs *logs, con_logs_watcher *w, char *buf, size_t max)
{
    if (max < 256) {
        return 0;
    }
    pthread_mutex_lock(&logs->lock);
    long n = 0;
    if (!w->started) {
        w->started = true;
        n = snprintf(buf, max, "retry: 1000\n\nevent: start\ndata: {}\n\n");
    } else if (w->offset < w->log->len) {
        static const char head[] = "event: log\ndata: ";
        size_t room = (max - sizeof head - 4) / 4 * 3; /* raw bytes whose base64 fits */
        size_t take = w->log->len - w->offset;
        take = take < room ? take : room;
        memcpy(buf, head, sizeof head - 1);
        int enc = EVP_EncodeBlock((unsigned char *)buf + sizeof head - 1, w->log->bytes + w->offset,
                                  (int)take);
        size_t at = sizeof head - 1 + (size_t)enc;
        buf[at++] = '\n';
        buf[at++] = '\n';
        w->offset += take;
        n = (long)at;
    } else if (w->log->cut && !w->cut_sent) {
        w->cut_sent = true;
        n = snprintf(buf, max, "event: cut\ndata: {\"maxBytes\":%zu}\n\n", logs->max_bytes);
    } else if (w->beat) {
        n = snprintf(buf, max, ":\n\n");
    }
    w->beat = false;
    pthread_mutex_unlock(&logs->lock);
    return n;
}

void con_logs_leave(con_logs *logs, con_logs_watcher *watcher)
{
    pthread_mutex_lock(&logs->lock);
    for (con_logs_watcher **p = &logs->watchers; *p != NULL; p = &(*p)->next) {
        if (*p == watcher) {
            *p = watcher->next;
            logs->nwatchers--;
            break;
        }
    }
    con_log *log = watcher->log;
    if (--log->watchers == 0) {
        for (con_log **p = &logs->logs; *p != NULL; p = &(*p)->next) {
            if (*p == log) {
                *p = log->next;
                logs->nlogs--;
                break;
            }
        }
        free(log->bytes);
        free(log);
    }
    pthread_mutex_unlock(&logs->lock);
    free(watcher);
}

size_t con_logs_due_now(con_logs *logs, int64_t now_ms, con_logs_due *due, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&logs->lock);
    for (con_log *l = logs->logs; l != NULL && n < max; l = l->next) {
        if (l->cut || (l->last_read_ms != 0 && now_ms - l->last_read_ms < logs->interval_ms)) {
            continue;
        }
        l->last_read_ms = now_ms;
        memcpy(due[n].key, l->key, sizeof l->key);
        due[n].from = l->len;
        n++;
        logs->reads++;
    }
    pthread_mutex_unlock(&logs->lock);
    return n;
}

void con_logs_grow(con_logs *logs, const char *key, uint64_t from, const void *bytes, size_t len)
{
    pthread_mutex_lock(&logs->lock);
    con_log *log = con_logs_find(logs, key);
    if (log == NULL || log->len != from || len == 0 || log->cut) {
        pthread_mutex_unlock(&logs->lock);
        return;
    }
    size_t keep = len;
    if (log->len + keep > logs->max_bytes) {
        keep = logs->max_bytes - log->len;
        log->cut = true;
    }
    if (log->len + keep > log->cap) {
        size_t cap = log->cap != 0 ? log->cap : 4096;
        while (cap < log->len + keep) {
            cap *= 2;
        }
        cap = cap < logs->max_bytes ? cap : logs->max_bytes;
        unsigned char *grown = realloc(log->bytes, cap);
        if (grown == NULL) {
            abort();
        }
        log->bytes = grown;
        log->cap = cap;
    }
    memcpy(log->bytes + log->len, bytes, keep);
    log->len += keep;
    logs->bytes_read += keep;
    for (con_logs_watcher *w = logs->watchers; w != NULL; w = w->next) {
        if (w->log == log && w->waker != NULL && logs->wake != NULL) {
            logs->wake(w->waker);
        }
    }
    pthread_mutex_unlock(&logs->lock);
}

void con_logs_heartbeat(con_logs *logs)
{
    pthread_mutex_lock(&logs->lock);
    for (con_logs_watcher *w = logs->watchers; w != NULL; w = w->next) {
        w->beat = true;
        if (w->waker != NULL && logs->wake != NULL) {
            logs->wake(w->waker);
        }
    }
    pthread_mutex_unlock(&logs->lock);
}

void con_logs_get_stats(con_logs *logs, con_logs_stats *out)
{
    pthread_mutex_lock(&logs->lock);
    out->logs = logs->nlogs;
    out->watchers = logs->nwatchers;
    out->bytes = logs->bytes_read;
    out->reads = logs->reads;
    pthread_mutex_unlock(&logs->lock);
}

bool con_logs_id_valid(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n == 0 || n > CON_LOGS_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

int con_logs_key_of(const char *prefix, const char *pipeline, const char *execution,
                    const char *action, char *key, char *err, size_t errlen)
{
    key[0] = '\0';
    if (!con_core_pipeline_valid(pipeline)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "pipeline must be a pipeline name (1..100 of [A-Za-z0-9.@_-])");
    }
    if (strcmp(pipeline, ".") == 0 || strcmp(pipeline, "..") == 0) {
        /* a dot segment: a URL path (the store's request) would drop or climb it */
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "pipeline \"%s\" cannot name a log's key (a dot segment)",
                                pipeline);
    }
    if (!con_logs_id_valid(execution)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "execution must be an execution id (1..64 of [A-Za-z0-9-])");
    }
    if (!con_logs_id_valid(action)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "action must be an action execution id (1..64 of [A-Za-z0-9-])");
    }
    int n = snprintf(key, CON_LOGS_KEY_MAX, "%s%s/%s.log", prefix != NULL ? prefix : "", pipeline,
                     action);
    if (n < 0 || (size_t)n >= CON_LOGS_KEY_MAX) {
        key[0] = '\0';
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the log's key is over %d bytes (the logs prefix is too long)",
                                CON_LOGS_KEY_MAX - 1);
    }
    return 0;
}

int con_logs_answer_page(const char *body, size_t len, const char *action, bool *found, char *next,
                         char *err, size_t errlen)
{
    *found = false;
    next[0] = '\0';
    json_error_t jerr;
    json_t *doc =
        json_loadb(body != NULL ? body : "", body != NULL ? len : 0, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "ListActionExecutions answered no JSON object (%s)",
                                doc == NULL ? jerr.text : "another JSON value");
    }
    const json_t *details = json_object_get(doc, "actionExecutionDetails");
    const json_t *token = json_object_get(doc, "nextToken");
    int rc = 0;
    if (details != NULL && !json_is_array(details)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "ListActionExecutions answered actionExecutionDetails that is no "
                              "array");
    } else if (token != NULL && !json_is_null(token) &&
               (!json_is_string(token) || json_string_length(token) >= CON_LOGS_TOKEN_MAX)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "ListActionExecutions answered a nextToken that is no string of "
                              "under %d bytes",
                              CON_LOGS_TOKEN_MAX);
    }
    size_t i;
    const json_t *d;
    bool seen = false;
    json_array_foreach(rc == 0 ? details : NULL, i, d)
    {
        const char *id = json_string_value(json_object_get(d, "actionExecutionId"));
        seen = seen || (id != NULL && action != NULL && strcmp(id, action) == 0);
    }
    if (rc == 0) {
        *found = seen;
        const char *t = json_string_value(token);
        snprintf(next, CON_LOGS_TOKEN_MAX, "%s", t != NULL ? t : "");
    }
    json_decref(doc);
    return rc;
}
