/*
 * wk_log.c — an action's log, uploaded while it grows (see wk_log.h).
 */
#include "wk_log.h"

#include "wk_logbuf.h"
#include "sluice/aws_s3.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WK_LOG_HTTP_TIMEOUT_MS 10000
#define WK_LOG_KEY_MAX         1024

struct wk_log {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started;
    bool closing;            /* under lock */
    wk_logbuf buf;           /* under lock */
    uint64_t stored_changes; /* buf.changes of the last write (uploader or close) */
    int64_t flush_ms;
    aws_s3 s3; /* the uploader's; the slot thread's once the uploader has stopped */
    aws_jobcred cred;
    aws_s3_cred s3cred;
    bool warned;
    char bucket[256];
    char key[WK_LOG_KEY_MAX];
    char url[WK_LOG_URL_MAX];
};

/* PUTs a copy of the text taken under the lock. */
static void wk_log_store(wk_log *log)
{
    pthread_mutex_lock(&log->lock);
    uint64_t changes = log->buf.changes;
    size_t len = log->buf.text.len;
    char *copy = malloc(len + 1);
    if (copy != NULL && len > 0) {
        memcpy(copy, log->buf.text.data, len);
    }
    pthread_mutex_unlock(&log->lock);
    if (copy == NULL) {
        return;
    }
    char err[512] = "";
    int rc = aws_s3_put(&log->s3, &log->s3cred, log->bucket, log->key, copy, len, err, sizeof err);
    free(copy);
    if (rc != 0) {
        if (!log->warned) {
            SLUICE_WARN("the log %s/%s cannot be stored: %s", log->bucket, log->key, err);
            log->warned = true;
        }
        return;
    }
    log->stored_changes = changes;
}

static void *wk_log_uploader(void *arg)
{
    wk_log *log = arg;
    pthread_mutex_lock(&log->lock);
    while (!log->closing) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += log->flush_ms / 1000;
        until.tv_nsec += (long)(log->flush_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!log->closing) {
            int rc = pthread_cond_timedwait(&log->cond, &log->lock, &until);
            if (rc == ETIMEDOUT) {
                break;
            }
        }
        if (log->closing) {
            break;
        }
        bool grown = log->buf.changes != log->stored_changes;
        pthread_mutex_unlock(&log->lock);
        if (grown) {
            wk_log_store(log);
        }
        pthread_mutex_lock(&log->lock);
    }
    pthread_mutex_unlock(&log->lock);
    return NULL;
}

int wk_log_open(const wk_log_params *p, wk_log **out, char *err, size_t errlen)
{
    *out = NULL;
    wk_log *log = calloc(1, sizeof *log);
    if (log == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&log->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&log->cond, &attr);
    pthread_condattr_destroy(&attr);
    wk_logbuf_init(&log->buf, p->max_bytes);
    log->flush_ms = p->flush_ms > 0 ? p->flush_ms : 1000;
    const char *base = p->url_base != NULL && p->url_base[0] != '\0' ? p->url_base : p->endpoint;
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/') {
        base_len--;
    }
    int rc = 0;
    int n = snprintf(log->key, sizeof log->key, "%s%s/%s.log", p->prefix != NULL ? p->prefix : "",
                     p->pipeline, p->run_id);
    int m = snprintf(log->bucket, sizeof log->bucket, "%s", p->bucket);
    int u = snprintf(log->url, sizeof log->url, "%.*s/%s/%s", (int)base_len, base, log->bucket,
                     log->key);
    if (n < 0 || (size_t)n >= sizeof log->key || m < 0 || (size_t)m >= sizeof log->bucket ||
        u < 0 || (size_t)u >= sizeof log->url) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "the log's key or URL is too long");
        goto fail;
    }
    aws_jobcred_scope scope;
    memset(&scope, 0, sizeof scope);
    snprintf(scope.job_id, sizeof scope.job_id, "%s", p->job_id);
    snprintf(scope.pipeline, sizeof scope.pipeline, "%s", p->pipeline);
    snprintf(scope.execution_id, sizeof scope.execution_id, "%s",
             p->execution_id != NULL ? p->execution_id : "");
    scope.expires_s = p->expires_s;
    scope.write_count = 1;
    snprintf(scope.write[0], sizeof scope.write[0], "%s/%s", log->bucket, log->key);
    rc = aws_jobcred_mint(p->keys, &scope, &log->cred, err, errlen);
    if (rc != 0) {
        goto fail;
    }
    log->s3cred.access_key_id = log->cred.access_key_id;
    log->s3cred.secret_access_key = log->cred.secret_access_key;
    log->s3cred.session_token = log->cred.session_token;
    rc = aws_s3_init(&log->s3, p->endpoint, p->region, 64 * 1024, WK_LOG_HTTP_TIMEOUT_MS, err,
                     errlen);
    if (rc != 0) {
        goto fail;
    }
    char header[512];
    int hn = snprintf(header, sizeof header, "[sluice] log of %s\n", p->title);
    wk_logbuf_write(&log->buf, header, hn > 0 && (size_t)hn < sizeof header ? (size_t)hn : 0);
    if (pthread_create(&log->thread, NULL, wk_log_uploader, log) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "cannot start the log's uploader");
        goto fail;
    }
    log->started = true;
    *out = log;
    return 0;
