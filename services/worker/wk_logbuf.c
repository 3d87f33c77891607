/*
 * wk_logbuf.c — lines, masks and the bound of a stored log (see wk_logbuf.h).
 */
#include "wk_logbuf.h"

#include "sluice/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wk_logbuf_init(wk_logbuf *lb, uint64_t max_bytes)
{
    memset(lb, 0, sizeof *lb);
    lb->max_bytes = max_bytes;
    sluice_buf_init(&lb->text, (size_t)max_bytes + 2 * WK_LOGBUF_NOTE_MAX);
}

static void wk_logbuf_clear_masks(wk_logbuf *lb)
{
    for (size_t i = 0; i < lb->nmasks; i++) {
        free(lb->masks[i]);
        lb->masks[i] = NULL;
    }
    lb->nmasks = 0;
    lb->mask_max = 0;
}

void wk_logbuf_free(wk_logbuf *lb)
{
    sluice_buf_free(&lb->text);
    free(lb->pending);
    wk_logbuf_clear_masks(lb);
    memset(lb, 0, sizeof *lb);
}

int wk_logbuf_set_secrets(wk_logbuf *lb, const char *const *secrets, size_t n)
{
    char *masks[WK_LOGBUF_MASKS_MAX];
    size_t lens[WK_LOGBUF_MASKS_MAX];
    size_t count = 0;
    size_t longest = 0;
    int rc = 0;
    for (size_t s = 0; s < n && rc == 0; s++) {
        const char *v = secrets[s] != NULL ? secrets[s] : "";
        while (*v != '\0' && rc == 0) {
            size_t len = strcspn(v, "\n");
            size_t use = len > 0 && v[len - 1] == '\r' ? len - 1 : len;
            if (use > 0) {
                if (count == WK_LOGBUF_MASKS_MAX) {
                    rc = SLUICE_ETOOBIG;
                    break;
                }
                masks[count] = malloc(use);
                if (masks[count] == NULL) {
                    for (size_t i = 0; i < count; i++) {
                        free(masks[i]);
                    }
                    return SLUICE_ENOMEM;
                }
                memcpy(masks[count], v, use);
                lens[count] = use;
                longest = use > longest ? use : longest;
                count++;
            }
            v += len;
            if (*v == '\n') {
                v++;
            }
        }
    }
    wk_logbuf_clear_masks(lb);
    memcpy(lb->masks, masks, count * sizeof masks[0]);
    memcpy(lb->mask_len, lens, count * sizeof lens[0]);
    lb->nmasks = count;
    lb->mask_max = longest;
    return rc;
}

size_t wk_logbuf_mask(const wk_logbuf *lb, const char *data, size_t len, size_t limit,
                      sluice_buf *out)
{
    size_t i = 0;
    size_t plain = 0; /* start of the bytes not yet copied */
    while (i < limit && i < len) {
        size_t hit = 0;
        for (size_t m = 0; m < lb->nmasks; m++) {
            size_t ml = lb->mask_len[m];
            if (ml <= len - i && data[i] == lb->masks[m][0] &&
                memcmp(data + i, lb->masks[m], ml) == 0 && ml > hit) {
                hit = ml;
            }
        }
        if (hit == 0) {
            i++;
            continue;
        }
        (void)sluice_buf_append(out, data + plain, i - plain);
        (void)sluice_buf_append(out, "***", 3);
        i += hit;
        plain = i;
    }
    (void)sluice_buf_append(out, data + plain, i - plain);
    return i;
}

static void wk_logbuf_tail_add(wk_logbuf *lb, const char *data, size_t n)
{
    if (n >= sizeof lb->tail) {
        memcpy(lb->tail, data + n - sizeof lb->tail, sizeof lb->tail);
        lb->tail_len = sizeof lb->tail;
        return;
    }
    size_t keep = sizeof lb->tail - n;
    if (lb->tail_len > keep) {
        memmove(lb->tail, lb->tail + (lb->tail_len - keep), keep);
        lb->tail_len = keep;
    }
    memcpy(lb->tail + lb->tail_len, data, n);
    lb->tail_len += n;
}

