/*
 * src_remote.c — remote URLs and the names that travel with them (see
 * src_remote.h). The rules follow git's own: urls.txt of git-fetch(1) for
 * the URL forms (a "host:path" with no '/' before the ':' is ssh's scp-like
 * form; "<transport>::<address>" runs a remote helper), and
 * git-check-ref-format(1) for branch names.
 */
#include "src_remote.h"

#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int src_remote_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int src_remote_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return SLUICE_EINVAL;
}

const char *src_remote_kind_name(src_remote_kind kind)
{
    switch (kind) {
    case SRC_REMOTE_LOCAL:
        return "local";
    case SRC_REMOTE_FILE:
        return "file";
    case SRC_REMOTE_HTTP:
        return "http";
    case SRC_REMOTE_HTTPS:
        return "https";
    case SRC_REMOTE_SSH:
        return "ssh";
    }
    return "local";
}

static bool src_remote_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Checks the authority of a hierarchical URL (rest: after "scheme://"):
 * a non-empty host, userinfo only when allowed (and then without ':').
 */
static int src_remote_authority(const char *url, const char *rest, bool userinfo_ok, char *err,
                                size_t errlen)
{
    size_t len = strcspn(rest, "/");
    const char *at = memchr(rest, '@', len);
    if (at != NULL && !userinfo_ok) {
        return src_remote_fail(err, errlen,
                               "the URL of an %s remote holds a user name or password before "
                               "'@'; give them in \"credentials\" instead",
                               "http(s)");
    }
    if (at != NULL && memchr(rest, ':', (size_t)(at - rest)) != NULL) {
        return src_remote_fail(err, errlen,
                               "the URL of a remote holds a password (user:password@); give an "
                               "ssh key in \"credentials\" instead (%s)",
                               "sshKeyFile");
    }
    const char *host = at != NULL ? at + 1 : rest;
    size_t host_len = len - (size_t)(host - rest);
    if (host_len == 0 || host[0] == ':') {
        return src_remote_fail(err, errlen, "the URL \"%s\" names no host", url);
    }
    return 0;
}

int src_remote_classify(const char *url, src_remote_kind *kind, char *err, size_t errlen)
{
    if (url == NULL || url[0] == '\0') {
        return src_remote_fail(err, errlen, "the URL of a remote is %s", "empty");
    }
    size_t n = strlen(url);
    if (n >= SRC_URL_MAX) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "the URL of a remote takes %zu bytes; at most %d are allowed", n,
                     SRC_URL_MAX - 1);
        }
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            if (err != NULL && errlen > 0) {
                snprintf(err, errlen,
                         "the URL of a remote holds whitespace or a control character at byte %zu",
                         i);
            }
            return SLUICE_EINVAL;
        }
    }
    if (url[0] == '-') {
        return src_remote_fail(
            err, errlen, "the URL \"%s\" starts with '-' (git would read it as an option)", url);
    }
    if (url[0] == '/') {
        *kind = SRC_REMOTE_LOCAL;
        return 0;
    }
    if (src_remote_starts(url, "file://")) {
        if (url[7] != '/') {
            return src_remote_fail(err, errlen,
                                   "the file URL \"%s\" must name an absolute path "
                                   "(file:///path/to/repo)",
                                   url);
        }
        *kind = SRC_REMOTE_FILE;
        return 0;
    }
    if (src_remote_starts(url, "http://") || src_remote_starts(url, "https://")) {
        bool tls = url[4] == 's';
        int rc = src_remote_authority(url, url + (tls ? 8 : 7), false, err, errlen);
        if (rc == 0) {
            *kind = tls ? SRC_REMOTE_HTTPS : SRC_REMOTE_HTTP;
        }
        return rc;
    }
    if (src_remote_starts(url, "ssh://")) {
        int rc = src_remote_authority(url, url + 6, true, err, errlen);
        if (rc == 0) {
            *kind = SRC_REMOTE_SSH;
        }
        return rc;
    }
    const char *colon = strchr(url, ':');
    const char *slash = strchr(url, '/');
    const char *helper = strstr(url, "::");
    if (helper != NULL && (slash == NULL || helper < slash)) {
        return src_remote_fail(err, errlen,
                               "the URL \"%s\" names a git remote helper (<transport>::); use a "
                               "path, file://, http(s):// or ssh remote",
                               url);
    }
    if (strstr(url, "://") != NULL) {
        return src_remote_fail(err, errlen,
                               "the URL \"%s\" has a scheme sluice-source does not fetch from; use "
                               "a path, file://, http(s):// or ssh",
                               url);
    }
    if (colon != NULL && (slash == NULL || colon < slash)) {
        /* scp-like [user@]host:path */
        const char *at = memchr(url, '@', (size_t)(colon - url));
        const char *host = at != NULL ? at + 1 : url;
        if (host == colon) {
            return src_remote_fail(err, errlen, "the ssh remote \"%s\" names no host", url);
        }
        if (colon[1] == '\0') {
            return src_remote_fail(err, errlen, "the ssh remote \"%s\" names no path", url);
        }
        *kind = SRC_REMOTE_SSH;
        return 0;
    }
    return src_remote_fail(err, errlen,
                           "the remote \"%s\" is a relative path; give an absolute path, "
                           "file://, http(s):// or ssh URL",
                           url);
}

