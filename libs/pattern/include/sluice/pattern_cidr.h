/*
 * pattern_cidr.h — IP address ranges in CIDR notation ("10.0.0.0/8",
 * "2001:db8::/32") or a single address ("192.0.2.7", a /32 or /128), and
 * whether an address lies in one. For the AllowedIPRange of CodePipeline's
 * IP-authenticated webhooks.
 *
 * An IPv4 range also holds the IPv4-mapped IPv6 form of its addresses
 * ("::ffff:192.0.2.7"), which is how a dual-stack socket names an IPv4 peer.
 * Host bits below the prefix are allowed and ignored ("10.1.2.3/8" is
 * 10.0.0.0/8), as most tools accept them.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_PATTERN_CIDR_H
#define SLUICE_PATTERN_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define PATTERN_CIDR_TEXT_MAX 100 /* characters of a range (botocore's AllowedIPRange) */

typedef struct pattern_cidr {
    unsigned char addr[16]; /* the first 4 bytes for IPv4 */
    unsigned prefix;        /* 0..32 or 0..128 */
    bool v6;
} pattern_cidr;

/*
 * Parses text. 0; SLUICE_EPARSE with err saying what is wrong (no address,
 * a prefix that is not a number in range), SLUICE_ETOOBIG over
 * PATTERN_CIDR_TEXT_MAX characters; *out is zeroed on failure.
 */
int pattern_cidr_parse(const char *text, pattern_cidr *out, char *err, size_t errlen);

/* True when addr (a numeric IPv4 or IPv6 address; NULL or "" false) lies in range. */
bool pattern_cidr_contains(const pattern_cidr *range, const char *addr);

#endif
