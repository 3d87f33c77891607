/*
 * state_auth.c — the Redis user and password from configuration (see
 * state_auth.h).
 */
#include "sluice/state_auth.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void state_auth_wipe(state_auth *auth)
{
    if (auth != NULL) {
        OPENSSL_cleanse(auth, sizeof *auth);
    }
}

/* Reads the one-line password of path into out. 0 or the failure with err set. */
static int auth_read_file(const char *path, char *out, char *err, size_t errlen)
{
    char why[STATE_AUTH_PATH_MAX + 128];
    int rc = sluice_fs_read_secret_line(path, "the password", out, STATE_AUTH_PASSWORD_MAX, why,
                                        sizeof why);
    if (rc != SLUICE_OK) {
        return sluice_error_set(err, errlen, rc, "SLUICE_REDIS_PASSWORD_FILE: %s", why);
    }
    return SLUICE_OK;
}

int state_auth_resolve(const state_auth_config *cfg, state_auth *out, char *err, size_t errlen)
{
    int rc = SLUICE_OK;
    memset(out, 0, sizeof *out);
    if (cfg->password_file[0] != '\0' && cfg->password[0] != '\0') {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "SLUICE_REDIS_PASSWORD and SLUICE_REDIS_PASSWORD_FILE are both set: "
                              "keep one (the file)");
    } else if (cfg->password_file[0] != '\0') {
        rc = auth_read_file(cfg->password_file, out->password, err, errlen);
    } else {
        snprintf(out->password, sizeof out->password, "%s", cfg->password);
    }
    if (rc == SLUICE_OK && cfg->username[0] != '\0' && out->password[0] == '\0') {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                              "SLUICE_REDIS_USERNAME is set without a password: set "
                              "SLUICE_REDIS_PASSWORD_FILE");
    }
    if (rc != SLUICE_OK) {
        state_auth_wipe(out);
        return rc;
    }
    snprintf(out->username, sizeof out->username, "%s", cfg->username);
    return SLUICE_OK;
}
