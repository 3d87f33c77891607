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

#define CREDENTIALS_FIELDS 5
#define CREDENTIALS_ENTRY_MAX                                                                      \
    (AWS_ACCESS_KEY_ID_MAX + AWS_SECRET_KEY_MAX + AWS_IDENTITY_MAX + AWS_ROLE_MAX +                \
     AWS_SCOPE_MAX + 2 + AWS_SESSION_TOKEN_MAX + CREDENTIALS_FIELDS)

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
    while (nfields < CREDENTIALS_FIELDS) {
        fields[nfields++] = cursor;
        char *colon = nfields < CREDENTIALS_FIELDS ? strchr(cursor, ':') : NULL;
        if (colon == NULL) {
            break;
        }
        *colon = '\0';
        cursor = colon + 1;
    }
    int rc = SLUICE_OK;
    if (nfields < 4 || (nfields == CREDENTIALS_FIELDS && strchr(fields[4], ':') != NULL)) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "credential entry %zu must be KEY_ID:SECRET:IDENTITY:ROLE[:TOKEN]",
                              position);
    } else {
        char detail[256];
        char *scope = NULL;
        rc = credentials_split_scope(fields[3], &scope, detail, sizeof detail);
        if (rc == SLUICE_OK) {
            rc = aws_credentials_add(store, fields[0], fields[1], nfields == 5 ? fields[4] : NULL,
                                     fields[2], fields[3], detail, sizeof detail);
        }
        if (rc == SLUICE_OK && scope != NULL) {
            credentials_entry *added = &store->entries[store->count - 1];
            memcpy(added->public_view.scope, scope, strlen(scope) + 1);
        }
        if (rc != SLUICE_OK) {
            sluice_error_set(err, errlen, rc, "credential entry %zu: %s", position, detail);
        }
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

size_t aws_credentials_count(const aws_credentials *store)
{
    return store != NULL ? store->count : 0;
}
