/*
 * art_keypath.c — bucket and key validation, key to path (see art_keypath.h).
 */
#include "art_keypath.h"

#include "sluice/aws_sigv4.h"
#include "sluice/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool art_keypath_bucket_valid(const char *name)
{
    size_t len = strlen(name);
    if (len < 3 || len > ART_KEYPATH_BUCKET_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-') {
            return false;
        }
        if ((i == 0 || i == len - 1) && !alnum) {
            return false;
        }
        if (c == '.' && (name[i + 1] == '.' || name[i + 1] == '-' || name[i - 1] == '-')) {
            return false;
        }
    }
    struct in_addr addr;
    return inet_pton(AF_INET, name, &addr) != 1;
}

bool art_keypath_key_valid(const char *key)
{
    const unsigned char *p = (const unsigned char *)key;
    size_t len = strlen(key);
    if (len == 0 || len > ART_KEYPATH_KEY_MAX) {
        return false;
    }
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t extra = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1fu;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0fu;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07u;
            min = 0x10000;
        } else {
            return false;
        }
        if (i + extra >= len) {
            return false;
        }
        for (size_t k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

int art_keypath_object(const char *key, char *out, size_t outlen)
{
    if (outlen > 0) {
        out[0] = '\0';
    }
    if (!art_keypath_key_valid(key)) {
        return SLUICE_EINVAL;
    }
    char hex[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(key, strlen(key), hex);
    int n = snprintf(out, outlen, "objects/%.2s/%s", hex, hex);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    return SLUICE_OK;
}
