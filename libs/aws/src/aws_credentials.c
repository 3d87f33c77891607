/*
 * aws_credentials.c — the access key store (see aws_credentials.h). Entries
 * live in a growable array searched linearly (a handful of keys); secrets are
 * heap copies wiped with OPENSSL_cleanse before they are freed.
 */
#include "sluice/aws_credentials.h"

#include "sluice/error.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CREDENTIALS_FIELDS 7 /* four required, then token, groups=, email= */
#define CREDENTIALS_GROUPS "groups="
#define CREDENTIALS_EMAIL  "email="
#define CREDENTIALS_ENTRY_MAX                                                                      \
    (AWS_ACCESS_KEY_ID_MAX + AWS_SECRET_KEY_MAX + AWS_IDENTITY_MAX + AWS_ROLE_MAX +                \
     AWS_SCOPE_MAX + 2 + AWS_SESSION_TOKEN_MAX + AWS_CREDENTIAL_MAX_GROUPS * (AWS_GROUP_MAX + 1) + \
     AWS_EMAIL_MAX + CREDENTIALS_FIELDS + 16)

typedef struct credentials_entry {
    aws_credential public_view;
    char *secret;
    char *token;
} credentials_entry;

struct aws_credentials {
    credentials_entry *entries;
    size_t count;
    size_t cap;
};

aws_credentials *aws_credentials_new(void)
{
    return calloc(1, sizeof(aws_credentials));
}

static void credentials_wipe_free(char *secret)
{
    if (secret != NULL) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
}

void aws_credentials_free(aws_credentials *store)
{
    if (store == NULL) {
        return;
    }
    for (size_t i = 0; i < store->count; i++) {
        credentials_wipe_free(store->entries[i].secret);
        credentials_wipe_free(store->entries[i].token);
    }
    free(store->entries);
    free(store);
}

static bool credentials_chars_ok(const char *text, size_t max, const char *extra)
{
    size_t len = strlen(text);
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && strchr(extra, c) == NULL) {
            return false;
        }
    }
    return true;
}

/* Printable ASCII without blanks. */
static bool credentials_secret_ok(const char *text, size_t max)
{
    size_t len = strlen(text);
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] <= ' ' || text[i] > '~') {
            return false;
        }
    }
    return true;
}

int aws_credentials_add(aws_credentials *store, const char *access_key_id,
                        const char *secret_access_key, const char *session_token,
                        const char *identity, const char *role, char *err, size_t errlen)
{
    if (access_key_id == NULL || !credentials_chars_ok(access_key_id, AWS_ACCESS_KEY_ID_MAX, "_")) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "access key id must be 1..%d letters, digits or '_'",
                                AWS_ACCESS_KEY_ID_MAX);
    }
    if (secret_access_key == NULL ||
        !credentials_secret_ok(secret_access_key, AWS_SECRET_KEY_MAX)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "secret access key must be 1..%d printable characters",
                                AWS_SECRET_KEY_MAX);
    }
    if (session_token != NULL && !credentials_secret_ok(session_token, AWS_SESSION_TOKEN_MAX)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "session token must be 1..%d printable characters",
                                AWS_SESSION_TOKEN_MAX);
    }
    if (identity == NULL || !credentials_chars_ok(identity, AWS_IDENTITY_MAX, "_+=,.@-")) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "identity must be 1..%d of [A-Za-z0-9_+=,.@-]", AWS_IDENTITY_MAX);
    }
    if (role == NULL || !credentials_chars_ok(role, AWS_ROLE_MAX, "_+=,.@-")) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "role must be 1..%d of [A-Za-z0-9_+=,.@-]", AWS_ROLE_MAX);
    }
    if (aws_credentials_find(store, access_key_id) != NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "access key id listed twice");
    }
    if (store->count >= AWS_CREDENTIALS_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d access keys",
                                AWS_CREDENTIALS_MAX);
    }
    if (store->count == store->cap) {
        size_t cap = store->cap ? store->cap * 2 : 4;
        credentials_entry *grown = realloc(store->entries, cap * sizeof *grown);
        if (grown == NULL) {
            return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
        }
        store->entries = grown;
        store->cap = cap;
    }
    credentials_entry entry;
    memset(&entry, 0, sizeof entry);
    entry.secret = strdup(secret_access_key);
    entry.token = session_token != NULL ? strdup(session_token) : NULL;
    if (entry.secret == NULL || (session_token != NULL && entry.token == NULL)) {
        credentials_wipe_free(entry.secret);
        credentials_wipe_free(entry.token);
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    memcpy(entry.public_view.access_key_id, access_key_id, strlen(access_key_id) + 1);
    memcpy(entry.public_view.identity, identity, strlen(identity) + 1);
    memcpy(entry.public_view.role, role, strlen(role) + 1);
    entry.public_view.secret_access_key = entry.secret;
    entry.public_view.session_token = entry.token;
    store->entries[store->count++] = entry;
    return SLUICE_OK;
}

