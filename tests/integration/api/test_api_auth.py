"""Authentication, authorization and hostile input against the running api:
SigV4 with a wrong secret, an unknown key, a skewed clock and a tampered body;
role denials through the aws CLI; malformed bodies, wrong types, oversized
bodies and unknown targets answered with clear errors while the service keeps
serving; GET /healthz and GET /metrics."""

import datetime
import json
import os
import socket
import sys
import urllib.error
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from sluice_stack import (KEYS, REGION, Stack, expect_error, manual_approval,  # noqa: E402
                          pipeline_declaration, run, s3_deploy, s3_source, unique, write_json)

NAME = unique("auth")


def raw_call(stack, op, body, role="admin", key=None, secret=None, skew=None, sent_body=None,
             sign=True):
    """POSTs a SigV4-signed request; returns (status, parsed body)."""
    access, hidden = KEYS[role]
    data = body if isinstance(body, bytes) else body.encode()
    request = AWSRequest(method="POST", url=stack.url + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "CodePipeline_20150709." + op,
    })
    if sign:
        signer = SigV4Auth(Credentials(key or access, secret or hidden), "codepipeline", REGION)
        if skew is not None:
            when = datetime.datetime.utcnow() + skew
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
                signer.add_auth(request)
        else:
            signer.add_auth(request)
    prepared = request.prepare()
    payload = sent_body if sent_body is not None else data
    http = urllib.request.Request(stack.url + "/", data=payload, method="POST",
                                  headers={k: v for k, v in prepared.headers.items()})
    try:
        with urllib.request.urlopen(http, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        text = err.read()
        try:
            return err.code, json.loads(text)
        except ValueError:
            return err.code, {"raw": text.decode(errors="replace")}


def declared_length_call(stack, length):
    """Sends only the head of a POST announcing length bytes; returns (status, parsed body)."""
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{stack.port}\r\n"
            "Content-Type: application/x-amz-json-1.1\r\n"
            "X-Amz-Target: CodePipeline_20150709.GetPipeline\r\n"
            f"Content-Length: {length}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as sock:
        sock.sendall(head.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        header, _, body = data.partition(b"\r\n\r\n")
        lines = header.decode(errors="replace").split("\r\n")
        status = int(lines[0].split()[1])
        size = next(int(line.split(":", 1)[1]) for line in lines
                    if line.lower().startswith("content-length:"))
        while len(body) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return status, json.loads(body[:size])


def check_sigv4(stack):
    status, body = raw_call(stack, "ListPipelines", "{}")
    assert status == 200 and "pipelines" in body, (status, body)
    # boto3 with a wrong secret, an unknown key
    expect_error("InvalidSignatureException", stack.client(secret="wrong-secret").list_pipelines)
    expect_error("UnrecognizedClientException",
                 stack.client(key="AKIDNOSUCHKEY", secret="x").list_pipelines)
    # a clock 20 minutes off either way
    for minutes in (-20, 20):
        status, body = raw_call(stack, "ListPipelines", "{}",
                                skew=datetime.timedelta(minutes=minutes))
        assert status == 400 and body["__type"] == "InvalidSignatureException", (status, body)
    # a body changed after signing
    status, body = raw_call(stack, "GetPipeline", '{"name": "a"}', sent_body=b'{"name": "b"}')
    assert status == 400 and body["__type"] == "InvalidSignatureException", (status, body)
    # no signature at all
    status, body = raw_call(stack, "ListPipelines", "{}", sign=False)
    assert status == 400 and body["__type"] == "MissingAuthenticationTokenException", body
    # a signature for another region's scope
    wrong_region = boto3.client(
        "codepipeline", endpoint_url=stack.url, region_name="eu-west-1",
        aws_access_key_id=KEYS["admin"][0], aws_secret_access_key=KEYS["admin"][1],
        config=Config(retries={"max_attempts": 1}))
    expect_error("InvalidSignatureException", wrong_region.list_pipelines)


def check_roles(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Approve", "actions": [manual_approval()]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    path = write_json(decl)
    err = expect_error("AccessDeniedException", stack.aws, "create-pipeline", "--cli-input-json",
                       "file://" + path, role="viewer")
    assert "is not authorized to perform: codepipeline:CreatePipeline" in err.message, err.message
    assert "arn:aws:iam::123456789012:user/viewer" in err.message
    stack.aws("create-pipeline", "--cli-input-json", "file://" + path)  # admin may
    stack.aws("get-pipeline", "--name", NAME, role="viewer")  # everyone reads
    stack.aws("list-pipelines", role="worker")
    for role, args in [
        ("viewer", ["start-pipeline-execution", "--name", NAME]),
        ("approver", ["start-pipeline-execution", "--name", NAME]),
        ("worker", ["start-pipeline-execution", "--name", NAME]),
        ("operator", ["put-approval-result", "--pipeline-name", NAME, "--stage-name", "Approve",
                      "--action-name", "Approve", "--result", "summary=x,status=Approved",
                      "--token", "00000000-0000-4000-8000-000000000000"]),
        ("operator", ["delete-pipeline", "--name", NAME]),
        ("approver", ["disable-stage-transition", "--pipeline-name", NAME, "--stage-name",
                      "Deploy", "--transition-type", "Inbound", "--reason", "no"]),
        ("viewer", ["poll-for-jobs", "--action-type-id",
                    "category=Build,owner=Custom,provider=X,version=1"]),
        ("operator", ["acknowledge-job", "--job-id", "00000000-0000-4000-8000-000000000000",
                      "--nonce", "n"]),
        ("worker", ["tag-resource", "--resource-arn",
                    f"arn:aws:codepipeline:{REGION}:123456789012:{NAME}", "--tags",
                    "key=a,value=b"]),
    ]:
        expect_error("AccessDeniedException", stack.aws, *args, role=role)
    # what each role is for goes through
    stack.aws("poll-for-jobs", "--action-type-id",
              "category=Build,owner=Custom,provider=X,version=1", role="worker")
    expect_error("InvalidApprovalTokenException", stack.aws, "put-approval-result",
                 "--pipeline-name", NAME, "--stage-name", "Approve", "--action-name", "Approve",
                 "--result", "summary=x,status=Approved", "--token",
                 "00000000-0000-4000-8000-000000000000", role="approver")


def check_hostile_input(stack):
    cases = [
        ("GetPipeline", '{"name": ', "SerializationException"),
        ("GetPipeline", "[1, 2, 3]", "SerializationException"),
        ("GetPipeline", '{"name": 5}', "SerializationException"),
        ("GetPipeline", '{"name": {"nested": true}}', "SerializationException"),
        ("ListPipelines", '{"maxResults": "ten"}', "SerializationException"),
        ("ListPipelines", '{"maxResults": 5000}', "ValidationException"),
        ("GetPipeline", "{}", "ValidationException"),
        ("GetPipeline", '{"name": "a", "name": "b"}', "SerializationException"),
        ("GetPipeline", '{"name": ' + "[" * 100 + "]" * 100 + "}", "SerializationException"),
        ("CreatePipeline", '{"pipeline": "nope"}', "SerializationException"),
        ("StartPipelineExecution", '{"name": "' + NAME + '", "variables": "x"}',
         "SerializationException"),
        ("CreateCustomActionType", "{}", "ValidationException"),
        ("FrobnicatePipeline", "{}", "UnknownOperationException"),
        ("NoSuchOperation", "{}", "UnknownOperationException"),
    ]
    for op, body, expected in cases:
        status, answer = raw_call(stack, op, body)
        assert status == 400 and answer.get("__type") == expected, (op, body[:40], status, answer)
        assert answer.get("message") is not None, answer
    # an oversized body is refused on its declared length, before it is read
    status, answer = declared_length_call(stack, 2 * 1024 * 1024)
    assert status == 413 and answer.get("__type") == "RequestEntityTooLargeException", (status,
                                                                                          answer)
    # boto3 without client-side validation sends wrong types: the service answers them
    loose_cfg = Config(parameter_validation=False, retries={"max_attempts": 1})
    loose = boto3.client(
        "codepipeline", endpoint_url=stack.url, region_name=REGION,
        aws_access_key_id=KEYS["admin"][0], aws_secret_access_key=KEYS["admin"][1],
        config=loose_cfg)
    expect_error("ValidationException", loose.get_pipeline, name="")
    expect_error("ValidationException", loose.list_pipelines, maxResults=0)
    expect_error("ValidationException", loose.disable_stage_transition, pipelineName=NAME,
                 stageName="Deploy", transitionType="Sideways", reason="x")
    # still serving
    assert any(p["name"] == NAME for p in stack.client().list_pipelines()["pipelines"])
    for _, proc, _ in stack.procs:
        assert proc.poll() is None, "a service died"


def check_health_and_metrics(stack):
    with urllib.request.urlopen(stack.url + "/healthz", timeout=5) as resp:
        health = json.loads(resp.read())
    assert resp.status == 200 and health["status"] == "ok", health
    with urllib.request.urlopen(stack.url + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
        assert resp.headers["Content-Type"].startswith("text/plain"), resp.headers
    assert 'sluice_api_requests_total{op="ListPipelines",status="200"}' in text, text[:2000]
    assert 'sluice_api_requests_total{op="GetPipeline",status="400"}' in text
    assert 'sluice_api_requests_total{op="unknown",status="400"}' in text
    assert 'sluice_api_request_duration_seconds_bucket{op="ListPipelines",le="0.005"}' in text
    assert 'sluice_api_errors_total{op="CreatePipeline",exception="AccessDeniedException"}' in text
    # the api answers unknown paths in its own error format
    try:
        urllib.request.urlopen(stack.url + "/nope", timeout=5)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as err:
        assert err.code == 404
        assert json.loads(err.read())["__type"] == "UnknownOperationException"


if __name__ == "__main__":
    run([check_sigv4, check_roles, check_hostile_input, check_health_and_metrics],
        Stack())
