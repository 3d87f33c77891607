/*
 * src_text.c — text fit for JSON (see src_text.h). UTF-8 per RFC 3629:
 * overlong forms, surrogates and code points above U+10FFFF are invalid.
 */
#include "src_text.h"

#include <string.h>

/* The length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t src_text_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t len;
    unsigned int cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
        return 0;
    }
    return len;
}

bool src_text_copy(char *out, size_t outlen, const char *in, size_t inlen, bool one_line)
{
    static const char replacement[] = "\xef\xbf\xbd";
    size_t used = 0;
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0;
    bool cut = false;
    while (i < inlen) {
        size_t len = s[i] == 0 ? 0 : src_text_sequence(s + i, inlen - i);
        const char *piece = (const char *)s + i;
        size_t piece_len = len;
        char space = ' ';
        if (len == 0) {
            piece = replacement;
            piece_len = 3;
            len = 1;
        } else if (len == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
            bool kept = !one_line && (s[i] == '\t' || s[i] == '\n' || s[i] == '\r');
            if (!kept) {
                piece = &space;
            }
        }
        if (used + piece_len > outlen - 1) {
            cut = true;
            break;
        }
        memcpy(out + used, piece, piece_len);
        used += piece_len;
        i += len;
    }
    out[used] = '\0';
    return cut;
}

bool src_text_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) {
        return false;
    }
    size_t end = max;
    while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80) {
        end--;
    }
    s[end] = '\0';
    return true;
}

bool src_text_prefix(char *out, size_t outlen, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (max > outlen - 1) {
        max = outlen - 1;
    }
    size_t end = n;
    if (n > max) {
        end = max;
        while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80) {
            end--;
        }
    }
    memcpy(out, s, end);
    out[end] = '\0';
    return end < n;
}