static bool credentials_is_separator(char c)
{
    return c == ',' || c == ';' || c == '\n' || c == '\r';
}

static bool credentials_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Splits "ROLE(SCOPE)" in place: role keeps ROLE, *scope points at SCOPE (NULL
 * without parentheses). 0, or SLUICE_EINVAL with detail.
 */
static int credentials_split_scope(char *role, char **scope, char *detail, size_t detail_len)
{
    char *open = strchr(role, '(');
    *scope = NULL;
    if (open == NULL) {
        return SLUICE_OK;
    }
    size_t len = strlen(open);
    if (len < 3 || open[len - 1] != ')') {
        return sluice_error_set(
            detail, detail_len, SLUICE_EINVAL,
            "the role's scope must be ROLE(SCOPE), closed by ')' and not empty");
    }
    open[len - 1] = '\0';
    *open = '\0';
    if (!credentials_chars_ok(open + 1, AWS_SCOPE_MAX, "_*|/-")) {
        return sluice_error_set(detail, detail_len, SLUICE_EINVAL,
                                "the role's scope must be 1..%d of [A-Za-z0-9_*|/-]",
                                AWS_SCOPE_MAX);
    }
    *scope = open + 1;
    return SLUICE_OK;
}

/* Takes back the entry added last. */
static void credentials_pop_last(aws_credentials *store)
{
    credentials_entry *last = &store->entries[--store->count];
    credentials_wipe_free(last->secret);
    credentials_wipe_free(last->token);
}

/* True when a and b carry the same groups and e-mail address. */
static bool credentials_same_profile(const aws_credential *a, const aws_credential *b)
{
    if (a->ngroups != b->ngroups || strcmp(a->email, b->email) != 0) {
        return false;
    }
    for (size_t i = 0; i < a->ngroups; i++) {
        if (strcmp(a->groups[i], b->groups[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* Adds one entry's key fields, then its profile; fields are the entry's ':'-split parts. */
static int credentials_add_fields(aws_credentials *store, char **fields, size_t nfields,
                                  size_t position, char *err, size_t errlen)
{
    const char *token = NULL;
    const char *groups = NULL;
    const char *email = NULL;
    char detail[256];
    for (size_t i = 4; i < nfields; i++) {
        const char **slot = NULL;
        const char *value = fields[i];
        if (strncmp(fields[i], CREDENTIALS_GROUPS, strlen(CREDENTIALS_GROUPS)) == 0) {
            slot = &groups;
            value += strlen(CREDENTIALS_GROUPS);
        } else if (strncmp(fields[i], CREDENTIALS_EMAIL, strlen(CREDENTIALS_EMAIL)) == 0) {
            slot = &email;
            value += strlen(CREDENTIALS_EMAIL);
        } else if (i == 4) {
            slot = &token;
        } else {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "credential entry %zu: field %zu must be groups=... or "
                                    "email=...",
                                    position, i + 1);
        }
        if (*slot != NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "credential entry %zu: field %zu is given twice", position,
                                    i + 1);
        }
        *slot = value;
    }
    char *scope = NULL;
    int rc = credentials_split_scope(fields[3], &scope, detail, sizeof detail);
    if (rc == SLUICE_OK) {
        rc = aws_credentials_add(store, fields[0], fields[1], token, fields[2], fields[3], detail,
                                 sizeof detail);
    }
    if (rc == SLUICE_OK && scope != NULL) {
        credentials_entry *added = &store->entries[store->count - 1];
        memcpy(added->public_view.scope, scope, strlen(scope) + 1);
    }
    if (rc == SLUICE_OK && (groups != NULL || email != NULL)) {
        rc = aws_credentials_set_profile(store, fields[0], groups, email, detail, sizeof detail);
        if (rc != SLUICE_OK) {
            credentials_pop_last(store); /* a failure leaves no half entry */
        }
    }
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "credential entry %zu: %s", position, detail);
    }
    const aws_credential *added = &store->entries[store->count - 1].public_view;
    for (size_t i = 0; i + 1 < store->count; i++) {
        const aws_credential *other = &store->entries[i].public_view;
        bool other_has = other->ngroups > 0 || other->email[0] != '\0';
        bool added_has = added->ngroups > 0 || added->email[0] != '\0';
        if (strcmp(other->identity, added->identity) == 0 && other_has && added_has &&
            !credentials_same_profile(other, added)) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                                  "credential entry %zu: groups and email of identity %s differ "
                                  "from an earlier entry's",
                                  position, added->identity);
            credentials_pop_last(store);
            return rc;
        }
    }
    return SLUICE_OK;
}

