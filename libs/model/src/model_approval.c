/*
 * model_approval.c — reading Sluice's approval policy keys (model_approval.h).
 *
 * One reader serves the validator (which reports its error at the key's path)
 * and the engine (which reads the policy of a stored plan, already valid).
 * Pure; nothing allocated.
 */
#include "sluice/model_approval.h"

#include "sluice/error.h"

#include <string.h>

static const char *const model_approval_keys[] = {
    MODEL_APPROVAL_KEY_APPROVERS, MODEL_APPROVAL_KEY_REQUIRED, MODEL_APPROVAL_KEY_REJECTION,
    MODEL_APPROVAL_KEY_SELF,      MODEL_APPROVAL_KEY_TIMEOUT,
};

bool model_approval_is_policy_key(const char *key)
{
    for (size_t i = 0; key != NULL && i < sizeof model_approval_keys / sizeof *model_approval_keys;
         i++) {
        if (strcmp(key, model_approval_keys[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool model_approval_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Identities: IAM's ARN and user-name characters; groups: the same without ':' and '/'. */
static bool model_approval_name_char(char c, bool group)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    if (strchr("_+=.@-", c) != NULL) {
        return true;
    }
    return !group && (c == ':' || c == '/');
}

static int model_approval_fail(const char *key, const char **bad_key, char *errbuf, size_t errlen,
                               const char *what, const char *value)
{
    *bad_key = key;
    return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "%s %s, not \"%.60s\"", key, what,
                            value);
}

static int model_approval_read_approvers(const char *value, model_approval_policy *out,
                                         const char **bad_key, char *errbuf, size_t errlen)
{
    const char *key = MODEL_APPROVAL_KEY_APPROVERS;
    const char *p = value;
    for (;;) {
        while (model_approval_blank(*p)) {
            p++;
        }
        const char *start = p;
        while (*p != '\0' && *p != ',') {
            p++;
        }
        const char *end = p;
        while (end > start && model_approval_blank(end[-1])) {
            end--;
        }
        size_t len = (size_t)(end - start);
        if (len == 0) {
            return model_approval_fail(key, bad_key, errbuf, errlen,
                                       "must be a comma-separated list without empty entries",
                                       value);
        }
        if (out->napprovers == MODEL_APPROVAL_MAX_APPROVERS) {
            *bad_key = key;
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "%s lists more than %d approvers", key,
                                    MODEL_APPROVAL_MAX_APPROVERS);
        }
        if (len > MODEL_APPROVAL_MAX_ENTRY) {
            *bad_key = key;
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "%s entry %zu is longer than %d characters", key,
                                    out->napprovers + 1, MODEL_APPROVAL_MAX_ENTRY);
        }
        model_approval_entry *e = &out->approvers[out->napprovers];
        size_t prefix = strlen(MODEL_APPROVAL_GROUP_PREFIX);
        e->group = len >= prefix && strncmp(start, MODEL_APPROVAL_GROUP_PREFIX, prefix) == 0;
        e->name = e->group ? start + prefix : start;
        e->len = e->group ? len - prefix : len;
        bool ok = e->len > 0;
        for (size_t i = 0; ok && i < e->len; i++) {
            ok = model_approval_name_char(e->name[i], e->group);
        }
        if (!ok) {
            *bad_key = key;
            return sluice_error_set(
                errbuf, errlen, SLUICE_EINVAL,
                "%s entry \"%.*s\" is neither an identity (ARN or user name: letters, digits, "
                "_+=.@-:/) nor group:<name> (letters, digits, _+=.@-)",
                key, (int)(len > 60 ? 60 : len), start);
        }
        for (size_t i = 0; i < out->napprovers; i++) {
            const model_approval_entry *o = &out->approvers[i];
            if (o->group == e->group && o->len == e->len && memcmp(o->name, e->name, e->len) == 0) {
                *bad_key = key;
                return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "%s lists \"%.*s\" twice",
                                        key, (int)(len > 60 ? 60 : len), start);
            }
        }
        out->napprovers++;
        if (*p == '\0') {
            return SLUICE_OK;
        }
        p++; /* the comma */
    }
}

static int model_approval_read_required(const char *value, model_approval_policy *out,
                                        const char **bad_key, char *errbuf, size_t errlen)
{
    int n = 0;
    size_t len = strlen(value);
    bool ok = len > 0 && len <= 2 && value[0] != '0';
    for (size_t i = 0; ok && i < len; i++) {
        ok = value[i] >= '0' && value[i] <= '9';
        n = n * 10 + (value[i] - '0');
    }
    if (!ok || n < 1 || n > MODEL_APPROVAL_MAX_REQUIRED) {
        return model_approval_fail(MODEL_APPROVAL_KEY_REQUIRED, bad_key, errbuf, errlen,
                                   "must be a whole number from 1 to 50", value);
    }
    out->required = n;
    return SLUICE_OK;
}

