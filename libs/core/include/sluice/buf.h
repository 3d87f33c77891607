/*
 * buf.h — a growable byte buffer with a hard upper bound.
 *
 * Every buffer is created with a maximum size; growing past it fails with
 * SLUICE_ETOOBIG and leaves the buffer unchanged. The contents are always
 * NUL-terminated (the terminator is not counted in len and not against max).
 * Not thread-safe: one owner at a time.
 */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sluice_buf {
    char *data; /* NULL until the first append; NUL-terminated afterwards */
    size_t len; /* bytes used, excluding the terminator */
    size_t cap; /* bytes allocated */
    size_t max; /* bound on len */
} sluice_buf;

/* Initialises an empty buffer bounded at max bytes. Allocates nothing. */
void sluice_buf_init(sluice_buf *buf, size_t max);

/* Appends n bytes. 0, or SLUICE_ETOOBIG / SLUICE_ENOMEM with buf unchanged. */
int sluice_buf_append(sluice_buf *buf, const void *bytes, size_t n);

/* Appends a NUL-terminated string. Same contract as sluice_buf_append. */
int sluice_buf_append_str(sluice_buf *buf, const char *str);

/* Appends formatted text. Same contract as sluice_buf_append. */
int sluice_buf_appendf(sluice_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sluice_buf_vappendf(sluice_buf *buf, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Sets len to 0, keeps the allocation. */
void sluice_buf_reset(sluice_buf *buf);

/* Returns the contents ("" when empty); valid until the next append/free. */
const char *sluice_buf_cstr(const sluice_buf *buf);

/* Hands the allocation to the caller (NULL if nothing was appended) and empties buf. */
char *sluice_buf_steal(sluice_buf *buf);

/* Frees the allocation; buf may be reused after sluice_buf_init. Accepts NULL. */
void sluice_buf_free(sluice_buf *buf);

#endif
