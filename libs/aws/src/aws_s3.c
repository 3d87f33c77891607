/*
 * aws_s3.c — the artifact store's S3 calls, SigV4-signed (see aws_s3.h).
 */
#include "sluice/aws_s3.h"

#include "sluice/aws_sigv4.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AWS_S3_EXTRA_MAX   4 /* extra signed headers of one request */
#define AWS_S3_HEADERS_MAX (4 + AWS_S3_EXTRA_MAX)

static int aws_s3_pair_cmp(const void *a, const void *b)
{
    return strcmp(((const http_pair *)a)->name, ((const http_pair *)b)->name);
}

int aws_s3_init(aws_s3 *s3, const char *endpoint, const char *region, size_t max_bytes,
                long timeout_ms, char *err, size_t errlen)
{
    memset(s3, 0, sizeof *s3);
    const char *rest = NULL;
    if (strncmp(endpoint, "http://", 7) == 0) {
        rest = endpoint + 7;
    } else if (strncmp(endpoint, "https://", 8) == 0) {
        rest = endpoint + 8;
    }
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/') {
        n--;
    }
    if (rest == NULL || rest[0] == '\0' || n >= sizeof s3->endpoint ||
        strlen(region) >= sizeof s3->region) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the artifact store endpoint \"%s\" is not http(s)://host[:port]",
                                endpoint);
    }
    memcpy(s3->endpoint, endpoint, n);
    s3->endpoint[n] = '\0';
    size_t hlen = strcspn(rest, "/");
    if (hlen == 0 || hlen >= sizeof s3->host) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the artifact store endpoint \"%s\" names no host", endpoint);
    }
    memcpy(s3->host, rest, hlen);
    s3->host[hlen] = '\0';
    memcpy(s3->region, region, strlen(region) + 1);
    http_client_config cfg;
    http_client_config_defaults(&cfg);
    cfg.max_response = max_bytes;
    cfg.timeout_ms = timeout_ms;
    cfg.user_agent = "sluice";
    s3->client = http_client_new(&cfg, err, errlen);
    return s3->client != NULL ? 0 : SLUICE_ENOMEM;
}

void aws_s3_release(aws_s3 *s3)
{
    http_client_free(s3->client);
    s3->client = NULL;
}

/*
 * Builds the URL and the signed headers of one request: host,
 * x-amz-content-sha256, x-amz-date, x-amz-security-token (when the
 * credentials carry a session token) and the extra headers (lower-case
 * names), sorted by name as SigV4 wants them. signed_out receives the
 * signed header names joined with ';'.
 */
static int aws_s3_sign(const aws_s3 *s3, const aws_s3_cred *cred, const char *method,
                       const char *bucket, const char *key, const char *version_id,
                       const void *body, size_t len, const http_pair *extra, size_t nextra,
                       sluice_buf *url, char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1],
                       char hash[AWS_SIGV4_HEX_LEN + 1], sluice_buf *signed_out,
                       sluice_buf *authorization)
{
    sluice_buf path;
    sluice_buf uri;
    sluice_buf canonical;
    sluice_buf to_sign;
    sluice_buf_init(&path, 4096);
    sluice_buf_init(&uri, 8192);
    sluice_buf_init(&canonical, 16384);
    sluice_buf_init(&to_sign, 1024);
    char err[256];
    char scope[160];
    char signature[AWS_SIGV4_HEX_LEN + 1];
    unsigned char signing_key[AWS_SIGV4_KEY_LEN];
    int rc = nextra <= AWS_S3_EXTRA_MAX ? 0 : SLUICE_ETOOBIG;
    rc = rc ? rc : sluice_buf_append_str(&path, "/");
    rc = rc ? rc : aws_sigv4_uri_encode(bucket, strlen(bucket), 0, &path);
    rc = rc ? rc : sluice_buf_append_str(&path, "/");
    rc = rc ? rc : aws_sigv4_uri_encode(key, strlen(key), 1, &path);
    rc = rc ? rc : aws_sigv4_s3_canonical_uri(sluice_buf_cstr(&path), &uri);
    rc = rc ? rc : aws_sigv4_format_amz_date(sluice_time_now_ms(), amz_date);
    aws_sigv4_sha256_hex(body != NULL ? body : "", len, hash);
    http_pair headers[AWS_S3_HEADERS_MAX] = {
        {"host", s3->host},
        {"x-amz-content-sha256", hash},
        {"x-amz-date", amz_date},
    };
    size_t nheaders = 3;
    if (cred->session_token != NULL) {
        headers[nheaders++] = (http_pair){"x-amz-security-token", cred->session_token};
    }
    for (size_t i = 0; rc == 0 && i < nextra; i++) {
        headers[nheaders++] = extra[i];
    }
    qsort(headers, nheaders, sizeof headers[0], aws_s3_pair_cmp);
    for (size_t i = 0; rc == 0 && i < nheaders; i++) {
        rc = sluice_buf_appendf(signed_out, "%s%s", i > 0 ? ";" : "", headers[i].name);
    }
    if (rc == 0) {
        http_pair query[1] = {{"versionId", version_id != NULL ? version_id : ""}};
        rc = aws_sigv4_canonical_request_uri(
            method, sluice_buf_cstr(&uri), query, version_id != NULL ? 1 : 0, headers, nheaders,
            sluice_buf_cstr(signed_out), hash, &canonical, err, sizeof err);
    }
    snprintf(scope, sizeof scope, "%.8s/%s/s3/%s", amz_date, s3->region, AWS_SIGV4_TERMINATOR);
    rc = rc ? rc
            : aws_sigv4_string_to_sign(amz_date, scope, sluice_buf_cstr(&canonical), canonical.len,
                                       &to_sign);
    char date[9];
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    rc = rc ? rc
            : aws_sigv4_signing_key(cred->secret_access_key, date, s3->region, "s3", signing_key);
    rc = rc ? rc
            : aws_sigv4_signature(signing_key, sluice_buf_cstr(&to_sign), to_sign.len, signature);
    rc = rc ? rc
            : sluice_buf_appendf(authorization,
                                 "%s Credential=%s/%s, SignedHeaders=%s, "
                                 "Signature=%s",
                                 AWS_SIGV4_ALGORITHM, cred->access_key_id, scope,
                                 sluice_buf_cstr(signed_out), signature);
    rc = rc ? rc : sluice_buf_appendf(url, "%s%s", s3->endpoint, sluice_buf_cstr(&path));
    if (rc == 0 && version_id != NULL) {
        rc = sluice_buf_append_str(url, "?versionId=");
        rc = rc ? rc : aws_sigv4_uri_encode(version_id, strlen(version_id), 0, url);
    }
    explicit_bzero(signing_key, sizeof signing_key);
    sluice_buf_free(&path);
    sluice_buf_free(&uri);
    sluice_buf_free(&canonical);
    sluice_buf_free(&to_sign);
    return rc;
}

