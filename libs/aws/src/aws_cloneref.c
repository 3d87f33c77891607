/*
 * aws_cloneref.c — the CODEBUILD_CLONE_REF reference file (see aws_cloneref.h).
 */
#include "sluice/aws_cloneref.h"

#include "sluice/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool aws_cloneref_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= ' ' || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

bool aws_cloneref_url_ok(const char *url)
{
    size_t len = strlen(url);
    if (len == 0 || len > AWS_CLONEREF_URL_MAX || url[0] == '-' || !aws_cloneref_plain(url)) {
        return false;
    }
    if (url[0] == '/') {
        return true;
    }
    if (strncmp(url, "file:///", 8) == 0) {
        return true;
    }
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        rest = url + 8;
    } else {
        return false;
    }
    size_t host = strcspn(rest, "/?#");
    if (host == 0) {
        return false;
    }
    return memchr(rest, '@', host) == NULL;
}

static bool aws_cloneref_commit_ok(const char *id)
{
    size_t len = strlen(id);
    if (len != 40 && len != 64) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* git check-ref-format's rules for a branch name (refs/heads/<name>). */
static bool aws_cloneref_branch_ok(const char *b)
{
    size_t len = strlen(b);
    if (len == 0 || len > AWS_CLONEREF_BRANCH_MAX || b[0] == '-' || b[0] == '/' ||
        b[len - 1] == '/' || b[len - 1] == '.' || !aws_cloneref_plain(b) ||
        strstr(b, "..") != NULL || strstr(b, "@{") != NULL || strstr(b, "//") != NULL ||
        strstr(b, "/.") != NULL || b[0] == '.' || strcmp(b, "@") == 0 ||
        (len >= 5 && strcmp(b + len - 5, ".lock") == 0) || strpbrk(b, "~^:?*[\\") != NULL) {
        return false;
    }
    return true;
}

static bool aws_cloneref_repository_ok(const char *r)
{
    size_t len = strlen(r);
    if (len == 0 || len > AWS_CLONEREF_REPOSITORY_MAX) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)r; *p != '\0'; p++) {
        if (*p < ' ' || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

int aws_cloneref_check(const aws_cloneref *ref, char *err, size_t errlen)
{
    if (!aws_cloneref_url_ok(ref->url)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "\"url\" is not an absolute path, file:/// or http(s) URL "
                                "without credentials");
    }
    if (!aws_cloneref_commit_ok(ref->commit)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "\"commit\" is not a full commit id (40 or 64 lowercase hex "
                                "digits)");
    }
    if (!aws_cloneref_branch_ok(ref->branch)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "\"branch\" is not a valid git branch name of at most %d bytes",
                                AWS_CLONEREF_BRANCH_MAX);
    }
    if (!aws_cloneref_repository_ok(ref->repository)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "\"repository\" is empty, longer than %d bytes or holds control "
                                "characters",
                                AWS_CLONEREF_REPOSITORY_MAX);
    }
    return 0;
}

int aws_cloneref_build(const aws_cloneref *ref, char **out, size_t *outlen, char *err,
                       size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    int rc = aws_cloneref_check(ref, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s}", "url", ref->url, "commit", ref->commit,
                            "branch", ref->branch, "repository", ref->repository);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (text == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    *out = text;
    *outlen = strlen(text);
    return 0;
}

static int aws_cloneref_member(const json_t *doc, const char *name, char *dst, size_t cap,
                               char *err, size_t errlen)
{
    const json_t *v = json_object_get(doc, name);
    if (!json_is_string(v)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "\"%s\" is missing or not a string",
                                name);
    }
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n >= cap || memchr(s, '\0', n) != NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "\"%s\" is longer than %zu bytes or holds a NUL", name, cap - 1);
    }
    memcpy(dst, s, n + 1);
    return 0;
}

int aws_cloneref_parse(const char *text, size_t len, aws_cloneref *ref, char *err, size_t errlen)
{
    memset(ref, 0, sizeof *ref);
    if (len > AWS_CLONEREF_MAX_BYTES) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the clone reference takes %zu bytes; at most %d are allowed", len,
                                AWS_CLONEREF_MAX_BYTES);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the clone reference is not a JSON object (line %d: %s)", jerr.line,
                                doc == NULL ? jerr.text : "another value");
    }
    int rc = aws_cloneref_member(doc, "url", ref->url, sizeof ref->url, err, errlen);
    rc = rc ? rc : aws_cloneref_member(doc, "commit", ref->commit, sizeof ref->commit, err, errlen);
    rc = rc ? rc : aws_cloneref_member(doc, "branch", ref->branch, sizeof ref->branch, err, errlen);
    rc = rc ? rc
            : aws_cloneref_member(doc, "repository", ref->repository, sizeof ref->repository, err,
                                  errlen);
    json_decref(doc);
    rc = rc ? rc : aws_cloneref_check(ref, err, errlen);
    if (rc != 0) {
        memset(ref, 0, sizeof *ref);
    }
    return rc;
}
