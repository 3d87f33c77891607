/*
 * pattern_jsonpath.h — the JSONPath subset of CodePipeline's webhook filters
 * (WebhookFilterRule.jsonPath), and the placeholders of their matchEquals.
 *
 * CodePipeline documents its filters as JSONPath (Goessner's notation) and
 * uses them in practice as paths to one value of the delivery's body:
 * "$.ref", "$.repository.name", "$.commits[0].author.name". Sluice compiles
 * exactly that subset:
 *   $                 the root (every expression starts with it)
 *   .name             a member; a name is one or more characters other than
 *                     '.', '[', ']', quotes, spaces and control characters
 *   ['name'] ["name"] a member by a quoted name (any characters but the
 *                     quote and control characters; no escapes)
 *   [n]               an array element, n a decimal index from 0
 * at most PATTERN_JSONPATH_STEPS steps and PATTERN_JSONPATH_MAX characters.
 * Wildcards ("*"), recursive descent (".."), slices, unions and filter
 * expressions ("?(...)") select several values and are refused with a
 * message naming the character where they start (1-based).
 *
 * A compiled path selects at most one value of a document. Its text form
 * (pattern_jsonpath_text) is what a filter compares with matchEquals: a
 * string as it is, a number as JSON writes it, true, false and null by
 * their names; objects and arrays have no text form (no match).
 *
 * matchEquals may name a configuration property of the webhook's target
 * action in braces: "refs/heads/{Branch}" with the action's Branch "main"
 * is "refs/heads/main" (pattern_jsonpath_expand). "{" with no matching "}"
 * is literal text.
 *
 * Pure; a compiled path is immutable and may be shared between threads.
 */
#ifndef SLUICE_PATTERN_JSONPATH_H
#define SLUICE_PATTERN_JSONPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define PATTERN_JSONPATH_MAX       150     /* characters of an expression (botocore's JsonPath) */
#define PATTERN_JSONPATH_STEPS     32      /* member and index steps after "$" */
#define PATTERN_JSONPATH_INDEX_MAX 1000000 /* largest array index */

typedef struct pattern_jsonpath_step {
    size_t name_off; /* into names, when not an index */
    size_t index;
    bool is_index;
} pattern_jsonpath_step;

typedef struct pattern_jsonpath {
    pattern_jsonpath_step steps[PATTERN_JSONPATH_STEPS];
    size_t nsteps;
    char names[PATTERN_JSONPATH_MAX + PATTERN_JSONPATH_STEPS + 1]; /* NUL-separated names */
} pattern_jsonpath;

/*
 * Compiles text (NUL-terminated) into *out. 0; SLUICE_EPARSE with err
 * naming the character (1-based) and what is wrong there, or SLUICE_ETOOBIG
 * beyond the bounds; *out is then zeroed.
 */
int pattern_jsonpath_compile(const char *text, pattern_jsonpath *out, char *err, size_t errlen);

/*
 * The value path selects in doc (borrowed from doc), or NULL when a step
 * finds nothing (a missing member, an index past the end, a step into a
 * value of the wrong type).
 */
const json_t *pattern_jsonpath_select(const pattern_jsonpath *path, const json_t *doc);

/*
 * The text form of value (see above) into out. 0; SLUICE_ENOTFOUND for
 * NULL, an object or an array; SLUICE_ETOOBIG when it does not fit (out is
 * then "").
 */
int pattern_jsonpath_text(const json_t *value, char *out, size_t outlen);

/*
 * Replaces every "{key}" of text whose key names a string member of config
 * (an object, borrowed; NULL = none) with that member's value, into out.
 * 0; SLUICE_ENOTFOUND when a placeholder names no string member (err names
 * it); SLUICE_ETOOBIG when the result does not fit outlen.
 */
int pattern_jsonpath_expand(const char *text, const json_t *config, char *out, size_t outlen,
                            char *err, size_t errlen);

#endif
