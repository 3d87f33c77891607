/*
 * hex.h — hexadecimal digits: the one place Sluice reads them (key files,
 * signatures, percent-encoding, aws-chunked sizes). Pure; thread-safe.
 */
#ifndef SLUICE_HEX_H
#define SLUICE_HEX_H

#include <stddef.h>

/* The value 0..15 of hex digit c (either case), or -1. */
int sluice_hex_value(char c);

/*
 * Decodes the len hex digits of text into out (outmax bytes). Returns the
 * number of bytes written, or -1 when len is odd, a character is not a hex
 * digit, or the result would not fit (out then holds a partial result).
 */
long sluice_hex_decode(const char *text, size_t len, unsigned char *out, size_t outmax);

#endif
