/*
 * wk_lambda.c — the worker's functions and the CodePipeline.job event (see
 * wk_lambda.h).
 */
#include "wk_lambda.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool wk_lambda_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > WK_LAMBDA_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* NULL when url is acceptable, else what is wrong with it. */
static const char *wk_lambda_url_problem(const char *url, size_t len)
{
    static const char *const local[] = {"127.0.0.1", "localhost", "[::1]"};
    if (len == 0 || len > WK_LAMBDA_URL_MAX) {
        return "\"url\" is empty or longer than 1024 bytes";
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)url[i];
        if (ch <= 0x20 || ch == 0x7f) {
            return "\"url\" holds whitespace or a control character";
        }
    }
    if (strncmp(url, "https://", 8) == 0) {
        return len > 8 ? NULL : "\"url\" names no host";
    }
    if (strncmp(url, "http://", 7) != 0) {
        return "\"url\" is neither https:// nor http://";
    }
    const char *host = url + 7;
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        size_t n = strlen(local[i]);
        if (strncmp(host, local[i], n) == 0 &&
            (host[n] == '\0' || host[n] == ':' || host[n] == '/')) {
            return NULL;
        }
    }
    return "\"url\" is http:// to another machine than this one (127.0.0.1, localhost, [::1]); "
           "use https://";
}

int wk_lambda_functions_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (len > WK_LAMBDA_FILE_MAX_BYTES) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "the file is larger than %d bytes",
                                WK_LAMBDA_FILE_MAX_BYTES);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "line %d: %.200s", jerr.line,
                                jerr.text);
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "not a JSON object of functions by name");
    }
    if (json_object_size(doc) > WK_LAMBDA_FUNCTIONS_MAX) {
        json_decref(doc);
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG, "more than %d functions",
                                WK_LAMBDA_FUNCTIONS_MAX);
    }
    json_t *functions = json_object();
    if (functions == NULL) {
        json_decref(doc);
        return SLUICE_ENOMEM;
    }
    int rc = 0;
    const char *name;
    json_t *entry;
    json_object_foreach(doc, name, entry)
    {
        const char *problem = NULL;
        const json_t *url = json_object_get(entry, "url");
        if (!wk_lambda_name_ok(name)) {
            problem = "the name is not 1..64 of [A-Za-z0-9_-]";
        } else if (!json_is_object(entry)) {
            problem = "not an object {\"url\": ...}";
        } else if (!json_is_string(url)) {
            problem = "\"url\" is missing or not a string";
        } else if (json_object_size(entry) != 1) {
            problem = "only \"url\" may be given";
        } else {
            problem = wk_lambda_url_problem(json_string_value(url), json_string_length(url));
        }
        if (problem != NULL) {
            /* names are printed cut and with their bytes as given: they are not secrets */
            rc = sluice_error_set(err, errlen, SLUICE_EINVAL, "function \"%.64s\": %s", name,
                                  problem);
            break;
        }
        if (json_object_set(functions, name, json_object_get(entry, "url")) != 0) {
            rc = SLUICE_ENOMEM;
            break;
        }
    }
    json_decref(doc);
    if (rc != 0) {
        json_decref(functions);
        return rc;
    }
    *out = functions;
    return 0;
}

const char *wk_lambda_url(const json_t *functions, const char *name)
{
    if (functions == NULL || name == NULL) {
        return NULL;
    }
    return json_string_value(json_object_get(functions, name));
}

static int wk_lambda_copy(json_t *to, const json_t *from, const char *key)
{
    json_t *value = json_object_get(from, key);
    if (value == NULL || json_is_null(value)) {
        return 0;
    }
    return json_object_set_new(to, key, json_deep_copy(value));
}

json_t *wk_lambda_event(const json_t *record)
{
    json_t *id = json_object_get(record, "id");
    json_t *account = json_object_get(record, "accountId");
    const json_t *data = json_object_get(record, "data");
    if (!json_is_string(id) || !json_is_string(account) || !json_is_object(data)) {
        return NULL;
    }
    const json_t *config =
        json_object_get(json_object_get(data, "actionConfiguration"), "configuration");
    json_t *shown = json_object();
    json_t *out_data = json_object();
    json_t *job = json_object();
    int rc = shown != NULL && out_data != NULL && job != NULL ? 0 : -1;
    rc = rc ? rc : wk_lambda_copy(shown, config, "FunctionName");
    rc = rc ? rc : wk_lambda_copy(shown, config, "UserParameters");
    rc = rc ? rc
            : json_object_set_new(out_data, "actionConfiguration",
                                  json_pack("{s:O}", "configuration", shown));
    json_t *inputs = json_object_get(data, "inputArtifacts");
    json_t *outputs = json_object_get(data, "outputArtifacts");
    rc = rc ? rc
            : json_object_set_new(out_data, "inputArtifacts",
                                  json_is_array(inputs) ? json_deep_copy(inputs) : json_array());
    rc = rc ? rc
            : json_object_set_new(out_data, "outputArtifacts",
                                  json_is_array(outputs) ? json_deep_copy(outputs) : json_array());
    rc = rc ? rc : wk_lambda_copy(out_data, data, "artifactCredentials");
    rc = rc ? rc : wk_lambda_copy(out_data, data, "continuationToken");
    rc = rc ? rc : wk_lambda_copy(out_data, data, "encryptionKey");
    rc = rc ? rc : json_object_set(job, "id", id);
    rc = rc ? rc : json_object_set(job, "accountId", account);
    rc = rc ? rc : json_object_set(job, "data", out_data);
    json_t *event = rc == 0 ? json_pack("{s:O}", "CodePipeline.job", job) : NULL;
    json_decref(shown);
    json_decref(out_data);
    json_decref(job);
    return event;
}
