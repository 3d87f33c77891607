/*
 * art_range.h — the Range header of GetObject (RFC 9110 §14, one byte range as
 * S3 serves): "bytes=a-b", "bytes=a-", "bytes=-n". Pure; thread-safe.
 */
#ifndef ART_RANGE_H
#define ART_RANGE_H

#include <stdint.h>

typedef enum art_range_kind {
    ART_RANGE_NONE,          /* no usable range: serve the whole object (200) */
    ART_RANGE_PARTIAL,       /* serve [start, start + length) (206) */
    ART_RANGE_UNSATISFIABLE, /* 416 InvalidRange */
} art_range_kind;

/*
 * Resolves header (may be NULL) against an object of size bytes into *start and
 * *length. A malformed header, another unit or several ranges are ignored
 * (ART_RANGE_NONE) as S3 does; a range starting at or beyond the end, or a
 * suffix of zero bytes, is unsatisfiable. An end beyond the object is clipped.
 */
art_range_kind art_range_parse(const char *header, uint64_t size, uint64_t *start,
                               uint64_t *length);

#endif
