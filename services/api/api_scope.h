/*
 * api_scope.h — the action types a scoped worker identity may serve.
 *
 * A worker's credential entry may carry a scope (SLUICE_API_CREDENTIALS,
 * "AKID:SECRET:IDENTITY:worker(SCOPE)", aws_credentials.h): one or more
 * patterns separated by '|', each Owner/Category/Provider or
 * Owner/Category/Provider/Version, where every segment is 1..64 of
 * [A-Za-z0-9_-] and '*' (any run of characters, possibly none, inside that
 * segment; '/' is never matched by it). A three-segment pattern matches
 * every version. Examples: "Custom/Build/MyTool*" (every version of the
 * Custom Build providers whose name starts with MyTool),
 * "Custom/Test/Unit-*|AWS/Deploy/CodeDeploy/1" (two patterns).
 *
 * An identity without a scope may serve every action type its role allows.
 * Pure and thread-safe; no allocation.
 */
#ifndef SLUICE_API_SCOPE_H
#define SLUICE_API_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#define API_SCOPE_MAX_PATTERNS 16 /* patterns in one scope */
#define API_SCOPE_SEGMENT_MAX  64 /* characters of one segment */

/*
 * Checks a scope text (the part between the parentheses). 0, or SLUICE_EINVAL
 * with err naming the pattern by position and text and what is wrong
 * (patterns are not secrets).
 */
int api_scope_check(const char *scope, char *err, size_t errlen);

/*
 * True when scope (NULL or "": no scope) lets its identity serve the action
 * type owner/category/provider/version. A scope that api_scope_check refuses
 * matches nothing.
 */
bool api_scope_allows(const char *scope, const char *owner, const char *category,
                      const char *provider, const char *version);

#endif
