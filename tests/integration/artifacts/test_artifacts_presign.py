"""sluice-artifacts serving boto3's presigned URLs, fetched with urllib.

Starts the service on a free port with a data directory of its own and checks:
a presigned put_object URL uploads and a presigned get_object URL returns the
same bytes; a URL past its X-Amz-Expires is AccessDenied; a URL whose
signature or whose key was changed is SignatureDoesNotMatch (and the changed
key gets no object).
Exit 0 (passed), 1 (a check failed) or 77 (skipped: the binary is not built).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, free_port, s3_client,
                             service_env, stop, wait_listening)

AKID, SECRET = "AKIDPRESIGNTEST", "presign-secret-xxxxxxxx"
BUCKET = "sluice-artifacts"


def fetch(url, method="GET", data=None):
    """(status, body) of one request; an HTTP error's body is returned too."""
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def s3_code(body):
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    return match.group(1).decode() if match else None


def main():
    binary = artifacts_binary()
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-presign-")
    port = free_port()
    env = service_env(port, os.path.join(work, "data"), AKID, SECRET)
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        wait_listening(port)
        s3 = s3_client(endpoint, AKID, SECRET, sigv4=True)
        body = os.urandom(64 * 1024 + 3)

        put_url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": "presigned/blob.bin"}, ExpiresIn=300)
        check("X-Amz-Signature=" in put_url, "boto3 presigns with SigV4 query parameters")
        status, resp = fetch(put_url, "PUT", body)
        check(status == 200, f"presigned PUT uploads ({status} {resp[:200]!r})")
        stored = s3.get_object(Bucket=BUCKET, Key="presigned/blob.bin")["Body"].read()
        check(stored == body, "the presigned upload stored the bytes sent")

        get_url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "presigned/blob.bin"}, ExpiresIn=300)
        status, resp = fetch(get_url)
        check(status == 200 and resp == body, f"presigned GET returns the bytes ({status})")

        # a changed signature byte
        sig = re.search(r"X-Amz-Signature=([0-9a-f]+)", get_url).group(1)
        flipped = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
        status, resp = fetch(get_url.replace(sig, flipped))
        check(status == 403 and s3_code(resp) == "SignatureDoesNotMatch",
              f"changed signature: SignatureDoesNotMatch ({status} {s3_code(resp)})")

        # a changed key: a PUT URL for one key used for another
        other_put = put_url.replace("presigned/blob.bin", "presigned/blob.bim")
        status, resp = fetch(other_put, "PUT", b"intruder")
        check(status == 403 and s3_code(resp) == "SignatureDoesNotMatch",
              f"changed key: SignatureDoesNotMatch ({status} {s3_code(resp)})")
        try:
            s3.head_object(Bucket=BUCKET, Key="presigned/blob.bim")
            left = True
        except ClientError:
            left = False
        check(not left, "the changed-key PUT left no object")

        # past X-Amz-Expires
        short_get = s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "presigned/blob.bin"}, ExpiresIn=1)
        short_put = s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": "presigned/late.bin"}, ExpiresIn=1)
        time.sleep(2.1)
        status, resp = fetch(short_get)
        check(status == 403 and s3_code(resp) == "AccessDenied",
              f"expired presigned GET: AccessDenied ({status} {s3_code(resp)})")
        status, resp = fetch(short_put, "PUT", b"late")
        check(status == 403 and s3_code(resp) == "AccessDenied",
              f"expired presigned PUT: AccessDenied ({status} {s3_code(resp)})")
        status, resp = fetch(get_url)
        check(status == 200 and resp == body, "an unexpired URL still works afterwards")
        print(f"     presign checks in {time.monotonic() - started:.2f} s")
    finally:
        stop(proc, 5)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
