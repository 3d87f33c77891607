/*
 * fs.c — crash-safe file writes and bounded whole-file reads (see fs.h).
 */
#include "sluice/fs.h"

#include "sluice/error.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sluice_fs_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

void sluice_fs_fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir) {
        return;
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        sluice_fs_fsync_dir(".");
        return;
    }
    if (slash == dir) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    sluice_fs_fsync_dir(dir);
}

static int fs_write_all(int fd, const unsigned char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return SLUICE_EIO;
        }
        done += (size_t)n;
    }
    return SLUICE_OK;
}

int sluice_fs_write_atomic(const char *tmp_path, const char *path, const void *data, size_t len)
{
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        return SLUICE_EIO;
    }
    int rc = fs_write_all(fd, data, len);
    if (rc == SLUICE_OK && fsync(fd) != 0) {
        rc = SLUICE_EIO;
    }
    if (close(fd) != 0 && rc == SLUICE_OK) {
        rc = SLUICE_EIO;
    }
    if (rc == SLUICE_OK && rename(tmp_path, path) != 0) {
        rc = SLUICE_EIO;
    }
    if (rc != SLUICE_OK) {
        unlink(tmp_path);
        return rc;
    }
    sluice_fs_fsync_parent(path);
    return SLUICE_OK;
}

int sluice_fs_read_file(const char *path, sluice_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? SLUICE_ENOTFOUND : SLUICE_EIO;
    }
    size_t start = out->len;
    unsigned char chunk[16384];
    int rc = SLUICE_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = SLUICE_EIO;
            break;
        }
        if (n == 0) {
            break;
        }
        rc = sluice_buf_append(out, chunk, (size_t)n);
        if (rc != SLUICE_OK) {
            break;
        }
    }
    close(fd);
    if (rc != SLUICE_OK) {
        out->len = start;
        if (out->data != NULL) {
            out->data[start] = '\0';
        }
    }
    return rc;
}

int sluice_fs_check_private(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (path == NULL || path[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no file name given");
    }
    if (stat(path, &st) != 0) {
        int code = errno == ENOENT || errno == ENOTDIR ? SLUICE_ENOTFOUND : SLUICE_EIO;
        return sluice_error_set(err, errlen, code, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED, "%s: not a regular file", path);
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "%s: mode %04o lets group or others access a secret file "
                                "(chmod 600 it)",
                                path, (unsigned)(st.st_mode & 07777));
    }
    if (st.st_uid != geteuid()) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "%s: owned by uid %u, not by this process's user (uid %u)", path,
                                (unsigned)st.st_uid, (unsigned)geteuid());
    }
    return SLUICE_OK;
}

int sluice_fs_read_secret_line(const char *path, const char *what, char *out, size_t outmax,
                               char *err, size_t errlen)
{
    if (outmax > 0) {
        out[0] = '\0';
    }
    int rc = sluice_fs_check_private(path, err, errlen);
    if (rc != SLUICE_OK) {
        return rc;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, outmax + 1); /* the line, and "\r\n" beyond it when it is full */
    rc = sluice_fs_read_file(path, &buf);
    if (rc == SLUICE_ETOOBIG) {
        rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "%s: longer than %zu bytes", path,
                              outmax > 0 ? outmax - 1 : 0);
    } else if (rc != SLUICE_OK) {
        rc = sluice_error_set(err, errlen, rc, "%s: cannot be read", path);
    } else {
        size_t len = buf.len;
        const char *text = sluice_buf_cstr(&buf);
        if (len > 0 && text[len - 1] == '\n') {
            len--;
            if (len > 0 && text[len - 1] == '\r') {
                len--;
            }
        }
        bool clean = len > 0 && len < outmax;
        for (size_t i = 0; clean && i < len; i++) {
            clean = text[i] != '\0' && text[i] != '\n' && text[i] != '\r';
        }
        if (clean) {
            memcpy(out, text, len);
            out[len] = '\0';
        } else {
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL,
                                  "%s: must hold %s on one line (1..%zu bytes, no NUL)", path, what,
                                  outmax > 0 ? outmax - 1 : 0);
        }
    }
    if (buf.data != NULL) {
        OPENSSL_cleanse(buf.data, buf.cap);
    }
    sluice_buf_free(&buf);
    return rc;
}
