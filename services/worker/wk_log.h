/*
 * wk_log.h — an action's log in the artifact store, readable while the
 * action runs: the commands' output, masked and bounded by wk_logbuf.h,
 * stored as one object per action (or rule) execution and rewritten as it
 * grows.
 *
 * The object is <bucket>/<prefix><pipeline>/<action execution id>.log
 * (SLUICE_WORKER_LOGS_BUCKET, SLUICE_WORKER_LOGS_PREFIX). An uploader
 * thread of its own writes it SLUICE_WORKER_LOG_FLUSH_MS after the start (a
 * header line and what came since), then whenever the text has grown and
 * SLUICE_WORKER_LOG_FLUSH_MS has passed since the last write, and a last time when the log closes.
 * Each write is a PutObject of the whole text so far (at most SLUICE_WORKER_LOG_STORED_MAX_BYTES
 * plus the notes): the store replaces the object atomically, so a reader sees a prefix of the final
 * log, made of whole lines, and follows it with ranged GETs (Range: bytes=<offset>-).
 *
 * Credentials: the log is written with credentials of its own, minted with
 * the job credential keys like the job's artifactCredentials: same job,
 * pipeline and execution, no object to read, exactly the log object to write
 * (aws_jobcred.h), valid until the action's timeout plus
 * WK_LOG_GRACE_S. The job's artifactCredentials — what a command or a
 * function could be handed — never cover the log; the log's credentials
 * never leave the worker.
 *
 * A write that fails is logged (once per log) and retried with the next
 * one; the action does not fail for its log.
 *
 * Threads: wk_log_open, _write, _end_line, _secrets, _tail and _close on the
 * job's slot thread; the uploader thread is the log's own. One lock guards
 * the text.
 */
#ifndef SLUICE_WK_LOG_H
#define SLUICE_WK_LOG_H

#include "sluice/aws_jobcred.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_LOG_URL_MAX 2048
#define WK_LOG_GRACE_S 900 /* the log's credentials outlive the timeout by this much */

typedef struct wk_log wk_log;

typedef struct wk_log_params {
    const char *endpoint; /* the artifact store ("http://host:port") */
    const char *region;
    const char *url_base; /* the URL readers use for the store; "" or NULL: endpoint */
    const char *bucket;
    const char *prefix; /* of the key; may be "" */
    const char *pipeline;
    const char *execution_id;
    const char *job_id;
    const char *run_id; /* action or rule execution id: the object's name */
    const char *title;  /* what the header line says the log is of */
    const aws_jobcred_keys *keys;
    int64_t expires_s; /* epoch seconds: the log's credentials expire then */
    uint64_t max_bytes;
    int64_t flush_ms;
} wk_log_params;

/*
 * Opens the log of one execution: mints its credentials, puts the header
 * line in the text and starts the uploader (a failure to write is only
 * logged). A job that ends within the first interval writes its log once,
 * when it closes. params and its strings are borrowed for the call. 0 with *out;
 * SLUICE_EINVAL (a key or URL too long, credentials that cannot be minted)
 * or SLUICE_ENOMEM / SLUICE_EIO (the thread) with err; *out NULL then.
 */
int wk_log_open(const wk_log_params *params, wk_log **out, char *err, size_t errlen);

/* Adds n bytes of the commands' output (or a "[sluice] ..." line). Accepts NULL. */
void wk_log_write(wk_log *log, const char *data, size_t n);

/* A command ended: its last line, if unterminated, is emitted. Accepts NULL. */
void wk_log_end_line(wk_log *log);

/* Masks the n secret values (borrowed) in output written from now on. Accepts NULL. */
void wk_log_secrets(wk_log *log, const char *const *secrets, size_t n);

/*
 * Copies the last bytes of masked output (at most outlen) into out; returns
 * the count. 0 for NULL.
 */
size_t wk_log_tail(wk_log *log, char *out, size_t outlen);

/* The log's URL (<url base>/<bucket>/<key>); borrowed until wk_log_close. */
const char *wk_log_url(const wk_log *log);

/* The log's key in its bucket; borrowed until wk_log_close. */
const char *wk_log_key(const wk_log *log);

/*
 * Ends the log: stops the uploader, writes the final text (with the note of
 * dropped output) and frees everything. True when the final text is in the
 * store (the URL may then be reported), false otherwise and for NULL.
 */
bool wk_log_close(wk_log *log);

#endif
