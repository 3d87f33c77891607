"""sluice-artifacts receiving an aws-chunked body with chunk signatures
(STREAMING-AWS4-HMAC-SHA256-PAYLOAD), built by hand as AWS's SigV4 streaming
specification describes (botocore sends no signed chunks over http).

Checks: a signed 3-chunk upload is stored with the decoded bytes; the same
upload with one byte of a chunk's data changed, or with one chunk signature
changed, is SignatureDoesNotMatch and leaves no object and no temporary file;
a request whose seed signature is wrong is refused and stores nothing.
Exit 0 (passed), 1 (a check failed) or 77 (skipped: the binary is not built).
"""

import datetime
import hashlib
import hmac
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from botocore.exceptions import ClientError

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, free_port, s3_client,
                             service_env, stop, wait_listening)

AKID, SECRET = "AKIDCHUNKEDTEST", "chunked-secret-xxxxxxxx"
BUCKET, REGION = "sluice-artifacts", "us-east-1"
STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def hmac256(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(date):
    key = hmac256(("AWS4" + SECRET).encode(), date)
    for part in (REGION, "s3", "aws4_request"):
        key = hmac256(key, part)
    return key


def chunked_put(port, key, chunks, tamper=None):
    """PUTs chunks as one signed aws-chunked body; tamper(i, data, sig) -> (data, sig) alters
    the i-th chunk (the last, empty one included) after it was signed. (status, body)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{date}/{REGION}/s3/aws4_request"
    skey = signing_key(date)
    decoded = sum(len(c) for c in chunks)
    pieces = list(chunks) + [b""]
    sig_len = 64
    encoded = sum(len(f"{len(c):x};chunk-signature=") + sig_len + 2 + len(c) + 2 for c in pieces)
    host = f"127.0.0.1:{port}"
    path = f"/{BUCKET}/{key}"
    headers = {
        "content-encoding": "aws-chunked",
        "content-length": str(encoded),
        "host": host,
        "x-amz-content-sha256": STREAMING,
        "x-amz-date": amz_date,
        "x-amz-decoded-content-length": str(decoded),
    }
    names = sorted(headers)
    canonical = "\n".join(["PUT", path, "", *[f"{n}:{headers[n]}" for n in names], "",
                           ";".join(names), STREAMING])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    seed = hmac.new(skey, to_sign.encode(), hashlib.sha256).hexdigest()
    if tamper == "seed":
        seed = ("0" if seed[0] != "0" else "1") + seed[1:]
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={seed}")
    body = b""
    previous = seed
    for i, data in enumerate(pieces):
        string = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA,
                            hashlib.sha256(data).hexdigest()])
        sig = hmac.new(skey, string.encode(), hashlib.sha256).hexdigest()
        previous = sig
        if callable(tamper):
            data, sig = tamper(i, data, sig)
        body += f"{len(data):x};chunk-signature={sig}\r\n".encode() + data + b"\r\n"
    assert len(body) == encoded
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        try:
            conn.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body was read: the answer is still there
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def s3_code(body):
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode() if match else None


def main():
    binary = artifacts_binary()
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-chunked-")
    data_dir = os.path.join(work, "data")
    port = free_port()
    env = service_env(port, data_dir, AKID, SECRET)
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        wait_listening(port)
        s3 = s3_client(f"http://127.0.0.1:{port}", AKID, SECRET, REGION)

        def exists(key):
            try:
                s3.head_object(Bucket=BUCKET, Key=key)
                return True
            except ClientError:
                return False

        chunks = [os.urandom(64 * 1024), os.urandom(64 * 1024), os.urandom(1234)]
        whole = b"".join(chunks)
        status, resp = chunked_put(port, "chunked/good.bin", chunks)
        check(status == 200, f"signed aws-chunked upload accepted ({status} {s3_code(resp)})")
        got = s3.get_object(Bucket=BUCKET, Key="chunked/good.bin")["Body"].read() \
            if exists("chunked/good.bin") else None
        check(got == whole, "the stored object is the decoded bytes")

        def flip_byte(i, data, sig):
            if i == 1:
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            return data, sig

        def flip_sig(i, data, sig):
            if i == 2:
                sig = ("0" if sig[0] != "0" else "1") + sig[1:]
            return data, sig

        def flip_final(i, data, sig):
            if i == 3:
                sig = ("0" if sig[0] != "0" else "1") + sig[1:]
            return data, sig

        tmp_dir = os.path.join(data_dir, "tmp")
        for name, tamper in (("a chunk byte changed", flip_byte),
                             ("a chunk signature changed", flip_sig),
                             ("the final chunk's signature changed", flip_final)):
            key = "chunked/bad-" + tamper.__name__
            status, resp = chunked_put(port, key, chunks, tamper)
            check(status == 403 and s3_code(resp) == "SignatureDoesNotMatch",
                  f"{name}: SignatureDoesNotMatch ({status} {s3_code(resp)})")
            check(not exists(key), f"{name}: no object left")
            check(os.listdir(tmp_dir) == [], f"{name}: no temporary file left")
        status, resp = chunked_put(port, "chunked/bad-seed", chunks, "seed")
        check(status == 403 and s3_code(resp) == "SignatureDoesNotMatch",
              f"a wrong seed signature: SignatureDoesNotMatch ({status} {s3_code(resp)})")
        check(not exists("chunked/bad-seed"), "a wrong seed signature: no object left")
        check(s3.get_object(Bucket=BUCKET, Key="chunked/good.bin")["Body"].read() == whole,
              "the good object is still there")
        print(f"     chunked checks in {time.monotonic() - started:.2f} s")
    finally:
        stop(proc, 5)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
