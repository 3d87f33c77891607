/*
 * aws_keyfile.h — a long-lived key of the artifact store read from a private
 * file: one line "<access key id>:<secret access key>", mode 0600 or 0400
 * (sluice_fs_check_private). The services that write or read the store with
 * a key of their own (the worker's deploy key, sluice-source's key for S3
 * source buckets) read it with this at start-up.
 *
 * The secret never appears in a message; every copy of the file's content
 * but the outputs is wiped. Pure but for the file read; thread-safe.
 */
#ifndef SLUICE_AWS_KEYFILE_H
#define SLUICE_AWS_KEYFILE_H

#include <stddef.h>

/*
 * Splits line (without its newline) at its first ':' into id (idlen bytes
 * with the NUL) and secret. 0, or SLUICE_EINVAL when there is no ':', the id
 * or the secret is empty or longer than its buffer takes (id and secret are
 * then "").
 */
int aws_keyfile_parse(const char *line, char *id, size_t idlen, char *secret, size_t secretlen);

/*
 * Reads the key file path into id and secret. 0; otherwise err names the
 * file (and its mode when that is the problem), never the content:
 * SLUICE_ENOTFOUND, SLUICE_EDENIED (sluice_fs_check_private), SLUICE_EINVAL
 * (not one line <access key id>:<secret>), SLUICE_EIO.
 */
int aws_keyfile_read(const char *path, char *id, size_t idlen, char *secret, size_t secretlen,
                     char *err, size_t errlen);

#endif
