/*
 * jsontext.h — checks on JSON text made before it is parsed.
 *
 * Parsers of network input bound nesting depth before handing text to
 * jansson (whose recursion follows the input). Pure; thread-safe.
 */
#ifndef SLUICE_JSONTEXT_H
#define SLUICE_JSONTEXT_H

#include <stddef.h>

/*
 * The depth of the deepest object or array in text[0..len), brackets inside
 * strings not counted. Stops scanning once the depth exceeds limit (the
 * result is then limit + 1). Malformed text gives a best-effort depth; the
 * parser reports the syntax error.
 */
size_t sluice_jsontext_depth(const char *text, size_t len, size_t limit);

#endif
