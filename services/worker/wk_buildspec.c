/*
 * wk_buildspec.c — buildspec.yml → JSON with libyaml's document API (see
 * wk_buildspec.h).
 *
 * The walk keeps the key path of the node it is in ("phases.build.commands[1]")
 * and the node's line (libyaml marks are 0-based; messages are 1-based).
 */
#include "wk_buildspec.h"

#include "sluice/error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define WK_BS_PATH_MAX 256

typedef struct wk_bs {
    yaml_document_t *doc;
    size_t visited;
    int rc;
    char *err;
    size_t errlen;
    json_t *notes;
} wk_bs;

static int wk_bs_fail(wk_bs *bs, const yaml_node_t *node, const char *path, int rc, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

static int wk_bs_fail(wk_bs *bs, const yaml_node_t *node, const char *path, int rc, const char *fmt,
                      ...)
{
    if (bs->rc != 0) {
        return bs->rc; /* the first error is the one reported */
    }
    char what[WK_BUILDSPEC_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    unsigned long line = node != NULL ? (unsigned long)node->start_mark.line + 1 : 1;
    if (path != NULL && path[0] != '\0') {
        sluice_error_set(bs->err, bs->errlen, rc, "line %lu: %s: %s", line, path, what);
    } else {
        sluice_error_set(bs->err, bs->errlen, rc, "line %lu: %s", line, what);
    }
    bs->rc = rc;
    return rc;
}

static const char *wk_bs_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* The node of id, counted against the bound; NULL with the error set. */
static yaml_node_t *wk_bs_node(wk_bs *bs, int id, const char *path)
{
    yaml_node_t *node = yaml_document_get_node(bs->doc, id);
    if (node == NULL) {
        wk_bs_fail(bs, NULL, path, SLUICE_EPARSE, "a node is missing");
        return NULL;
    }
    if (++bs->visited > WK_BUILDSPEC_NODES_MAX) {
        wk_bs_fail(bs, node, path, SLUICE_ETOOBIG, "more than %d nodes (aliases included)",
                   WK_BUILDSPEC_NODES_MAX);
        return NULL;
    }
    return node;
}

static void wk_bs_join(char *out, const char *path, const char *key)
{
    snprintf(out, WK_BS_PATH_MAX, "%s%s%.*s", path, path[0] != '\0' ? "." : "", 120, key);
}

/* A scalar's text as a new JSON string; NULL with the error set. */
static json_t *wk_bs_scalar(wk_bs *bs, const yaml_node_t *node, const char *path)
{
    if (node->type != YAML_SCALAR_NODE) {
        wk_bs_fail(bs, node, path, SLUICE_EPARSE, "expected a string, not %s%s", wk_bs_kind(node),
                   node->type == YAML_MAPPING_NODE ? " (quote a command that holds \": \")" : "");
        return NULL;
    }
    size_t len = node->data.scalar.length;
    if (len > WK_BUILDSPEC_SCALAR_MAX) {
        wk_bs_fail(bs, node, path, SLUICE_ETOOBIG, "longer than %d bytes", WK_BUILDSPEC_SCALAR_MAX);
        return NULL;
    }
    const char *text = (const char *)node->data.scalar.value;
    bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain && ((len == 1 && text[0] == '~') || (len == 4 && strncmp(text, "null", 4) == 0))) {
        len = 0; /* YAML's null: an empty value */
    }
    json_t *s = json_stringn(text, len);
    if (s == NULL) {
        wk_bs_fail(bs, node, path, SLUICE_EPARSE, "not UTF-8 text, or holds a NUL byte");
    }
    return s;
}

static int wk_bs_bool(wk_bs *bs, const yaml_node_t *node, const char *path, bool *out)
{
    json_t *s = wk_bs_scalar(bs, node, path);
    if (s == NULL) {
        return bs->rc;
    }
    const char *v = json_string_value(s);
    int rc = 0;
    if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0) {
        *out = true;
    } else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
               strcasecmp(v, "off") == 0) {
        *out = false;
    } else {
        rc = wk_bs_fail(bs, node, path, SLUICE_EPARSE, "expected yes or no, not \"%.40s\"", v);
    }
    json_decref(s);
    return rc;
}

