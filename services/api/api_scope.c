/*
 * api_scope.c — scope patterns of worker identities (see api_scope.h).
 *
 * A scope is matched segment by segment against the action type: the pattern
 * is split on '|' and '/', and each segment is a glob whose only
 * metacharacter is '*'. Segments are short (64 characters), so the
 * backtracking glob below is bounded by 64 * 64 steps a segment.
 */
#include "api_scope.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

#define API_SCOPE_SEGMENTS_MIN 3 /* Owner/Category/Provider */
#define API_SCOPE_SEGMENTS_MAX 4 /* .../Version */

static bool api_scope_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*';
}

/* Glob match of pattern[0..plen) against text; '*' matches any run. */
static bool api_scope_glob(const char *pattern, size_t plen, const char *text)
{
    size_t tlen = strlen(text);
    size_t p = 0;
    size_t t = 0;
    size_t star = (size_t)-1;
    size_t mark = 0;
    while (t < tlen) {
        if (p < plen && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < plen && pattern[p] == text[t]) {
            p++;
            t++;
        } else if (star != (size_t)-1) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < plen && pattern[p] == '*') {
        p++;
    }
    return p == plen;
}

/*
 * Checks one pattern [start, end) (position 1-based) and, when fields is
 * non-NULL, matches it against the four fields. 0 (with *matched set) or
 * SLUICE_EINVAL with err.
 */
static int api_scope_pattern(const char *start, const char *end, size_t position,
                             const char *const *fields, bool *matched, char *err, size_t errlen)
{
    int len = end - start > 200 ? 200 : (int)(end - start);
    size_t nsegments = 0;
    bool all = true;
    const char *seg = start;
    if (start == end) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "scope pattern %zu is empty", position);
    }
    for (;;) {
        const char *seg_end = seg;
        while (seg_end < end && *seg_end != '/') {
            if (!api_scope_char_ok(*seg_end)) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "scope pattern %zu (\"%.*s\"): '%c' is not allowed "
                                        "(segments are [A-Za-z0-9_-] and '*')",
                                        position, len, start, *seg_end);
            }
            seg_end++;
        }
        size_t seg_len = (size_t)(seg_end - seg);
        if (seg_len == 0 || seg_len > API_SCOPE_SEGMENT_MAX) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "scope pattern %zu (\"%.*s\"): segment %zu must be 1..%d "
                                    "characters",
                                    position, len, start, nsegments + 1, API_SCOPE_SEGMENT_MAX);
        }
        if (nsegments == API_SCOPE_SEGMENTS_MAX) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "scope pattern %zu (\"%.*s\"): more than %d segments "
                                    "(Owner/Category/Provider[/Version])",
                                    position, len, start, API_SCOPE_SEGMENTS_MAX);
        }
        if (fields != NULL && all) {
            const char *field = fields[nsegments];
            all = field != NULL && api_scope_glob(seg, seg_len, field);
        }
        nsegments++;
        if (seg_end == end) {
            break;
        }
        seg = seg_end + 1;
    }
    if (nsegments < API_SCOPE_SEGMENTS_MIN) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "scope pattern %zu (\"%.*s\"): fewer than %d segments "
                                "(Owner/Category/Provider[/Version])",
                                position, len, start, API_SCOPE_SEGMENTS_MIN);
    }
    *matched = all;
    return 0;
}

/* Walks every pattern; with fields, *matched tells whether any matched. */
static int api_scope_walk(const char *scope, const char *const *fields, bool *matched, char *err,
                          size_t errlen)
{
    size_t position = 0;
    const char *start = scope;
    *matched = false;
    for (const char *p = scope;; p++) {
        if (*p == '|' || *p == '\0') {
            position++;
            if (position > API_SCOPE_MAX_PATTERNS) {
                return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                        "a scope holds at most %d patterns",
                                        API_SCOPE_MAX_PATTERNS);
            }
            bool one = false;
            int rc = api_scope_pattern(start, p, position, fields, &one, err, errlen);
            if (rc != 0) {
                return rc;
            }
            *matched = *matched || one;
            if (*p == '\0') {
                break;
            }
            start = p + 1;
        }
    }
    return 0;
}

int api_scope_check(const char *scope, char *err, size_t errlen)
{
    bool matched = false;
    if (scope == NULL || scope[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the scope is empty");
    }
    return api_scope_walk(scope, NULL, &matched, err, errlen);
}

bool api_scope_allows(const char *scope, const char *owner, const char *category,
                      const char *provider, const char *version)
{
    if (scope == NULL || scope[0] == '\0') {
        return true;
    }
    const char *fields[API_SCOPE_SEGMENTS_MAX] = {owner, category, provider, version};
    bool matched = false;
    char err[8];
    return api_scope_walk(scope, fields, &matched, err, sizeof err) == 0 && matched;
}
