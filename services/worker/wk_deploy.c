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
                                "(SLUICE_WORKER_DEPLOY_DIRS)",
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