/* A list of strings (a single string is taken as a list of one, as CodeBuild does). */
static json_t *wk_bs_strings(wk_bs *bs, const yaml_node_t *node, const char *path)
{
    json_t *list = json_array();
    if (list == NULL) {
        return NULL;
    }
    if (node->type == YAML_SCALAR_NODE) {
        json_t *s = wk_bs_scalar(bs, node, path);
        if (s == NULL || json_array_append_new(list, s) != 0) {
            json_decref(list);
            return NULL;
        }
        return list;
    }
    if (node->type != YAML_SEQUENCE_NODE) {
        wk_bs_fail(bs, node, path, SLUICE_EPARSE, "expected a list of strings, not %s",
                   wk_bs_kind(node));
        json_decref(list);
        return NULL;
    }
    size_t i = 0;
    for (yaml_node_item_t *item = node->data.sequence.items.start;
         item < node->data.sequence.items.top; item++, i++) {
        char sub[WK_BS_PATH_MAX];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        if (i == WK_BUILDSPEC_ITEMS_MAX) {
            wk_bs_fail(bs, node, path, SLUICE_ETOOBIG, "more than %d entries",
                       WK_BUILDSPEC_ITEMS_MAX);
            json_decref(list);
            return NULL;
        }
        yaml_node_t *child = wk_bs_node(bs, *item, sub);
        json_t *s = child != NULL ? wk_bs_scalar(bs, child, sub) : NULL;
        if (s == NULL || json_array_append_new(list, s) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/*
 * Iterates the pairs of a mapping: calls fn for each with the key text, the
 * key node and the value node. Refuses non-scalar and repeated keys.
 */
typedef int (*wk_bs_pair_fn)(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                             const yaml_node_t *value, const char *path, void *ctx);

static int wk_bs_mapping(wk_bs *bs, const yaml_node_t *node, const char *path, wk_bs_pair_fn fn,
                         void *ctx)
{
    if (node->type != YAML_MAPPING_NODE) {
        return wk_bs_fail(bs, node, path, SLUICE_EPARSE, "expected a mapping, not %s",
                          wk_bs_kind(node));
    }
    size_t n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    if (n > WK_BUILDSPEC_ITEMS_MAX) {
        return wk_bs_fail(bs, node, path, SLUICE_ETOOBIG, "more than %d entries",
                          WK_BUILDSPEC_ITEMS_MAX);
    }
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = wk_bs_node(bs, pair->key, path);
        if (key == NULL) {
            return bs->rc;
        }
        if (key->type != YAML_SCALAR_NODE || key->data.scalar.length == 0 ||
            key->data.scalar.length > 128 ||
            strlen((const char *)key->data.scalar.value) != key->data.scalar.length) {
            return wk_bs_fail(bs, key, path, SLUICE_EPARSE,
                              "a key must be a non-empty string of at most 128 bytes");
        }
        const char *text = (const char *)key->data.scalar.value;
        for (yaml_node_pair_t *prev = node->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(bs->doc, prev->key);
            if (pk != NULL && pk->type == YAML_SCALAR_NODE &&
                strcmp((const char *)pk->data.scalar.value, text) == 0) {
                char sub[WK_BS_PATH_MAX];
                wk_bs_join(sub, path, text);
                return wk_bs_fail(bs, key, sub, SLUICE_EPARSE, "the key is repeated (line %lu)",
                                  (unsigned long)pk->start_mark.line + 1);
            }
        }
        yaml_node_t *value = wk_bs_node(bs, pair->value, path);
        if (value == NULL) {
            return bs->rc;
        }
        int rc = fn(bs, text, key, value, path, ctx);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int wk_bs_unknown(wk_bs *bs, const char *key, const yaml_node_t *key_node, const char *path)
{
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    return wk_bs_fail(bs, key_node, sub, SLUICE_EPARSE, "unknown key");
}

static void wk_bs_note(wk_bs *bs, const char *path, const char *key, const char *why)
{
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    char text[WK_BS_PATH_MAX + 128];
    snprintf(text, sizeof text, "%s is ignored: %s", sub, why);
    json_array_append_new(bs->notes, json_string(text));
}

/* Sets member of obj to value (stolen); SLUICE_ENOMEM when value is NULL without an error. */
static int wk_bs_set(wk_bs *bs, json_t *obj, const char *member, json_t *value)
{
    if (value == NULL) {
        return bs->rc != 0 ? bs->rc : SLUICE_ENOMEM;
    }
    return json_object_set_new(obj, member, value) == 0 ? 0 : SLUICE_ENOMEM;
}

/* ---- env ---------------------------------------------------------------------------------- */

static int wk_bs_var_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                          const yaml_node_t *value, const char *path, void *ctx)
{
    (void)key_node;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    return wk_bs_set(bs, ctx, key, wk_bs_scalar(bs, value, sub));
}

static int wk_bs_env_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                          const yaml_node_t *value, const char *path, void *ctx)
{
    json_t *env = ctx;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    static const char *const maps[][2] = {{"variables", "variables"},
                                          {"parameter-store", "parameterStore"},
                                          {"secrets-manager", "secretsManager"}};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(key, maps[i][0]) == 0) {
            json_t *map = json_object();
            int rc =
                map != NULL ? wk_bs_mapping(bs, value, sub, wk_bs_var_pair, map) : SLUICE_ENOMEM;
            if (rc != 0) {
                json_decref(map);
                return rc;
            }
            return wk_bs_set(bs, env, maps[i][1], map);
        }
    }
    if (strcmp(key, "exported-variables") == 0) {
        return wk_bs_set(bs, env, "exportedVariables", wk_bs_strings(bs, value, sub));
    }
    if (strcmp(key, "shell") == 0) {
        json_t *shell = wk_bs_scalar(bs, value, sub);
        if (shell == NULL) {
            return bs->rc;
        }
        const char *v = json_string_value(shell);
        if (strcmp(v, "bash") != 0 && strcmp(v, "sh") != 0 && strcmp(v, "/bin/sh") != 0 &&
            strcmp(v, "/bin/bash") != 0) {
            json_decref(shell);
            return wk_bs_fail(bs, value, sub, SLUICE_EPARSE,
                              "the shell must be bash, sh, /bin/sh or /bin/bash");
        }
        return wk_bs_set(bs, env, "shell", shell);
    }
    if (strcmp(key, "git-credential-helper") == 0) {
        wk_bs_note(bs, path, key, "Sluice fetches no sources for the build");
        return 0;
    }
    return wk_bs_unknown(bs, key, key_node, path);
}