/* The <Code> of an S3 error body, or "" (for messages). */
static void aws_s3_error_code(const http_client_response *resp, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *body = sluice_buf_cstr(&resp->body);
    const char *start = strstr(body, "<Code>");
    const char *end = start != NULL ? strstr(start, "</Code>") : NULL;
    if (start != NULL && end != NULL) {
        start += 6;
        size_t n = (size_t)(end - start);
        if (n >= outlen) {
            n = outlen - 1;
        }
        memcpy(out, start, n);
        out[n] = '\0';
    }
}

static int aws_s3_request(aws_s3 *s3, const aws_s3_cred *cred, const char *method,
                          const char *bucket, const char *key, const char *version_id,
                          const void *body, size_t len, const char *content_type,
                          const http_pair *extra, size_t nextra, http_client_response *out,
                          char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    sluice_buf url;
    sluice_buf authorization;
    sluice_buf signed_names;
    sluice_buf_init(&url, 8192);
    sluice_buf_init(&authorization, AWS_SIGV4_AUTHORIZATION_MAX);
    sluice_buf_init(&signed_names, 1024);
    char amz_date[AWS_SIGV4_AMZ_DATE_LEN + 1];
    char hash[AWS_SIGV4_HEX_LEN + 1];
    int rc = aws_s3_sign(s3, cred, method, bucket, key, version_id, body, len, extra, nextra, &url,
                         amz_date, hash, &signed_names, &authorization);
    sluice_buf_free(&signed_names);
    if (rc != 0) {
        sluice_buf_free(&url);
        sluice_buf_free(&authorization);
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "cannot sign the request for %s/%s (%s)", bucket, key,
                                sluice_strerror(rc));
    }
    http_pair headers[6 + AWS_S3_EXTRA_MAX] = {
        {"Host", s3->host},
        {"X-Amz-Content-SHA256", hash},
        {"X-Amz-Date", amz_date},
        {"Authorization", sluice_buf_cstr(&authorization)},
    };
    size_t nheaders = 4;
    if (cred->session_token != NULL) {
        headers[nheaders++] = (http_pair){"X-Amz-Security-Token", cred->session_token};
    }
    if (body != NULL) {
        headers[nheaders++] =
            (http_pair){"Content-Type", content_type != NULL ? content_type : "application/zip"};
    }
    for (size_t i = 0; i < nextra; i++) {
        headers[nheaders++] = extra[i];
    }
    char why[512] = "";
    rc = http_client_request(s3->client, method, sluice_buf_cstr(&url), headers, nheaders, body,
                             len, out, why, sizeof why);
    sluice_buf_free(&url);
    sluice_buf_free(&authorization);
    if (rc == SLUICE_ETOOBIG) {
        return sluice_error_set(err, errlen, rc, "%s/%s is larger than the client takes (%s)",
                                bucket, key, why);
    }
    if (rc != 0) {
        return sluice_error_set(err, errlen, SLUICE_EIO,
                                "the artifact store did not answer for %s/%s: %s", bucket, key,
                                why);
    }
    if (out->status == 200 || (out->status == 204 && strcmp(method, "DELETE") == 0)) {
        return 0;
    }
    char code[64];
    aws_s3_error_code(out, code, sizeof code);
    int result = out->status == 404   ? SLUICE_ENOTFOUND
                 : out->status == 403 ? SLUICE_EDENIED
                                      : SLUICE_EIO;
    return sluice_error_set(err, errlen, result, "the artifact store answered %ld%s%s for %s/%s",
                            out->status, code[0] != '\0' ? " " : "", code, bucket, key);
}

