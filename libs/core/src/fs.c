/*
 * fs.c — crash-safe file writes, bounded whole-file reads and the
 * private-file check of secret files (see fs.h).
 */
#include "sluice/fs.h"

#include "sluice/error.h"

#include <errno.h>
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
        if (errno == ENOENT) {
            return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "%s does not exist", path);
        }
        return sluice_error_set(err, errlen, SLUICE_EIO, "cannot stat %s: %s", path,
                                strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "%s is not a regular file", path);
    }
    if ((st.st_mode & 077) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                "%s has mode %04o: a secret file must not be accessible by its "
                                "group or others (chmod 600 %s)",
                                path, (unsigned)(st.st_mode & 07777), path);
    }
    return SLUICE_OK;
}
