/*
 * orch_idkey.c — loads the orchestrator's id key file (see orch_idkey.h).
 */
#include "orch_idkey.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/hex.h"
#include "sluice/fs.h"

#include <openssl/crypto.h>
#include <stdbool.h>

#define IDKEY_FILE_MAX 1024

static bool idkey_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes the trimmed hex text; the number of bytes, or -1. */
static long idkey_decode(const char *text, size_t len, unsigned char *key)
{
    while (len > 0 && idkey_blank(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && idkey_blank(text[len - 1])) {
        len--;
    }
    if (len % 2 != 0 || len / 2 < ORCH_IDKEY_MIN || len / 2 > ORCH_IDKEY_MAX) {
        return -1;
    }
    return sluice_hex_decode(text, len, key, ORCH_IDKEY_MAX);
}

int orch_idkey_load(const char *path, unsigned char *key, size_t *key_len, char *err, size_t errlen)
{
    *key_len = 0;
    int rc = sluice_fs_check_private(path, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, IDKEY_FILE_MAX);
    rc = sluice_fs_read_file(path, &buf);
    if (rc == SLUICE_ETOOBIG) {
        sluice_error_set(err, errlen, rc, "%s is larger than %d bytes", path, IDKEY_FILE_MAX);
    } else if (rc != SLUICE_OK) {
        sluice_error_set(err, errlen, rc, "cannot read %s", path);
    } else {
        long got = idkey_decode(buf.data != NULL ? buf.data : "", buf.len, key);
        if (got < 0) {
            OPENSSL_cleanse(key, ORCH_IDKEY_MAX);
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "%s: expected one secret of %d..%d bytes written as hex "
                                  "(e.g. `openssl rand -hex 32`)",
                                  path, ORCH_IDKEY_MIN, ORCH_IDKEY_MAX);
        } else {
            *key_len = (size_t)got;
        }
    }
    if (buf.data != NULL) {
        OPENSSL_cleanse(buf.data, buf.cap);
    }
    sluice_buf_free(&buf);
    return rc;
}
