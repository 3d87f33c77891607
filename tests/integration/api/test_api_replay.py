"""SigV4 tightening against the running api (replay cache on): a request whose
SignedHeaders leave out X-Amz-Target is refused; the default 15-minute skew
window (14 minutes old accepted, 16 refused); the same signed
StartPipelineExecution sent twice starts one execution and the second copy is
refused, while the same signed GetPipeline twice is answered twice; boto3 and
the aws CLI keep working with the cache on."""

import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.auth  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from sluice_stack import (KEYS, REGION, Stack, manual_approval, pipeline_declaration,  # noqa: E402
                          run, s3_source, unique, write_json)

NAME = unique("replay")
TARGET = "CodePipeline_20150709."


def signed(stack, op, body, role="admin", skew=None, sign_target=True):
    """A SigV4-signed request as botocore signs it: (headers, body bytes).
    sign_target=False adds X-Amz-Target only after signing."""
    access, hidden = KEYS[role]
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if sign_target:
        headers["X-Amz-Target"] = TARGET + op
    request = AWSRequest(method="POST", url=stack.url + "/", data=data, headers=headers)
    signer = SigV4Auth(Credentials(access, hidden), "codepipeline", REGION)
    if skew is not None:
        when = datetime.datetime.utcnow() + skew
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
            signer.add_auth(request)
    else:
        signer.add_auth(request)
    wire = dict(request.prepare().headers.items())
    if not sign_target:
        wire["X-Amz-Target"] = TARGET + op
    return wire, data


def send(stack, wire, data):
    """POSTs exactly these headers and bytes; returns (status, parsed body)."""
    http = urllib.request.Request(stack.url + "/", data=data, method="POST", headers=wire)
    try:
        with urllib.request.urlopen(http, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def executions(stack):
    return stack.client().list_pipeline_executions(
        pipelineName=NAME)["pipelineExecutionSummaries"]


def check_target_must_be_signed(stack):
    wire, data = signed(stack, "ListPipelines", {}, role="viewer", sign_target=False)
    assert "x-amz-target" not in wire["Authorization"].lower()
    status, body = send(stack, wire, data)
    assert status == 400, (status, body)
    assert body["__type"] == "InvalidSignatureException", body
    assert body["message"] == ("'X-Amz-Target' must be a 'SignedHeader' in the AWS "
                               "Authorization."), body
    # the same request with the target signed, as botocore and the aws CLI send it
    wire, data = signed(stack, "ListPipelines", {}, role="viewer")
    assert "x-amz-target" in wire["Authorization"]
    status, body = send(stack, wire, data)
    assert status == 200, (status, body)


def check_default_skew(stack):
    wire, data = signed(stack, "ListPipelines", {}, skew=datetime.timedelta(minutes=-14))
    status, body = send(stack, wire, data)
    assert status == 200, (status, body)
    wire, data = signed(stack, "ListPipelines", {}, skew=datetime.timedelta(minutes=-16))
    status, body = send(stack, wire, data)
    assert status == 400, (status, body)
    assert body["__type"] == "InvalidSignatureException", body
    assert body["message"].startswith("Signature expired:"), body
    assert "15 min." in body["message"], body
    wire, data = signed(stack, "ListPipelines", {}, skew=datetime.timedelta(minutes=16))
    status, body = send(stack, wire, data)
    assert status == 400 and body["message"].startswith("Signature not yet current"), body


def check_clients_work_with_cache_on(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Approve", "actions": [manual_approval()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    client = stack.client()
    assert client.get_pipeline(name=NAME)["pipeline"]["name"] == NAME
    assert client.get_pipeline(name=NAME)["pipeline"]["name"] == NAME
    assert any(p["name"] == NAME for p in client.list_pipelines()["pipelines"])
    stack.aws("get-pipeline", "--name", NAME, role="viewer")


def check_replayed_start_refused(stack):
    before = len(executions(stack))
    wire, data = signed(stack, "StartPipelineExecution", {"name": NAME}, role="operator")
    status, first = send(stack, wire, data)
    assert status == 200, (status, first)
    started = first["pipelineExecutionId"]
    status, second = send(stack, wire, data)
    assert status == 400, (status, second)
    assert second["__type"] == "InvalidSignatureException", second
    assert "Signature already used" in second["message"], second
    # one execution, and still one a moment later
    stack.wait_for("the execution", lambda: len(executions(stack)) == before + 1)
    time.sleep(1.0)
    ids = [e["pipelineExecutionId"] for e in executions(stack)]
    assert len(ids) == before + 1 and started in ids, ids
    # a new signature for the same operation is a new request
    time.sleep(1.1)  # X-Amz-Date has whole seconds
    wire2, data2 = signed(stack, "StartPipelineExecution", {"name": NAME}, role="operator")
    assert wire2["Authorization"] != wire["Authorization"]
    status, third = send(stack, wire2, data2)
    assert status == 200, (status, third)
    # boto3 (a fresh clientRequestToken and signature each call) starts another
    stack.client(role="operator").start_pipeline_execution(name=NAME)
    stack.wait_for("four executions", lambda: len(executions(stack)) == before + 3)


def check_replayed_read_answered(stack):
    wire, data = signed(stack, "GetPipeline", {"name": NAME}, role="viewer")
    for _ in range(3):
        status, body = send(stack, wire, data)
        assert status == 200, (status, body)
        assert body["pipeline"]["name"] == NAME, body


if __name__ == "__main__":
    run([check_target_must_be_signed, check_default_skew, check_clients_work_with_cache_on,
         check_replayed_start_refused, check_replayed_read_answered],
        Stack(extra_env={"SLUICE_API_REPLAY_CACHE": "on",
                         "SLUICE_API_REPLAY_CACHE_ENTRIES": "1000"}))
