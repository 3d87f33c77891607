/*
 * src_repos.c — the repositories and connections file (see src_repos.h).
 *
 * jansson parses the text after its depth was bounded (core jsontext.h);
 * every member is checked against the lists below, so an unknown one — a
 * typo like "passwordfile" — is an error instead of a silently missing
 * credential.
 */
#include "src_repos.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/fs.h"
#include "sluice/jsontext.h"
#include "sluice/protocol_arn.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC_REPOS_DEPTH_MAX 8
#define SRC_REPOS_WHERE_MAX 192

struct src_repos {
    src_repository *repositories;
    size_t nrepositories;
    src_connection *connections;
    size_t nconnections;
};

static int src_repos_fail(char *err, size_t errlen, int rc, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int src_repos_fail(char *err, size_t errlen, int rc, const char *where, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) {
        return rc;
    }
    int n = snprintf(err, errlen, "%s%s", where, where[0] != '\0' ? ": " : "");
    if (n >= 0 && (size_t)n < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void src_repos_credentials_clear(src_credentials *c)
{
    if (c->password != NULL) {
        OPENSSL_cleanse(c->password, strlen(c->password));
        free(c->password);
        c->password = NULL;
    }
}

void src_repos_free(src_repos *repos)
{
    if (repos == NULL) {
        return;
    }
    for (size_t i = 0; i < repos->nrepositories; i++) {
        src_repos_credentials_clear(&repos->repositories[i].credentials);
    }
    for (size_t i = 0; i < repos->nconnections; i++) {
        src_repos_credentials_clear(&repos->connections[i].credentials);
        src_credentials secret = {.password = repos->connections[i].webhook_secret};
        src_repos_credentials_clear(&secret);
    }
    free(repos->repositories);
    free(repos->connections);
    free(repos);
}

/* Fails when obj has a member not in allowed (NULL-terminated). */
static int src_repos_members(json_t *obj, const char *const *allowed, const char *where, char *err,
                             size_t errlen)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            known = known || strcmp(allowed[i], key) == 0;
        }
        if (!known) {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "unknown member \"%.64s\"",
                                  key);
        }
    }
    return 0;
}

/*
 * Copies the string member name of obj into out[outlen]. Absent: "" when
 * optional, else an error. A non-string, an empty string (when min is 1), a
 * control character or an over-long value is an error; secret values are
 * never echoed.
 */
static int src_repos_string(const json_t *obj, const char *name, bool required, char *out,
                            size_t outlen, const char *where, char *err, size_t errlen)
{
    out[0] = '\0';
    json_t *value = json_object_get(obj, name);
    if (value == NULL) {
        return required
                   ? src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"%s\" is required", name)
                   : 0;
    }
    if (!json_is_string(value)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"%s\" must be a string", name);
    }
    const char *s = json_string_value(value);
    size_t len = json_string_length(value);
    if (len == 0) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"%s\" is empty", name);
    }
    if (len >= outlen) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "\"%s\" takes %zu bytes; at most %zu are allowed", name, len,
                              outlen - 1);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                                  "\"%s\" holds a control character at byte %zu", name, i);
        }
    }
    memcpy(out, s, len + 1);
    return 0;
}

static int src_repos_path(const json_t *obj, const char *name, char *out, const char *where,
                          char *err, size_t errlen)
{
    int rc = src_repos_string(obj, name, false, out, SRC_REPOS_PATH_MAX, where, err, errlen);
    if (rc == 0 && out[0] != '\0' && out[0] != '/') {
        rc = src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"%s\" must be an absolute path",
                            name);
    }
    return rc;
}

