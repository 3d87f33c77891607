/*
 * src_webhook.c — webhook deliveries of GitHub, GitLab and Gitea (see src_webhook.h).
 */
#include "src_webhook.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include "src_commit.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define SRC_WEBHOOK_DEPTH_MAX 64

/* True when hex (64 digits, any case) is hex(HMAC-SHA256(secret, body)); constant time. */
static bool src_webhook_hmac_ok(const char *secret, const void *body, size_t len, const char *hex)
{
    if (secret == NULL || hex == NULL || strlen(hex) != 64) {
        return false;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len) == NULL ||
        mac_len != 32) {
        return false;
    }
    char want[65];
    for (size_t i = 0; i < 32; i++) {
        snprintf(want + 2 * i, 3, "%02x", mac[i]);
    }
    char given[65];
    for (size_t i = 0; i < 64; i++) {
        char c = hex[i];
        given[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    given[64] = '\0';
    bool ok = CRYPTO_memcmp(want, given, 64) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

bool src_webhook_signature_ok(const char *secret, const void *body, size_t len, const char *header)
{
    if (header == NULL || strlen(header) != 7 + 64 || strncmp(header, "sha256=", 7) != 0) {
        return false;
    }
    return src_webhook_hmac_ok(secret, body, len, header + 7);
}

bool src_webhook_gitea_signature_ok(const char *secret, const void *body, size_t len,
                                    const char *header)
{
    return src_webhook_hmac_ok(secret, body, len, header);
}

bool src_webhook_token_ok(const char *secret, const char *header)
{
    if (secret == NULL || header == NULL) {
        return false;
    }
    unsigned char a[EVP_MAX_MD_SIZE];
    unsigned char b[EVP_MAX_MD_SIZE];
    unsigned int alen = 0;
    unsigned int blen = 0;
    bool ok = EVP_Digest(secret, strlen(secret), a, &alen, EVP_sha256(), NULL) == 1 &&
              EVP_Digest(header, strlen(header), b, &blen, EVP_sha256(), NULL) == 1 && alen == 32 &&
              blen == 32 && CRYPTO_memcmp(a, b, 32) == 0;
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    return ok;
}

/* The delivery's body as a JSON object, within the bounds. */
static int src_webhook_load(const char *body, size_t len, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > SRC_WEBHOOK_BODY_MAX) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the delivery takes %zu bytes; at most %d are read", len,
                                SRC_WEBHOOK_BODY_MAX);
    }
    if (sluice_jsontext_depth(body, len, SRC_WEBHOOK_DEPTH_MAX) > SRC_WEBHOOK_DEPTH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery nests too deep");
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery is not JSON: %s",
                                jerr.text);
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery is not a JSON object");
    }
    *out = doc;
    return 0;
}

int src_webhook_github_push(const char *body, size_t len, src_webhook_push *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    int rc = src_webhook_load(body, len, &doc, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *ref = json_string_value(json_object_get(doc, "ref"));
    const char *name =
        json_string_value(json_object_get(json_object_get(doc, "repository"), "full_name"));
    json_t *deleted = json_object_get(doc, "deleted");
    char why[256];
    if (ref == NULL || name == NULL) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "the push names no ref or no repository.full_name");
    } else if (strncmp(ref, "refs/heads/", 11) != 0) {
        rc = SLUICE_ENOTFOUND;
        sluice_error_set(err, errlen, rc, "the ref %.100s is not a branch", ref);
    } else if (strlen(ref + 11) > SRC_BRANCH_MAX ||
               src_remote_branch_check(ref + 11, why, sizeof why) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the pushed branch is not a name");
    } else if (strlen(name) > SRC_REPO_ID_MAX ||
               src_remote_repository_id_check(name, why, sizeof why) != 0) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE,
                              "repository.full_name is not owner/repository");
    } else if (deleted != NULL && !json_is_boolean(deleted)) {
        rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "\"deleted\" is not a boolean");
    } else {
        snprintf(out->branch, sizeof out->branch, "%s", ref + 11);
        snprintf(out->full_name, sizeof out->full_name, "%s", name);
        out->deleted = json_is_true(deleted);
    }
    json_decref(doc);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}

