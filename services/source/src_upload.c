/*
 * src_upload.c — PutObject of a source artifact (see src_upload.h). Signing
 * is libs/aws aws_sigv4_sign with the service name "s3"; keys hold only the
 * characters CodePipeline's artifact keys hold, sent unescaped, so the
 * generic canonical URI and S3's agree.
 */
#include "src_upload.h"

#include "sluice/aws_sigv4.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SRC_UPLOAD_URL_MAX 2400

static bool src_upload_name_ok(const char *s, bool slash)
{
    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '~' || c == '@' || (slash && c == '/');
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The host[:port] of an http(s) endpoint, into out. */
static bool src_upload_host(const char *endpoint, char *out, size_t outlen)
{
    const char *rest = strncmp(endpoint, "https://", 8) == 0  ? endpoint + 8
                       : strncmp(endpoint, "http://", 7) == 0 ? endpoint + 7
                                                              : NULL;
    if (rest == NULL) {
        return false;
    }
    size_t n = strcspn(rest, "/");
    if (n == 0 || n >= outlen) {
        return false;
    }
    memcpy(out, rest, n);
    out[n] = '\0';
    return true;
}

int src_upload_put(http_client *client, const src_upload_target *target, const char *path,
                   int64_t max_bytes, int64_t now_ms, char *err, size_t errlen)
{
    char host[256];
    if (!src_upload_host(target->endpoint, host, sizeof host) ||
        !src_upload_name_ok(target->bucket, false) || !src_upload_name_ok(target->key, true) ||
        strstr(target->key, "..") != NULL || target->key[0] == '/') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL,
                                "the artifact location %s/%s at %s cannot be uploaded to",
                                target->bucket != NULL ? target->bucket : "",
                                target->key != NULL ? target->key : "", target->endpoint);
    }
    sluice_buf body;
    sluice_buf_init(&body, (size_t)max_bytes);
    int rc = sluice_fs_read_file(path, &body);
    if (rc != 0) {
        sluice_buf_free(&body);
        return sluice_error_set(err, errlen, rc == SLUICE_ETOOBIG ? SLUICE_ETOOBIG : SLUICE_EIO,
                                "reading the artifact %s: %s", path, sluice_strerror(rc));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char hash[AWS_SIGV4_HEX_LEN + 1];
    EVP_Digest(body.data != NULL ? body.data : "", body.len, digest, &dlen, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < dlen && i < 32; i++) {
        snprintf(hash + 2 * i, 3, "%02x", digest[i]);
    }
    char uri[SRC_UPLOAD_URL_MAX];
    snprintf(uri, sizeof uri, "/%s/%s", target->bucket, target->key);
    http_pair headers[6];
    size_t n = 0;
    headers[n++] = (http_pair){"Host", host};
    headers[n++] = (http_pair){"X-Amz-Content-SHA256", hash};
    headers[n++] = (http_pair){"Content-Type", "application/zip"};
    if (target->session_token != NULL && target->session_token[0] != '\0') {
        headers[n++] = (http_pair){"X-Amz-Security-Token", target->session_token};
    }
    aws_sigv4_signature_headers sig;
    rc = aws_sigv4_sign(target->access_key_id, target->secret_access_key, target->region, "s3",
                        "PUT", uri, NULL, 0, headers, n, body.data, body.len, now_ms, &sig);
    if (rc != 0) {
        sluice_buf_free(&body);
        return sluice_error_set(err, errlen, rc, "signing the upload of %s/%s: %s", target->bucket,
                                target->key, sluice_strerror(rc));
    }
    headers[n++] = (http_pair){"X-Amz-Date", sig.amz_date};
    headers[n++] = (http_pair){"Authorization", sig.authorization};
    char url[SRC_UPLOAD_URL_MAX + 300];
    size_t base = strlen(target->endpoint);
    while (base > 0 && target->endpoint[base - 1] == '/') {
        base--;
    }
    snprintf(url, sizeof url, "%.*s%s", (int)base, target->endpoint, uri);
    http_client_response resp;
    char why[256] = "";
    rc = http_client_request(client, "PUT", url, headers, n, body.data, body.len, &resp, why,
                             sizeof why);
    sluice_buf_free(&body);
    if (rc != 0) {
        http_client_response_free(&resp);
        return sluice_error_set(err, errlen, SLUICE_EIO,
                                "the artifact store at %s did not take the upload: %s",
                                target->endpoint, why);
    }
    long status = resp.status;
    char code[128] = "";
    const char *text = sluice_buf_cstr(&resp.body);
    const char *open = text != NULL ? strstr(text, "<Code>") : NULL;
    if (open != NULL) {
        size_t len = strcspn(open + 6, "<");
        snprintf(code, sizeof code, "%.*s", (int)(len < 100 ? len : 100), open + 6);
    }
    http_client_response_free(&resp);
    if (status == 200) {
        return 0;
    }
    return sluice_error_set(err, errlen, status == 403 ? SLUICE_EDENIED : SLUICE_EIO,
                            "the artifact store answered %ld %s to the upload of %s/%s", status,
                            code, target->bucket, target->key);
}
