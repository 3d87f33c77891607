/*
 * model_glob.h — glob patterns of V2 trigger filters (branches, tags, file paths).
 *
 * Java NIO PathMatcher "glob:" syntax, which CodePipeline documents for
 * trigger filters (reference §1.4, user guide "syntax-glob"):
 *   *       zero or more characters within one path segment (never "/")
 *   **      zero or more characters, crossing "/"
 *   ?       exactly one character other than "/"
 *   [abc] [a-z] [!a-z]   one character (not "/") in / not in the set;
 *           inside brackets *, ? and \ are literal, "-" first is literal,
 *           a "/" is an error
 *   {a,b}   any of the comma-separated alternatives (not nested)
 *   \c      the character c itself
 * The whole text must match. Characters are Unicode code points of UTF-8.
 * Compiling fails, with the position, exactly where Java's would: unclosed
 * "[" or "{", nested "{", "/" in brackets, a bad range, a trailing "\".
 *
 * Matching simulates the compiled automaton over all its states at once, so
 * time is O(pattern × text) with no backtracking. A compiled glob is
 * immutable and may be shared between threads.
 */
#ifndef SLUICE_MODEL_GLOB_H
#define SLUICE_MODEL_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_GLOB_MAX_PATTERN 1024 /* bytes; CodePipeline allows 255 characters */

typedef struct model_glob model_glob;

/*
 * Compiles pattern. Returns 0 and *out; SLUICE_EINVAL with errbuf saying what
 * and at which character (1-based) when the pattern does not parse;
 * SLUICE_ETOOBIG past MODEL_GLOB_MAX_PATTERN; SLUICE_ENOMEM. *out is NULL on
 * failure.
 */
int model_glob_compile(const char *pattern, model_glob **out, char *errbuf, size_t errlen);

/* True when the whole of text matches. */
bool model_glob_match(const model_glob *glob, const char *text);

/* Frees a compiled glob. Accepts NULL. */
void model_glob_free(model_glob *glob);

/* Compiles, matches once and frees: false when the pattern does not parse. */
bool model_glob_match_once(const char *pattern, const char *text);

#endif
