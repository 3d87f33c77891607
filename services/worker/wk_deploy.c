/*
 * wk_deploy.c — deploy targets and their resolution (see wk_deploy.h).
 */
#include "wk_deploy.h"

#include "sluice/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A non-empty relative path without "." or ".." components or empty ones. */
static bool wk_deploy_safe(const char *path)
{
    if (path[0] == '\0' || path[0] == '/') {
        return false;
    }
    const char *p = path;
    while (*p != '\0') {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)p[i] < 0x20) {
                return false;
            }
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    return true;
}

int wk_deploy_targets_parse(const char *list, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    json_t *targets = json_object();
    if (targets == NULL) {
        return SLUICE_ENOMEM;
    }
    const char *p = list != NULL ? list : "";
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char entry[WK_DEPLOY_PATH_MAX + 128];
        if (n >= sizeof entry) {
            json_decref(targets);
            return sluice_error_set(err, errlen, SLUICE_EINVAL, "a deploy target is too long");
        }
        memcpy(entry, p, n);
        entry[n] = '\0';
        p += n;
        if (*p == ',') {
            p++;
        }
        char *start = entry;
        while (*start == ' ') {
            start++;
        }
        if (*start == '\0') {
            continue;
        }
        char *eq = strchr(start, '=');
        if (eq == NULL || eq == start || eq[1] != '/') {
            json_decref(targets);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "deploy target \"%.200s\" is not <bucket>=<absolute directory>",
                                    start);
        }
        *eq = '\0';
        char *dir = eq + 1;
        size_t dlen = strlen(dir);
        while (dlen > 1 && dir[dlen - 1] == '/') {
            dir[--dlen] = '\0';
        }
        if (json_object_get(targets, start) != NULL) {
            json_decref(targets);
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "deploy target bucket %.100s is named twice", start);
        }
        if (json_object_size(targets) == WK_DEPLOY_TARGETS_MAX) {
            json_decref(targets);
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d deploy targets",
                                    WK_DEPLOY_TARGETS_MAX);
        }
        json_object_set_new(targets, start, json_string(dir));
    }
    *out = targets;
    return 0;
}

int wk_deploy_resolve(const json_t *targets, const json_t *configuration, wk_deploy *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *bucket = json_string_value(json_object_get(configuration, "BucketName"));
    const char *extract = json_string_value(json_object_get(configuration, "Extract"));
    const char *key = json_string_value(json_object_get(configuration, "ObjectKey"));
    const char *dir = bucket != NULL ? json_string_value(json_object_get(targets, bucket)) : NULL;
    if (dir == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "bucket %.100s is not a deploy target of this worker "
                                "(SLUICE_WORKER_DEPLOY_DIRS, SLUICE_WORKER_DEPLOY_BUCKETS)",
                                bucket != NULL ? bucket : "(no BucketName)");
    }
    if (extract == NULL ||
        (strcasecmp(extract, "true") != 0 && strcasecmp(extract, "false") != 0)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "Extract must be true or false");
    }
    out->extract = strcasecmp(extract, "true") == 0;
    if (key != NULL && key[0] == '\0') {
        key = NULL;
    }
    if (!out->extract && key == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "ObjectKey is required when Extract is false");
    }
    if (key != NULL && !wk_deploy_safe(key)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "ObjectKey \"%.200s\" is not a relative path without \"..\"", key);
    }
    int n = key != NULL ? snprintf(out->path, sizeof out->path, "%s/%s", dir, key)
                        : snprintf(out->path, sizeof out->path, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof out->path) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "the deploy path is too long");
    }
    size_t len = strlen(out->path);
    while (len > 1 && out->path[len - 1] == '/') {
        out->path[--len] = '\0';
    }
    return 0;
}

/* An S3 bucket name: 3..63 of [a-z0-9.-], a letter or digit at both ends. */
static bool wk_deploy_bucket_name_ok(const char *name, size_t n)
{
    if (n < 3 || n > 63) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ((ch != '.' && ch != '-') || i == 0 || i == n - 1)) {
            return false;
        }
    }
    return true;
}

int wk_deploy_buckets_parse(const char *list, const json_t *dirs, json_t **out, char *err,
                            size_t errlen)
{
    *out = NULL;
    json_t *buckets = json_object();
    if (buckets == NULL) {
        return SLUICE_ENOMEM;
    }
    const char *p = list != NULL ? list : "";
    int rc = 0;
    while (rc == 0 && *p != '\0') {
        size_t n = strcspn(p, ",");
        const char *start = p;
        p += n;
        if (*p == ',') {
            p++;
        }
        while (n > 0 && *start == ' ') {
            start++;
            n--;
        }
        while (n > 0 && start[n - 1] == ' ') {
            n--;
        }
        if (n == 0) {
            continue;
        }
        char name[64];
        if (!wk_deploy_bucket_name_ok(start, n)) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                                  "deploy bucket \"%.*s\" is not an S3 bucket name (3..63 of "
                                  "[a-z0-9.-])",
                                  (int)(n > 100 ? 100 : n), start);
            break;
        }
        memcpy(name, start, n);
        name[n] = '\0';
        if (json_object_get(buckets, name) != NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "deploy bucket %s is named twice",
                                  name);
        } else if (dirs != NULL && json_object_get(dirs, name) != NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                                  "deploy bucket %s is also a directory target "
                                  "(SLUICE_WORKER_DEPLOY_DIRS)",
                                  name);
        } else if (json_object_size(buckets) == WK_DEPLOY_TARGETS_MAX) {
            rc = sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d deploy buckets",
                                  WK_DEPLOY_TARGETS_MAX);
        } else if (json_object_set_new(buckets, name, json_true()) != 0) {
            rc = SLUICE_ENOMEM;
        }
    }
    if (rc != 0) {
        json_decref(buckets);
        return rc;
    }
    *out = buckets;
    return 0;
}

