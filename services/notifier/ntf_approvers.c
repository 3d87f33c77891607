/*
 * ntf_approvers.c — approvers' own links in approval mails (see ntf_approvers.h).
 */
#include "ntf_approvers.h"

#include "sluice/error.h"
#include "sluice/model_approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ntf_directory_load(ntf_directory *dir, const char *spec, char *err, size_t errlen)
{
    dir->people = NULL;
    dir->count = 0;
    aws_credentials *store = aws_credentials_new();
    if (store == NULL) {
        abort(); /* the service's out-of-memory policy */
    }
    int rc = aws_credentials_parse(store, spec, err, errlen);
    size_t n = rc == 0 ? aws_credentials_count(store) : 0;
    if (n > 0) {
        dir->people = calloc(n, sizeof *dir->people);
        if (dir->people == NULL) {
            abort();
        }
    }
    for (size_t i = 0; i < n; i++) {
        const aws_credential *c = aws_credentials_at(store, i);
        bool known = false;
        for (size_t j = 0; j < dir->count && !known; j++) {
            known = strcmp(dir->people[j].identity, c->identity) == 0;
        }
        if (known) {
            continue;
        }
        const aws_credential *profile = aws_credentials_find_identity(store, c->identity);
        ntf_person *p = &dir->people[dir->count++];
        snprintf(p->identity, sizeof p->identity, "%s", profile->identity);
        snprintf(p->email, sizeof p->email, "%s", profile->email);
        for (size_t g = 0; g < profile->ngroups; g++) {
            snprintf(p->groups[g], sizeof p->groups[g], "%s", profile->groups[g]);
        }
        p->ngroups = profile->ngroups;
    }
    aws_credentials_free(store); /* wipes the secrets */
    return rc;
}

void ntf_directory_free(ntf_directory *dir)
{
    free(dir->people);
    dir->people = NULL;
    dir->count = 0;
}

size_t ntf_approvers_resolve(const ntf_directory *dir, const json_t *approvers, const char *account,
                             ntf_recipient *out, size_t max)
{
    size_t n = 0;
    if (!json_is_array(approvers) || json_array_size(approvers) > MODEL_APPROVAL_MAX_APPROVERS) {
        return 0;
    }
    for (size_t i = 0; i < dir->count && n < max; i++) {
        const ntf_person *p = &dir->people[i];
        if (p->email[0] == '\0') {
            continue;
        }
        char arn[AWS_IDENTITY_MAX + 64];
        snprintf(arn, sizeof arn, "arn:aws:iam::%s:user/%s", account, p->identity);
        const char *groups[AWS_CREDENTIAL_MAX_GROUPS];
        for (size_t g = 0; g < p->ngroups; g++) {
            groups[g] = p->groups[g];
        }
        bool named = false;
        size_t k;
        const json_t *value;
        json_array_foreach(approvers, k, value)
        {
            const char *text = json_string_value(value);
            if (named || text == NULL || text[0] == '\0' ||
                strlen(text) > MODEL_APPROVAL_MAX_ENTRY) {
                continue;
            }
            size_t plen = strlen(MODEL_APPROVAL_GROUP_PREFIX);
            bool group = strncmp(text, MODEL_APPROVAL_GROUP_PREFIX, plen) == 0;
            model_approval_entry entry = {.name = group ? text + plen : text,
                                          .len = strlen(text) - (group ? plen : 0),
                                          .group = group};
            named = model_approval_entry_matches(&entry, arn, groups, p->ngroups);
        }
        if (named) {
            snprintf(out[n].identity, sizeof out[n].identity, "%s", p->identity);
            snprintf(out[n].email, sizeof out[n].email, "%s", p->email);
            n++;
        }
    }
    return n;
}

int ntf_approvers_link(const unsigned char *key, size_t keylen, const char *public_url,
                       const char *id, const char *identity, int64_t now_s, int64_t ttl_s,
                       int64_t deadline_s, char *out, size_t outlen)
{
    if (outlen > 0) {
        out[0] = '\0';
    }
    if (deadline_s <= now_s) {
        return SLUICE_ETIMEDOUT;
    }
    int64_t expires = now_s + ttl_s < deadline_s ? now_s + ttl_s : deadline_s;
    char token[SLUICE_APPROVAL_LINK_MAX + 1];
    int rc = sluice_approval_link_make(key, keylen, id, identity, expires, token, sizeof token);
    return rc != 0 ? rc : sluice_approval_link_url(public_url, id, token, out, outlen);
}