bool src_webhook_seen_add(src_webhook_seen *seen, const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > SRC_WEBHOOK_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < SRC_WEBHOOK_SEEN_MAX; i++) {
        if (strcmp(seen->ids[i], id) == 0) {
            return false;
        }
    }
    snprintf(seen->ids[seen->next], sizeof seen->ids[seen->next], "%s", id);
    seen->next = (seen->next + 1) % SRC_WEBHOOK_SEEN_MAX;
    return true;
}

void src_webhook_seen_forget(src_webhook_seen *seen, const char *id)
{
    if (id == NULL || id[0] == '\0') {
        return;
    }
    for (size_t i = 0; i < SRC_WEBHOOK_SEEN_MAX; i++) {
        if (strcmp(seen->ids[i], id) == 0) {
            seen->ids[i][0] = '\0';
        }
    }
}

/* A string member along a path of object members (NULL-terminated), or NULL. */
static const char *src_webhook_str(const json_t *doc, const char *const *path)
{
    const json_t *at = doc;
    for (size_t i = 0; path[i] != NULL && at != NULL; i++) {
        at = json_object_get(at, path[i]);
    }
    return json_string_value(at);
}

#define SRC_WEBHOOK_STR(doc, ...) src_webhook_str((doc), (const char *const[]){__VA_ARGS__, NULL})

/* True when id is 40 (or 64) zeros: git's "no commit". */
static bool src_webhook_zero(const char *id)
{
    size_t n = strspn(id, "0");
    return (n == 40 || n == 64) && id[n] == '\0';
}

/* Copies a commit id member into out: "" when absent/null/zeros and optional. */
static int src_webhook_commit(const char *value, const char *what, bool required, char *out,
                              char *err, size_t errlen)
{
    out[0] = '\0';
    if (value == NULL || src_webhook_zero(value)) {
        return required ? sluice_error_set(err, errlen, SLUICE_EPARSE, "%s is missing", what) : 0;
    }
    if (!src_commit_id_ok(value)) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "%s is not a commit id (40 or 64 lowercase hex digits)", what);
    }
    snprintf(out, SRC_COMMIT_ID_MAX + 1, "%s", value);
    return 0;
}

static int src_webhook_branch(const char *value, const char *what, char *out, char *err,
                              size_t errlen)
{
    char why[256];
    if (value == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "%s is missing", what);
    }
    if (strlen(value) > SRC_BRANCH_MAX || src_remote_branch_check(value, why, sizeof why) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "%s is not a branch or tag name", what);
    }
    snprintf(out, SRC_BRANCH_MAX + 1, "%s", value);
    return 0;
}

static int src_webhook_repository(const char *value, const char *what, src_change *out, char *err,
                                  size_t errlen)
{
    char why[256];
    if (value == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "%s is missing", what);
    }
    if (strlen(value) > SRC_REPO_ID_MAX ||
        src_remote_repository_id_check(value, why, sizeof why) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "%s is not owner/repository", what);
    }
    snprintf(out->full_name, sizeof out->full_name, "%s", value);
    return 0;
}

/* A push's ref (refs/heads/<b> or refs/tags/<t>), before and after into out. */
static int src_webhook_push_change(const json_t *doc, const char *repository, const char *what,
                                   src_change *out, char *err, size_t errlen)
{
    const char *ref = SRC_WEBHOOK_STR(doc, "ref");
    const char *after = SRC_WEBHOOK_STR(doc, "after");
    if (ref == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the push names no ref");
    }
    const char *name;
    if (strncmp(ref, "refs/heads/", 11) == 0) {
        out->kind = SRC_CHANGE_BRANCH;
        name = ref + 11;
    } else if (strncmp(ref, "refs/tags/", 10) == 0) {
        out->kind = SRC_CHANGE_TAG;
        name = ref + 10;
    } else {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "the ref %.100s is neither a branch nor a tag", ref);
    }
    int rc = src_webhook_branch(name, "the pushed ref", out->ref, err, errlen);
    if (rc == 0) {
        rc = src_webhook_repository(repository, what, out, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_commit(SRC_WEBHOOK_STR(doc, "before"), "\"before\"", false, out->before,
                                err, errlen);
    }
    if (rc == 0 && after != NULL && src_webhook_zero(after)) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "the ref %.100s was deleted", ref);
    }
    if (rc == 0) {
        rc = src_webhook_commit(after, "\"after\"", true, out->after, err, errlen);
    }
    if (rc == 0 && json_is_true(json_object_get(doc, "deleted"))) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "the ref %.100s was deleted", ref);
    }
    return rc;
}

