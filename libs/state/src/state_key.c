/*
 * state_key.c — key names and hash tags (see state_key.h). Pure.
 * The hash tag rule is Redis Cluster's (cluster specification, "Hash tags").
 */
#include "sluice/state_key.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>

static bool key_has_control(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return true;
        }
    }
    return false;
}

int state_key_build(char *out, size_t outlen, const char *pipeline, const char *suffix)
{
    if (out == NULL || outlen == 0) {
        return SLUICE_EINVAL;
    }
    out[0] = '\0';
    if (pipeline == NULL || suffix == NULL || pipeline[0] == '\0' || suffix[0] == '\0') {
        return SLUICE_EINVAL;
    }
    size_t plen = strlen(pipeline);
    if (plen > STATE_KEY_PIPELINE_MAX) {
        return SLUICE_EINVAL;
    }
    if (strpbrk(pipeline, "{}") != NULL || key_has_control(pipeline) || key_has_control(suffix)) {
        return SLUICE_EINVAL;
    }
    size_t slen = strlen(suffix);
    /* "sluice" ":{" pipeline "}:" suffix */
    size_t need = sizeof(STATE_KEY_PREFIX) - 1 + 2 + plen + 2;
    if (slen > STATE_KEY_MAX || need > STATE_KEY_MAX - slen) {
        return SLUICE_ETOOBIG;
    }
    need += slen;
    if (need >= outlen) {
        return SLUICE_ETOOBIG;
    }
    snprintf(out, outlen, "%s:{%s}:%s", STATE_KEY_PREFIX, pipeline, suffix);
    return SLUICE_OK;
}

void state_key_hash_tag(const char *key, size_t len, size_t *tag_off, size_t *tag_len)
{
    *tag_off = 0;
    *tag_len = len;
    const char *open = memchr(key, '{', len);
    if (open == NULL) {
        return;
    }
    size_t start = (size_t)(open - key) + 1;
    const char *close = memchr(key + start, '}', len - start);
    if (close == NULL || close == key + start) {
        return; /* no closing brace, or "{}": the whole key is hashed */
    }
    *tag_off = start;
    *tag_len = (size_t)(close - (key + start));
}

bool state_key_same_slot(const char *a, const char *b)
{
    size_t aoff, alen, boff, blen;
    state_key_hash_tag(a, strlen(a), &aoff, &alen);
    state_key_hash_tag(b, strlen(b), &boff, &blen);
    return alen == blen && memcmp(a + aoff, b + boff, alen) == 0;
}
