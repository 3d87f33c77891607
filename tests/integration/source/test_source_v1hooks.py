"""CodePipeline V1 webhooks end to end: PutWebhook / ListWebhooks / DeleteWebhook /
Register- and DeregisterWebhookWithThirdParty through the aws CLI against sluice-api, and the
url they answer served by sluice-source (POST /webhooks/<id>) in the whole stack (the api, the
orchestrator, sluice-artifacts and sluice-source on the shared Kafka/Redis fixture, as
test_source_service.py starts them).

- put-webhook validates (InvalidWebhookFilterPatternException, PipelineNotFoundException,
  InvalidWebhookAuthenticationParametersException) and answers the url under
  SLUICE_API_WEBHOOK_URL and the webhook's ARN; list-webhooks lists it;
- a GITHUB_HMAC webhook with a `$.ref` filter (matchEquals refs/heads/{BranchName}) starts the
  pipeline only for a push to its branch: a bad signature is 401, a push to another branch 200
  ignored, a push to the branch 202 and one execution with trigger Webhook naming the
  webhook's ARN; the same delivery again starts nothing more; list-webhooks shows
  lastTriggered;
- an IP webhook refuses a sender outside AllowedIPRange (401) and takes one inside;
- an UNAUTHENTICATED webhook starts on any delivery to its url;
- register / deregister answer; a deleted webhook's url is 404, as is an unknown id.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))

# the public URL the api answers; the test posts to the real port with the url's path
PUBLIC = "https://hooks.sluice.test:8443"
os.environ["SLUICE_API_WEBHOOK_URL"] = PUBLIC

from sluice_stack import (ACCOUNT, REGION, CliError, custom_action,  # noqa: E402
                          pipeline_declaration, run, unique, write_json)
from test_source_service import (BUILD, SourceStack, codecommit_source,  # noqa: E402
                                 executions_of, github_push)

SECRET = "v1-secret-" + os.urandom(8).hex()
NAME = unique("v1hooks")


def post(stack, url, body, secret=None, delivery=None, extra=None):
    """POSTs body to the path of url on sluice-source; (status, result)."""
    path = urllib.parse.urlparse(url).path
    headers = {"Content-Type": "application/json", "X-GitHub-Event": "push",
               "X-GitHub-Delivery": delivery or str(uuid.uuid4())}
    if secret is not None:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(
            secret.encode(), body, hashlib.sha256).hexdigest()
    headers.update(extra or {})
    req = urllib.request.Request(f"http://127.0.0.1:{stack.source_port}{path}", data=body,
                                 method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())["result"]
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())["result"]


def webhook(name, auth, config, filters):
    return {"name": name, "targetPipeline": NAME, "targetAction": "Fetch", "filters": filters,
            "authentication": auth, "authenticationConfiguration": config}


def put_webhook(stack, definition, *extra):
    return stack.aws("put-webhook", "--webhook", json.dumps(definition), *extra)["webhook"]


def expect_cli_error(stack, definition, code, text):
    try:
        put_webhook(stack, definition)
    except CliError as err:
        assert err.code == code and text in err.message, (err.code, err.message)
        return
    raise AssertionError(f"put-webhook {definition} succeeded; {code} was expected")


def check_put_and_list(stack):
    decl = pipeline_declaration(NAME, [codecommit_source("main"),
                                       {"name": "Build", "actions": [custom_action("Compile",
                                                                                   BUILD)]}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    ref = [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{BranchName}"}]
    expect_cli_error(stack, webhook("bad", "GITHUB_HMAC", {}, ref),
                     "InvalidWebhookAuthenticationParametersException", "SecretToken")
    expect_cli_error(stack, webhook("bad", "UNAUTHENTICATED", {}, [{"jsonPath": "$.commits[*]"}]),
                     "InvalidWebhookFilterPatternException", "at character 11")
    missing = dict(webhook("bad", "UNAUTHENTICATED", {}, []), targetPipeline="no-such-pipeline")
    expect_cli_error(stack, missing, "PipelineNotFoundException", "no-such-pipeline")

    hook = put_webhook(stack, webhook(NAME + "-hmac", "GITHUB_HMAC", {"SecretToken": SECRET}, ref),
                       "--tags", "key=team,value=blue")
    assert hook["arn"] == f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webhook:{NAME}-hmac", hook
    assert hook["url"].startswith(PUBLIC + "/webhooks/"), hook
    assert hook["tags"] == [{"key": "team", "value": "blue"}], hook
    stack.hmac_url = hook["url"]
    listed = {w["definition"]["name"]: w for w in stack.aws("list-webhooks")["webhooks"]}
    assert listed[NAME + "-hmac"]["url"] == hook["url"], listed
    assert "lastTriggered" not in listed[NAME + "-hmac"], listed
    # the registration calls answer; Sluice calls no third party
    stack.aws("register-webhook-with-third-party", "--webhook-name", NAME + "-hmac")
    stack.aws("deregister-webhook-with-third-party", "--webhook-name", NAME + "-hmac")
    try:
        stack.aws("register-webhook-with-third-party", "--webhook-name", "no-such-webhook")
        raise AssertionError("registering an unknown webhook succeeded")
    except CliError as err:
        assert err.code == "WebhookNotFoundException", err.code


def check_hmac_ref_filter(stack):
    head = stack.commit(stack.repo, "hook.txt", "Webhook change")
    url = stack.hmac_url
    assert post(stack, url, github_push("refs/heads/main", head), secret="wrong") == \
        (401, "refused")
    assert post(stack, url, github_push("refs/heads/main", head)) == (401, "refused")
    assert post(stack, url, github_push("refs/heads/dev", head), secret=SECRET) == \
        (200, "ignored")
    time.sleep(1)
    assert executions_of(stack, NAME) == [], "nothing starts for another branch"
    delivery = str(uuid.uuid4())
    sent = time.monotonic()
    body = github_push("refs/heads/main", head)
    assert post(stack, url, body, secret=SECRET, delivery=delivery) == (202, "accepted")
    stack.wait_for("the webhook's execution", lambda: len(executions_of(stack, NAME)) == 1,
                   timeout=10)
    print(f"     delivery to execution in {time.monotonic() - sent:.2f} s", flush=True)
    trigger = executions_of(stack, NAME)[0]["trigger"]
    assert trigger == {"triggerType": "Webhook", "triggerDetail":
                       f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:webhook:{NAME}-hmac"}, trigger
    # a redelivery (same delivery id) starts nothing more
    assert post(stack, url, body, secret=SECRET, delivery=delivery) == (202, "accepted")
    time.sleep(1.5)
    assert len(executions_of(stack, NAME)) == 1, executions_of(stack, NAME)
    listed = {w["definition"]["name"]: w for w in stack.aws("list-webhooks")["webhooks"]}
    assert "lastTriggered" in listed[NAME + "-hmac"], listed[NAME + "-hmac"]


def check_ip_and_unauthenticated(stack):
    body = b'{"ref": "refs/heads/main"}'
    outside = put_webhook(stack, webhook(NAME + "-ip", "IP", {"AllowedIPRange": "10.0.0.0/8"},
                                         []))
    assert post(stack, outside["url"], body) == (401, "refused")
    inside = put_webhook(stack, webhook(NAME + "-ip", "IP", {"AllowedIPRange": "127.0.0.1/32"},
                                        []))
    assert inside["url"] == outside["url"], "a second put keeps the url"
    assert post(stack, inside["url"], body) == (202, "accepted")
    stack.wait_for("the IP webhook's execution", lambda: len(executions_of(stack, NAME)) == 2,
                   timeout=10)
    open_hook = put_webhook(stack, webhook(NAME + "-open", "UNAUTHENTICATED", {}, []))
    assert post(stack, open_hook["url"], b"not json") == (202, "accepted")
    stack.wait_for("the open webhook's execution", lambda: len(executions_of(stack, NAME)) == 3,
                   timeout=10)
    assert stack.metric('sluice_source_v1_webhooks_total{result="refused"}') == 3
    assert stack.metric('sluice_source_v1_webhooks_total{result="ignored"}') == 1


def check_delete(stack):
    url = stack.hmac_url
    stack.aws("delete-webhook", "--name", NAME + "-hmac")
    stack.aws("delete-webhook", "--name", NAME + "-hmac")  # deleting again succeeds
    names = [w["definition"]["name"] for w in stack.aws("list-webhooks")["webhooks"]]
    assert NAME + "-hmac" not in names and NAME + "-open" in names, names
    assert post(stack, url, b"{}", secret=SECRET) == (404, "unknown")
    assert post(stack, PUBLIC + "/webhooks/" + "0" * 32, b"{}") == (404, "unknown")
    assert post(stack, PUBLIC + "/webhooks/nope", b"{}") == (404, "unknown")
    for name in (NAME + "-ip", NAME + "-open"):
        stack.aws("delete-webhook", "--name", name)


if __name__ == "__main__":
    run([check_put_and_list, check_hmac_ref_filter, check_ip_and_unauthenticated, check_delete],
        SourceStack())
