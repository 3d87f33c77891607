/*
 * error.c — messages and names for the SLUICE_E* codes (see error.h).
 * Pure, thread-safe: only static data.
 */
#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *sluice_strerror(int err)
{
    switch (err) {
#define SLUICE_ERR_MSG(name, value, msg)                                                           \
    case (value):                                                                                  \
        return (msg);
        SLUICE_ERRNO_MAP(SLUICE_ERR_MSG)
#undef SLUICE_ERR_MSG
    default:
        return "unknown error";
    }
}

const char *sluice_errname(int err)
{
    switch (err) {
#define SLUICE_ERR_NAME(name, value, msg)                                                          \
    case (value):                                                                                  \
        return #name;
        SLUICE_ERRNO_MAP(SLUICE_ERR_NAME)
#undef SLUICE_ERR_NAME
    default:
        return "EUNKNOWN";
    }
}

int sluice_error_set(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
    if (errbuf != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return err;
}