/* GitHub's and Gitea's pull_request payloads (one shape). */
static int src_webhook_pull_request(const json_t *doc, bool gitea, src_change *out, char *err,
                                    size_t errlen)
{
    const char *action = SRC_WEBHOOK_STR(doc, "action");
    if (action == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the pull request has no \"action\"");
    }
    if (strcmp(action, "opened") == 0 || strcmp(action, "reopened") == 0) {
        out->event = SRC_PR_OPEN;
    } else if (strcmp(action, gitea ? "synchronized" : "synchronize") == 0) {
        out->event = SRC_PR_UPDATED;
    } else if (strcmp(action, "closed") == 0) {
        out->event = SRC_PR_CLOSED;
    } else {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "the pull-request action %.40s starts nothing", action);
    }
    out->kind = SRC_CHANGE_PULL_REQUEST;
    const json_t *number = json_object_get(doc, "number");
    if (!json_is_integer(number) || json_integer_value(number) < 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the pull request's \"number\" is not a count");
    }
    out->number = (long)json_integer_value(number);
    int rc = src_webhook_repository(SRC_WEBHOOK_STR(doc, "repository", "full_name"),
                                    "repository.full_name", out, err, errlen);
    if (rc == 0) {
        rc = src_webhook_branch(SRC_WEBHOOK_STR(doc, "pull_request", "head", "ref"),
                                "pull_request.head.ref", out->ref, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_branch(SRC_WEBHOOK_STR(doc, "pull_request", "base", "ref"),
                                "pull_request.base.ref", out->destination, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_commit(SRC_WEBHOOK_STR(doc, "pull_request", "head", "sha"),
                                "pull_request.head.sha", true, out->after, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_commit(SRC_WEBHOOK_STR(doc, "pull_request", "base", "sha"),
                                "pull_request.base.sha", false, out->base, err, errlen);
    }
    return rc;
}

static int src_webhook_github(const char *event, const json_t *doc, src_change *out, char *err,
                              size_t errlen)
{
    if (strcmp(event, "push") == 0) {
        return src_webhook_push_change(doc, SRC_WEBHOOK_STR(doc, "repository", "full_name"),
                                       "repository.full_name", out, err, errlen);
    }
    if (strcmp(event, "pull_request") == 0) {
        return src_webhook_pull_request(doc, false, out, err, errlen);
    }
    return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "the event %.40s starts nothing", event);
}

static int src_webhook_gitlab(const char *event, const json_t *doc, src_change *out, char *err,
                              size_t errlen)
{
    const char *project = SRC_WEBHOOK_STR(doc, "project", "path_with_namespace");
    if (strcmp(event, "Push Hook") == 0 || strcmp(event, "Tag Push Hook") == 0) {
        int rc =
            src_webhook_push_change(doc, project, "project.path_with_namespace", out, err, errlen);
        if (rc == 0 && (out->kind == SRC_CHANGE_TAG) != (strcmp(event, "Tag Push Hook") == 0)) {
            rc = sluice_error_set(err, errlen, SLUICE_EPARSE, "the ref does not fit the %s", event);
        }
        return rc;
    }
    if (strcmp(event, "Merge Request Hook") != 0) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "the event %.40s starts nothing",
                                event);
    }
    const json_t *attrs = json_object_get(doc, "object_attributes");
    const char *action = SRC_WEBHOOK_STR(attrs, "action");
    if (!json_is_object(attrs) || action == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the merge request has no object_attributes.action");
    }
    if (strcmp(action, "open") == 0 || strcmp(action, "reopen") == 0) {
        out->event = SRC_PR_OPEN;
    } else if (strcmp(action, "update") == 0 && json_object_get(attrs, "oldrev") != NULL) {
        out->event = SRC_PR_UPDATED; /* new commits; other updates (title, labels) start nothing */
    } else if (strcmp(action, "close") == 0 || strcmp(action, "merge") == 0) {
        out->event = SRC_PR_CLOSED;
    } else {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND,
                                "the merge-request action %.40s starts nothing", action);
    }
    out->kind = SRC_CHANGE_PULL_REQUEST;
    const json_t *iid = json_object_get(attrs, "iid");
    if (!json_is_integer(iid) || json_integer_value(iid) < 0) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "object_attributes.iid is not a count");
    }
    out->number = (long)json_integer_value(iid);
    int rc = src_webhook_repository(project, "project.path_with_namespace", out, err, errlen);
    if (rc == 0) {
        rc = src_webhook_branch(SRC_WEBHOOK_STR(attrs, "source_branch"),
                                "object_attributes.source_branch", out->ref, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_branch(SRC_WEBHOOK_STR(attrs, "target_branch"),
                                "object_attributes.target_branch", out->destination, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_commit(SRC_WEBHOOK_STR(attrs, "last_commit", "id"),
                                "object_attributes.last_commit.id", true, out->after, err, errlen);
    }
    return rc;
}

static int src_webhook_gitea(const char *event, const json_t *doc, src_change *out, char *err,
                             size_t errlen)
{
    if (strcmp(event, "push") == 0) {
        return src_webhook_push_change(doc, SRC_WEBHOOK_STR(doc, "repository", "full_name"),
                                       "repository.full_name", out, err, errlen);
    }
    if (strcmp(event, "pull_request") == 0) {
        return src_webhook_pull_request(doc, true, out, err, errlen);
    }
    if (strcmp(event, "create") != 0) {
        return sluice_error_set(err, errlen, SLUICE_ENOTFOUND, "the event %.40s starts nothing",
                                event);
    }
    const char *type = SRC_WEBHOOK_STR(doc, "ref_type");
    if (type == NULL || (strcmp(type, "tag") != 0 && strcmp(type, "branch") != 0)) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "\"ref_type\" is neither \"tag\" nor \"branch\"");
    }
    out->kind = strcmp(type, "tag") == 0 ? SRC_CHANGE_TAG : SRC_CHANGE_BRANCH;
    int rc = src_webhook_branch(SRC_WEBHOOK_STR(doc, "ref"), "\"ref\"", out->ref, err, errlen);
    if (rc == 0) {
        rc = src_webhook_repository(SRC_WEBHOOK_STR(doc, "repository", "full_name"),
                                    "repository.full_name", out, err, errlen);
    }
    if (rc == 0) {
        rc = src_webhook_commit(SRC_WEBHOOK_STR(doc, "sha"), "\"sha\"", true, out->after, err,
                                errlen);
    }
    return rc;
}

int src_webhook_change(src_webhook_host host, const char *event, const char *body, size_t len,
                       src_change *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (event == NULL || event[0] == '\0') {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the delivery names no event");
    }
    json_t *doc = NULL;
    int rc = src_webhook_load(body, len, &doc, err, errlen);
    if (rc != 0) {
        return rc;
    }
    switch (host) {
    case SRC_WEBHOOK_GITLAB:
        rc = src_webhook_gitlab(event, doc, out, err, errlen);
        break;
    case SRC_WEBHOOK_GITEA:
        rc = src_webhook_gitea(event, doc, out, err, errlen);
        break;
    case SRC_WEBHOOK_GITHUB:
    default:
        rc = src_webhook_github(event, doc, out, err, errlen);
        break;
    }
    json_decref(doc);
    if (rc != 0) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}
