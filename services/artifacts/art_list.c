/*
 * art_list.c — listing over sorted keys (see art_list.h).
 */
#include "art_list.h"

#include "sluice/error.h"

#include <stdlib.h>
#include <string.h>

void art_list_result_free(art_list_result *out)
{
    free(out->contents);
    for (size_t i = 0; i < out->prefix_count; i++) {
        free(out->prefixes[i]);
    }
    free(out->prefixes);
    memset(out, 0, sizeof *out);
}

/* Appends key's first len bytes as a common prefix, which becomes the next marker. */
static int list_add_prefix(art_list_result *out, const char *key, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return SLUICE_ENOMEM;
    }
    memcpy(copy, key, len);
    copy[len] = '\0';
    out->prefixes[out->prefix_count++] = copy;
    out->next = copy;
    out->next_is_prefix = true;
    return SLUICE_OK;
}

int art_list_run(const char *const *keys, size_t count, const art_list_params *params,
                 art_list_result *out)
{
    memset(out, 0, sizeof *out);
    const char *prefix = params->prefix != NULL ? params->prefix : "";
    const char *delim = params->delimiter != NULL ? params->delimiter : "";
    const char *after = params->after != NULL ? params->after : "";
    size_t plen = strlen(prefix);
    size_t dlen = strlen(delim);
    size_t alen = strlen(after);
    size_t cap = params->max_keys < count ? params->max_keys : count;
    out->contents = calloc(cap + 1, sizeof *out->contents);
    out->prefixes = calloc(cap + 1, sizeof *out->prefixes);
    if (out->contents == NULL || out->prefixes == NULL) {
        art_list_result_free(out);
        return SLUICE_ENOMEM;
    }
    size_t taken = 0;
    for (size_t i = 0; i < count; i++) {
        const char *key = keys[i];
        if (strncmp(key, prefix, plen) != 0) {
            continue;
        }
        if (alen > 0 && strcmp(key, after) <= 0) {
            continue;
        }
        if (alen > 0 && params->after_is_prefix && strncmp(key, after, alen) == 0) {
            continue;
        }
        const char *cut = dlen > 0 ? strstr(key + plen, delim) : NULL;
        size_t cp_len = cut != NULL ? (size_t)(cut - key) + dlen : 0;
        if (cut != NULL && out->prefix_count > 0) {
            const char *last = out->prefixes[out->prefix_count - 1];
            if (strlen(last) == cp_len && strncmp(last, key, cp_len) == 0) {
                continue; /* rolled up into the prefix just added */
            }
        }
        if (taken == params->max_keys) {
            out->truncated = params->max_keys > 0;
            break;
        }
        if (cut != NULL) {
            if (list_add_prefix(out, key, cp_len) != SLUICE_OK) {
                art_list_result_free(out);
                return SLUICE_ENOMEM;
            }
        } else {
            out->contents[out->content_count++] = i;
            out->next = key;
            out->next_is_prefix = false;
        }
        taken++;
    }
    if (!out->truncated) {
        out->next = NULL;
    }
    return SLUICE_OK;
}

static const char list_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int art_list_token_encode(const char *start, bool is_prefix, char *out, size_t outlen)
{
    size_t len = strlen(start) + 1;
    if ((len + 2) / 3 * 4 + 1 > outlen) {
        return SLUICE_ETOOBIG;
    }
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c =
            i == 0 ? (unsigned char)(is_prefix ? 'P' : 'K') : (unsigned char)start[i - 1];
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = list_b64[(acc >> bits) & 63u];
        }
    }
    if (bits > 0) {
        out[o++] = list_b64[(acc << (6 - bits)) & 63u];
    }
    out[o] = '\0';
    return SLUICE_OK;
}

int art_list_token_decode(const char *token, char *start, size_t startlen, bool *is_prefix)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    bool first = true;
    for (const char *p = token; *p != '\0'; p++) {
        const char *at = strchr(list_b64, *p);
        if (at == NULL) {
            return SLUICE_EPARSE;
        }
        acc = (acc << 6) | (unsigned)(at - list_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)((acc >> bits) & 0xffu);
            if (first) {
                if (c != 'K' && c != 'P') {
                    return SLUICE_EPARSE;
                }
                *is_prefix = c == 'P';
                first = false;
            } else {
                if (c == '\0' || o + 1 >= startlen) {
                    return SLUICE_EPARSE;
                }
                start[o++] = c;
            }
        }
    }
    if (first) {
        return SLUICE_EPARSE;
    }
    start[o] = '\0';
    return SLUICE_OK;
}

int art_list_versions_run(const char *const *keys, const char *const *version_ids, size_t count,
                          const art_list_version_params *params, art_list_result *out)
{
    memset(out, 0, sizeof *out);
    const char *prefix = params->prefix != NULL ? params->prefix : "";
    const char *delim = params->delimiter != NULL ? params->delimiter : "";
    const char *kmark = params->key_marker != NULL ? params->key_marker : "";
    const char *vmark = params->version_id_marker != NULL ? params->version_id_marker : "";
    size_t plen = strlen(prefix);
    size_t dlen = strlen(delim);
    size_t cap = params->max_keys < count ? params->max_keys : count;
    out->contents = calloc(cap + 1, sizeof *out->contents);
    out->prefixes = calloc(cap + 1, sizeof *out->prefixes);
    if (out->contents == NULL || out->prefixes == NULL) {
        art_list_result_free(out);
        return SLUICE_ENOMEM;
    }
    /* with a version marker, the versions of key_marker after it come first */
    bool in_marker_key = false; /* inside key_marker's versions, marker seen */
    size_t taken = 0;
    for (size_t i = 0; i < count; i++) {
        const char *key = keys[i];
        if (strncmp(key, prefix, plen) != 0) {
            continue;
        }
        if (kmark[0] != '\0') {
            int c = strcmp(key, kmark);
            if (c < 0) {
                continue;
            }
            if (c == 0) {
                if (vmark[0] == '\0') {
                    continue;
                }
                if (!in_marker_key) {
                    in_marker_key = strcmp(version_ids[i], vmark) == 0;
                    continue; /* up to and including the marker */
                }
            }
        }
        const char *cut = dlen > 0 ? strstr(key + plen, delim) : NULL;
        size_t cp_len = cut != NULL ? (size_t)(cut - key) + dlen : 0;
        if (cut != NULL) {
            if (out->prefix_count > 0) {
                const char *last = out->prefixes[out->prefix_count - 1];
                if (strlen(last) == cp_len && strncmp(last, key, cp_len) == 0) {
                    continue; /* rolled up into the prefix just added */
                }
            }
            /* a prefix at or before the key marker was answered already */
            if (kmark[0] != '\0' && strncmp(key, kmark, cp_len) == 0 && strlen(kmark) >= cp_len) {
                continue;
            }
        }
        if (taken == params->max_keys) {
            out->truncated = params->max_keys > 0;
            break;
        }
        if (cut != NULL) {
            if (list_add_prefix(out, key, cp_len) != SLUICE_OK) {
                art_list_result_free(out);
                return SLUICE_ENOMEM;
            }
            out->next_version = NULL;
        } else {
            out->contents[out->content_count++] = i;
            out->next = key;
            out->next_version = version_ids[i];
            out->next_is_prefix = false;
        }
        taken++;
    }
    if (!out->truncated) {
        out->next = NULL;
        out->next_version = NULL;
    }
    return SLUICE_OK;
}
