/*
 * wk_path.c — the workspace path check (see wk_path.h).
 *
 * A path is split into components ("" and "." dropped); the cleaned path is
 * the components joined by "/". Link targets are walked over a stack of
 * components that starts at the link's own directory.
 */
#include "wk_path.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WK_PATH_PARTS_MAX (WK_PATH_MAX / 2 + 1) /* components of one path */

typedef struct wk_path_link {
    char *path;   /* cleaned */
    char *target; /* as the archive names it */
} wk_path_link;

struct wk_path_set {
    wk_path_link *links;
    size_t nlinks;
};

/* One path split into components: offsets and lengths into its text. */
typedef struct wk_path_parts {
    size_t n;
    size_t off[WK_PATH_PARTS_MAX];
    size_t len[WK_PATH_PARTS_MAX];
} wk_path_parts;

wk_path_set *wk_path_set_new(void)
{
    return calloc(1, sizeof(wk_path_set));
}

void wk_path_set_free(wk_path_set *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->nlinks; i++) {
        free(set->links[i].path);
        free(set->links[i].target);
    }
    free(set->links);
    free(set);
}

const char *wk_path_type_name(wk_entry_type type)
{
    switch (type) {
    case WK_ENTRY_FILE:
        return "file";
    case WK_ENTRY_DIRECTORY:
        return "directory";
    case WK_ENTRY_SYMLINK:
        return "symbolic link";
    case WK_ENTRY_HARDLINK:
        return "hard link";
    case WK_ENTRY_CHARACTER_DEVICE:
        return "character device";
    case WK_ENTRY_BLOCK_DEVICE:
        return "block device";
    case WK_ENTRY_FIFO:
        return "FIFO";
    case WK_ENTRY_SOCKET:
        return "socket";
    case WK_ENTRY_OTHER:
        break;
    }
    return "special file";
}

/* Writes at most 300 bytes of text, control characters shown as '?', for messages. */
static void wk_path_quote(char *out, size_t outlen, const char *text)
{
    size_t j = 0;
    for (size_t i = 0; text[i] != '\0' && j + 4 < outlen; i++) {
        if (i == 300) {
            out[j++] = '.';
            out[j++] = '.';
            out[j++] = '.';
            break;
        }
        unsigned char c = (unsigned char)text[i];
        out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[j] = '\0';
}

/* SLUICE_EDENIED with `entry "<path>": <reason>`. */
static int wk_path_refuse(char *err, size_t errlen, const char *path, const char *reason,
                          const char *detail)
{
    char shown[320];
    wk_path_quote(shown, sizeof shown, path);
    if (detail != NULL) {
        char shown_detail[320];
        wk_path_quote(shown_detail, sizeof shown_detail, detail);
        return sluice_error_set(err, errlen, SLUICE_EDENIED, "entry \"%s\": %s \"%s\"", shown,
                                reason, shown_detail);
    }
    return sluice_error_set(err, errlen, SLUICE_EDENIED, "entry \"%s\": %s", shown, reason);
}

/* Splits text into components; "" and "." are dropped. false when there are too many. */
static bool wk_path_split(const char *text, wk_path_parts *parts)
{
    parts->n = 0;
    size_t i = 0;
    while (text[i] != '\0') {
        size_t start = i;
        while (text[i] != '\0' && text[i] != '/') {
            i++;
        }
        size_t len = i - start;
        bool dot = len == 1 && text[start] == '.';
        if (len > 0 && !dot) {
            if (parts->n == WK_PATH_PARTS_MAX) {
                return false;
            }
            parts->off[parts->n] = start;
            parts->len[parts->n] = len;
            parts->n++;
        }
        if (text[i] == '/') {
            i++;
        }
    }
    return true;
}

static bool wk_path_is_dotdot(const char *text, const wk_path_parts *parts, size_t k)
{
    return parts->len[k] == 2 && text[parts->off[k]] == '.' && text[parts->off[k] + 1] == '.';
}

/*
 * The path rules every entry path and hard-link target follow. what names
 * the text in the message ("the path", "the hard link's target").
 */
static int wk_path_rules(const char *shown_path, const char *text, const char *what,
                         wk_path_parts *parts, char *err, size_t errlen)
{
    char reason[128];
    size_t len = strlen(text);
    if (len == 0) {
        snprintf(reason, sizeof reason, "%s is empty", what);
        return wk_path_refuse(err, errlen, shown_path, reason, NULL);
    }
    if (len > WK_PATH_MAX) {
        snprintf(reason, sizeof reason, "%s is longer than %d bytes", what, WK_PATH_MAX);
        return wk_path_refuse(err, errlen, shown_path, reason, NULL);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(reason, sizeof reason, "%s holds a control character (byte %zu)", what, i + 1);
            return wk_path_refuse(err, errlen, shown_path, reason, NULL);
        }
    }
    if (text[0] == '/') {
        snprintf(reason, sizeof reason, "%s is absolute", what);
        return wk_path_refuse(err, errlen, shown_path, reason, NULL);
    }
    if (!wk_path_split(text, parts)) {
        snprintf(reason, sizeof reason, "%s has too many components", what);
        return wk_path_refuse(err, errlen, shown_path, reason, NULL);
    }
    for (size_t k = 0; k < parts->n; k++) {
        if (wk_path_is_dotdot(text, parts, k)) {
            snprintf(reason, sizeof reason, "%s climbs out of the workspace with \"..\"", what);
            return wk_path_refuse(err, errlen, shown_path, reason, NULL);
        }
    }
    return 0;
}

