/*
 * wk_buildspec.h — CodeBuild's buildspec.yml (version 0.2) read with
 * libyaml into one normalised JSON document: the pure parser behind the
 * worker's AWS/CodeBuild runner. The buildspec is input from the source
 * artifact (or a build project's override): every error names the line and
 * the key, e.g. `line 7: phases.build.commands[1]: expected a string, not a
 * mapping (quote a command that holds ": ")`.
 *
 * What is read (CodeBuild user guide, "Build specification reference"):
 *   version            "0.2" (required; 0.1 is refused)
 *   env                shell (bash | sh | /bin/sh | /bin/bash), variables,
 *                      parameter-store, secrets-manager (maps of names to
 *                      values or references), exported-variables (list)
 *   phases             install, pre_build, build, post_build (at least one),
 *                      each with commands, finally (lists of strings) and
 *                      on-failure (ABORT | CONTINUE, default ABORT)
 *   artifacts          files, exclude-paths (lists), name, base-directory,
 *                      discard-paths (yes | no), enable-symlinks (yes | no),
 *                      secondary-artifacts (identifier → the same members)
 * What is accepted and ignored, with a note in "notes": run-as (top level
 * and per phase), proxy, batch, cache, reports, env.git-credential-helper,
 * phases.install.runtime-versions, artifacts.s3-prefix. Anything else is
 * refused as an unknown key. Repeated keys are refused.
 *
 * The document:
 *   {"version": "0.2",
 *    "env": {"shell", "variables": {...}, "parameterStore": {...},
 *            "secretsManager": {...}, "exportedVariables": [...]},
 *    "phases": {"<phase>": {"commands": [...], "finally": [...],
 *                           "onFailure": "ABORT" | "CONTINUE"}},
 *    "artifacts": {"files": [...], "excludePaths": [...], "name",
 *                  "baseDirectory", "discardPaths": bool, "enableSymlinks": bool,
 *                  "secondary": {"<identifier>": {... the same ...}}},
 *    "notes": ["..."]}
 * with absent parts left out (env.shell and onFailure always present).
 * Scalars are kept as their text (a value 1.0 is "1.0").
 *
 * Bounds: WK_BUILDSPEC_MAX_BYTES of text, WK_BUILDSPEC_NODES_MAX nodes
 * visited (aliases count each time they are followed), WK_BUILDSPEC_ITEMS_MAX
 * entries in any list or map, WK_BUILDSPEC_SCALAR_MAX bytes in a scalar.
 *
 * Pure; thread-safe (libyaml parsers are per call).
 */
#ifndef SLUICE_WK_BUILDSPEC_H
#define SLUICE_WK_BUILDSPEC_H

#include <jansson.h>
#include <stddef.h>

#define WK_BUILDSPEC_MAX_BYTES  (256 * 1024)
#define WK_BUILDSPEC_NODES_MAX  20000
#define WK_BUILDSPEC_ITEMS_MAX  1000
#define WK_BUILDSPEC_SCALAR_MAX 16384
#define WK_BUILDSPEC_ERR_MAX    512

/*
 * Parses len bytes of text. 0 and *out (a new reference); SLUICE_EPARSE with
 * err naming the line and the key (nothing to free); SLUICE_ETOOBIG past a
 * bound (err says which); SLUICE_ENOMEM.
 */
int wk_buildspec_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen);

#endif