static int src_repos_credentials(json_t *entry, src_remote_kind kind, src_credentials *c,
                                 const char *where, char *err, size_t errlen)
{
    static const char *const allowed[] = {"username",   "password",       "passwordFile",
                                          "sshKeyFile", "knownHostsFile", NULL};
    memset(c, 0, sizeof *c);
    json_t *obj = json_object_get(entry, "credentials");
    if (obj == NULL) {
        return 0;
    }
    if (!json_is_object(obj)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "\"credentials\" must be an object");
    }
    int rc = src_repos_members(obj, allowed, where, err, errlen);
    if (rc != 0) {
        return rc;
    }
    bool http = kind == SRC_REMOTE_HTTP || kind == SRC_REMOTE_HTTPS;
    if (json_object_size(obj) > 0 && !http && kind != SRC_REMOTE_SSH) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "a %s remote takes no credentials; remove \"credentials\"",
                              src_remote_kind_name(kind));
    }
    if (http && (json_object_get(obj, "sshKeyFile") != NULL ||
                 json_object_get(obj, "knownHostsFile") != NULL)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "sshKeyFile and knownHostsFile apply to ssh remotes; an %s remote "
                              "takes username and password or passwordFile",
                              src_remote_kind_name(kind));
    }
    if (kind == SRC_REMOTE_SSH &&
        (json_object_get(obj, "username") != NULL || json_object_get(obj, "password") != NULL ||
         json_object_get(obj, "passwordFile") != NULL)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "an ssh remote takes sshKeyFile and knownHostsFile (the user name "
                              "goes in the URL, user@host); passwords are not supported");
    }
    rc = src_repos_string(obj, "username", false, c->username, sizeof c->username, where, err,
                          errlen);
    if (rc == 0) {
        rc = src_repos_path(obj, "passwordFile", c->password_file, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_path(obj, "sshKeyFile", c->ssh_key_file, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_path(obj, "knownHostsFile", c->known_hosts_file, where, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *password = json_object_get(obj, "password");
    if (password != NULL) {
        if (c->password_file[0] != '\0') {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                                  "give \"password\" or \"passwordFile\", not both");
        }
        size_t len = json_string_length(password);
        if (!json_is_string(password) || len == 0 || len > SRC_REPOS_SECRET_MAX ||
            strlen(json_string_value(password)) != len) {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                                  "\"password\" must be a non-empty string of at most %d bytes",
                                  SRC_REPOS_SECRET_MAX);
        }
        c->password = strdup(json_string_value(password));
        if (c->password == NULL) {
            return SLUICE_ENOMEM;
        }
    }
    if (http && (c->password != NULL || c->password_file[0] != '\0') && c->username[0] == '\0') {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "a password needs a \"username\" (for a token, the name the host "
                              "expects, e.g. x-access-token or oauth2)");
    }
    return 0;
}

static int src_repos_remote(const json_t *entry, const char *member, char *url,
                            src_remote_kind *kind, const char *where, char *err, size_t errlen)
{
    int rc = src_repos_string(entry, member, true, url, SRC_URL_MAX, where, err, errlen);
    if (rc != 0) {
        return rc;
    }
    char why[512] = "";
    rc = src_remote_classify(url, kind, why, sizeof why);
    if (rc != 0) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"%s\": %s", member, why);
    }
    return 0;
}

static int src_repos_repository_entry(json_t *entry, size_t index, src_repository *r, char *err,
                                      size_t errlen)
{
    static const char *const allowed[] = {"name", "url", "credentials", NULL};
    char where[SRC_REPOS_WHERE_MAX];
    snprintf(where, sizeof where, "repositories[%zu]", index);
    if (!json_is_object(entry)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "must be an object");
    }
    int rc = src_repos_string(entry, "name", true, r->name, sizeof r->name, where, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (!src_remote_repository_name_ok(r->name)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "\"name\" \"%s\" is not a CodeCommit repository name "
                              "([A-Za-z0-9._-], 1 to 100 characters)",
                              r->name);
    }
    snprintf(where, sizeof where, "repositories[%zu] (name \"%s\")", index, r->name);
    rc = src_repos_members(entry, allowed, where, err, errlen);
    if (rc == 0) {
        rc = src_repos_remote(entry, "url", r->url, &r->kind, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_credentials(entry, r->kind, &r->credentials, where, err, errlen);
    }
    return rc;
}

static int src_repos_arn_check(const char *arn, const char *where, char *err, size_t errlen)
{
    protocol_arn parts;
    char why[256] = "";
    if (protocol_arn_parse(arn, &parts, why, sizeof why) != 0) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"arn\" is not an ARN: %s", why);
    }
    bool service =
        (parts.service.len == 20 && memcmp(parts.service.ptr, "codestar-connections", 20) == 0) ||
        (parts.service.len == 15 && memcmp(parts.service.ptr, "codeconnections", 15) == 0);
    bool resource = parts.resource.len > 11 && memcmp(parts.resource.ptr, "connection/", 11) == 0;
    if (!service || !resource) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "\"arn\" must be a connection ARN "
                              "(arn:aws:codestar-connections:<region>:<account>:connection/<id>, "
                              "or codeconnections)");
    }
    return 0;
}

