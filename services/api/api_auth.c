/*
 * api_auth.c — the role table's use by the api (protocol_roles.h) and the
 * check of credential roles and worker scopes (see api_auth.h, api_scope.h).
 */
#include "api_auth.h"

#include "api_scope.h"

#include "sluice/aws_credentials.h"

#include "sluice/error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

bool api_auth_role_known(const char *role)
{
    return protocol_role_known(role);
}

bool api_auth_allows(const char *role, api_auth_class cls)
{
    return protocol_role_allows(role, cls);
}

const char *api_auth_class_name(api_auth_class cls)
{
    return protocol_role_class_name(cls);
}

const char *api_auth_roles(void)
{
    return protocol_role_names();
}

/* Checks one entry [start, end) of a specification; position is 1-based. */
static int api_auth_check_entry(const char *start, const char *end, size_t position, char *err,
                                size_t errlen)
{
    while (start < end && (*start == ' ' || *start == '\t' || *start == '\r')) {
        start++;
    }
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) {
        end--;
    }
    if (start == end) {
        return 0; /* empty entries are skipped by the parser too */
    }
    const char *field = start;
    for (int i = 0; i < 3; i++) {
        field = memchr(field, ':', (size_t)(end - field));
        if (field == NULL) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "credentials entry %zu has fewer than four fields", position);
        }
        field++;
    }
    const char *role_end = memchr(field, ':', (size_t)(end - field));
    if (role_end == NULL) {
        role_end = end;
    }
    const char *scope = memchr(field, '(', (size_t)(role_end - field));
    const char *name_end = scope != NULL ? scope : role_end;
    char role[64];
    size_t len = (size_t)(name_end - field);
    if (len >= sizeof role) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "credentials entry %zu: the role is too long", position);
    }
    memcpy(role, field, len);
    role[len] = '\0';
    if (!api_auth_role_known(role)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "credentials entry %zu: unknown role \"%s\" (known: %s)", position,
                                role, api_auth_roles());
    }
    if (scope == NULL) {
        return 0;
    }
    if (strcmp(role, "worker") != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "credentials entry %zu: only the worker role takes a scope, not "
                                "\"%s\"",
                                position, role);
    }
    char text[AWS_SCOPE_MAX + 1];
    size_t scope_len = (size_t)(role_end - scope);
    if (scope_len < 2 || scope[scope_len - 1] != ')' || scope_len - 2 > AWS_SCOPE_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "credentials entry %zu: the scope must be worker(PATTERN|...), "
                                "closed by ')', at most %d characters",
                                position, AWS_SCOPE_MAX);
    }
    memcpy(text, scope + 1, scope_len - 2);
    text[scope_len - 2] = '\0';
    char detail[256];
    if (api_scope_check(text, detail, sizeof detail) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "credentials entry %zu: %s", position,
                                detail);
    }
    return 0;
}

int api_auth_check_spec(const char *spec, char *err, size_t errlen)
{
    size_t position = 0;
    const char *start = spec;
    for (const char *p = spec;; p++) {
        if (*p == ',' || *p == ';' || *p == '\n' || *p == '\0') {
            if (p > start) {
                position++;
            }
            int rc = api_auth_check_entry(start, p, position, err, errlen);
            if (rc != 0) {
                return rc;
            }
            if (*p == '\0') {
                break;
            }
            start = p + 1;
        }
    }
    return 0;
}
