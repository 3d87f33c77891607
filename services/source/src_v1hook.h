/*
 * src_v1hook.h — what a delivery to a CodePipeline V1 webhook must satisfy,
 * and the start it makes: the pure core of POST /webhooks/<id>.
 *
 * A webhook (sluice/state_webhook.h's record, put by the api's PutWebhook)
 * names its authentication:
 *   GITHUB_HMAC      X-Hub-Signature-256 "sha256=" + hex HMAC-SHA256
 *                    (SecretToken, body), or, when a sender only has the older
 *                    header, X-Hub-Signature "sha1=" + hex HMAC-SHA1 — GitHub
 *                    sends both; compared in constant time;
 *   IP               the peer address lies in AllowedIPRange (CIDR or one
 *                    address, sluice/pattern_cidr.h);
 *   UNAUTHENTICATED  anyone who knows the URL (its id is 128 random bits);
 * and its filters: every one must match. A filter's jsonPath
 * (sluice/pattern_jsonpath.h) selects one value of the JSON body; with
 * matchEquals, the value's text must equal matchEquals with its {Property}
 * placeholders replaced from the target action's configuration; without,
 * the path must select a value. A body that is not a JSON object matches no
 * filter (there being none, it still starts the pipeline).
 *
 * A delivery that passes starts the target pipeline:
 *   {"type": "StartPipelineExecution", "pipeline", "triggerType": "Webhook",
 *    "triggerDetail": <the webhook's ARN>,
 *    "clientRequestToken": "webhook-" + 40 hex of SHA-256(id, delivery key)}
 * The delivery key is the sender's delivery id (X-GitHub-Delivery,
 * X-Gitea-Delivery, X-Gitlab-Event-UUID) or, without one, the SHA-256 of
 * the body; a redelivery, or the same delivery reaching two replicas, sends
 * the same token and starts nothing more. The source action then fetches
 * its branch head, as CodePipeline's does for a V1 webhook.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_V1HOOK_H
#define SLUICE_SRC_V1HOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SRC_V1HOOK_TOKEN_LEN 48  /* "webhook-" + 40 hex digits */
#define SRC_V1HOOK_KEY_MAX   128 /* bytes of a delivery key */

/* What verification and filtering see of one delivery; every pointer borrowed. */
typedef struct src_v1hook_delivery {
    const char *body;
    size_t len;
    const char *remote_addr;  /* the peer, numeric */
    const char *signature256; /* X-Hub-Signature-256, or NULL */
    const char *signature1;   /* X-Hub-Signature, or NULL */
} src_v1hook_delivery;

/*
 * Checks delivery against the authentication of definition (a
 * WebhookDefinition). 0; SLUICE_EDENIED with err saying what failed (never
 * the secret); SLUICE_EPARSE when the stored definition is unusable.
 */
int src_v1hook_verify(const json_t *definition, const src_v1hook_delivery *delivery, char *err,
                      size_t errlen);

/*
 * Applies every filter of definition to body (the parsed delivery, borrowed;
 * NULL when it was not JSON) with config the target action's configuration
 * (NULL: none). 0 when all match; SLUICE_ENOTFOUND with why naming the first
 * filter that did not; SLUICE_EPARSE when a stored filter does not compile
 * or names a property the action lacks (why says which).
 */
int src_v1hook_filter(const json_t *definition, const json_t *config, const json_t *body, char *why,
                      size_t whylen);

/* The configuration object of action name in a definition document ({"pipeline"}), or NULL. */
const json_t *src_v1hook_action_config(const json_t *definition_doc, const char *action);

/*
 * The delivery key into out: the first of the delivery id headers given
 * (ids of 1..SRC_V1HOOK_KEY_MAX - 1 bytes), else "sha256:" + hex SHA-256 of
 * the body.
 */
void src_v1hook_delivery_key(const char *github, const char *gitea, const char *gitlab,
                             const char *body, size_t len, char out[SRC_V1HOOK_KEY_MAX]);

/* The clientRequestToken of (webhook id, delivery key) into out. */
void src_v1hook_token(const char *id, const char *key, char out[SRC_V1HOOK_TOKEN_LEN + 1]);

/*
 * The StartPipelineExecution request detail of record (the stored webhook)
 * for delivery key: a new reference, or NULL (out of memory, or a record
 * without targetPipeline).
 */
json_t *src_v1hook_start_request(const json_t *record, const char *key);

#endif
