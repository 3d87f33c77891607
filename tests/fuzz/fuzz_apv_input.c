/*
 * fuzz_apv_input.c — libFuzzer target over what a browser or a script sends
 * sluice-approvals (services/approvals apv_core.h): the first byte picks the
 * parser, the rest is its input —
 *   0: a form body (apv_core_form_parse): on success every field is within
 *      its bound and no name repeats; on failure err says which field;
 *   1: a Cookie header (apv_core_cookie): a value found fits its buffer and
 *      holds no ';';
 *   2: a link token (sluice_approval_link_verify): only a token the key made passes,
 *      and then its approver is a valid identity name; a failure leaves the
 *      approver empty;
 *   3: an approval job (apv_core_record_from_job): a record has a valid id,
 *      at most APV_REVISIONS_MAX source revisions whose messages are within
 *      their bound, and a JSON view without the token;
 *   4: an Authorization header (apv_core_basic): a key and a secret found
 *      are non-empty and fit; nothing found leaves both empty.
 */
#include "apv_core.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char KEY[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz!";
#define ID "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned kind = data[0] % 5;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char *cstr = malloc(len + 1);
    if (cstr == NULL) {
        return 0;
    }
    memcpy(cstr, text, len);
    cstr[len] = '\0';
    if (kind == 0) {
        static apv_form form;
        char err[256] = "";
        int rc = apv_core_form_parse(text, len, &form, err, sizeof err);
        if (rc == 0) {
            if (form.count > APV_FORM_MAX_FIELDS) {
                abort();
            }
            for (size_t i = 0; i < form.count; i++) {
                if (strlen(form.fields[i].name) > APV_FORM_VALUE_MAX ||
                    strlen(form.fields[i].value) > APV_FORM_VALUE_MAX ||
                    apv_core_form_get(&form, form.fields[i].name) != form.fields[i].value) {
                    abort();
                }
            }
        } else if (strncmp(err, "form ", 5) != 0) {
            abort();
        }
    } else if (kind == 1) {
        char out[65];
        if (apv_core_cookie(cstr, "sid", out, sizeof out) && strchr(out, ';') != NULL) {
            abort();
        }
    } else if (kind == 2) {
        char who[APV_IDENTITY_MAX + 1] = "x";
        int rc = sluice_approval_link_verify(KEY, sizeof KEY, ID, cstr, 1000, who);
        if (rc == 0) {
            char again[APV_LINK_MAX + 1];
            /* a passing token must be exactly one the key makes */
            long long expires = strtoll(cstr, NULL, 10);
            if (!apv_core_identity_valid(who) ||
                sluice_approval_link_make(KEY, sizeof KEY, ID, who, expires, again, sizeof again) !=
                    0 ||
                strcmp(again, cstr) != 0) {
                abort();
            }
        } else if (who[0] != '\0') {
            abort();
        }
    } else if (kind == 4) {
        char key[32];
        char secret[32];
        bool found = apv_core_basic(cstr, key, sizeof key, secret, sizeof secret);
        if (found ? (key[0] == '\0' || secret[0] == '\0' || strchr(key, ':') != NULL)
                  : (key[0] != '\0' || secret[0] != '\0')) {
            abort();
        }
    } else {
        json_error_t jerr;
        json_t *job = json_loadb(text, len, 0, &jerr);
        char err[256];
        json_t *record = job != NULL ? apv_core_record_from_job(job, 1000, err, sizeof err) : NULL;
        if (record != NULL &&
            !apv_core_id_valid(json_string_value(json_object_get(record, "id")))) {
            abort();
        }
        /* its source revisions are bounded, and its JSON view never holds the token */
        const json_t *revs = json_object_get(record, "artifactRevisions");
        if (record != NULL && (!json_is_array(revs) || json_array_size(revs) > APV_REVISIONS_MAX)) {
            abort();
        }
        size_t i;
        const json_t *rev;
        json_array_foreach(revs, i, rev)
        {
            const char *summary = json_string_value(json_object_get(rev, "revisionSummary"));
            if (summary == NULL || strlen(summary) > APV_REVISION_SUMMARY_MAX) {
                abort();
            }
        }
        if (record != NULL) {
            json_t *view = apv_core_record_public(record, 1000);
            if (json_object_get(view, "token") != NULL) {
                abort();
            }
            json_decref(view);
        }
        json_decref(record);
        json_decref(job);
    }
    free(cstr);
    return 0;
}
