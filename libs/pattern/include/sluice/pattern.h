/*
 * pattern.h — EventBridge event patterns: compile a pattern once, then ask
 * whether events match it, with EventBridge's semantics.
 *
 * A pattern is a JSON object whose members name event fields. A member whose
 * value is an object matches the nested object of the event; a member whose
 * value is an array lists what the field's values may be, any one sufficing:
 *   - exact values: a string, a number (5 and 5.0 are equal), true, false, null;
 *   - {"prefix": s}, {"suffix": s}, either as {"prefix": {"equals-ignore-case": s}};
 *   - {"equals-ignore-case": s};
 *   - {"wildcard": s}: '*' matches any run of characters, "\*" a star and
 *     "\\" a backslash; two stars in a row are refused;
 *   - {"anything-but": v}: v a string or number, a non-empty list of strings
 *     or of numbers, or {"prefix"|"suffix": s or [s...]},
 *     {"equals-ignore-case": s or [s...]}, {"wildcard": s or [s...]};
 *   - {"numeric": ["=", n]}, [">"|">=", n], ["<"|"<=", n] or
 *     [">"|">=", n, "<"|"<=", m] with n < m;
 *   - {"exists": true|false}: whether the field has any value that is not an
 *     object or an array (null counts as a value, {} and [] do not);
 *   - {"cidr": "a.b.c.d/n" or an IPv6 prefix}.
 * A member named "$or" whose value is an array of two or more objects
 * matches when any of those objects matches the same level of the event.
 *
 * An event field whose value is an array has each element as a value; nested
 * arrays are flattened. When the pattern descends into an array of objects,
 * every member of the nested pattern must be matched by the same element
 * (EventBridge's array consistency). Case-insensitive comparisons fold ASCII,
 * Latin-1 and Latin Extended-A letters; other characters compare as they are.
 *
 * Compiling checks everything EventBridge checks and names the field and the
 * reason on failure. The test suite compares this module's verdicts with
 * AWS's own matcher (event-ruler) on a table of cases and on thousands of
 * generated ones.
 *
 * Pure; a compiled pattern is immutable and may be shared between threads.
 */
#ifndef SLUICE_PATTERN_H
#define SLUICE_PATTERN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PATTERN_TEXT_MAX        16384 /* bytes of pattern text accepted by pattern_compile */
#define PATTERN_DEPTH_MAX       32    /* nested objects (and "$or" levels) in a pattern */
#define PATTERN_EVENT_DEPTH_MAX 64    /* arrays nested in arrays walked in an event */

typedef struct pattern pattern;

/*
 * Compiles the pattern text[0..len). 0 with *out set (free with
 * pattern_free); otherwise *out is NULL, err holds the reason (naming the
 * field where there is one) and the code is SLUICE_EPARSE (not JSON),
 * SLUICE_EINVAL (JSON, but not a valid pattern), SLUICE_ETOOBIG (over
 * PATTERN_TEXT_MAX or PATTERN_DEPTH_MAX) or SLUICE_ENOMEM.
 */
int pattern_compile(const char *text, size_t len, pattern **out, char *err, size_t errlen);

/* pattern_compile for an already parsed document (borrowed). */
int pattern_compile_json(const json_t *doc, pattern **out, char *err, size_t errlen);

/*
 * Whether event (borrowed; normally an object) matches p. Numbers may be
 * integers or reals. Never fails; a NULL event matches nothing but
 * exists-false patterns.
 */
bool pattern_match(const pattern *p, const json_t *event);

/* Releases p. Accepts NULL. */
void pattern_free(pattern *p);

#endif
