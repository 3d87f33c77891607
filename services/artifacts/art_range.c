/*
 * art_range.c — Range header resolution (see art_range.h).
 */
#include "art_range.h"

#include <stdbool.h>
#include <string.h>

/* Reads decimal digits at *p (at least one, no overflow). */
static bool range_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9') {
        return false;
    }
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

art_range_kind art_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *length)
{
    *start = 0;
    *length = size;
    if (header == NULL || strncmp(header, "bytes=", 6) != 0) {
        return ART_RANGE_NONE;
    }
    const char *p = header + 6;
    while (*p == ' ') {
        p++;
    }
    uint64_t first = 0;
    uint64_t last = 0;
    bool has_first = range_number(&p, &first);
    if (*p != '-') {
        return ART_RANGE_NONE;
    }
    p++;
    bool has_last = range_number(&p, &last);
    while (*p == ' ') {
        p++;
    }
    if (*p != '\0' || (!has_first && !has_last)) {
        return ART_RANGE_NONE; /* several ranges or garbage: ignored */
    }
    if (!has_first) { /* suffix: the last `last` bytes */
        if (last == 0 || size == 0) {
            return ART_RANGE_UNSATISFIABLE;
        }
        uint64_t n = last < size ? last : size;
        *start = size - n;
        *length = n;
        return ART_RANGE_PARTIAL;
    }
    if (has_last && last < first) {
        return ART_RANGE_NONE;
    }
    if (first >= size) {
        return ART_RANGE_UNSATISFIABLE;
    }
    uint64_t end = has_last && last < size - 1 ? last : size - 1;
    *start = first;
    *length = end - first + 1;
    return ART_RANGE_PARTIAL;
}
