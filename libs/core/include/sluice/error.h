/*
 * error.h — Sluice's one error convention.
 *
 * Every function in libs/ that can fail returns int: 0 on success, a negative
 * SLUICE_E* code on failure. Codes and their messages come from one X-macro
 * list so the enum, the names and the strings never drift apart. Human detail
 * (what exactly was wrong, and where) goes into a caller-supplied buffer; the
 * libraries never print.
 */
#ifndef SLUICE_ERROR_H
#define SLUICE_ERROR_H

#include <stddef.h>

/* X(name, value, message) */
#define SLUICE_ERRNO_MAP(X)                                                                        \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(ERANGE, -3, "value out of range")                                                            \
    X(ETOOBIG, -4, "input exceeds its size bound")                                                 \
    X(EPARSE, -5, "malformed input")                                                               \
    X(EIO, -6, "input/output error")                                                               \
    X(ETIMEDOUT, -7, "operation timed out")                                                        \
    X(ECONFLICT, -8, "version conflict")                                                           \
    X(ENOTFOUND, -9, "not found")                                                                  \
    X(EEXIST, -10, "already exists")                                                               \
    X(EKAFKA, -11, "kafka error")                                                                  \
    X(EREDIS, -12, "redis error")                                                                  \
    X(ECLOSED, -13, "connection or handle closed")                                                 \
    X(EAGAIN, -14, "try again")                                                                    \
    X(ESTATE, -15, "operation not allowed in the current state")                                   \
    X(EDENIED, -16, "permission denied")                                                           \
    X(EINTERNAL, -17, "internal error")

enum sluice_err {
#define SLUICE_ERR_ENUM(name, value, msg) SLUICE_##name = (value),
    SLUICE_ERRNO_MAP(SLUICE_ERR_ENUM)
#undef SLUICE_ERR_ENUM
};

/* Returns a static message for err; never NULL (unknown codes give "unknown error"). */
const char *sluice_strerror(int err);

/* Returns the static symbolic name of err without the prefix ("EINVAL"); never NULL. */
const char *sluice_errname(int err);

/*
 * Formats a detail message into errbuf (if errbuf is non-NULL and errlen > 0),
 * always NUL-terminated and truncated to fit. Returns err unchanged so callers
 * can write `return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "...")`.
 */
int sluice_error_set(char *errbuf, size_t errlen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