static int src_repos_connection_entry(json_t *entry, size_t index, src_connection *c, char *err,
                                      size_t errlen)
{
    static const char *const allowed[] = {
        "arn",           "baseUrl",           "suffix", "providerType", "credentials",
        "webhookSecret", "webhookSecretFile", NULL};
    char where[SRC_REPOS_WHERE_MAX];
    snprintf(where, sizeof where, "connections[%zu]", index);
    if (!json_is_object(entry)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where, "must be an object");
    }
    int rc = src_repos_string(entry, "arn", true, c->arn, sizeof c->arn, where, err, errlen);
    if (rc == 0) {
        rc = src_repos_arn_check(c->arn, where, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(where, sizeof where, "connections[%zu] (arn \"%.150s\")", index, c->arn);
    rc = src_repos_members(entry, allowed, where, err, errlen);
    if (rc == 0) {
        rc = src_repos_remote(entry, "baseUrl", c->base_url, &c->kind, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_string(entry, "suffix", false, c->suffix, sizeof c->suffix, where, err,
                              errlen);
    }
    if (rc == 0 && strchr(c->suffix, '/') != NULL) {
        rc = src_repos_fail(err, errlen, SLUICE_EINVAL, where, "\"suffix\" must not hold '/'");
    }
    if (rc == 0) {
        rc = src_repos_string(entry, "providerType", false, c->provider_type,
                              sizeof c->provider_type, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_credentials(entry, c->kind, &c->credentials, where, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_path(entry, "webhookSecretFile", c->webhook_secret_file, where, err, errlen);
    }
    json_t *secret = json_object_get(entry, "webhookSecret");
    if (rc == 0 && secret != NULL) {
        size_t len = json_string_length(secret);
        if (c->webhook_secret_file[0] != '\0') {
            rc = src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                                "give \"webhookSecret\" or \"webhookSecretFile\", not both");
        } else if (!json_is_string(secret) || len == 0 || len > SRC_REPOS_SECRET_MAX ||
                   strlen(json_string_value(secret)) != len) {
            rc = src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                                "\"webhookSecret\" must be a non-empty string of at most %d "
                                "bytes",
                                SRC_REPOS_SECRET_MAX);
        } else {
            c->webhook_secret = strdup(json_string_value(secret));
            rc = c->webhook_secret != NULL ? 0 : SLUICE_ENOMEM;
        }
    }
    return rc;
}

/* The entry list member name of root: NULL when absent, else an array within bounds. */
static int src_repos_list(json_t *root, const char *name, json_t **list, char *err, size_t errlen)
{
    *list = json_object_get(root, name);
    if (*list == NULL) {
        return 0;
    }
    if (!json_is_array(*list)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, name, "must be an array");
    }
    if (json_array_size(*list) > SRC_REPOS_ENTRIES_MAX) {
        return src_repos_fail(err, errlen, SLUICE_ETOOBIG, name,
                              "holds %zu entries; at most %d are allowed", json_array_size(*list),
                              SRC_REPOS_ENTRIES_MAX);
    }
    return 0;
}

static int src_repos_build(json_t *root, src_repos *repos, char *err, size_t errlen)
{
    static const char *const allowed[] = {"repositories", "connections", NULL};
    if (!json_is_object(root)) {
        return src_repos_fail(err, errlen, SLUICE_EINVAL, "",
                              "the repositories file must hold a JSON object");
    }
    json_t *repositories = NULL;
    json_t *connections = NULL;
    int rc = src_repos_members(root, allowed, "the repositories file", err, errlen);
    if (rc == 0) {
        rc = src_repos_list(root, "repositories", &repositories, err, errlen);
    }
    if (rc == 0) {
        rc = src_repos_list(root, "connections", &connections, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    size_t nr = json_array_size(repositories);
    size_t nc = json_array_size(connections);
    repos->repositories = calloc(nr > 0 ? nr : 1, sizeof *repos->repositories);
    repos->connections = calloc(nc > 0 ? nc : 1, sizeof *repos->connections);
    if (repos->repositories == NULL || repos->connections == NULL) {
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < nr; i++) {
        src_repository *r = &repos->repositories[i];
        repos->nrepositories = i + 1; /* what is filled gets freed */
        rc = src_repos_repository_entry(json_array_get(repositories, i), i, r, err, errlen);
        if (rc != 0) {
            return rc;
        }
        if (src_repos_repository(repos, r->name) != r) {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, "",
                                  "repositories[%zu]: the name \"%s\" is declared twice", i,
                                  r->name);
        }
    }
    for (size_t i = 0; i < nc; i++) {
        src_connection *c = &repos->connections[i];
        repos->nconnections = i + 1;
        rc = src_repos_connection_entry(json_array_get(connections, i), i, c, err, errlen);
        if (rc != 0) {
            return rc;
        }
        if (src_repos_connection(repos, c->arn) != c) {
            return src_repos_fail(err, errlen, SLUICE_EINVAL, "",
                                  "connections[%zu]: the arn \"%s\" is declared twice", i, c->arn);
        }
    }
    return 0;
}

int src_repos_parse(const char *text, size_t len, src_repos **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > SRC_REPOS_FILE_MAX) {
        return src_repos_fail(err, errlen, SLUICE_ETOOBIG, "",
                              "the repositories file takes %zu bytes; at most %d are allowed", len,
                              SRC_REPOS_FILE_MAX);
    }
    if (sluice_jsontext_depth(text, len, SRC_REPOS_DEPTH_MAX) > SRC_REPOS_DEPTH_MAX) {
        return src_repos_fail(err, errlen, SLUICE_EPARSE, "",
                              "the repositories file nests deeper than %d levels",
                              SRC_REPOS_DEPTH_MAX);
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return src_repos_fail(err, errlen, SLUICE_EPARSE, "",
                              "the repositories file is not JSON: %s at line %d, column %d",
                              jerr.text, jerr.line, jerr.column);
    }
    src_repos *repos = calloc(1, sizeof *repos);
    int rc = repos != NULL ? src_repos_build(root, repos, err, errlen) : SLUICE_ENOMEM;
    json_decref(root);
    if (rc != 0) {
        src_repos_free(repos);
        return rc;
    }
    *out = repos;
    return 0;
}

/* Fails unless the secret file at path is private (sluice_fs_check_private). */
static int src_repos_check_private(const char *path, const char *where, char *err, size_t errlen)
{
    char why[SRC_REPOS_PATH_MAX + 128];
    int rc = sluice_fs_check_private(path, why, sizeof why);
    return rc != 0 ? src_repos_fail(err, errlen, rc, where, "%s", why) : 0;
}

/* Reads the first line of a password file (which must be private) into c->password. */
static int src_repos_read_secret(src_credentials *c, const char *where, char *err, size_t errlen)
{
    int rc = src_repos_check_private(c->password_file, where, err, errlen);
    if (rc != 0) {
        return rc;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, SRC_REPOS_SECRET_MAX + 2);
    rc = sluice_fs_read_file(c->password_file, &buf);
    if (rc != 0) {
        sluice_buf_free(&buf);
        return src_repos_fail(err, errlen, rc == SLUICE_ETOOBIG ? SLUICE_EINVAL : rc, where,
                              "the secret file %s cannot be read (%s)", c->password_file,
                              rc == SLUICE_ETOOBIG ? "larger than 4 KiB" : sluice_strerror(rc));
    }
    char *text = sluice_buf_steal(&buf);
    size_t len = text != NULL ? strcspn(text, "\r\n") : 0;
    if (text == NULL || len == 0) {
        if (text != NULL) {
            OPENSSL_cleanse(text, strlen(text));
        }
        free(text);
        return src_repos_fail(err, errlen, SLUICE_EINVAL, where,
                              "the secret file %s is empty or its first line is", c->password_file);
    }
    OPENSSL_cleanse(text + len, strlen(text + len));
    text[len] = '\0';
    c->password = text;
    return 0;
}

int src_repos_load(const char *path, src_repos **out, char *err, size_t errlen)
{
    *out = NULL;
    sluice_buf buf;
    sluice_buf_init(&buf, SRC_REPOS_FILE_MAX);
    int rc = sluice_fs_read_file(path, &buf);
    if (rc != 0) {
        sluice_buf_free(&buf);
        return src_repos_fail(err, errlen, rc, "", "the repositories file %s cannot be read: %s",
                              path,
                              rc == SLUICE_ETOOBIG ? "larger than 1 MiB" : sluice_strerror(rc));
    }
    src_repos *repos = NULL;
    char why[1024] = "";
    rc = src_repos_parse(buf.data != NULL ? buf.data : "", buf.len, &repos, why, sizeof why);
    sluice_buf_free(&buf);
    if (rc != 0) {
        return src_repos_fail(err, errlen, rc, path, "%s", why);
    }
    /* a file holding a secret itself must be as private as a secret file */
    bool inline_secret = false;
    for (size_t i = 0; i < repos->nrepositories; i++) {
        inline_secret = inline_secret || repos->repositories[i].credentials.password != NULL;
    }
    for (size_t i = 0; i < repos->nconnections; i++) {
        inline_secret = inline_secret || repos->connections[i].credentials.password != NULL ||
                        repos->connections[i].webhook_secret != NULL;
    }
    char where[SRC_REPOS_WHERE_MAX + SRC_REPOS_PATH_MAX];
    if (inline_secret) {
        snprintf(where, sizeof where, "%s (it holds a password or webhookSecret)", path);
        rc = src_repos_check_private(path, where, err, errlen);
    }
    for (size_t i = 0; rc == 0 && i < repos->nrepositories; i++) {
        src_repository *r = &repos->repositories[i];
        snprintf(where, sizeof where, "%s: repositories[%zu] (name \"%s\")", path, i, r->name);
        if (r->credentials.password_file[0] != '\0') {
            rc = src_repos_read_secret(&r->credentials, where, err, errlen);
        }
        if (rc == 0 && r->credentials.ssh_key_file[0] != '\0') {
            rc = src_repos_check_private(r->credentials.ssh_key_file, where, err, errlen);
        }
    }
    for (size_t i = 0; rc == 0 && i < repos->nconnections; i++) {
        src_connection *c = &repos->connections[i];
        snprintf(where, sizeof where, "%s: connections[%zu] (arn \"%.150s\")", path, i, c->arn);
        if (c->credentials.password_file[0] != '\0') {
            rc = src_repos_read_secret(&c->credentials, where, err, errlen);
        }
        if (rc == 0 && c->credentials.ssh_key_file[0] != '\0') {
            rc = src_repos_check_private(c->credentials.ssh_key_file, where, err, errlen);
        }
        if (rc == 0 && c->webhook_secret_file[0] != '\0') {
            src_credentials secret;
            memset(&secret, 0, sizeof secret);
            memcpy(secret.password_file, c->webhook_secret_file, sizeof secret.password_file);
            rc = src_repos_read_secret(&secret, where, err, errlen);
            c->webhook_secret = secret.password;
        }
    }
    if (rc != 0) {
        src_repos_free(repos);
        return rc;
    }
    *out = repos;
    return 0;
}

const src_repository *src_repos_repository(const src_repos *repos, const char *name)
{
    for (size_t i = 0; repos != NULL && name != NULL && i < repos->nrepositories; i++) {
        if (strcmp(repos->repositories[i].name, name) == 0) {
            return &repos->repositories[i];
        }
    }
    return NULL;
}

const src_connection *src_repos_connection(const src_repos *repos, const char *arn)
{
    for (size_t i = 0; repos != NULL && arn != NULL && i < repos->nconnections; i++) {
        if (strcmp(repos->connections[i].arn, arn) == 0) {
            return &repos->connections[i];
        }
    }
    return NULL;
}

size_t src_repos_repository_count(const src_repos *repos)
{
    return repos != NULL ? repos->nrepositories : 0;
}

size_t src_repos_connection_count(const src_repos *repos)
{
    return repos != NULL ? repos->nconnections : 0;
}

const src_repository *src_repos_repository_at(const src_repos *repos, size_t i)
{
    return i < src_repos_repository_count(repos) ? &repos->repositories[i] : NULL;
}

const src_connection *src_repos_connection_at(const src_repos *repos, size_t i)
{
    return i < src_repos_connection_count(repos) ? &repos->connections[i] : NULL;
}
