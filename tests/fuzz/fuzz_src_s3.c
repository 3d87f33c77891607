/*
 * fuzz_src_s3.c — libFuzzer target over the parts of src_s3.h (services/source)
 * that read the artifact store's answers: the revision of an object from its
 * x-amz-version-id and ETag headers, the ETag unquoted, the Last-Modified date,
 * and the failure message of an error body. The input is three header values
 * separated by newlines (version id, ETag, Last-Modified), then the body.
 * Beyond not crashing: a revision is a version id src_s3_version_id_ok accepts
 * or "etag:" + at most SRC_S3_ETAG_MAX bytes, never empty; a date is 0 or not
 * before 1970.
 */
#include "src_s3.h"

#include "sluice/buf.h"
#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) {
        return 0;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *fields[3] = {NULL, NULL, NULL};
    char *rest = text;
    for (int i = 0; i < 3 && rest != NULL; i++) {
        fields[i] = rest;
        char *nl = strchr(rest, '\n');
        if (nl != NULL) {
            *nl = '\0';
            rest = nl + 1;
        } else {
            rest = NULL;
        }
    }
    char rev[SRC_S3_REVISION_MAX + 1];
    if (src_s3_revision(fields[0], fields[1], rev) == 0) {
        if (rev[0] == '\0' || strlen(rev) > SRC_S3_REVISION_MAX) {
            abort();
        }
        if (src_s3_revision_is_version(rev) ? !src_s3_version_id_ok(rev)
                                            : strncmp(rev, "etag:", 5) != 0) {
            abort();
        }
    } else if (rev[0] != '\0') {
        abort();
    }
    char etag[SRC_S3_ETAG_MAX + 1];
    src_s3_etag(fields[1], etag);
    if (strlen(etag) > SRC_S3_ETAG_MAX) {
        abort();
    }
    int64_t when = src_s3_http_date(fields[2]);
    if (when < 0) {
        abort();
    }
    http_client_response resp;
    memset(&resp, 0, sizeof resp);
    sluice_buf_init(&resp.body, 65536 + 1);
    if (rest != NULL) {
        (void)sluice_buf_append_str(&resp.body, rest);
    }
    static const int codes[] = {SLUICE_ENOTFOUND, SLUICE_EDENIED, SLUICE_ETOOBIG, SLUICE_EINVAL,
                                SLUICE_EIO};
    src_failure_type type;
    char message[1024];
    src_s3_failure(codes[size % 5], &resp, "bucket", fields[0] != NULL ? fields[0] : "", fields[1],
                   1024, "why", &type, message, sizeof message);
    sluice_buf_free(&resp.body);
    free(text);
    return 0;
}