/* ---- phases ------------------------------------------------------------------------------- */

static int wk_bs_phase_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                            const yaml_node_t *value, const char *path, void *ctx)
{
    json_t *phase = ctx;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    if (strcmp(key, "commands") == 0 || strcmp(key, "finally") == 0) {
        return wk_bs_set(bs, phase, key, wk_bs_strings(bs, value, sub));
    }
    if (strcmp(key, "on-failure") == 0) {
        json_t *v = wk_bs_scalar(bs, value, sub);
        if (v == NULL) {
            return bs->rc;
        }
        if (strcmp(json_string_value(v), "ABORT") != 0 &&
            strcmp(json_string_value(v), "CONTINUE") != 0) {
            json_decref(v);
            return wk_bs_fail(bs, value, sub, SLUICE_EPARSE, "expected ABORT or CONTINUE");
        }
        return wk_bs_set(bs, phase, "onFailure", v);
    }
    if (strcmp(key, "run-as") == 0) {
        wk_bs_note(bs, path, key, "commands run as the worker's user");
        return 0;
    }
    if (strcmp(key, "runtime-versions") == 0 && strstr(path, "install") != NULL) {
        wk_bs_note(bs, path, key, "Sluice builds are image-less: the worker's tools are used");
        return 0;
    }
    return wk_bs_unknown(bs, key, key_node, path);
}

