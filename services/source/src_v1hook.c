/*
 * src_v1hook.c — V1 webhook deliveries: authentication, filters, the start (see src_v1hook.h).
 */
#include "src_v1hook.h"

#include "sluice/error.h"
#include "sluice/pattern_cidr.h"
#include "sluice/pattern_jsonpath.h"
#include "sluice/protocol_names.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define SRC_V1HOOK_VALUE_MAX 4096 /* bytes of a selected value compared */

/* True when header is prefix + hex HMAC(md, secret, body) (hex in either case). */
static bool src_v1hook_hmac_ok(const EVP_MD *md, const char *prefix, const char *secret,
                               const void *body, size_t len, const char *header)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t plen = strlen(prefix);
    if (header == NULL || strncmp(header, prefix, plen) != 0 ||
        HMAC(md, secret, (int)strlen(secret), body, len, mac, &mac_len) == NULL ||
        strlen(header + plen) != 2 * (size_t)mac_len) {
        return false;
    }
    char want[2 * EVP_MAX_MD_SIZE + 1];
    char given[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mac_len; i++) {
        snprintf(want + 2 * i, 3, "%02x", mac[i]);
    }
    for (size_t i = 0; i < 2 * (size_t)mac_len; i++) {
        char c = header[plen + i];
        given[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    bool ok = CRYPTO_memcmp(want, given, 2 * (size_t)mac_len) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

int src_v1hook_verify(const json_t *definition, const src_v1hook_delivery *delivery, char *err,
                      size_t errlen)
{
    const char *type = json_string_value(json_object_get(definition, "authentication"));
    const json_t *config = json_object_get(definition, "authenticationConfiguration");
    if (type == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE, "the webhook has no authentication");
    }
    if (strcmp(type, "UNAUTHENTICATED") == 0) {
        return 0;
    }
    if (strcmp(type, "GITHUB_HMAC") == 0) {
        const char *secret = json_string_value(json_object_get(config, "SecretToken"));
        if (secret == NULL || secret[0] == '\0') {
            return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                    "the webhook's GITHUB_HMAC has no SecretToken");
        }
        bool ok = delivery->signature256 != NULL
                      ? src_v1hook_hmac_ok(EVP_sha256(), "sha256=", secret, delivery->body,
                                           delivery->len, delivery->signature256)
                      : src_v1hook_hmac_ok(EVP_sha1(), "sha1=", secret, delivery->body,
                                           delivery->len, delivery->signature1);
        if (!ok) {
            return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                    delivery->signature256 == NULL && delivery->signature1 == NULL
                                        ? "the delivery carries no X-Hub-Signature-256 (nor "
                                          "X-Hub-Signature)"
                                        : "the delivery's signature does not verify with the "
                                          "webhook's SecretToken");
        }
        return 0;
    }
    if (strcmp(type, "IP") == 0) {
        pattern_cidr range;
        char why[256] = "";
        if (pattern_cidr_parse(json_string_value(json_object_get(config, "AllowedIPRange")), &range,
                               why, sizeof why) != 0) {
            return sluice_error_set(err, errlen, SLUICE_EPARSE, "the webhook's AllowedIPRange: %s",
                                    why);
        }
        if (!pattern_cidr_contains(&range, delivery->remote_addr)) {
            return sluice_error_set(err, errlen, SLUICE_EDENIED,
                                    "the sender %.64s is outside the webhook's AllowedIPRange",
                                    delivery->remote_addr != NULL && delivery->remote_addr[0]
                                        ? delivery->remote_addr
                                        : "(unknown)");
        }
        return 0;
    }
    return sluice_error_set(err, errlen, SLUICE_EPARSE,
                            "the webhook's authentication %.32s is "
                            "not GITHUB_HMAC, IP or UNAUTHENTICATED",
                            type);
}