/* Picks value among two spellings (index 0 or 1), or fails naming them. */
static int model_approval_pick(const char *key, const char *value, const char *first,
                               const char *second, int *picked, const char **bad_key, char *errbuf,
                               size_t errlen)
{
    if (strcmp(value, first) == 0 || strcmp(value, second) == 0) {
        *picked = strcmp(value, second) == 0;
        return SLUICE_OK;
    }
    *bad_key = key;
    return sluice_error_set(errbuf, errlen, SLUICE_EINVAL, "%s must be %s or %s, not \"%.60s\"",
                            key, first, second, value);
}

int model_approval_policy_read(model_approval_lookup lookup, const void *ctx,
                               model_approval_policy *out, const char **bad_key, char *errbuf,
                               size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->required = 1;
    out->allow_self = true;
    *bad_key = NULL;
    for (size_t i = 0; i < sizeof model_approval_keys / sizeof *model_approval_keys; i++) {
        const char *value = lookup(ctx, model_approval_keys[i]);
        if (value != NULL && strstr(value, "#{") != NULL) {
            *bad_key = model_approval_keys[i];
            return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                    "%s takes no variables: the policy is fixed by the declaration",
                                    model_approval_keys[i]);
        }
    }
    const char *approvers = lookup(ctx, MODEL_APPROVAL_KEY_APPROVERS);
    const char *required = lookup(ctx, MODEL_APPROVAL_KEY_REQUIRED);
    const char *rejection = lookup(ctx, MODEL_APPROVAL_KEY_REJECTION);
    const char *self = lookup(ctx, MODEL_APPROVAL_KEY_SELF);
    const char *timeout = lookup(ctx, MODEL_APPROVAL_KEY_TIMEOUT);
    int rc = SLUICE_OK;
    int picked = 0;
    if (approvers != NULL) {
        rc = model_approval_read_approvers(approvers, out, bad_key, errbuf, errlen);
    }
    if (rc == SLUICE_OK && required != NULL) {
        rc = model_approval_read_required(required, out, bad_key, errbuf, errlen);
    }
    if (rc == SLUICE_OK && rejection != NULL) {
        rc = model_approval_pick(MODEL_APPROVAL_KEY_REJECTION, rejection, "ANY", "MAJORITY",
                                 &picked, bad_key, errbuf, errlen);
        out->reject_majority = picked == 1;
    }
    if (rc == SLUICE_OK && self != NULL) {
        rc = model_approval_pick(MODEL_APPROVAL_KEY_SELF, self, "true", "false", &picked, bad_key,
                                 errbuf, errlen);
        out->allow_self = picked == 0;
    }
    if (rc == SLUICE_OK && timeout != NULL) {
        rc = model_approval_pick(MODEL_APPROVAL_KEY_TIMEOUT, timeout, "REJECT", "APPROVE", &picked,
                                 bad_key, errbuf, errlen);
        out->approve_on_timeout = picked == 1;
    }
    if (rc != SLUICE_OK) {
        return rc;
    }
    bool groups = false;
    for (size_t i = 0; i < out->napprovers; i++) {
        groups = groups || out->approvers[i].group;
    }
    if (out->napprovers > 0 && !groups && (size_t)out->required > out->napprovers) {
        *bad_key = MODEL_APPROVAL_KEY_REQUIRED;
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "%s is %d but %s lists only %zu identities: the approval could "
                                "never pass",
                                MODEL_APPROVAL_KEY_REQUIRED, out->required,
                                MODEL_APPROVAL_KEY_APPROVERS, out->napprovers);
    }
    out->counted = approvers != NULL || required != NULL || rejection != NULL || self != NULL;
    out->any_key = out->counted || timeout != NULL;
    return SLUICE_OK;
}

bool model_approval_entry_matches(const model_approval_entry *entry, const char *identity,
                                  const char *const *groups, size_t ngroups)
{
    if (entry->group) {
        for (size_t i = 0; i < ngroups; i++) {
            if (groups[i] != NULL && strlen(groups[i]) == entry->len &&
                memcmp(groups[i], entry->name, entry->len) == 0) {
                return true;
            }
        }
        return false;
    }
    if (identity == NULL) {
        return false;
    }
    size_t len = strlen(identity);
    if (len == entry->len && memcmp(identity, entry->name, len) == 0) {
        return true;
    }
    return len > entry->len && identity[len - entry->len - 1] == '/' &&
           memcmp(identity + len - entry->len, entry->name, entry->len) == 0;
}