int wk_deploy_resolve_store(const json_t *buckets, const json_t *configuration,
                            wk_deploy_store *out, char *err, size_t errlen)
{
    static const char *const acls[] = {
        "private",       "public-read",       "public-read-write",        "authenticated-read",
        "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};
    memset(out, 0, sizeof *out);
    const char *bucket = json_string_value(json_object_get(configuration, "BucketName"));
    if (bucket == NULL || buckets == NULL || json_object_get(buckets, bucket) == NULL) {
        return SLUICE_ENOTFOUND;
    }
    const char *extract = json_string_value(json_object_get(configuration, "Extract"));
    const char *key = json_string_value(json_object_get(configuration, "ObjectKey"));
    const char *cache = json_string_value(json_object_get(configuration, "CacheControl"));
    const char *acl = json_string_value(json_object_get(configuration, "CannedACL"));
    if (extract == NULL ||
        (strcasecmp(extract, "true") != 0 && strcasecmp(extract, "false") != 0)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "Extract must be true or false");
    }
    out->extract = strcasecmp(extract, "true") == 0;
    if (key != NULL && key[0] == '\0') {
        key = NULL;
    }
    if (!out->extract && key == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "ObjectKey is required when Extract is false");
    }
    if (key != NULL && !wk_deploy_safe(key)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "ObjectKey \"%.200s\" is not a relative path without \"..\"", key);
    }
    if (key != NULL &&
        strncmp(key, WK_DEPLOY_STAGING_PREFIX, strlen(WK_DEPLOY_STAGING_PREFIX) - 1) == 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "ObjectKey \"%.200s\" is inside the worker's staging prefix %s",
                                key, WK_DEPLOY_STAGING_PREFIX);
    }
    if (key != NULL && strlen(key) > WK_DEPLOY_KEY_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "ObjectKey is longer than %d bytes",
                                WK_DEPLOY_KEY_MAX);
    }
    snprintf(out->bucket, sizeof out->bucket, "%s", bucket);
    snprintf(out->key, sizeof out->key, "%s", key != NULL ? key : "");
    size_t len = strlen(out->key);
    while (len > 0 && out->key[len - 1] == '/') {
        out->key[--len] = '\0';
    }
    if (cache != NULL) {
        size_t n = strlen(cache);
        bool printable = n > 0 && n <= WK_DEPLOY_META_MAX;
        for (size_t i = 0; printable && i < n; i++) {
            printable = cache[i] >= 0x20 && cache[i] < 0x7f;
        }
        if (!printable) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "CacheControl is empty, longer than %d bytes or not printable "
                                    "ASCII",
                                    WK_DEPLOY_META_MAX);
        }
        memcpy(out->cache_control, cache, n + 1);
    }
    if (acl != NULL) {
        size_t i = 0;
        while (i < sizeof acls / sizeof acls[0] && strcmp(acl, acls[i]) != 0) {
            i++;
        }
        if (i == sizeof acls / sizeof acls[0]) {
            return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                    "CannedACL \"%.64s\" is not one of S3's canned ACLs", acl);
        }
        snprintf(out->canned_acl, sizeof out->canned_acl, "%s", acl);
    }
    return 0;
}

int wk_deploy_object_key(const wk_deploy_store *d, const char *relpath, char *out, size_t outlen)
{
    int n = d->key[0] != '\0' ? snprintf(out, outlen, "%s/%s", d->key, relpath)
                              : snprintf(out, outlen, "%s", relpath);
    if (n < 0 || (size_t)n >= outlen || n > WK_DEPLOY_KEY_MAX) {
        return SLUICE_ETOOBIG;
    }
    return 0;
}

int wk_deploy_staging_key(const char *job_id, const char *key, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s%s/%s", WK_DEPLOY_STAGING_PREFIX, job_id, key);
    if (n < 0 || (size_t)n >= outlen || n > WK_DEPLOY_KEY_MAX) {
        return SLUICE_ETOOBIG;
    }
    return 0;
}

const char *wk_deploy_content_type(const char *relpath)
{
    static const char *const types[][2] = {
        {"html", "text/html"},       {"htm", "text/html"},
        {"css", "text/css"},         {"js", "text/javascript"},
        {"mjs", "text/javascript"},  {"json", "application/json"},
        {"map", "application/json"}, {"svg", "image/svg+xml"},
        {"png", "image/png"},        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},      {"gif", "image/gif"},
        {"webp", "image/webp"},      {"ico", "image/vnd.microsoft.icon"},
        {"txt", "text/plain"},       {"md", "text/markdown"},
        {"xml", "application/xml"},  {"wasm", "application/wasm"},
        {"zip", "application/zip"},  {"pdf", "application/pdf"},
        {"woff", "font/woff"},       {"woff2", "font/woff2"},
    };
    const char *base = strrchr(relpath, '/');
    base = base != NULL ? base + 1 : relpath;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base) {
        return "application/octet-stream";
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcasecmp(dot + 1, types[i][0]) == 0) {
            return types[i][1];
        }
    }
    return "application/octet-stream";
}
