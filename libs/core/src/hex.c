/*
 * hex.c — hexadecimal digits (see hex.h).
 */
#include "sluice/hex.h"

int sluice_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

long sluice_hex_decode(const char *text, size_t len, unsigned char *out, size_t outmax)
{
    if (len % 2 != 0 || len / 2 > outmax) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = sluice_hex_value(text[i]);
        int lo = sluice_hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[i / 2] = (unsigned char)((hi << 4) | lo);
    }
    return (long)(len / 2);
}
