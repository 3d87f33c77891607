/*
 * art_keypath.h — names to paths: which bucket names and object keys the store
 * accepts, and where an object lives under a bucket's directory. A key never
 * becomes a path: its SHA-256 does ("objects/<2 hex>/<64 hex>"), so "..",
 * absolute paths, separators, over-long names and names that differ only by
 * case cannot escape the data directory or collide on case-insensitive disks.
 * Bucket names follow S3's rules (3..63 of [a-z0-9.-], starting and ending
 * with a letter or digit, no "..", not an IP address), so they are safe as one
 * path component. Pure; thread-safe.
 */
#ifndef ART_KEYPATH_H
#define ART_KEYPATH_H

#include <stdbool.h>
#include <stddef.h>

#define ART_KEYPATH_KEY_MAX    1024 /* bytes of an object key, as S3 */
#define ART_KEYPATH_BUCKET_MAX 63
#define ART_KEYPATH_REL_MAX    96 /* "objects/xx/<64 hex>" plus a suffix */

/* True when name is a valid S3 bucket name. */
bool art_keypath_bucket_valid(const char *name);

/* True when key is 1..ART_KEYPATH_KEY_MAX bytes of valid UTF-8 without control characters. */
bool art_keypath_key_valid(const char *key);

/*
 * Writes the object's path relative to its bucket directory,
 * "objects/<h0h1>/<sha256 hex of key>", into out. 0, or SLUICE_EINVAL (invalid
 * key) / SLUICE_ETOOBIG (outlen too small); out is "" on failure.
 */
int art_keypath_object(const char *key, char *out, size_t outlen);

#endif
