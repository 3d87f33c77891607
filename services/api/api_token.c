/*
 * api_token.c — pagination tokens (see api_token.h).
 */
#include "api_token.h"

#include "sluice/aws_sigv4.h"
#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define API_TOKEN_SUM_LEN 12 /* hex characters of the checksum */

static const char api_token_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding of in[0..len) into out; the length written, or 0 when it does not fit.
 */
static size_t api_token_b64_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    size_t need = (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
    if (need + 1 > outlen) {
        return 0;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = len - i;
        if (left > 1) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (left > 2) {
            v |= in[i + 2];
        }
        out[o++] = api_token_alphabet[(v >> 18) & 63];
        out[o++] = api_token_alphabet[(v >> 12) & 63];
        if (left > 1) {
            out[o++] = api_token_alphabet[(v >> 6) & 63];
        }
        if (left > 2) {
            out[o++] = api_token_alphabet[v & 63];
        }
    }
    out[o] = '\0';
    return o;
}

static int api_token_b64_value(char c)
{
    const char *p = c != '\0' ? strchr(api_token_alphabet, c) : NULL;
    return p != NULL ? (int)(p - api_token_alphabet) : -1;
}

/* Decodes base64url without padding; the length written, or -1 for bad input. */
static long api_token_b64_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
    if (len % 4 == 1) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        size_t chunk = len - i < 4 ? len - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = j < chunk ? api_token_b64_value(in[i + j]) : 0;
            if (d < 0) {
                return -1;
            }
            v = (v << 6) | (uint32_t)d;
        }
        size_t bytes = chunk - 1;
        if (o + bytes > outlen) {
            return -1;
        }
        out[o++] = (unsigned char)(v >> 16);
        if (bytes > 1) {
            out[o++] = (unsigned char)(v >> 8);
        }
        if (bytes > 2) {
            out[o++] = (unsigned char)v;
        }
    }
    return (long)o;
}

static void api_token_sum(const char *payload, size_t len, char out[API_TOKEN_SUM_LEN + 1])
{
    char hex[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex(payload, len, hex);
    memcpy(out, hex, API_TOKEN_SUM_LEN);
    out[API_TOKEN_SUM_LEN] = '\0';
}

int api_token_encode(const char *kind, const json_t *position, char *out, size_t outlen)
{
    if (outlen > 0) {
        out[0] = '\0';
    }
    json_t *doc = json_pack("{s:s, s:O}", "k", kind, "p", position);
    if (doc == NULL) {
        return SLUICE_ENOMEM;
    }
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t limit = outlen < API_TOKEN_MAX + 1 ? outlen : API_TOKEN_MAX + 1;
    size_t n = 0;
    if (limit > API_TOKEN_SUM_LEN + 2) {
        n = api_token_b64_encode((const unsigned char *)text, strlen(text), out,
                                 limit - API_TOKEN_SUM_LEN - 1);
    }
    free(text);
    if (n == 0) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        return SLUICE_ETOOBIG;
    }
    char sum[API_TOKEN_SUM_LEN + 1];
    api_token_sum(out, n, sum);
    out[n] = '.';
    memcpy(out + n + 1, sum, API_TOKEN_SUM_LEN + 1);
    return 0;
}

int api_token_decode(const char *token, const char *kind, json_t **position)
{
    *position = NULL;
    if (token == NULL) {
        return SLUICE_EPARSE;
    }
    size_t len = strnlen(token, API_TOKEN_MAX + 1);
    if (len > API_TOKEN_MAX || len < API_TOKEN_SUM_LEN + 2) {
        return SLUICE_EPARSE;
    }
    size_t payload_len = len - API_TOKEN_SUM_LEN - 1;
    if (token[payload_len] != '.') {
        return SLUICE_EPARSE;
    }
    char sum[API_TOKEN_SUM_LEN + 1];
    api_token_sum(token, payload_len, sum);
    if (memcmp(sum, token + payload_len + 1, API_TOKEN_SUM_LEN) != 0) {
        return SLUICE_EPARSE;
    }
    unsigned char raw[API_TOKEN_MAX];
    long raw_len = api_token_b64_decode(token, payload_len, raw, sizeof raw);
    if (raw_len <= 0) {
        return SLUICE_EPARSE;
    }
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)raw, (size_t)raw_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return SLUICE_EPARSE;
    }
    const char *got = json_string_value(json_object_get(doc, "k"));
    json_t *p = json_object_get(doc, "p");
    if (got == NULL || strcmp(got, kind) != 0 || p == NULL) {
        json_decref(doc);
        return SLUICE_EPARSE;
    }
    *position = json_incref(p);
    json_decref(doc);
    return 0;
}