int aws_s3_get(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
               http_client_response *out, char *err, size_t errlen)
{
    return aws_s3_request(s3, cred, "GET", bucket, key, NULL, NULL, 0, NULL, NULL, 0, out, err,
                          errlen);
}

int aws_s3_get_from(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                    unsigned long long from, http_client_response *out, char *err, size_t errlen)
{
    char range[64];
    snprintf(range, sizeof range, "bytes=%llu-", from);
    http_pair extra[1] = {{"Range", range}};
    char why[512] = "";
    int rc = aws_s3_request(s3, cred, "GET", bucket, key, NULL, NULL, 0, NULL, extra, 1, out, why,
                            sizeof why);
    if (rc == 0 || out->status == 206) {
        return 0;
    }
    if (out->status == 416) { /* nothing at from yet */
        sluice_buf_free(&out->body);
        sluice_buf_init(&out->body, 1);
        return 0;
    }
    return sluice_error_set(err, errlen, rc, "%s", why);
}

int aws_s3_put(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
               const void *body, size_t len, char *err, size_t errlen)
{
    http_client_response resp;
    int rc = aws_s3_request(s3, cred, "PUT", bucket, key, NULL, body != NULL ? body : "", len, NULL,
                            NULL, 0, &resp, err, errlen);
    http_client_response_free(&resp);
    return rc;
}

int aws_s3_put_object(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                      const void *body, size_t len, const aws_s3_meta *meta, char *err,
                      size_t errlen)
{
    http_pair extra[AWS_S3_EXTRA_MAX];
    size_t nextra = 0;
    if (meta != NULL && meta->cache_control != NULL) {
        extra[nextra++] = (http_pair){"x-amz-meta-cache-control", meta->cache_control};
    }
    if (meta != NULL && meta->canned_acl != NULL) {
        extra[nextra++] = (http_pair){"x-amz-meta-canned-acl", meta->canned_acl};
    }
    http_client_response resp;
    int rc =
        aws_s3_request(s3, cred, "PUT", bucket, key, NULL, body != NULL ? body : "", len,
                       meta != NULL ? meta->content_type : NULL, extra, nextra, &resp, err, errlen);
    http_client_response_free(&resp);
    return rc;
}

int aws_s3_copy(aws_s3 *s3, const aws_s3_cred *cred, const char *src_bucket, const char *src_key,
                const char *bucket, const char *key, char *err, size_t errlen)
{
    sluice_buf source;
    sluice_buf_init(&source, 4096);
    int rc = sluice_buf_append_str(&source, "/");
    rc = rc ? rc : aws_sigv4_uri_encode(src_bucket, strlen(src_bucket), 0, &source);
    rc = rc ? rc : sluice_buf_append_str(&source, "/");
    rc = rc ? rc : aws_sigv4_uri_encode(src_key, strlen(src_key), 1, &source);
    if (rc != 0) {
        sluice_buf_free(&source);
        return sluice_error_set(err, errlen, rc, "the copy source %s/%s is too long", src_bucket,
                                src_key);
    }
    http_pair extra[] = {{"x-amz-copy-source", sluice_buf_cstr(&source)}};
    http_client_response resp;
    rc = aws_s3_request(s3, cred, "PUT", bucket, key, NULL, "", 0, NULL, extra, 1, &resp, err,
                        errlen);
    /* S3 may answer 200 with an <Error> document to a copy that failed late */
    if (rc == 0 && strstr(sluice_buf_cstr(&resp.body), "<Error>") != NULL) {
        rc = sluice_error_set(err, errlen, SLUICE_EIO, "the copy to %s/%s failed", bucket, key);
    }
    http_client_response_free(&resp);
    sluice_buf_free(&source);
    return rc;
}

int aws_s3_delete(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                  char *err, size_t errlen)
{
    http_client_response resp;
    int rc = aws_s3_request(s3, cred, "DELETE", bucket, key, NULL, NULL, 0, NULL, NULL, 0, &resp,
                            err, errlen);
    http_client_response_free(&resp);
    return rc;
}

int aws_s3_get_version(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                       const char *version_id, http_client_response *out, char *err, size_t errlen)
{
    return aws_s3_request(s3, cred, "GET", bucket, key, version_id, NULL, 0, NULL, NULL, 0, out,
                          err, errlen);
}

int aws_s3_head(aws_s3 *s3, const aws_s3_cred *cred, const char *bucket, const char *key,
                const char *version_id, http_client_response *out, char *err, size_t errlen)
{
    return aws_s3_request(s3, cred, "HEAD", bucket, key, version_id, NULL, 0, NULL, NULL, 0, out,
                          err, errlen);
}
