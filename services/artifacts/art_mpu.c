/*
 * art_mpu.c — ListMultipartUploads' selection and document (see art_mpu.h).
 */
#include "art_mpu.h"

#include "art_xml.h"

#include "sluice/error.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void art_mpu_result_free(art_mpu_result *out)
{
    if (out == NULL) {
        return;
    }
    for (size_t i = 0; i < out->prefix_count; i++) {
        free(out->prefixes[i]);
    }
    free(out->prefixes);
    free(out->uploads);
    memset(out, 0, sizeof *out);
}

/* Whether entry e comes after the markers. */
static bool mpu_after_marker(const art_store_entry *e, const art_mpu_params *p)
{
    if (p->key_marker[0] == '\0') {
        return true;
    }
    size_t dlen = strlen(p->delimiter);
    size_t mlen = strlen(p->key_marker);
    if (dlen > 0 && mlen >= dlen && strcmp(p->key_marker + mlen - dlen, p->delimiter) == 0 &&
        strncmp(e->key, p->key_marker, mlen) == 0) {
        return false; /* under a common prefix already answered */
    }
    int cmp = strcmp(e->key, p->key_marker);
    if (cmp != 0) {
        return cmp > 0;
    }
    return p->upload_id_marker[0] != '\0' && strcmp(e->upload_id, p->upload_id_marker) > 0;
}

int art_mpu_select(const art_store_entry *entries, size_t count, const art_mpu_params *p,
                   art_mpu_result *out)
{
    memset(out, 0, sizeof *out);
    size_t max = p->max_uploads > ART_MPU_MAX ? ART_MPU_MAX : p->max_uploads;
    out->uploads = calloc(max + 1, sizeof *out->uploads);
    out->prefixes = calloc(max + 1, sizeof *out->prefixes);
    if (out->uploads == NULL || out->prefixes == NULL) {
        art_mpu_result_free(out);
        return SLUICE_ENOMEM;
    }
    size_t plen = strlen(p->prefix);
    size_t dlen = strlen(p->delimiter);
    size_t taken = 0;
    for (size_t i = 0; i < count; i++) {
        const art_store_entry *e = &entries[i];
        if (strncmp(e->key, p->prefix, plen) != 0 || !mpu_after_marker(e, p)) {
            continue;
        }
        const char *cut = dlen > 0 ? strstr(e->key + plen, p->delimiter) : NULL;
        size_t cplen = cut != NULL ? (size_t)(cut - e->key) + dlen : 0;
        if (cut != NULL && out->prefix_count > 0 &&
            strlen(out->prefixes[out->prefix_count - 1]) == cplen &&
            strncmp(out->prefixes[out->prefix_count - 1], e->key, cplen) == 0) {
            continue; /* same common prefix as the last one */
        }
        if (taken == max) {
            out->truncated = max > 0;
            break;
        }
        if (cut != NULL) {
            char *cp = malloc(cplen + 1);
            if (cp == NULL) {
                art_mpu_result_free(out);
                return SLUICE_ENOMEM;
            }
            memcpy(cp, e->key, cplen);
            cp[cplen] = '\0';
            out->prefixes[out->prefix_count++] = cp;
            snprintf(out->next_key, sizeof out->next_key, "%s", cp);
            out->next_upload_id[0] = '\0';
        } else {
            out->uploads[out->upload_count++] = i;
            snprintf(out->next_key, sizeof out->next_key, "%s", e->key);
            snprintf(out->next_upload_id, sizeof out->next_upload_id, "%s", e->upload_id);
        }
        taken++;
    }
    return SLUICE_OK;
}

int art_mpu_xml(const char *bucket, const art_mpu_params *p, const art_store_entry *entries,
                const art_mpu_result *res, sluice_buf *out)
{
    art_xml *x = art_xml_new("ListMultipartUploadsResult");
    if (x == NULL) {
        return SLUICE_ENOMEM;
    }
    art_xml_text(x, "Bucket", bucket);
    art_xml_text(x, "KeyMarker", p->key_marker);
    art_xml_text(x, "UploadIdMarker", p->upload_id_marker);
    if (res->truncated) {
        art_xml_text(x, "NextKeyMarker", res->next_key);
        art_xml_text(x, "NextUploadIdMarker", res->next_upload_id);
    }
    art_xml_text(x, "Prefix", p->prefix);
    if (p->delimiter[0] != '\0') {
        art_xml_text(x, "Delimiter", p->delimiter);
    }
    art_xml_textf(x, "MaxUploads", "%zu", p->max_uploads);
    art_xml_text(x, "IsTruncated", res->truncated ? "true" : "false");
    for (size_t i = 0; i < res->upload_count; i++) {
        const art_store_entry *e = &entries[res->uploads[i]];
        char when[64];
        sluice_time_format_rfc3339_ms(e->mtime_ms, when, sizeof when);
        art_xml_open(x, "Upload");
        art_xml_text(x, "Key", e->key);
        art_xml_text(x, "UploadId", e->upload_id);
        art_xml_open(x, "Initiator");
        art_xml_text(x, "ID", "sluice");
        art_xml_text(x, "DisplayName", "sluice");
        art_xml_close(x);
        art_xml_open(x, "Owner");
        art_xml_text(x, "ID", "sluice");
        art_xml_text(x, "DisplayName", "sluice");
        art_xml_close(x);
        art_xml_text(x, "StorageClass", "STANDARD");
        art_xml_text(x, "Initiated", when);
        art_xml_close(x);
    }
    for (size_t i = 0; i < res->prefix_count; i++) {
        art_xml_open(x, "CommonPrefixes");
        art_xml_text(x, "Prefix", res->prefixes[i]);
        art_xml_close(x);
    }
    return art_xml_finish(x, out);
}
