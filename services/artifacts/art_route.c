/*
 * art_route.c — S3 REST routing (see art_route.h).
 */
#include "art_route.h"

#include "sluice/error.h"

#include <string.h>
#include <strings.h>

static const char *const route_names[] = {
#define ART_ROUTE_NAME(name, text) text,
    ART_ROUTE_OPS(ART_ROUTE_NAME)
#undef ART_ROUTE_NAME
};

const char *art_route_op_name(art_route_op op)
{
    return op >= 0 && op < ART_OP_COUNT ? route_names[op] : "Unknown";
}

static bool route_has(const http_pair *query, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(query[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static const char *route_value(const http_pair *query, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(query[i].name, name) == 0) {
            return query[i].value;
        }
    }
    return NULL;
}

/* Whether a query parameter is a presigned URL's authentication (X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Signature, X-Amz-Security-Token, ...): aws_s3auth reads those;
 * they name no sub-resource, so routing passes over them. */
static bool route_is_auth(const char *name)
{
    return strncmp(name, "X-Amz-", 6) == 0;
}

/* The number of query parameters that are not authentication. */
static size_t route_params(const http_pair *query, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        n += route_is_auth(query[i].name) ? 0 : 1;
    }
    return n;
}

/* The bucket Host names under domain, written into bucket, or false. */
static bool route_vhost(const char *host, const char *domain, char *bucket, size_t size)
{
    if (host == NULL || domain == NULL || domain[0] == '\0') {
        return false;
    }
    size_t hlen = strcspn(host, ":");
    size_t dlen = strlen(domain);
    if (hlen <= dlen + 1 || host[hlen - dlen - 1] != '.' ||
        strncasecmp(host + hlen - dlen, domain, dlen) != 0) {
        return false;
    }
    size_t blen = hlen - dlen - 1;
    if (blen >= size) {
        blen = size - 1; /* too long: invalid whatever it is */
    }
    for (size_t i = 0; i < blen; i++) {
        char c = host[i];
        bucket[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    bucket[blen] = '\0';
    return true;
}

static art_route_op route_bucket_op(const char *method, const http_pair *query, size_t n)
{
    if (strcmp(method, "GET") == 0) {
        if (route_has(query, n, "versioning")) {
            return ART_OP_GET_BUCKET_VERSIONING;
        }
        if (route_has(query, n, "location")) {
            return ART_OP_GET_BUCKET_LOCATION;
        }
        if (route_has(query, n, "versions")) {
            return ART_OP_LIST_OBJECT_VERSIONS;
        }
        if (route_has(query, n, "uploads")) {
            return ART_OP_LIST_MULTIPART_UPLOADS;
        }
        const char *type = route_value(query, n, "list-type");
        if (type != NULL && strcmp(type, "2") == 0) {
            return ART_OP_LIST_OBJECTS_V2;
        }
        for (size_t i = 0; i < n; i++) { /* other sub-resources (acl, policy, ...) */
            const char *name = query[i].name;
            if (!route_is_auth(name) && strcmp(name, "prefix") != 0 &&
                strcmp(name, "delimiter") != 0 && strcmp(name, "marker") != 0 &&
                strcmp(name, "max-keys") != 0 && strcmp(name, "encoding-type") != 0 &&
                strcmp(name, "list-type") != 0) {
                return ART_OP_UNKNOWN;
            }
        }
        return ART_OP_LIST_OBJECTS;
    }
    if (strcmp(method, "PUT") == 0) {
        if (route_has(query, n, "versioning")) {
            return ART_OP_PUT_BUCKET_VERSIONING;
        }
        return route_params(query, n) == 0 ? ART_OP_CREATE_BUCKET : ART_OP_UNKNOWN;
    }
    if (strcmp(method, "HEAD") == 0) {
        return ART_OP_HEAD_BUCKET;
    }
    if (strcmp(method, "DELETE") == 0) {
        return route_params(query, n) == 0 ? ART_OP_DELETE_BUCKET : ART_OP_UNKNOWN;
    }
    if (strcmp(method, "POST") == 0 && route_has(query, n, "delete")) {
        return ART_OP_DELETE_OBJECTS;
    }
    return ART_OP_UNKNOWN;
}

static art_route_op route_object_op(const char *method, const http_pair *query, size_t n, bool copy)
{
    bool upload = route_has(query, n, "uploadId");
    if (strcmp(method, "PUT") == 0) {
        if (upload && route_has(query, n, "partNumber")) {
            return copy ? ART_OP_UPLOAD_PART_COPY : ART_OP_UPLOAD_PART;
        }
        if (upload) {
            return ART_OP_UNKNOWN;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(query[i].name, "x-id") != 0 && !route_is_auth(query[i].name)) {
                return ART_OP_UNKNOWN; /* tagging, acl, retention, ... */
            }
        }
        return copy ? ART_OP_COPY_OBJECT : ART_OP_PUT_OBJECT;
    }
    if (strcmp(method, "POST") == 0) {
        if (route_has(query, n, "uploads")) {
            return ART_OP_CREATE_MULTIPART_UPLOAD;
        }
        return upload ? ART_OP_COMPLETE_MULTIPART_UPLOAD : ART_OP_UNKNOWN;
    }
    if (strcmp(method, "GET") == 0) {
        if (upload) {
            return ART_OP_LIST_PARTS;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(query[i].name, "versionId") != 0 && strcmp(query[i].name, "x-id") != 0 &&
                strncmp(query[i].name, "response-", 9) != 0 &&
                strcmp(query[i].name, "partNumber") != 0 && !route_is_auth(query[i].name)) {
                return ART_OP_UNKNOWN;
            }
        }
        return ART_OP_GET_OBJECT;
    }
    if (strcmp(method, "HEAD") == 0) {
        return ART_OP_HEAD_OBJECT;
    }
    if (strcmp(method, "DELETE") == 0) {
        return upload ? ART_OP_ABORT_MULTIPART_UPLOAD : ART_OP_DELETE_OBJECT;
    }
    return ART_OP_UNKNOWN;
}

