/*
 * aws_replay.h — a bounded cache of SigV4 signatures already accepted, so that
 * a signed request captured on the wire cannot be sent a second time.
 *
 * A signature is only valid inside the clock-skew window around its
 * X-Amz-Date (aws_sigv4.h), so an entry lives until that window closes
 * (the caller passes the expiry, aws_sigv4_result.expires_ms) and is then
 * forgotten: nothing older can pass verification anyway.
 *
 * The cache holds at most max_entries signatures (fixed memory, allocated at
 * creation: about 48 bytes an entry). Expired entries are dropped on the way
 * while looking up and, when the cache is full, by a sweep of all entries; if
 * every entry is still live the new signature is refused (SLUICE_ETOOBIG)
 * rather than an older one forgotten, so the guarantee never silently lapses.
 *
 * The clock is an argument (now_ms), so the logic is testable; every function
 * is thread-safe (one mutex per cache).
 */
#ifndef SLUICE_AWS_REPLAY_H
#define SLUICE_AWS_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define AWS_REPLAY_MAX_ENTRIES 10000000 /* bound of max_entries */

typedef struct aws_replay aws_replay;

/* Creates a cache of at most max_entries (1..AWS_REPLAY_MAX_ENTRIES). 0 with *out, or
 * SLUICE_EINVAL / SLUICE_ENOMEM. */
int aws_replay_new(size_t max_entries, aws_replay **out);

/* Frees the cache. Accepts NULL. */
void aws_replay_free(aws_replay *cache);

/*
 * Records signature (64 hex digits, either case) as seen at now_ms, valid
 * until expires_ms. Returns 0 when it was not seen before (or its earlier
 * entry has expired) and is now recorded; SLUICE_EEXIST when it was seen and
 * has not expired (a replay; nothing changes); SLUICE_ETOOBIG when the cache
 * is full of live entries (not recorded); SLUICE_EINVAL for a malformed
 * signature or expires_ms <= now_ms (nothing to remember).
 */
int aws_replay_check(aws_replay *cache, const char *signature, int64_t expires_ms, int64_t now_ms);

/*
 * Forgets signature (a request it belonged to failed in a way its client
 * retries, so the retry — re-signed within the same second, hence the same
 * signature — is not taken for a replay). 0, SLUICE_ENOTFOUND, or SLUICE_EINVAL
 * for a malformed signature.
 */
int aws_replay_forget(aws_replay *cache, const char *signature);

/* The number of entries held (live or not yet swept). */
size_t aws_replay_count(aws_replay *cache);

#endif
