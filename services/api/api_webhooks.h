/*
 * api_webhooks.h — CodePipeline's V1 webhook operations: PutWebhook,
 * ListWebhooks, DeleteWebhook, RegisterWebhookWithThirdParty,
 * DeregisterWebhookWithThirdParty.
 *
 * Shapes: botocore's codepipeline model (WebhookDefinition, ListWebhookItem).
 * A webhook names a pipeline and one of its Source actions, how a delivery
 * is authenticated (GITHUB_HMAC with a SecretToken, IP with an
 * AllowedIPRange, UNAUTHENTICATED) and up to five filters, each a JSONPath
 * into the delivery's body (the subset of sluice/pattern_jsonpath.h) with
 * the value it must equal (matchEquals, which may name configuration
 * properties of the target action in braces). PutWebhook checks all of it —
 * the pipeline and its action exist, the paths compile
 * (InvalidWebhookFilterPatternException naming the character), the
 * placeholders name properties of the action, the authentication has what
 * it needs (InvalidWebhookAuthenticationParametersException) — and stores
 * the webhook in the layout of sluice/state_webhook.h. Putting a webhook
 * again under the same name replaces its definition and keeps its URL.
 *
 * The URL answered is <api_env.webhook_url>/webhooks/<id>, served by
 * sluice-source; the id is 32 random hex digits, so a URL of an
 * UNAUTHENTICATED webhook is not guessable. ListWebhooks shows
 * lastTriggered as sluice-source records it.
 *
 * Registering with a third party is where AWS creates the webhook in GitHub
 * itself. Sluice makes no outbound call: Register checks the webhook exists
 * and marks it registered, Deregister clears the mark; the URL is pasted
 * into the git host by hand (docs/source.md).
 *
 * Handlers as api_pipelines.h's: 0 with the output set, or a negative code
 * with the call failed. Thread-safe (state lives in the backend).
 */
#ifndef SLUICE_API_WEBHOOKS_H
#define SLUICE_API_WEBHOOKS_H

#include "api_call.h"

#define API_WEBHOOKS_MAX         300 /* webhooks an installation holds (AWS's regional quota) */
#define API_WEBHOOKS_FILTERS_MAX 5   /* WebhookFilters' max in the model */
#define API_WEBHOOKS_LIST_MAX    100 /* MaxResults' max in the model */

int api_webhooks_put(api_call *call);
int api_webhooks_list(api_call *call);
int api_webhooks_delete(api_call *call);
int api_webhooks_register(api_call *call);
int api_webhooks_deregister(api_call *call);

#endif