/* Appends one masked line (or piece of a line) to the text, within the bound. */
static void wk_logbuf_emit(wk_logbuf *lb, const char *line, size_t n)
{
    wk_logbuf_tail_add(lb, line, n);
    if (lb->cut) {
        lb->dropped += n;
        return;
    }
    if ((uint64_t)lb->text.len + n > lb->max_bytes) {
        lb->cut = true;
        lb->dropped += n;
        (void)sluice_buf_appendf(&lb->text,
                                 "[sluice] the log is cut here: it reached its bound of %" PRIu64
                                 " bytes (SLUICE_WORKER_LOG_STORED_MAX_BYTES); later output is "
                                 "not stored\n",
                                 lb->max_bytes);
        lb->changes++;
        return;
    }
    if (sluice_buf_append(&lb->text, line, n) != 0) {
        lb->dropped += n;
        return;
    }
    lb->changes++;
}

/* Masks and emits the first limit bytes of pending (more when a mask runs past). */
static void wk_logbuf_take(wk_logbuf *lb, size_t limit, bool add_newline)
{
    sluice_buf masked;
    sluice_buf_init(&masked, lb->pending_len * 3 + 4);
    size_t used = wk_logbuf_mask(lb, lb->pending, lb->pending_len, limit, &masked);
    if (add_newline) {
        (void)sluice_buf_append(&masked, "\n", 1);
    }
    if (masked.len > 0) {
        wk_logbuf_emit(lb, masked.data, masked.len);
    }
    sluice_buf_free(&masked);
    memmove(lb->pending, lb->pending + used, lb->pending_len - used);
    lb->pending_len -= used;
}

static size_t wk_logbuf_pending_max(const wk_logbuf *lb)
{
    return lb->mask_max * 2 > WK_LOGBUF_LINE_MAX ? lb->mask_max * 2 : WK_LOGBUF_LINE_MAX;
}

void wk_logbuf_write(wk_logbuf *lb, const char *data, size_t n)
{
    while (n > 0) {
        size_t room_max = wk_logbuf_pending_max(lb);
        if (room_max < lb->pending_cap) {
            room_max = lb->pending_cap; /* the masks shrank: the buffer stays */
        }
        if (lb->pending_cap < room_max) {
            char *grown = realloc(lb->pending, room_max);
            if (grown == NULL) {
                lb->dropped += n;
                return;
            }
            lb->pending = grown;
            lb->pending_cap = room_max;
        }
        size_t room = room_max - lb->pending_len;
        const char *nl = memchr(data, '\n', n < room ? n : room);
        size_t take = nl != NULL ? (size_t)(nl - data) + 1 : (n < room ? n : room);
        memcpy(lb->pending + lb->pending_len, data, take);
        lb->pending_len += take;
        data += take;
        n -= take;
        if (nl != NULL) {
            wk_logbuf_take(lb, lb->pending_len, false);
        } else if (lb->pending_len == room_max) {
            /* a long line: emit all but what a mask could still need */
            size_t keep = lb->mask_max > 0 ? lb->mask_max - 1 : 0;
            wk_logbuf_take(lb, lb->pending_len - keep, false);
        }
    }
}

void wk_logbuf_end_line(wk_logbuf *lb)
{
    if (lb->pending_len > 0) {
        wk_logbuf_take(lb, lb->pending_len, true);
    }
}

void wk_logbuf_finish(wk_logbuf *lb)
{
    wk_logbuf_end_line(lb);
    if (lb->dropped > 0) {
        (void)sluice_buf_appendf(
            &lb->text, "[sluice] %" PRIu64 " bytes of output were not stored\n", lb->dropped);
        lb->changes++;
    }
}
