/*
 * wk_logbuf.h — the text of an action's log as it is stored: the commands'
 * output cut into lines, secret values masked, bounded. The pure half of
 * wk_log.h (which uploads the text while the action runs).
 *
 * Output arrives in arbitrary pieces (wk_exec's reads). A piece is added to
 * a pending line; each complete line ("\n"-terminated) is masked and
 * appended to the text. A line longer than the pending bound is emitted in
 * pieces (WK_LOGBUF_LINE_MAX, or twice the longest mask), keeping enough of
 * its end back that a secret straddling two pieces is still masked whole;
 * wk_logbuf_end_line emits what is pending (a command ended), adding the
 * newline it lacked.
 *
 * Masking: every secret value is a mask; a value holding newlines gives one
 * mask per line (empty lines, and a trailing "\r", left out), so a secret is
 * masked line by line as it is printed. Each occurrence becomes "***".
 *
 * Bound: the text holds at most max_bytes of lines (whole lines; a piece of
 * a line cut by the pending bound counts as a line). The first line that
 * does not fit is replaced by a note saying the log was cut and at which
 * bound; later output is counted (dropped) but not kept, and
 * wk_logbuf_finish adds a note with the count. The last WK_LOGBUF_TAIL_MAX
 * bytes of masked output are kept apart (past the cut too), for the last
 * lines of a failure message.
 *
 * Pure; thread-compatible (wk_log.h holds its lock around every call).
 */
#ifndef SLUICE_WK_LOGBUF_H
#define SLUICE_WK_LOGBUF_H

#include "sluice/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_LOGBUF_LINE_MAX  16384 /* bytes of one line held back before a piece is emitted */
#define WK_LOGBUF_TAIL_MAX  4096  /* = WK_RESULT_TAIL_MAX */
#define WK_LOGBUF_MASKS_MAX 256   /* masks (secret lines) at most; more are refused */
#define WK_LOGBUF_NOTE_MAX  256   /* room kept past max_bytes for the notes */

typedef struct wk_logbuf {
    sluice_buf text;    /* the stored log */
    uint64_t max_bytes; /* bound on the lines of text */
    bool cut;           /* the bound was reached */
    uint64_t dropped;   /* bytes of output not kept since */
    uint64_t changes;   /* incremented whenever text grows */
    char *pending;      /* the line being assembled */
    size_t pending_len, pending_cap;
    char *masks[WK_LOGBUF_MASKS_MAX];
    size_t mask_len[WK_LOGBUF_MASKS_MAX];
    size_t nmasks;
    size_t mask_max; /* length of the longest mask */
    char tail[WK_LOGBUF_TAIL_MAX];
    size_t tail_len;
} wk_logbuf;

/* Prepares an empty log of at most max_bytes (> 0). Cannot fail; free with wk_logbuf_free. */
void wk_logbuf_init(wk_logbuf *lb, uint64_t max_bytes);

/* Frees what lb holds. Accepts a zeroed struct; lb may be initialised again. */
void wk_logbuf_free(wk_logbuf *lb);

/*
 * Replaces the masks with those of the n secret values (borrowed; copied).
 * Output already emitted is not masked again: set the secrets before the
 * output that may show them. 0, SLUICE_ETOOBIG (more than
 * WK_LOGBUF_MASKS_MAX masks; the masks then hold the first ones) or
 * SLUICE_ENOMEM (the old masks are kept).
 */
int wk_logbuf_set_secrets(wk_logbuf *lb, const char *const *secrets, size_t n);

/* Adds n bytes of output. Out of memory, the bytes are dropped (counted). */
void wk_logbuf_write(wk_logbuf *lb, const char *data, size_t n);

/* Emits the pending part of a line, with a newline; nothing when none is pending. */
void wk_logbuf_end_line(wk_logbuf *lb);

/* Ends the log: the pending line, then the note of the dropped bytes if any. */
void wk_logbuf_finish(wk_logbuf *lb);

/*
 * Masks the first limit bytes' worth of data (len bytes; a match may start
 * before limit and end after it, up to len) into out, appending. Returns the
 * bytes of data consumed (>= limit, <= len). For wk_logbuf and its tests.
 */
size_t wk_logbuf_mask(const wk_logbuf *lb, const char *data, size_t len, size_t limit,
                      sluice_buf *out);

#endif