/* Joins the first n components of text into out. false when it does not fit. */
static bool wk_path_join(const char *text, const wk_path_parts *parts, size_t n, char *out,
                         size_t outlen)
{
    size_t j = 0;
    for (size_t k = 0; k < n; k++) {
        size_t need = parts->len[k] + (k > 0 ? 1 : 0);
        if (j + need + 1 > outlen) {
            return false;
        }
        if (k > 0) {
            out[j++] = '/';
        }
        memcpy(out + j, text + parts->off[k], parts->len[k]);
        j += parts->len[k];
    }
    if (outlen == 0) {
        return false;
    }
    out[j] = '\0';
    return true;
}

/* The recorded link whose path is exactly the n bytes at p, or NULL. */
static const wk_path_link *wk_path_find_link(const wk_path_set *set, const char *p, size_t n)
{
    for (size_t i = 0; i < set->nlinks; i++) {
        if (strlen(set->links[i].path) == n && memcmp(set->links[i].path, p, n) == 0) {
            return &set->links[i];
        }
    }
    return NULL;
}

/* The first recorded link that is a proper leading part of clean (a directory of it), or NULL. */
static const wk_path_link *wk_path_through_link(const wk_path_set *set, const char *clean)
{
    size_t len = strlen(clean);
    for (size_t i = 0; i < len; i++) {
        if (clean[i] == '/') {
            const wk_path_link *link = wk_path_find_link(set, clean, i);
            if (link != NULL) {
                return link;
            }
        }
    }
    return NULL;
}

/*
 * Walks the target of the link at clean (its cleaned path) lexically from the
 * link's directory: refused when it is absolute, climbs above the artifact's
 * directory, or applies ".." to a recorded link.
 */
static int wk_path_walk_target(const wk_path_set *set, const char *shown_path, const char *clean,
                               const char *target, char *err, size_t errlen)
{
    wk_path_parts parts_storage;
    wk_path_parts *parts = &parts_storage;
    char stack[2 * WK_PATH_MAX + 2];
    size_t len = strlen(target);
    if (len == 0) {
        return wk_path_refuse(err, errlen, shown_path, "the symbolic link's target is empty", NULL);
    }
    if (len > WK_PATH_MAX) {
        return wk_path_refuse(err, errlen, shown_path, "the symbolic link's target is too long",
                              NULL);
    }
    if (target[0] == '/') {
        return wk_path_refuse(err, errlen, shown_path,
                              "the symbolic link points outside the workspace, to", target);
    }
    /* The stack starts as the link's own directory. */
    const char *slash = strrchr(clean, '/');
    size_t depth = slash != NULL ? (size_t)(slash - clean) : 0;
    memcpy(stack, clean, depth);
    stack[depth] = '\0';
    if (!wk_path_split(target, parts)) {
        return wk_path_refuse(err, errlen, shown_path,
                              "the symbolic link's target has too many components", NULL);
    }
    for (size_t k = 0; k < parts->n; k++) {
        if (wk_path_is_dotdot(target, parts, k)) {
            if (depth == 0) {
                return wk_path_refuse(err, errlen, shown_path,
                                      "the symbolic link points outside the workspace, to", target);
            }
            if (wk_path_find_link(set, stack, depth) != NULL) {
                return wk_path_refuse(err, errlen, shown_path,
                                      "the symbolic link's target steps back with \"..\" over "
                                      "another symbolic link:",
                                      target);
            }
            while (depth > 0 && stack[depth - 1] != '/') {
                depth--;
            }
            depth = depth > 0 ? depth - 1 : 0;
            stack[depth] = '\0';
            continue;
        }
        if (depth + parts->len[k] + 2 > sizeof stack) {
            return wk_path_refuse(err, errlen, shown_path, "the symbolic link's target is too long",
                                  NULL);
        }
        if (depth > 0) {
            stack[depth++] = '/';
        }
        memcpy(stack + depth, target + parts->off[k], parts->len[k]);
        depth += parts->len[k];
        stack[depth] = '\0';
    }
    return 0;
}

