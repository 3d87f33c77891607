#!/usr/bin/env python3
"""Generates tests/unit/aws/s3auth_vectors.json: S3 requests signed by botocore.

Each case is a request as the artifact store receives it: method, the raw
(still percent-encoded) path, the decoded query, the headers on the wire and
the body (base64), plus the canonical request botocore signed. Kinds:
  * "client": the real boto3 S3 client serialises and signs an operation
    (the aws CLI's code path) and the prepared request is captured before it
    is sent; with an https endpoint and a checksum, botocore sends an
    aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER body;
  * "presigned": generate_presigned_url (GET and PUT, with and without a
    session token);
  * "streaming": the seed request signed by botocore's S3SigV4Auth with
    x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]; the
    chunk and trailer signatures are chained from botocore's seed signature
    here, with hmac, as the S3 documentation specifies (botocore does not
    send signed chunks itself). AWS's own published example is checked
    separately in test_aws_s3auth.c.
"decoded_b64" and "trailers" are what aws_chunked must produce. The clock is
pinned so the output is reproducible:

    python3 tests/unit/aws/gen_s3auth_vectors.py > tests/unit/aws/s3auth_vectors.json
"""
import base64
import datetime
import hashlib
import hmac
import json
import sys
import urllib.parse
import zlib

import botocore
import botocore.auth
import botocore.session
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

FIXED = datetime.datetime(2026, 11, 26, 7, 7, 47)
FIXED_MS = int(FIXED.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
KEY_ID = "AKIDSLUICETEST000001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN_KEY_ID = "ASIASLUICETEST000002"
TOKEN_SECRET = "c2x1aWNlLXRlc3Qtc2Vzc2lvbi1zZWNyZXQtMDAwMDA"
TOKEN = "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD/sluice+test/session=="
EMPTY = hashlib.sha256(b"").hexdigest()


def pin_clock():
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


RECORD = {}
_orig_canonical = botocore.auth.SigV4Auth.canonical_request


def _recording_canonical(self, request):
    RECORD["canonical"] = _orig_canonical(self, request)
    return RECORD["canonical"]


botocore.auth.SigV4Auth.canonical_request = _recording_canonical


def body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        data = body.read()
        return data if isinstance(data, bytes) else data.encode()
    return bytes(body)


def wire(name, kind, method, url, headers, body, token, canonical, extra=None):
    parts = urllib.parse.urlsplit(url)
    if not any(h[0].lower() == "host" for h in headers):
        headers = [["Host", parts.netloc]] + headers
    case = {
        "name": name,
        "kind": kind,
        "now_ms": FIXED_MS,
        "access_key_id": TOKEN_KEY_ID if token else KEY_ID,
        "secret_access_key": TOKEN_SECRET if token else SECRET,
        "session_token": TOKEN if token else None,
        "region": "us-east-1",
        "method": method,
        "raw_path": parts.path or "/",
        "query": [[k, v] for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)],
        "headers": headers,
        "body_b64": base64.b64encode(body).decode(),
        "canonical_request": canonical,
    }
    case.update(extra or {})
    return case


def client(endpoint, token=False, **config):
    session = botocore.session.get_session()
    return session.create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id=TOKEN_KEY_ID if token else KEY_ID,
        aws_secret_access_key=TOKEN_SECRET if token else SECRET,
        aws_session_token=TOKEN if token else None,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": "path", **config.pop("s3", {})}, **config))


def client_case(name, operation, params, endpoint="http://127.0.0.1:7071", token=False,
                extra=None, **config):
    c = client(endpoint, token, **config)
    captured = {}

    def before_send(request, **kwargs):
        captured["request"] = request
        return AWSResponse(request.url, 200, {"x-amz-request-id": "0"}, None)

    c.meta.events.register("before-send", before_send)
    try:
        getattr(c, operation)(**params)
    except Exception:  # the stub response has no body; the request is captured
        pass
    request = captured["request"]
    headers = []
    for key, value in request.headers.items():
        value = value.decode() if isinstance(value, bytes) else value
        if key.lower() == "amz-sdk-invocation-id":
            value = "00000000-0000-4000-8000-000000000000"
        elif key.lower() == "user-agent":
            value = "Botocore/" + botocore.__version__
        headers.append([key, value])
    return wire(name, "client", request.method, request.url, headers, body_bytes(request.body),
                token, RECORD["canonical"], extra)


def presigned_case(name, operation, params, expires=3600, token=False):
    c = client("http://127.0.0.1:7071", token)
    url = c.generate_presigned_url(operation, Params=params, ExpiresIn=expires)
    method = "PUT" if operation.startswith("put") else "GET"
    return wire(name, "presigned", method, url, [], b"", token, RECORD["canonical"],
                {"expires": expires})


class FixedPayloadAuth(S3SigV4Auth):
    """S3SigV4Auth that signs a given x-amz-content-sha256 (the streaming modes)."""

    fixed = None

    def payload(self, request):
        return self.fixed