static int wk_bs_phases_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                             const yaml_node_t *value, const char *path, void *ctx)
{
    static const char *const names[] = {"install", "pre_build", "build", "post_build"};
    json_t *phases = ctx;
    bool known = false;
    for (size_t i = 0; i < 4; i++) {
        known = known || strcmp(key, names[i]) == 0;
    }
    if (!known) {
        char sub[WK_BS_PATH_MAX];
        wk_bs_join(sub, path, key);
        return wk_bs_fail(bs, key_node, sub, SLUICE_EPARSE,
                          "unknown phase (install, pre_build, build or post_build)");
    }
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    json_t *phase = json_pack("{s:s}", "onFailure", "ABORT");
    if (phase == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = 0;
    if (!(value->type == YAML_SCALAR_NODE && value->data.scalar.length == 0)) {
        rc = wk_bs_mapping(bs, value, sub, wk_bs_phase_pair, phase);
    }
    if (rc != 0) {
        json_decref(phase);
        return rc;
    }
    return wk_bs_set(bs, phases, key, phase);
}

/* ---- artifacts ---------------------------------------------------------------------------- */

static int wk_bs_artifact_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                               const yaml_node_t *value, const char *path, void *ctx);

static int wk_bs_secondary_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                                const yaml_node_t *value, const char *path, void *ctx)
{
    (void)key_node;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    json_t *artifact = json_object();
    int rc = artifact != NULL ? wk_bs_mapping(bs, value, sub, wk_bs_artifact_pair, artifact)
                              : SLUICE_ENOMEM;
    if (rc == 0 && json_object_get(artifact, "files") == NULL) {
        rc = wk_bs_fail(bs, value, sub, SLUICE_EPARSE, "files is required");
    }
    if (rc != 0) {
        json_decref(artifact);
        return rc;
    }
    return wk_bs_set(bs, ctx, key, artifact);
}

static int wk_bs_artifact_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                               const yaml_node_t *value, const char *path, void *ctx)
{
    json_t *artifact = ctx;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    if (strcmp(key, "files") == 0) {
        return wk_bs_set(bs, artifact, "files", wk_bs_strings(bs, value, sub));
    }
    if (strcmp(key, "exclude-paths") == 0) {
        return wk_bs_set(bs, artifact, "excludePaths", wk_bs_strings(bs, value, sub));
    }
    if (strcmp(key, "name") == 0) {
        return wk_bs_set(bs, artifact, "name", wk_bs_scalar(bs, value, sub));
    }
    if (strcmp(key, "base-directory") == 0) {
        return wk_bs_set(bs, artifact, "baseDirectory", wk_bs_scalar(bs, value, sub));
    }
    if (strcmp(key, "discard-paths") == 0 || strcmp(key, "enable-symlinks") == 0) {
        bool b = false;
        int rc = wk_bs_bool(bs, value, sub, &b);
        return rc != 0 ? rc
                       : wk_bs_set(bs, artifact, key[0] == 'd' ? "discardPaths" : "enableSymlinks",
                                   json_boolean(b));
    }
    if (strcmp(key, "s3-prefix") == 0) {
        wk_bs_note(bs, path, key, "output artifacts go where the pipeline assigns them");
        return 0;
    }
    if (strcmp(key, "secondary-artifacts") == 0 && strchr(path, '.') == NULL) {
        json_t *secondary = json_object();
        int rc = secondary != NULL ? wk_bs_mapping(bs, value, sub, wk_bs_secondary_pair, secondary)
                                   : SLUICE_ENOMEM;
        if (rc != 0) {
            json_decref(secondary);
            return rc;
        }
        return wk_bs_set(bs, artifact, "secondary", secondary);
    }
    return wk_bs_unknown(bs, key, key_node, path);
}

/* ---- the top level ------------------------------------------------------------------------ */

