/*
 * fuzz_wk_path.c — libFuzzer target over the workspace path check: the
 * entries of an input artifact as an archive names them (wk_path_check,
 * wk_path_finish).
 *
 * The input is a list of entries, one per line: a type letter (f file, d
 * directory, l symbolic link, h hard link, c/b/p/s special files), the
 * path, and for links a tab and the target. Invariants: an accepted entry's
 * cleaned path is relative, holds no ".." component and no empty one; a
 * special file is never accepted; every refusal names the entry. Built with
 * -fsanitize=fuzzer,address,undefined.
 */
#include "wk_path.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wk_entry_type fuzz_type(char c)
{
    switch (c) {
    case 'f':
        return WK_ENTRY_FILE;
    case 'd':
        return WK_ENTRY_DIRECTORY;
    case 'l':
        return WK_ENTRY_SYMLINK;
    case 'h':
        return WK_ENTRY_HARDLINK;
    case 'c':
        return WK_ENTRY_CHARACTER_DEVICE;
    case 'b':
        return WK_ENTRY_BLOCK_DEVICE;
    case 'p':
        return WK_ENTRY_FIFO;
    case 's':
        return WK_ENTRY_SOCKET;
    default:
        return WK_ENTRY_OTHER;
    }
}

static void fuzz_check_clean(const char *clean)
{
    if (clean[0] == '/') {
        abort();
    }
    const char *p = clean;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.') || (len == 1 && p[0] == '.')) {
            abort();
        }
        p += len;
        if (*p == '/') {
            p++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_BYTES) {
        return 0;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    wk_path_set *set = wk_path_set_new();
    char clean[WK_PATH_MAX + 1];
    char err[WK_PATH_ERR_MAX];
    char *line = text;
    while (set != NULL && line != NULL && *line != '\0') {
        char *next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        wk_entry_type type = fuzz_type(line[0]);
        char *path = line[0] != '\0' ? line + 1 : line;
        char *target = strchr(path, '\t');
        if (target != NULL) {
            *target++ = '\0';
        }
        err[0] = '\0';
        int rc = wk_path_check(set, path, type, target, clean, sizeof clean, err, sizeof err);
        if (rc == 0) {
            if (type != WK_ENTRY_FILE && type != WK_ENTRY_DIRECTORY && type != WK_ENTRY_SYMLINK &&
                type != WK_ENTRY_HARDLINK) {
                abort();
            }
            fuzz_check_clean(clean);
        } else if (rc == SLUICE_EDENIED && strncmp(err, "entry \"", 7) != 0) {
            abort();
        }
        line = next;
    }
    if (set != NULL) {
        (void)wk_path_finish(set, err, sizeof err);
    }
    wk_path_set_free(set);
    free(text);
    return 0;
}
