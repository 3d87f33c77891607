/*
 * model_path.c — bounded JSON path building (model_path.h). Pure.
 */
#include "model_path.h"

#include <stdio.h>
#include <string.h>

static void path_append(model_path *path, const char *text, size_t n)
{
    size_t room = sizeof(path->buf) - 1 - path->len;
    if (n > room) {
        memcpy(path->buf + path->len, text, room);
        path->len += room;
        memcpy(path->buf + sizeof(path->buf) - 4, "...", 3);
    } else {
        memcpy(path->buf + path->len, text, n);
        path->len += n;
    }
    path->buf[path->len] = '\0';
}

void model_path_init(model_path *path, const char *root)
{
    path->len = 0;
    path->buf[0] = '\0';
    path_append(path, root, strlen(root));
}

size_t model_path_key(model_path *path, const char *key)
{
    size_t before = path->len;
    path_append(path, ".", 1);
    path_append(path, key, strlen(key));
    return before;
}

size_t model_path_index(model_path *path, size_t index)
{
    char text[32];
    size_t before = path->len;
    int n = snprintf(text, sizeof(text), "[%zu]", index);
    path_append(path, text, (size_t)n);
    return before;
}

void model_path_restore(model_path *path, size_t len)
{
    if (len <= path->len) {
        path->len = len;
        path->buf[len] = '\0';
    }
}
