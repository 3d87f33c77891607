/*
 * art_copy.c — CopyObject / UploadPartCopy's pure parts (see art_copy.h).
 */
#include "art_copy.h"

#include "art_xml.h"

#include "sluice/error.h"
#include "sluice/hex.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Percent-decodes text[0..len) into out (size bytes with the NUL). false when
 * malformed, containing NUL or too long. '+' stays '+' (S3 paths). */
static bool copy_decode(const char *text, size_t len, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= len) {
                return false;
            }
            int h = sluice_hex_value(text[i + 1]);
            int l = h < 0 ? -1 : sluice_hex_value(text[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0)) {
                return false;
            }
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (n + 1 >= size) {
            return false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

int art_copy_source_parse(const char *header, art_copy_source *out)
{
    memset(out, 0, sizeof *out);
    if (header == NULL) {
        return SLUICE_EINVAL;
    }
    const char *p = header[0] == '/' ? header + 1 : header;
    size_t total = strlen(p);
    const char *query = strchr(p, '?');
    size_t path_len = query != NULL ? (size_t)(query - p) : total;
    if (query != NULL) {
        const char *q = query + 1;
        if (strncmp(q, "versionId=", 10) != 0 || q[10] == '\0' || strchr(q, '&') != NULL ||
            !copy_decode(q + 10, strlen(q + 10), out->version_id, sizeof out->version_id)) {
            return SLUICE_EINVAL;
        }
    }
    size_t cap = ART_KEYPATH_BUCKET_MAX + ART_KEYPATH_KEY_MAX + 2;
    char *decoded = malloc(cap + 1);
    int rc = SLUICE_EINVAL;
    if (decoded != NULL && copy_decode(p, path_len, decoded, cap + 1)) {
        size_t blen = strcspn(decoded, "/");
        if (blen > 0 && blen <= ART_KEYPATH_BUCKET_MAX && decoded[blen] == '/' &&
            decoded[blen + 1] != '\0') {
            memcpy(out->bucket, decoded, blen);
            out->bucket[blen] = '\0';
            const char *key = decoded + blen + 1;
            if (art_keypath_bucket_valid(out->bucket) && art_keypath_key_valid(key)) {
                memcpy(out->key, key, strlen(key) + 1);
                rc = SLUICE_OK;
            }
        }
    }
    free(decoded);
    if (rc != SLUICE_OK) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}

static bool copy_u64(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    *out = v;
    return true;
}

int art_copy_range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *length)
{
    if (header == NULL || strncmp(header, "bytes=", 6) != 0) {
        return SLUICE_EPARSE;
    }
    const char *a = header + 6;
    const char *dash = strchr(a, '-');
    uint64_t first = 0;
    uint64_t last = 0;
    if (dash == NULL || !copy_u64(a, (size_t)(dash - a), &first) ||
        !copy_u64(dash + 1, strlen(dash + 1), &last) || first > last) {
        return SLUICE_EPARSE;
    }
    if (last >= size) {
        return SLUICE_ERANGE;
    }
    *start = first;
    *length = last - first + 1;
    return SLUICE_OK;
}

/* Whether header (quoted or not, or "*") names etag. */
static bool copy_etag_matches(const char *header, const char *etag)
{
    if (strcmp(header, "*") == 0) {
        return true;
    }
    size_t len = strlen(header);
    if (len >= 2 && header[0] == '"' && header[len - 1] == '"') {
        header++;
        len -= 2;
    }
    return strlen(etag) == len && strncmp(header, etag, len) == 0;
}

bool art_copy_conditions_hold(const art_copy_conditions *c, const char *etag, int64_t mtime_ms)
{
    int64_t mtime_s = mtime_ms / 1000 * 1000;
    if (c->if_match != NULL) {
        if (!copy_etag_matches(c->if_match, etag)) {
            return false;
        }
    } else if (c->has_unmodified_since && mtime_s > c->unmodified_since_ms) {
        return false;
    }
    if (c->if_none_match != NULL) {
        if (copy_etag_matches(c->if_none_match, etag)) {
            return false;
        }
    } else if (c->has_modified_since && mtime_s <= c->modified_since_ms) {
        return false;
    }
    return true;
}

int art_copy_result_xml(const char *root, const char *etag, int64_t mtime_ms, sluice_buf *out)
{
    art_xml *x = art_xml_new(root);
    if (x == NULL) {
        return SLUICE_ENOMEM;
    }
    char when[64];
    char quoted[160];
    sluice_time_format_rfc3339_ms(mtime_ms, when, sizeof when);
    snprintf(quoted, sizeof quoted, "\"%s\"", etag);
    art_xml_text(x, "LastModified", when);
    art_xml_text(x, "ETag", quoted);
    return art_xml_finish(x, out);
}