static int wk_bs_top_pair(wk_bs *bs, const char *key, const yaml_node_t *key_node,
                          const yaml_node_t *value, const char *path, void *ctx)
{
    json_t *spec = ctx;
    char sub[WK_BS_PATH_MAX];
    wk_bs_join(sub, path, key);
    if (strcmp(key, "version") == 0) {
        json_t *v = wk_bs_scalar(bs, value, sub);
        if (v == NULL) {
            return bs->rc;
        }
        if (strcmp(json_string_value(v), "0.2") != 0) {
            int rc =
                wk_bs_fail(bs, value, sub, SLUICE_EPARSE,
                           "version \"%.20s\" is not supported; use 0.2", json_string_value(v));
            json_decref(v);
            return rc;
        }
        return wk_bs_set(bs, spec, "version", v);
    }
    if (strcmp(key, "env") == 0) {
        json_t *env = json_object_get(spec, "env");
        return wk_bs_mapping(bs, value, sub, wk_bs_env_pair, env);
    }
    if (strcmp(key, "phases") == 0) {
        json_t *phases = json_object();
        int rc = phases != NULL ? wk_bs_mapping(bs, value, sub, wk_bs_phases_pair, phases)
                                : SLUICE_ENOMEM;
        if (rc == 0 && json_object_size(phases) == 0) {
            rc = wk_bs_fail(bs, value, sub, SLUICE_EPARSE, "no phase is declared");
        }
        if (rc != 0) {
            json_decref(phases);
            return rc;
        }
        return wk_bs_set(bs, spec, "phases", phases);
    }
    if (strcmp(key, "artifacts") == 0) {
        json_t *artifacts = json_object();
        int rc = artifacts != NULL ? wk_bs_mapping(bs, value, sub, wk_bs_artifact_pair, artifacts)
                                   : SLUICE_ENOMEM;
        if (rc == 0 && json_object_get(artifacts, "files") == NULL &&
            json_object_get(artifacts, "secondary") == NULL) {
            rc = wk_bs_fail(bs, value, sub, SLUICE_EPARSE, "files is required");
        }
        if (rc != 0) {
            json_decref(artifacts);
            return rc;
        }
        return wk_bs_set(bs, spec, "artifacts", artifacts);
    }
    static const char *const ignored[][2] = {
        {"run-as", "commands run as the worker's user"}, {"proxy", "builds have no proxy"},
        {"batch", "batch builds are not run"},           {"cache", "builds keep no cache"},
        {"reports", "test reports are not collected"},
    };
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        if (strcmp(key, ignored[i][0]) == 0) {
            wk_bs_note(bs, path, key, ignored[i][1]);
            return 0;
        }
    }
    return wk_bs_unknown(bs, key, key_node, path);
}

int wk_buildspec_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > WK_BUILDSPEC_MAX_BYTES) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the buildspec takes %zu bytes; at most %d", len,
                                WK_BUILDSPEC_MAX_BYTES);
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        return sluice_error_set(err, errlen, SLUICE_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc;
        const char *problem = parser.problem != NULL ? parser.problem : "not YAML";
        if (parser.context != NULL) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                                  "line %lu: %s (%s that starts on line %lu)",
                                  (unsigned long)parser.problem_mark.line + 1, problem,
                                  parser.context, (unsigned long)parser.context_mark.line + 1);
        } else {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "line %lu: %s",
                                  (unsigned long)parser.problem_mark.line + 1, problem);
        }
        yaml_parser_delete(&parser);
        return rc;
    }
    wk_bs bs = {.doc = &doc, .err = err, .errlen = errlen, .notes = json_array()};
    json_t *spec = json_pack("{s:{s:s}}", "env", "shell", "sh");
    int rc = spec != NULL && bs.notes != NULL ? 0 : SLUICE_ENOMEM;
    yaml_node_t *root = rc == 0 ? yaml_document_get_root_node(&doc) : NULL;
    if (rc == 0 && root == NULL) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "line 1: the buildspec is empty");
    }
    if (rc == 0) {
        bs.visited = 1;
        rc = wk_bs_mapping(&bs, root, "", wk_bs_top_pair, spec);
    }
    if (rc == 0 && json_object_get(spec, "version") == NULL) {
        rc = wk_bs_fail(&bs, root, "version", SLUICE_EPARSE, "is required (0.2)");
    }
    if (rc == 0 && json_object_get(spec, "phases") == NULL) {
        rc = wk_bs_fail(&bs, root, "phases", SLUICE_EPARSE, "is required");
    }
    if (rc == 0 && json_array_size(bs.notes) > 0) {
        rc = json_object_set(spec, "notes", bs.notes) == 0 ? 0 : SLUICE_ENOMEM;
    }
    if (rc == SLUICE_ENOMEM && bs.rc == 0) {
        sluice_error_set(err, errlen, rc, "out of memory");
    }
    json_decref(bs.notes);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        json_decref(spec);
        return rc;
    }
    *out = spec;
    return 0;
}