int src_remote_branch_check(const char *branch, char *err, size_t errlen)
{
    if (branch == NULL || branch[0] == '\0') {
        return src_remote_fail(err, errlen, "the branch name is %s", "empty");
    }
    size_t n = strlen(branch);
    if (n > SRC_BRANCH_MAX) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "the branch name takes %zu bytes; at most %d are allowed", n,
                     SRC_BRANCH_MAX);
        }
        return SLUICE_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)branch[i];
        if (c < 0x20 || c == 0x7f || strchr(" ~^:?*[\\", c) != NULL) {
            return src_remote_fail(err, errlen,
                                   "the branch name \"%s\" holds a character git refuses in a ref "
                                   "(space, ~ ^ : ? * [ \\ or a control character)",
                                   branch);
        }
    }
    if (branch[0] == '-' || branch[0] == '/' || branch[0] == '.') {
        return src_remote_fail(err, errlen, "the branch name \"%s\" starts with '-', '/' or '.'",
                               branch);
    }
    if (branch[n - 1] == '/' || branch[n - 1] == '.' ||
        (n >= 5 && strcmp(branch + n - 5, ".lock") == 0)) {
        return src_remote_fail(err, errlen,
                               "the branch name \"%s\" ends with '/', '.' or \".lock\"", branch);
    }
    if (strstr(branch, "..") != NULL || strstr(branch, "@{") != NULL ||
        strstr(branch, "//") != NULL || strstr(branch, "/.") != NULL || strcmp(branch, "@") == 0) {
        return src_remote_fail(err, errlen,
                               "the branch name \"%s\" holds \"..\", \"@{\", \"//\" or a "
                               "component starting with '.'",
                               branch);
    }
    return 0;
}

static bool src_remote_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int src_remote_repository_id_check(const char *id, char *err, size_t errlen)
{
    if (id == NULL || id[0] == '\0') {
        return src_remote_fail(err, errlen, "the FullRepositoryId is %s", "empty");
    }
    size_t n = strlen(id);
    if (n > SRC_REPO_ID_MAX) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "the FullRepositoryId takes %zu bytes; at most %d are allowed", n,
                     SRC_REPO_ID_MAX);
        }
        return SLUICE_EINVAL;
    }
    size_t segments = 0;
    const char *p = id;
    while (true) {
        size_t len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.') ||
            p[0] == '-') {
            return src_remote_fail(err, errlen,
                                   "the FullRepositoryId \"%s\" has an empty, \".\", \"..\" or "
                                   "'-'-led segment; write owner/repository",
                                   id);
        }
        for (size_t i = 0; i < len; i++) {
            if (!src_remote_name_char(p[i])) {
                return src_remote_fail(err, errlen,
                                       "the FullRepositoryId \"%s\" holds a character other than "
                                       "A-Z a-z 0-9 . _ - and '/'",
                                       id);
            }
        }
        segments++;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    if (segments < 2 || segments > SRC_REPO_ID_SEGMENTS_MAX) {
        return src_remote_fail(err, errlen,
                               "the FullRepositoryId \"%s\" must be owner/repository (2 to 8 "
                               "segments)",
                               id);
    }
    return 0;
}

bool src_remote_repository_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > SRC_REPO_NAME_MAX) {
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!src_remote_name_char(*p)) {
            return false;
        }
    }
    return true;
}

int src_remote_join(const char *base, const char *repository_id, const char *suffix, char *out,
                    size_t outlen, char *err, size_t errlen)
{
    int rc = src_remote_repository_id_check(repository_id, err, errlen);
    if (rc != 0) {
        return rc;
    }
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/') {
        base_len--;
    }
    int n = snprintf(out, outlen, "%.*s/%s%s", (int)base_len, base, repository_id,
                     suffix != NULL ? suffix : "");
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "the URL of %s takes more than %zu bytes", repository_id,
                     outlen - 1);
        }
        return SLUICE_ETOOBIG;
    }
    return 0;
}
