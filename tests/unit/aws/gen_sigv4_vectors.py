#!/usr/bin/env python3
"""Generates tests/unit/aws/sigv4_vectors.json: requests signed by botocore.

Each case is a request exactly as Sluice's HTTP server would hand it to the
verifier (method, percent-decoded path and query, headers as sent on the wire,
body) plus the canonical request and string to sign that botocore computed.
Two kinds of cases:
  * "client": the real botocore CodePipeline client serialises and signs an
    operation (the same code path as `aws codepipeline ...`); the prepared
    request is captured before it is sent;
  * "signer": hand-made requests signed with SigV4Auth, covering query strings,
    odd paths, repeated and space-laden headers.
The clock is pinned so the output is reproducible:

    python3 tests/unit/aws/gen_sigv4_vectors.py > tests/unit/aws/sigv4_vectors.json
"""
import datetime
import json
import sys
import urllib.parse

import botocore
import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

FIXED = datetime.datetime(2026, 11, 26, 7, 7, 47)
FIXED_MS = int(FIXED.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)

KEY_ID = "AKIDSLUICETEST000001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN_KEY_ID = "ASIASLUICETEST000002"
TOKEN_SECRET = "c2x1aWNlLXRlc3Qtc2Vzc2lvbi1zZWNyZXQtMDAwMDA"
TOKEN = "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD/sluice+test/session=="


def pin_clock():
    """Makes botocore sign at FIXED whatever its version."""
    if hasattr(botocore.auth, "get_current_datetime"):
        botocore.auth.get_current_datetime = lambda *args, **kwargs: FIXED
        return

    class PinnedDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return FIXED

    class PinnedModule:
        datetime = PinnedDatetime

    botocore.auth.datetime = PinnedModule


class RecordingSigner(SigV4Auth):
    """SigV4Auth that keeps the canonical request and string to sign."""

    def canonical_request(self, request):
        self.last_canonical = super().canonical_request(request)
        return self.last_canonical

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def wire_case(name, kind, method, url, headers, body, creds, region, service, canonical, sts):
    parts = urllib.parse.urlsplit(url)
    host_header = [h for h in headers if h[0].lower() == "host"]
    if not host_header:
        headers = [["Host", parts.netloc]] + headers
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    return {
        "name": name,
        "kind": kind,
        "now_ms": FIXED_MS,
        "access_key_id": creds.access_key,
        "secret_access_key": creds.secret_key,
        "session_token": creds.token,
        "region": region,
        "service": service,
        "method": method,
        "path": urllib.parse.unquote(parts.path) or "/",
        "query": [[k, v] for k, v in query],
        "headers": headers,
        "body": body.decode("utf-8") if isinstance(body, bytes) else (body or ""),
        "canonical_request": canonical,
        "string_to_sign": sts,
    }


def client_case(name, operation, params, region="us-east-1", token=False):
    """Signs a CodePipeline operation with the real client, as the CLI does."""
    session = botocore.session.get_session()
    key_id, secret = (TOKEN_KEY_ID, TOKEN_SECRET) if token else (KEY_ID, SECRET)
    client = session.create_client(
        "codepipeline",
        region_name=region,
        endpoint_url="http://127.0.0.1:7070",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=TOKEN if token else None,
    )
    captured = {}
    recorder = {}

    original_canonical = SigV4Auth.canonical_request
    original_string_to_sign = SigV4Auth.string_to_sign

    def recording_canonical(self, request):
        recorder["canonical"] = original_canonical(self, request)
        return recorder["canonical"]

    def recording_string_to_sign(self, request, canonical_request):
        recorder["sts"] = original_string_to_sign(self, request, canonical_request)
        return recorder["sts"]

    def before_send(request, **kwargs):
        captured["request"] = request
        return AWSResponse(request.url, 200, {"x-amzn-RequestId": "0"}, None)

    client.meta.events.register("before-send", before_send)
    SigV4Auth.canonical_request = recording_canonical
    SigV4Auth.string_to_sign = recording_string_to_sign
    try:
        try:
            getattr(client, operation)(**params)
        except AttributeError:  # the stub response has no body stream; the request is captured
            pass
    finally:
        SigV4Auth.canonical_request = original_canonical
        SigV4Auth.string_to_sign = original_string_to_sign
    request = captured["request"]
    headers = []
    for key, value in request.headers.items():
        value = value.decode() if isinstance(value, bytes) else value
        # Unsigned and different on every run or machine: pinned so the file is reproducible.
        if key.lower() == "amz-sdk-invocation-id":
            value = "00000000-0000-4000-8000-000000000000"
        elif key.lower() == "user-agent":
            value = "Botocore/" + botocore.__version__
        headers.append([key, value])
    creds = Credentials(key_id, secret, TOKEN if token else None)
    return wire_case(name, "client", request.method, request.url, headers, request.body or b"",
                     creds, region, "codepipeline", recorder["canonical"], recorder["sts"])


def signer_case(name, method, url, headers, body, region="us-east-1", service="codepipeline"):
    """Signs a hand-made request with SigV4Auth directly."""
    creds = Credentials(KEY_ID, SECRET)
    request = AWSRequest(method=method, url=url, data=body)
    for key, value in headers:
        request.headers[key] = value  # HTTPHeaders appends: repeated names stay repeated
    signer = RecordingSigner(creds, service, region)
    signer.add_auth(request)
    wire = [[k, v] for k, v in request.headers.items()]
    return wire_case(name, "signer", method, url, wire, body, creds, region, service,
                     signer.last_canonical, signer.last_string_to_sign)


def main():
    pin_clock()
    pipeline = {
        "name": "demo",
        "roleArn": "arn:aws:iam::123456789012:role/sluice",
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Checkout",
                "actionTypeId": {"category": "Source", "owner": "AWS",
                                 "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "app", "BranchName": "main"},
                "outputArtifacts": [{"name": "src"}]}]},
            {"name": "Approve", "actions": [{
                "name": "Gate",
                "actionTypeId": {"category": "Approval", "owner": "AWS",
                                 "provider": "Manual", "version": "1"},
                "configuration": {"CustomData": "Ship it? \u00e9t\u00e9 \u2713"}}]},
        ],
    }
    cases = [
        client_case("list-pipelines", "list_pipelines", {}),
        client_case("get-pipeline", "get_pipeline", {"name": "demo"}),
        client_case("create-pipeline-unicode-body", "create_pipeline", {"pipeline": pipeline}),
        client_case("session-token", "list_pipelines", {}, token=True),
        client_case("other-region", "get_pipeline_state", {"name": "demo"}, region="eu-west-3"),
        signer_case("query-string", "GET",
                    "http://127.0.0.1:7070/metrics?b=2&a=x%20y&a=w&empty=&c=%2F%3D",
                    [["Accept", "text/plain"]], b""),
        signer_case("path-with-spaces", "GET", "http://127.0.0.1:7070/documents%20and%20settings/",
                    [], b""),
        signer_case("repeated-and-spaced-headers", "POST", "http://127.0.0.1:7070/",
                    [["Content-Type", "application/x-amz-json-1.1"],
                     ["X-Amz-Target", "CodePipeline_20150709.ListPipelines"],
                     ["X-Sluice-Note", "  several   inner    spaces  "],
                     ["X-Sluice-Multi", "first"], ["X-Sluice-Multi", "second"]],
                    b"{}"),
    ]
    json.dump({
        "generator": "tests/unit/aws/gen_sigv4_vectors.py",
        "botocore_version": botocore.__version__,
        "cases": cases,
    }, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