int src_v1hook_filter(const json_t *definition, const json_t *config, const json_t *body, char *why,
                      size_t whylen)
{
    size_t i;
    const json_t *rule;
    json_array_foreach(json_object_get(definition, "filters"), i, rule)
    {
        const char *path_text = json_string_value(json_object_get(rule, "jsonPath"));
        const char *match = json_string_value(json_object_get(rule, "matchEquals"));
        pattern_jsonpath path;
        char err[256] = "";
        if (pattern_jsonpath_compile(path_text, &path, err, sizeof err) != 0) {
            return sluice_error_set(why, whylen, SLUICE_EPARSE, "filter %zu: %s", i + 1, err);
        }
        const json_t *value = body != NULL ? pattern_jsonpath_select(&path, body) : NULL;
        if (value == NULL) {
            return sluice_error_set(why, whylen, SLUICE_ENOTFOUND,
                                    "filter %zu: %.150s selects nothing in the delivery", i + 1,
                                    path_text);
        }
        if (match == NULL) {
            continue;
        }
        char want[SRC_V1HOOK_VALUE_MAX];
        char have[SRC_V1HOOK_VALUE_MAX];
        if (pattern_jsonpath_expand(match, config, want, sizeof want, err, sizeof err) != 0) {
            return sluice_error_set(why, whylen, SLUICE_EPARSE, "filter %zu: %s", i + 1, err);
        }
        if (pattern_jsonpath_text(value, have, sizeof have) != 0 || strcmp(have, want) != 0) {
            return sluice_error_set(why, whylen, SLUICE_ENOTFOUND,
                                    "filter %zu: %.150s is not '%.200s'", i + 1, path_text, want);
        }
    }
    return 0;
}

const json_t *src_v1hook_action_config(const json_t *definition_doc, const char *action)
{
    size_t i;
    const json_t *stage;
    json_array_foreach(json_object_get(json_object_get(definition_doc, "pipeline"), "stages"), i,
                       stage)
    {
        size_t j;
        const json_t *a;
        json_array_foreach(json_object_get(stage, "actions"), j, a)
        {
            const char *name = json_string_value(json_object_get(a, "name"));
            if (name != NULL && action != NULL && strcmp(name, action) == 0) {
                return json_object_get(a, "configuration");
            }
        }
    }
    return NULL;
}

/* hex SHA-256 of the parts (each with its NUL) into out (65 bytes). */
static void src_v1hook_sha256_hex(const char *const *parts, const size_t *lens, size_t n,
                                  char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = EVP_DigestUpdate(md, parts[i], lens[i]) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, digest, &len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        memset(digest, 0, sizeof digest);
    }
    for (size_t i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    }
}

void src_v1hook_delivery_key(const char *github, const char *gitea, const char *gitlab,
                             const char *body, size_t len, char out[SRC_V1HOOK_KEY_MAX])
{
    const char *ids[] = {github, gitea, gitlab};
    for (size_t i = 0; i < 3; i++) {
        if (ids[i] != NULL && ids[i][0] != '\0' && strlen(ids[i]) < SRC_V1HOOK_KEY_MAX) {
            snprintf(out, SRC_V1HOOK_KEY_MAX, "%s", ids[i]);
            return;
        }
    }
    char hex[65];
    const char *parts[] = {body};
    size_t lens[] = {len};
    src_v1hook_sha256_hex(parts, lens, 1, hex);
    snprintf(out, SRC_V1HOOK_KEY_MAX, "sha256:%s", hex);
}

void src_v1hook_token(const char *id, const char *key, char out[SRC_V1HOOK_TOKEN_LEN + 1])
{
    char hex[65];
    const char *parts[] = {id, key};
    size_t lens[] = {strlen(id) + 1, strlen(key)};
    src_v1hook_sha256_hex(parts, lens, 2, hex);
    snprintf(out, SRC_V1HOOK_TOKEN_LEN + 1, "webhook-%.40s", hex);
}

json_t *src_v1hook_start_request(const json_t *record, const char *key)
{
    const json_t *definition = json_object_get(record, "definition");
    const char *pipeline = json_string_value(json_object_get(definition, "targetPipeline"));
    const char *id = json_string_value(json_object_get(record, "id"));
    const char *arn = json_string_value(json_object_get(record, "arn"));
    if (pipeline == NULL || id == NULL || arn == NULL) {
        return NULL;
    }
    char token[SRC_V1HOOK_TOKEN_LEN + 1];
    src_v1hook_token(id, key, token);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_START, "pipeline",
                     pipeline, "triggerType", "Webhook", "triggerDetail", arn, "clientRequestToken",
                     token);
}
