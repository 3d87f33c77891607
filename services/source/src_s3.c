/*
 * src_s3.c — AWS/S3 sources' revisions, variables and failures (see
 * src_s3.h). Names and shapes: the CodePipeline S3 source action reference
 * (reference §1.5: output variables ETag and VersionId).
 */
#include "src_s3.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool src_s3_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x21 || (unsigned char)*s == 0x7f) {
            return false;
        }
    }
    return true;
}

int src_s3_version_id_ok(const char *text)
{
    size_t n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > SRC_S3_REVISION_MAX || strncmp(text, "etag:", 5) == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

void src_s3_etag(const char *etag, char out[SRC_S3_ETAG_MAX + 1])
{
    out[0] = '\0';
    if (etag == NULL) {
        return;
    }
    size_t n = strlen(etag);
    if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"') {
        etag++;
        n -= 2;
    }
    if (n <= SRC_S3_ETAG_MAX) {
        memcpy(out, etag, n);
        out[n] = '\0';
    }
}

int src_s3_revision(const char *version_id, const char *etag, char out[SRC_S3_REVISION_MAX + 1])
{
    out[0] = '\0';
    if (version_id != NULL && strcmp(version_id, "null") != 0) {
        if (!src_s3_version_id_ok(version_id)) {
            return SLUICE_EINVAL;
        }
        snprintf(out, SRC_S3_REVISION_MAX + 1, "%s", version_id);
        return 0;
    }
    char bare[SRC_S3_ETAG_MAX + 1];
    src_s3_etag(etag, bare);
    if (bare[0] == '\0' || !src_s3_printable(bare) || strlen(bare) + 5 > SRC_S3_REVISION_MAX) {
        return SLUICE_EINVAL;
    }
    snprintf(out, SRC_S3_REVISION_MAX + 1, "etag:%s", bare);
    return 0;
}

int src_s3_revision_is_version(const char *revision)
{
    return revision != NULL && strncmp(revision, "etag:", 5) != 0 && revision[0] != '\0';
}

void src_s3_detail(const char *bucket, const char *key, char *out, size_t outlen)
{
    snprintf(out, outlen, "arn:aws:s3:::%s/%s", bucket, key);
}

void src_s3_failure(int rc, const http_client_response *resp, const char *bucket, const char *key,
                    const char *version_id, int64_t max_bytes, const char *why,
                    src_failure_type *type, char *message, size_t messagelen)
{
    const char *body = resp != NULL ? sluice_buf_cstr(&resp->body) : "";
    char version[SRC_S3_REVISION_MAX + 32] = "";
    if (version_id != NULL) {
        snprintf(version, sizeof version, " (version %s)", version_id);
    }
    if (rc == SLUICE_ENOTFOUND && strstr(body, "<Code>NoSuchBucket</Code>") != NULL) {
        *type = SRC_FAILURE_CONFIGURATION;
        snprintf(message, messagelen,
                 "The bucket %s (S3Bucket) does not exist in the artifact store; create it with "
                 "versioning enabled or change the action's S3Bucket (object key %s)",
                 bucket, key);
    } else if (rc == SLUICE_ENOTFOUND && version_id != NULL) {
        *type = SRC_FAILURE_REVISION_UNAVAILABLE;
        snprintf(message, messagelen,
                 "The object s3://%s/%s%s is not in the artifact store (deleted, or never that "
                 "version); upload it again or start the pipeline with another version",
                 bucket, key, version);
    } else if (rc == SLUICE_ENOTFOUND) {
        *type = SRC_FAILURE_REVISION_UNAVAILABLE;
        snprintf(message, messagelen,
                 "The object s3://%s/%s (S3ObjectKey) does not exist in the artifact store or was "
                 "deleted; upload it or change the action's S3ObjectKey",
                 bucket, key);
    } else if (rc == SLUICE_EDENIED) {
        *type = SRC_FAILURE_PERMISSION;
        snprintf(message, messagelen,
                 "The artifact store refused sluice-source's key for s3://%s/%s (%s); check "
                 "SLUICE_SOURCE_S3_KEY_FILE and the store's SLUICE_ARTIFACTS_CREDENTIALS",
                 bucket, key, why);
    } else if (rc == SLUICE_ETOOBIG) {
        *type = SRC_FAILURE_JOB_FAILED;
        snprintf(message, messagelen,
                 "The object s3://%s/%s%s is larger than %lld bytes; raise "
                 "SLUICE_SOURCE_ZIP_MAX_BYTES or upload a smaller object",
                 bucket, key, version, (long long)max_bytes);
    } else if (rc == SLUICE_EINVAL) {
        *type = SRC_FAILURE_CONFIGURATION;
        snprintf(message, messagelen, "The object s3://%s/%s%s cannot be read: %s", bucket, key,
                 version, why);
    } else {
        *type = SRC_FAILURE_SYSTEM_UNAVAILABLE;
        snprintf(message, messagelen, "Reading s3://%s/%s%s from the artifact store failed: %s",
                 bucket, key, version, why);
    }
}

json_t *src_s3_variables(const char *etag, const char *version_id)
{
    char bare[SRC_S3_ETAG_MAX + 1];
    src_s3_etag(etag, bare);
    return json_pack("{s:s, s:s}", "ETag", bare, "VersionId",
                     version_id != NULL ? version_id : "null");
}

json_t *src_s3_revision_document(const char *bucket, const char *key, const char *version_id,
                                 int64_t created_s, char *summary, size_t summarylen)
{
    const char *id = version_id != NULL ? version_id : "null";
    snprintf(summary, summarylen, "s3://%s/%s version %s", bucket, key, id);
    return json_pack("{s:s, s:s, s:I, s:s}", "revision", id, "changeIdentifier", id, "created",
                     (json_int_t)created_s, "revisionSummary", summary);
}

int64_t src_s3_http_date(const char *text)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = "";
    int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
    if (text == NULL ||
        sscanf(text, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &day, mon, &year, &hh, &mm, &ss) != 6) {
        return 0;
    }
    const char *at = strstr(months, mon);
    if (at == NULL || strlen(mon) != 3 || (at - months) % 3 != 0 || year < 1970 || day < 1 ||
        day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) {
        return 0;
    }
    int m = (int)((at - months) / 3) + 1;
    /* days from the civil date (Howard Hinnant's algorithm) */
    int y = year - (m <= 2);
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return days * 86400 + hh * 3600 + mm * 60 + ss;
}
