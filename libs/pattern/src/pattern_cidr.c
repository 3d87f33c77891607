/*
 * pattern_cidr.c — address ranges (see pattern_cidr.h), over inet_pton.
 */
#include "sluice/pattern_cidr.h"

#include "sluice/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int pattern_cidr_parse(const char *text, pattern_cidr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || text[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the IP range is empty");
    }
    size_t len = strlen(text);
    if (len > PATTERN_CIDR_TEXT_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the IP range takes %zu characters; at most %d are allowed", len,
                                PATTERN_CIDR_TEXT_MAX);
    }
    char addr[PATTERN_CIDR_TEXT_MAX + 1];
    const char *slash = strchr(text, '/');
    size_t addr_len = slash != NULL ? (size_t)(slash - text) : len;
    memcpy(addr, text, addr_len);
    addr[addr_len] = '\0';
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->v6 = false;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->v6 = true;
    } else {
        memset(out, 0, sizeof *out);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "'%s' is not an IPv4 or IPv6 address or CIDR range", text);
    }
    unsigned max = out->v6 ? 128 : 32;
    out->prefix = max;
    if (slash != NULL) {
        const char *p = slash + 1;
        unsigned prefix = 0;
        bool digits = *p != '\0' && strlen(p) <= 3;
        for (; digits && *p != '\0'; p++) {
            digits = *p >= '0' && *p <= '9';
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (!digits || prefix > max) {
            memset(out, 0, sizeof *out);
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "'%s': the prefix length must be a number from 0 to %u", text,
                                    max);
        }
        out->prefix = prefix;
    }
    return 0;
}

/* True when the first bits of a and b are equal. */
static bool pattern_cidr_prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    size_t bytes = bits / 8;
    if (memcmp(a, b, bytes) != 0) {
        return false;
    }
    unsigned rest = bits % 8;
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool pattern_cidr_contains(const pattern_cidr *range, const char *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char bytes[16];
    if (addr == NULL || addr[0] == '\0' || strlen(addr) > PATTERN_CIDR_TEXT_MAX) {
        return false;
    }
    if (inet_pton(AF_INET, addr, bytes) == 1) {
        return !range->v6 && pattern_cidr_prefix_equal(bytes, range->addr, range->prefix);
    }
    if (inet_pton(AF_INET6, addr, bytes) != 1) {
        return false;
    }
    if (range->v6) {
        return pattern_cidr_prefix_equal(bytes, range->addr, range->prefix);
    }
    return memcmp(bytes, mapped, sizeof mapped) == 0 &&
           pattern_cidr_prefix_equal(bytes + 12, range->addr, range->prefix);
}