int wk_path_check(wk_path_set *set, const char *path, wk_entry_type type, const char *target,
                  char *clean, size_t clean_len, char *err, size_t errlen)
{
    wk_path_parts parts_storage;
    wk_path_parts *parts = &parts_storage;
    char cleaned[WK_PATH_MAX + 1];
    if (path == NULL) {
        path = "";
    }
    switch (type) {
    case WK_ENTRY_FILE:
    case WK_ENTRY_DIRECTORY:
    case WK_ENTRY_SYMLINK:
    case WK_ENTRY_HARDLINK:
        break;
    default: {
        char reason[96];
        snprintf(reason, sizeof reason, "a %s cannot be unpacked", wk_path_type_name(type));
        return wk_path_refuse(err, errlen, path, reason, NULL);
    }
    }
    if (type == WK_ENTRY_DIRECTORY && path[0] != '\0' && path[0] != '/') {
        /* "./" and "." name the artifact's directory itself. */
        if (!wk_path_split(path, parts)) {
            return wk_path_refuse(err, errlen, path, "the path has too many components", NULL);
        }
        if (parts->n == 0) {
            if (clean != NULL && clean_len > 0) {
                clean[0] = '\0';
            }
            return 0;
        }
    }
    int rc = wk_path_rules(path, path, "the path", parts, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (parts->n == 0) {
        return wk_path_refuse(err, errlen, path, "the path names no file", NULL);
    }
    if (!wk_path_join(path, parts, parts->n, cleaned, sizeof cleaned)) {
        return wk_path_refuse(err, errlen, path, "the path is too long", NULL);
    }
    const wk_path_link *through = wk_path_through_link(set, cleaned);
    if (through != NULL) {
        return wk_path_refuse(err, errlen, path,
                              "the entry would be written through the symbolic link",
                              through->path);
    }
    if (wk_path_find_link(set, cleaned, strlen(cleaned)) != NULL) {
        return wk_path_refuse(err, errlen, path, "the entry replaces an earlier symbolic link",
                              NULL);
    }
    if (type == WK_ENTRY_HARDLINK) {
        wk_path_parts target_parts;
        if (target == NULL) {
            target = "";
        }
        rc = wk_path_rules(path, target, "the hard link's target", &target_parts, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    if (type == WK_ENTRY_SYMLINK) {
        rc = wk_path_walk_target(set, path, cleaned, target != NULL ? target : "", err, errlen);
        if (rc != 0) {
            return rc;
        }
        if (set->nlinks == WK_PATH_SET_MAX) {
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                    "the archive holds more than %d symbolic links",
                                    WK_PATH_SET_MAX);
        }
        if (set->nlinks % 64 == 0) {
            wk_path_link *grown = realloc(set->links, (set->nlinks + 64) * sizeof *grown);
            if (grown == NULL) {
                return SLUICE_ENOMEM;
            }
            set->links = grown;
        }
        char *p = strdup(cleaned);
        char *t = strdup(target);
        if (p == NULL || t == NULL) {
            free(p);
            free(t);
            return SLUICE_ENOMEM;
        }
        set->links[set->nlinks].path = p;
        set->links[set->nlinks].target = t;
        set->nlinks++;
    }
    if (clean != NULL) {
        if (strlen(cleaned) + 1 > clean_len) {
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "the cleaned path does not fit");
        }
        memcpy(clean, cleaned, strlen(cleaned) + 1);
    }
    return 0;
}

int wk_path_finish(const wk_path_set *set, char *err, size_t errlen)
{
    for (size_t i = 0; i < set->nlinks; i++) {
        const wk_path_link *link = &set->links[i];
        const wk_path_link *through = wk_path_through_link(set, link->path);
        if (through != NULL) {
            return wk_path_refuse(err, errlen, link->path, "the entry lies under the symbolic link",
                                  through->path);
        }
        int rc = wk_path_walk_target(set, link->path, link->path, link->target, err, errlen);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}
