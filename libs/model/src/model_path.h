/*
 * model_path.h — JSON paths in Sluice's syntax, built while walking a document.
 *
 * `pipeline.stages[2].actions[0].inputArtifacts[0].name`: member names after
 * a dot, list indexes in brackets, map keys after a dot as written. A path
 * lives in a fixed buffer; one that would not fit is cut (and ends in "...").
 * Callers push a segment, recurse, then restore the length they were given.
 * Private to libs/model.
 */
#ifndef SLUICE_MODEL_PATH_H
#define SLUICE_MODEL_PATH_H

#include <stddef.h>

#define MODEL_PATH_MAX 512

typedef struct model_path {
    char buf[MODEL_PATH_MAX];
    size_t len;
} model_path;

/* Starts a path at root ("pipeline"). */
void model_path_init(model_path *path, const char *root);

/* Appends ".key"; returns the length to restore afterwards. */
size_t model_path_key(model_path *path, const char *key);

/* Appends "[index]"; returns the length to restore afterwards. */
size_t model_path_index(model_path *path, size_t index);

/* Cuts the path back to a length returned by model_path_key / model_path_index. */
void model_path_restore(model_path *path, size_t len);

#endif
