/*
 * buf.c — bounded growable buffer (see buf.h). Growth doubles the capacity,
 * clamped at max + 1; every size computation is checked before it can overflow.
 */
#include "sluice/buf.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sluice_buf_init(sluice_buf *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max;
}

static int buf_reserve(sluice_buf *buf, size_t extra)
{
    if (extra > buf->max || buf->len > buf->max - extra) {
        return SLUICE_ETOOBIG;
    }
    if (buf->len + extra == SIZE_MAX) {
        return SLUICE_ETOOBIG; /* no room for the terminator */
    }
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap) {
        return SLUICE_OK;
    }
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need) {
        cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    }
    if (buf->max < SIZE_MAX && cap > buf->max + 1) {
        cap = buf->max + 1;
    }
    char *grown = realloc(buf->data, cap);
    if (grown == NULL) {
        return SLUICE_ENOMEM;
    }
    buf->data = grown;
    buf->cap = cap;
    return SLUICE_OK;
}

int sluice_buf_append(sluice_buf *buf, const void *bytes, size_t n)
{
    int rc = buf_reserve(buf, n);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(buf->data + buf->len, bytes, n);
    }
    buf->len += n;
    buf->data[buf->len] = '\0';
    return SLUICE_OK;
}

int sluice_buf_append_str(sluice_buf *buf, const char *str)
{
    return sluice_buf_append(buf, str, strlen(str));
}

int sluice_buf_vappendf(sluice_buf *buf, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) {
        return SLUICE_EINVAL;
    }
    int rc = buf_reserve(buf, (size_t)n);
    if (rc != SLUICE_OK) {
        return rc;
    }
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    buf->len += (size_t)n;
    return SLUICE_OK;
}

int sluice_buf_appendf(sluice_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sluice_buf_vappendf(buf, fmt, ap);
    va_end(ap);
    return rc;
}

void sluice_buf_reset(sluice_buf *buf)
{
    buf->len = 0;
    if (buf->data != NULL) {
        buf->data[0] = '\0';
    }
}

const char *sluice_buf_cstr(const sluice_buf *buf)
{
    return buf->data != NULL ? buf->data : "";
}

char *sluice_buf_steal(sluice_buf *buf)
{
    char *data = buf->data;
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    return data;
}

void sluice_buf_free(sluice_buf *buf)
{
    if (buf == NULL) {
        return;
    }
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}
