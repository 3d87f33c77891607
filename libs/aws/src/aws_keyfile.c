/*
 * aws_keyfile.c — "<access key id>:<secret>" key files (see aws_keyfile.h).
 */
#include "sluice/aws_keyfile.h"

#include "sluice/error.h"
#include "sluice/fs.h"

#include <string.h>

#define AWS_KEYFILE_LINE_MAX 1024

int aws_keyfile_parse(const char *line, char *id, size_t idlen, char *secret, size_t secretlen)
{
    if (idlen > 0) {
        id[0] = '\0';
    }
    if (secretlen > 0) {
        secret[0] = '\0';
    }
    const char *colon = strchr(line, ':');
    if (colon == NULL) {
        return SLUICE_EINVAL;
    }
    size_t n = (size_t)(colon - line);
    size_t m = strlen(colon + 1);
    if (n == 0 || n >= idlen || m == 0 || m >= secretlen) {
        return SLUICE_EINVAL;
    }
    memcpy(id, line, n);
    id[n] = '\0';
    memcpy(secret, colon + 1, m + 1);
    return 0;
}

int aws_keyfile_read(const char *path, char *id, size_t idlen, char *secret, size_t secretlen,
                     char *err, size_t errlen)
{
    char line[AWS_KEYFILE_LINE_MAX];
    int rc = sluice_fs_read_secret_line(path, "the key", line, sizeof line, err, errlen);
    if (rc == 0) {
        rc = aws_keyfile_parse(line, id, idlen, secret, secretlen);
        if (rc != 0) {
            sluice_error_set(err, errlen, rc, "%s: not one line <access key id>:<secret>", path);
        }
    }
    explicit_bzero(line, sizeof line);
    return rc;
}
