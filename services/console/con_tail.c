/*
 * con_tail.c — the reader thread of the watched action logs (see con_tail.h).
 */
#include "con_tail.h"

#include "sluice/aws_s3.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct con_tail {
    con_service *service;
    aws_s3 s3;
    char akid[256];
    char secret[256];
    pthread_t thread;
    atomic_bool stop;
};

static void *con_tail_run(void *arg)
{
    con_tail *t = arg;
    con_service *s = t->service;
    static con_logs_due due[CON_TAIL_BATCH];
    aws_s3_cred cred = {t->akid, t->secret, NULL};
    int64_t last_warn = 0;
    unsigned ticks = 0;
    while (!atomic_load(&t->stop)) {
        size_t n = con_logs_due_now(s->logs, sluice_time_monotonic_ms(), due, CON_TAIL_BATCH);
        for (size_t i = 0; i < n && !atomic_load(&t->stop); i++) {
            http_client_response out;
            char err[512];
            int rc = aws_s3_get_from(&t->s3, &cred, s->cfg->logs_bucket, due[i].key,
                                     (unsigned long long)due[i].from, &out, err, sizeof err);
            (void)http_metrics_inc(s->log_reads, NULL, 1);
            if (rc == 0) {
                con_logs_grow(s->logs, due[i].key, due[i].from, out.body.data, out.body.len);
            } else if (rc != SLUICE_ENOTFOUND) { /* not written yet is normal */
                int64_t now = sluice_time_monotonic_ms();
                if (now - last_warn > 10000) {
                    SLUICE_WARN("log %s: %s", due[i].key, err);
                    last_warn = now;
                }
            }
            http_client_response_free(&out);
        }
        if (++ticks % (CON_TAIL_INTERVAL_MS / CON_TAIL_TICK_MS) == 0) {
            con_logs_heartbeat(s->logs); /* finds the streams of browsers that left */
        }
        struct timespec nap = {0, CON_TAIL_TICK_MS * 1000000L};
        nanosleep(&nap, NULL);
    }
    return NULL;
}

con_tail *con_tail_start(con_service *s, char *err, size_t errlen)
{
    const char *key = s->cfg->logs_key;
    const char *colon = strchr(key, ':');
    if (colon == NULL || colon == key || colon[1] == '\0' || (size_t)(colon - key) >= 256 ||
        strlen(colon + 1) >= 256) {
        (void)sluice_error_set(err, errlen, SLUICE_EINVAL,
                               "SLUICE_CONSOLE_LOGS_KEY must be AKID:SECRET of the artifact store");
        return NULL;
    }
    con_tail *t = calloc(1, sizeof *t);
    if (t == NULL) {
        abort();
    }
    t->service = s;
    memcpy(t->akid, key, (size_t)(colon - key));
    snprintf(t->secret, sizeof t->secret, "%s", colon + 1);
    if (aws_s3_init(&t->s3, s->cfg->logs_endpoint, s->cfg->region,
                    (size_t)s->cfg->log_max_bytes + 1024, 5000, err, errlen) != 0) {
        free(t);
        return NULL;
    }
    atomic_init(&t->stop, false);
    if (pthread_create(&t->thread, NULL, con_tail_run, t) != 0) {
        aws_s3_release(&t->s3);
        free(t);
        (void)sluice_error_set(err, errlen, SLUICE_ENOMEM, "cannot start the log reader");
        return NULL;
    }
    return t;
}

void con_tail_stop(con_tail *t)
{
    if (t == NULL) {
        return;
    }
    atomic_store(&t->stop, true);
    pthread_join(t->thread, NULL);
    aws_s3_release(&t->s3);
    memset(t->secret, 0, sizeof t->secret);
    free(t);
}
