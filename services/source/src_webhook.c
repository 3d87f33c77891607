/*
 * src_webhook.c — GitHub push deliveries (see src_webhook.h).
 */
#include "src_webhook.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define SRC_WEBHOOK_DEPTH_MAX 64

bool src_webhook_signature_ok(const char *secret, const void *body, size_t len, const char *header)
{
    if (secret == NULL || header == NULL || strlen(header) != 7 + 64 ||
        strncmp(header, "sha256=", 7) != 0) {
        return false;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len) == NULL ||
        mac_len != 32) {
        return false;
    }
    char hex[65];
    for (size_t i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }
    char given[65];
    for (size_t i = 0; i < 64; i++) {
        char c = header[7 + i];
        given[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    given[64] = '\0';
    bool ok = CRYPTO_memcmp(hex, given, 64) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return ok;
}

int src_webhook_github_push(const char *body, size_t len, src_webhook_push *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len > SRC_WEBHOOK_BODY_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the delivery takes %zu bytes; at most %d are read", len,
                                SRC_WEBHOOK_BODY_MAX);
    }
    if (sluice_jsontext_depth(body, len, SRC_WEBHOOK_DEPTH_MAX) > SRC_WEBHOOK_DEPTH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery nests too deep");
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery is not JSON: %s",
                                jerr.text);
    }
    int rc = 0;
    const char *ref = json_string_value(json_object_get(doc, "ref"));
    const char *name =
        json_string_value(json_object_get(json_object_get(doc, "repository"), "full_name"));
    json_t *deleted = json_object_get(doc, "deleted");
    char why[256];
    if (ref == NULL || name == NULL) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "the push names no ref or no repository.full_name");
    } else if (strncmp(ref, "refs/heads/", 11) != 0) {
        rc = SLUICE_ENOTFOUND;
        sluice_error_set(err, errlen, rc, "the ref %.100s is not a branch", ref);
    } else if (strlen(ref + 11) > SRC_BRANCH_MAX ||
               src_remote_branch_check(ref + 11, why, sizeof why) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the pushed branch is not a name");
    } else if (strlen(name) > SRC_REPO_ID_MAX ||
               src_remote_repository_id_check(name, why, sizeof why) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "repository.full_name is not owner/repository");
    } else if (deleted != NULL && !json_is_boolean(deleted)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "\"deleted\" is not a boolean");
    } else {
        snprintf(out->branch, sizeof out->branch, "%s", ref + 11);
        snprintf(out->full_name, sizeof out->full_name, "%s", name);
        out->deleted = json_is_true(deleted);
    }
    json_decref(doc);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}

bool src_webhook_seen_add(src_webhook_seen *seen, const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > SRC_WEBHOOK_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < SRC_WEBHOOK_SEEN_MAX; i++) {
        if (strcmp(seen->ids[i], id) == 0) {
            return false;
        }
    }
    snprintf(seen->ids[seen->next], sizeof seen->ids[seen->next], "%s", id);
    seen->next = (seen->next + 1) % SRC_WEBHOOK_SEEN_MAX;
    return true;
}