fail:
    aws_s3_release(&log->s3);
    aws_jobcred_clear(&log->cred);
    wk_logbuf_free(&log->buf);
    pthread_cond_destroy(&log->cond);
    pthread_mutex_destroy(&log->lock);
    free(log);
    return rc;
}

void wk_log_write(wk_log *log, const char *data, size_t n)
{
    if (log == NULL || n == 0) {
        return;
    }
    pthread_mutex_lock(&log->lock);
    wk_logbuf_write(&log->buf, data, n);
    pthread_mutex_unlock(&log->lock);
}

void wk_log_end_line(wk_log *log)
{
    if (log == NULL) {
        return;
    }
    pthread_mutex_lock(&log->lock);
    wk_logbuf_end_line(&log->buf);
    pthread_mutex_unlock(&log->lock);
}

void wk_log_secrets(wk_log *log, const char *const *secrets, size_t n)
{
    if (log == NULL) {
        return;
    }
    pthread_mutex_lock(&log->lock);
    if (wk_logbuf_set_secrets(&log->buf, secrets, n) != 0) {
        SLUICE_WARN("the log %s masks only the first %d lines of secret values", log->key,
                    WK_LOGBUF_MASKS_MAX);
    }
    pthread_mutex_unlock(&log->lock);
}

size_t wk_log_tail(wk_log *log, char *out, size_t outlen)
{
    if (log == NULL) {
        return 0;
    }
    pthread_mutex_lock(&log->lock);
    size_t n = log->buf.tail_len < outlen ? log->buf.tail_len : outlen;
    memcpy(out, log->buf.tail + (log->buf.tail_len - n), n);
    pthread_mutex_unlock(&log->lock);
    return n;
}

const char *wk_log_url(const wk_log *log)
{
    return log != NULL ? log->url : NULL;
}

const char *wk_log_key(const wk_log *log)
{
    return log != NULL ? log->key : NULL;
}

bool wk_log_close(wk_log *log)
{
    if (log == NULL) {
        return false;
    }
    pthread_mutex_lock(&log->lock);
    log->closing = true;
    wk_logbuf_finish(&log->buf);
    pthread_cond_signal(&log->cond);
    pthread_mutex_unlock(&log->lock);
    if (log->started) {
        pthread_join(log->thread, NULL);
    }
    if (log->buf.changes != log->stored_changes) {
        log->warned = false; /* the last write says so again if it fails */
        wk_log_store(log);
    }
    bool stored = log->buf.changes == log->stored_changes;
    aws_s3_release(&log->s3);
    aws_jobcred_clear(&log->cred);
    wk_logbuf_free(&log->buf);
    pthread_cond_destroy(&log->cond);
    pthread_mutex_destroy(&log->lock);
    free(log);
    return stored;
}