def chunk_sign(key, amz_date, scope, prev, data):
    sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, EMPTY,
                     hashlib.sha256(data).hexdigest()])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def trailer_sign(key, amz_date, scope, prev, trailers):
    text = "".join("%s:%s\n" % (n, v) for n, v in trailers)
    sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                     hashlib.sha256(text.encode()).hexdigest()])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def streaming_case(name, data, chunk, with_trailer):
    mode = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if with_trailer
            else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    url = "http://127.0.0.1:7071/sluice-artifacts/demo/src/chunked%20object.zip"
    request = AWSRequest(method="PUT", url=url, data=b"")
    request.headers["Content-Encoding"] = "aws-chunked"
    request.headers["X-Amz-Decoded-Content-Length"] = str(len(data))
    if with_trailer:
        request.headers["X-Amz-Trailer"] = "x-amz-checksum-crc32"
    FixedPayloadAuth.fixed = mode
    signer = FixedPayloadAuth(Credentials(KEY_ID, SECRET), "s3", "us-east-1")
    signer.add_auth(request)
    auth = request.headers["Authorization"]
    seed = auth.rsplit("Signature=", 1)[1]
    amz_date = request.headers["X-Amz-Date"]
    scope = "%s/us-east-1/s3/aws4_request" % amz_date[:8]
    k = ("AWS4" + SECRET).encode()
    for part in (amz_date[:8], "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    body = b""
    prev = seed
    for c in chunks:
        prev = chunk_sign(k, amz_date, scope, prev, c)
        body += b"%x;chunk-signature=%s\r\n" % (len(c), prev.encode())
        if c:
            body += c + b"\r\n"
    trailers = []
    if with_trailer:
        trailers = [["x-amz-checksum-crc32", crc]]
        body += b"x-amz-checksum-crc32:%s\r\n" % crc.encode()
        body += b"x-amz-trailer-signature:%s\r\n" % trailer_sign(k, amz_date, scope, prev,
                                                                 trailers).encode()
    body += b"\r\n"
    request.headers["Content-Length"] = str(len(body))  # unsigned: added after signing
    headers = [[key, value] for key, value in request.headers.items()]
    return wire(name, "streaming", "PUT", url, headers, body, False, RECORD["canonical"],
                {"decoded_b64": base64.b64encode(data).decode(), "trailers": trailers,
                 "seed_signature": seed})


def main():
    pin_clock()
    payload = bytes(range(256)) * 5 + b"sluice"
    crc_body = b"artifact bytes\n" * 40
    cases = [
        client_case("put-object-signed-payload", "put_object",
                    {"Bucket": "sluice-artifacts", "Key": "demo/src/abc1234", "Body": payload}),
        client_case("get-object-odd-key", "get_object",
                    {"Bucket": "sluice-artifacts", "Key": "dir/a b+c~d!(é)*.txt"}),
        client_case("list-objects-v2-query", "list_objects_v2",
                    {"Bucket": "sluice-artifacts", "Prefix": "demo/", "Delimiter": "/",
                     "MaxKeys": 10, "StartAfter": "demo/a b"}),
        client_case("upload-part-query", "upload_part",
                    {"Bucket": "sluice-artifacts", "Key": "big/file.bin", "PartNumber": 3,
                     "UploadId": "up+load/id=1", "Body": b"part three"}),
        client_case("session-token", "head_object",
                    {"Bucket": "sluice-artifacts", "Key": "demo/src/abc1234"}, token=True),
        client_case("unsigned-payload", "put_object",
                    {"Bucket": "sluice-artifacts", "Key": "demo/unsigned", "Body": b"not hashed"},
                    endpoint="https://127.0.0.1:7071",
                    s3={"payload_signing_enabled": False},
                    request_checksum_calculation="when_required"),
        client_case("streaming-unsigned-trailer", "put_object",
                    {"Bucket": "sluice-artifacts", "Key": "demo/src/with-crc32",
                     "Body": crc_body, "ChecksumAlgorithm": "CRC32"},
                    endpoint="https://127.0.0.1:7071",
                    extra={"decoded_b64": base64.b64encode(crc_body).decode(),
                           "trailers": [["x-amz-checksum-crc32", base64.b64encode(
                               zlib.crc32(crc_body).to_bytes(4, "big")).decode()]]}),
        presigned_case("presigned-get", "get_object",
                       {"Bucket": "sluice-artifacts", "Key": "demo/src/abc1234"}),
        presigned_case("presigned-put", "put_object",
                       {"Bucket": "sluice-artifacts", "Key": "uploads/a b+c.zip"}, expires=900),
        presigned_case("presigned-session-token", "get_object",
                       {"Bucket": "sluice-artifacts", "Key": "demo/src/abc1234"}, token=True),
        presigned_case("presigned-week", "get_object",
                       {"Bucket": "sluice-artifacts", "Key": "k"}, expires=604800),
        streaming_case("streaming-signed", payload, 512, False),
        streaming_case("streaming-signed-trailer", payload, 700, True),
    ]
    json.dump({"generator": "tests/unit/aws/gen_s3auth_vectors.py",
               "botocore_version": botocore.__version__, "cases": cases},
              sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