/* Parses one entry text[0..len) and adds it. */
static int credentials_add_entry(aws_credentials *store, const char *text, size_t len,
                                 size_t position, char *err, size_t errlen)
{
    char copy[CREDENTIALS_ENTRY_MAX + 1];
    if (len > CREDENTIALS_ENTRY_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "credential entry %zu is too long",
                                position);
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    char *fields[CREDENTIALS_FIELDS] = {NULL};
    size_t nfields = 0;
    char *cursor = copy;
    bool more = false;
    while (nfields < CREDENTIALS_FIELDS) {
        fields[nfields++] = cursor;
        char *colon = strchr(cursor, ':');
        if (colon == NULL) {
            break;
        }
        if (nfields == CREDENTIALS_FIELDS) {
            more = true;
            break;
        }
        *colon = '\0';
        cursor = colon + 1;
    }
    int rc = SLUICE_OK;
    if (nfields < 4 || more) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "credential entry %zu must be "
                              "KEY_ID:SECRET:IDENTITY:ROLE[:TOKEN][:groups=G|...][:email=ADDR]",
                              position);
    } else {
        rc = credentials_add_fields(store, fields, nfields, position, err, errlen);
    }
    OPENSSL_cleanse(copy, sizeof copy);
    return rc;
}

int aws_credentials_parse(aws_credentials *store, const char *spec, char *err, size_t errlen)
{
    if (spec == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no credentials given");
    }
    size_t position = 0;
    const char *p = spec;
    while (*p != '\0') {
        const char *start = p;
        while (*p != '\0' && !credentials_is_separator(*p)) {
            p++;
        }
        const char *end = p;
        while (start < end && credentials_is_blank(*start)) {
            start++;
        }
        while (end > start && credentials_is_blank(end[-1])) {
            end--;
        }
        if (end > start) {
            position++;
            int rc =
                credentials_add_entry(store, start, (size_t)(end - start), position, err, errlen);
            if (rc != SLUICE_OK) {
                return rc;
            }
        }
        if (*p != '\0') {
            p++;
        }
    }
    return SLUICE_OK;
}

const aws_credential *aws_credentials_find(const aws_credentials *store, const char *access_key_id)
{
    if (store == NULL || access_key_id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < store->count; i++) {
        if (strcmp(store->entries[i].public_view.access_key_id, access_key_id) == 0) {
            return &store->entries[i].public_view;
        }
    }
    return NULL;
}

int aws_credentials_set_profile(aws_credentials *store, const char *access_key_id,
                                const char *groups, const char *email, char *err, size_t errlen)
{
    credentials_entry *entry = NULL;
    for (size_t i = 0; store != NULL && access_key_id != NULL && i < store->count; i++) {
        if (strcmp(store->entries[i].public_view.access_key_id, access_key_id) == 0) {
            entry = &store->entries[i];
        }
    }
    if (entry == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no entry with that access key id");
    }
    aws_credential view = entry->public_view;
    view.ngroups = 0;
    view.email[0] = '\0';
    const char *p = groups;
    while (p != NULL) {
        const char *bar = strchr(p, '|');
        size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
        char name[AWS_GROUP_MAX + 2];
        if (view.ngroups == AWS_CREDENTIAL_MAX_GROUPS) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "more than %d groups",
                                    AWS_CREDENTIAL_MAX_GROUPS);
        }
        snprintf(name, sizeof name, "%.*s", (int)(len > AWS_GROUP_MAX ? AWS_GROUP_MAX + 1 : len),
                 p);
        if (!credentials_chars_ok(name, AWS_GROUP_MAX, "_+=.@-")) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "group %zu must be 1..%d of [A-Za-z0-9_+=.@-]",
                                    view.ngroups + 1, AWS_GROUP_MAX);
        }
        memcpy(view.groups[view.ngroups++], name, strlen(name) + 1);
        p = bar != NULL ? bar + 1 : NULL;
    }
    if (email != NULL) {
        const char *at = strchr(email, '@');
        if (!credentials_secret_ok(email, AWS_EMAIL_MAX) || at == NULL || at == email ||
            at[1] == '\0' || strpbrk(email, "|,;:") != NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "email must be an address local@domain of at most %d "
                                    "printable characters",
                                    AWS_EMAIL_MAX);
        }
        memcpy(view.email, email, strlen(email) + 1);
    }
    entry->public_view = view;
    return SLUICE_OK;
}

const aws_credential *aws_credentials_find_identity(const aws_credentials *store,
                                                    const char *identity)
{
    const aws_credential *first = NULL;
    for (size_t i = 0; store != NULL && identity != NULL && i < store->count; i++) {
        const aws_credential *c = &store->entries[i].public_view;
        if (strcmp(c->identity, identity) != 0) {
            continue;
        }
        if (c->ngroups > 0 || c->email[0] != '\0') {
            return c;
        }
        first = first != NULL ? first : c;
    }
    return first;
}

size_t aws_credentials_count(const aws_credentials *store)
{
    return store != NULL ? store->count : 0;
}

const aws_credential *aws_credentials_at(const aws_credentials *store, size_t index)
{
    return store != NULL && index < store->count ? &store->entries[index].public_view : NULL;
}