int art_route_resolve(const char *method, const char *path, const http_pair *query,
                      size_t query_count, const char *host, bool has_copy_source,
                      const char *vhost_domain, art_route *out)
{
    memset(out, 0, sizeof *out);
    if (path == NULL || path[0] != '/') {
        return SLUICE_ENOTFOUND;
    }
    const char *key = NULL;
    if (route_vhost(host, vhost_domain, out->bucket, sizeof out->bucket)) {
        key = path + 1;
    } else {
        const char *start = path + 1;
        size_t blen = strcspn(start, "/");
        if (blen == 0) {
            if (strcmp(method, "GET") != 0 || start[0] != '\0') {
                return SLUICE_ENOTFOUND;
            }
            out->op = ART_OP_LIST_BUCKETS;
            return SLUICE_OK;
        }
        if (blen > ART_KEYPATH_BUCKET_MAX) {
            return SLUICE_EINVAL;
        }
        memcpy(out->bucket, start, blen);
        out->bucket[blen] = '\0';
        key = start[blen] == '/' ? start + blen + 1 : start + blen;
    }
    if (!art_keypath_bucket_valid(out->bucket)) {
        return SLUICE_EINVAL;
    }
    art_route_op op = ART_OP_UNKNOWN;
    if (key[0] == '\0') {
        op = route_bucket_op(method, query, query_count);
    } else {
        if (!art_keypath_key_valid(key)) {
            return SLUICE_ETOOBIG;
        }
        memcpy(out->key, key, strlen(key) + 1);
        op = route_object_op(method, query, query_count, has_copy_source);
    }
    if (op == ART_OP_UNKNOWN) {
        memset(out, 0, sizeof *out);
        return SLUICE_ENOTFOUND;
    }
    out->op = op;
    return SLUICE_OK;
}
