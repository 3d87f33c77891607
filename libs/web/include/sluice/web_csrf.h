/*
 * web_csrf.h — CSRF tokens: HMAC-SHA256 (RFC 2104) of "<tag>\n<subject>"
 * under a service's key, where the subject is what the token belongs to (a
 * session id, a sign-in nonce, a link) and the tag keeps one service's tokens
 * from being another's. Checked in constant time. Pure, thread-safe.
 */
#ifndef SLUICE_WEB_CSRF_H
#define SLUICE_WEB_CSRF_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_CSRF_LEN         64   /* hex characters of a token */
#define WEB_CSRF_KEY_MIN     32   /* bytes of a key, at least */
#define WEB_CSRF_KEY_MAX     128  /* bytes of a key, at most */
#define WEB_CSRF_SUBJECT_MAX 2304 /* bytes of tag + subject */

/* The token of (tag, subject) under key as 64 hex + NUL into out. Aborts only when out of memory.
 */
void web_csrf_make(const unsigned char *key, size_t keylen, const char *tag, const char *subject,
                   char out[WEB_CSRF_LEN + 1]);

/* True when token (may be NULL) is the token of (tag, subject); false for an empty subject. */
bool web_csrf_check(const unsigned char *key, size_t keylen, const char *tag, const char *subject,
                    const char *token);

#endif
