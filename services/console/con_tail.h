/*
 * con_tail.h — the one reader of the watched action logs: a thread that, a
 * few times a second, asks con_logs which logs are due (each at most once a
 * second, whoever watches it) and reads their new bytes from the artifact
 * store with a range read (GetObject, Range: bytes=<length so far>-), signed
 * with the console's own key of the store (SLUICE_CONSOLE_LOGS_KEY); and once
 * a second a comment line on every log stream, so the streams of browsers that
 * left end and their logs stop being read.
 */
#ifndef SLUICE_CON_TAIL_H
#define SLUICE_CON_TAIL_H

#include "con_service.h"

#include <stddef.h>

#define CON_TAIL_INTERVAL_MS 1000 /* a log is read at most this often */
#define CON_TAIL_TICK_MS     200  /* how often the reader looks for due logs */
#define CON_TAIL_BATCH       64   /* logs read per look at most */

typedef struct con_tail con_tail;

/*
 * Starts the reader of s->logs from s->cfg's store (endpoint, bucket, key
 * "AKID:SECRET"). NULL with err when the store's settings are wrong or the
 * thread cannot start.
 */
con_tail *con_tail_start(con_service *s, char *err, size_t errlen);

/* Stops the reader (within one read) and frees it. Accepts NULL. */
void con_tail_stop(con_tail *t);

#endif
