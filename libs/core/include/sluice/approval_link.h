/*
 * approval_link.h — signed one-time links to an approval page
 * (docs/approvals.md, "Signed links").
 *
 * A link is made for one approver and one approval: the token
 * "<expires>.<hex HMAC-SHA256>.<approver>" signs
 * "sluice-approval-link\n<approval id>\n<approver>\n<expires>" with the link
 * key, which only sluice-approvals (it verifies) and sluice-notifier (it
 * makes one per approver) hold; a link never travels on the bus. The key is
 * read from its file by sluice_approval_link_key_read, and a token becomes
 * the page's URL by sluice_approval_link_url.
 *
 * HMAC-SHA256 is RFC 2104 with OpenSSL, compared in constant time. Pure but
 * for the key file reader; thread-safe.
 */
#ifndef SLUICE_APPROVAL_LINK_H
#define SLUICE_APPROVAL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLUICE_APPROVAL_LINK_MAX     256  /* bytes of a link token */
#define SLUICE_APPROVAL_APPROVER_MAX 64   /* bytes of an approver (an identity name) */
#define SLUICE_APPROVAL_KEY_MIN      32   /* bytes of the link key, at least */
#define SLUICE_APPROVAL_KEY_MAX      128  /* bytes of the link key, at most */
#define SLUICE_APPROVAL_URL_MAX      2400 /* bytes of a link's URL (a 2048-byte public URL) */

/* True when id is a lowercase UUID (the shape of an approval id). */
bool sluice_approval_id_valid(const char *id);

/* True when name is 1..64 of [A-Za-z0-9_+=,.@-] (an identity name). */
bool sluice_approval_approver_valid(const char *name);

/*
 * Writes the link token for (id, approver, expires_s) into out:
 * "<expires_s>.<64 hex HMAC>.<approver>". 0, or SLUICE_EINVAL (a bad id,
 * approver or key length, expires_s <= 0) / SLUICE_ETOOBIG (out too small).
 */
int sluice_approval_link_make(const unsigned char *key, size_t keylen, const char *id,
                              const char *approver, int64_t expires_s, char *out, size_t outlen);

/*
 * Checks token for approval id at now_s and copies its approver into approver
 * (SLUICE_APPROVAL_APPROVER_MAX + 1 bytes). 0; SLUICE_EPARSE (not a link
 * token), SLUICE_EDENIED (the signature does not match: tampered, another
 * key, or for another approval), SLUICE_ETIMEDOUT (expired). approver is ""
 * on failure.
 */
int sluice_approval_link_verify(const unsigned char *key, size_t keylen, const char *id,
                                const char *token, int64_t now_s, char *approver);

/*
 * Writes "<public_url without trailing '/'>/approvals/<id>?link=<token>" into
 * out, the characters of the token that are not URL-safe (+ = , @ of an
 * approver name) %-escaped. 0 or SLUICE_ETOOBIG (out unchanged but "").
 */
int sluice_approval_link_url(const char *public_url, const char *id, const char *token, char *out,
                             size_t outlen);

/*
 * Reads the link key file at path (one line of 64..256 hex digits, the file
 * the caller's own and not readable by group or others) into key
 * (SLUICE_APPROVAL_KEY_MAX bytes) and *keylen. 0, or SLUICE_EINVAL / the
 * file reader's code with err naming the file and the problem (never the
 * key). The hex text is wiped.
 */
int sluice_approval_link_key_read(const char *path, unsigned char *key, size_t *keylen, char *err,
                                  size_t errlen);

#endif
