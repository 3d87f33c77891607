/*
 * src_text.h — text from outside (commit messages, author names, git's
 * stderr) made fit for JSON documents and messages: valid UTF-8 (each
 * invalid byte becomes U+FFFD), cut at a byte bound on a character boundary.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_TEXT_H
#define SLUICE_SRC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies in[0..inlen) into out[outlen] (outlen >= 4) as valid UTF-8 of at
 * most outlen - 1 bytes, NUL-terminated. Invalid sequences and NUL bytes
 * become U+FFFD; with one_line, control characters (tab, CR and LF
 * included) become spaces, else only tab, CR and LF are kept. Returns true
 * when the text had to be cut.
 */
bool src_text_copy(char *out, size_t outlen, const char *in, size_t inlen, bool one_line);

/*
 * Cuts the NUL-terminated UTF-8 text s in place to at most max bytes on a
 * character boundary. Returns true when it cut.
 */
bool src_text_cut(char *s, size_t max);

/*
 * Copies the longest prefix of the NUL-terminated UTF-8 text s of at most
 * max bytes (and at most outlen - 1) that ends on a character boundary into
 * out (outlen > 0). Returns true when it cut.
 */
bool src_text_prefix(char *out, size_t outlen, const char *s, size_t max);

#endif
