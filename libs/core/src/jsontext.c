/*
 * jsontext.c — pre-parse checks on JSON text (see jsontext.h).
 */
#include "sluice/jsontext.h"

#include <stdbool.h>

size_t sluice_jsontext_depth(const char *text, size_t len, size_t limit)
{
    size_t depth = 0;
    size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
            if (depth > deepest) {
                deepest = depth;
                if (deepest > limit) {
                    break;
                }
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}
