#!/usr/bin/env python3
"""Client-side checks of the artifact store's authentication, for its tests.

Three helpers, usable as functions (import jobcred_client) or from the command
line; each raises AssertionError (exit status 1) when the store misbehaves:

  job_worker(endpoint, job, payloads)
      What a custom job worker does with a job from PollForJobs: reads every
      input artifact and writes every output artifact with boto3 and the job's
      artifactCredentials, then checks that the same credentials cannot write
      an input, read an output or anything else, or write outside the outputs
      (AccessDenied). Returns {input name: bytes}.

  mint(key, key_id, job, pipeline, read, write, execution=None, ttl=600)
      Job credentials (access key id, secret, session token) signed with the
      job-credential key bytes key as key_id, as libs/aws's aws_jobcred_mint
      makes them; execution (the token's "e") only when given.

  presigned(endpoint, key_id, secret, bucket, key)
      A presigned PUT uploads, a presigned GET reads the bytes back; a URL
      with one signature character changed gets SignatureDoesNotMatch, an
      expired one AccessDenied ("Request has expired").

    jobcred_client.py job ENDPOINT JOB.json          (JOB.json: one Job of PollForJobs)
    jobcred_client.py presigned ENDPOINT KEY_ID SECRET BUCKET KEY
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from artifacts_stack import s3_client

REGION = "us-east-1"


def s3(endpoint, key_id, secret, token=None):
    return s3_client(endpoint, key_id, secret, REGION, sigv4=True, token=token)


def expect_code(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        # HEAD answers carry no body: the status alone says it
        if got == code or (code == "AccessDenied" and got == "403"):
            return
        raise AssertionError(f"{fn.__name__}: expected {code}, got {got}: {e}") from e
    raise AssertionError(f"{fn.__name__}: expected {code}, but it succeeded")


def locations(artifacts):
    return [(a["name"], a["location"]["s3Location"]["bucketName"],
             a["location"]["s3Location"]["objectKey"]) for a in artifacts if "location" in a]


def job_worker(endpoint, job, payloads=None):
    cred = job["data"]["artifactCredentials"]
    client = s3(endpoint, cred["accessKeyId"], cred["secretAccessKey"], cred["sessionToken"])
    inputs = locations(job["data"]["inputArtifacts"])
    outputs = locations(job["data"]["outputArtifacts"])
    got = {}
    for name, bucket, key in inputs:
        got[name] = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        client.head_object(Bucket=bucket, Key=key)
    for name, bucket, key in outputs:
        body = (payloads or {}).get(name, f"output {name} of job {job['id']}\n".encode())
        client.put_object(Bucket=bucket, Key=key, Body=body)
        # a multipart upload of the same object is a write too
        upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
    for name, bucket, key in inputs:
        expect_code("AccessDenied", client.put_object, Bucket=bucket, Key=key, Body=b"x")
        expect_code("AccessDenied", client.delete_object, Bucket=bucket, Key=key)
    for name, bucket, key in outputs:
        expect_code("AccessDenied", client.get_object, Bucket=bucket, Key=key)
        expect_code("AccessDenied", client.put_object, Bucket=bucket, Key=key + "-other",
                    Body=b"x")
        expect_code("AccessDenied", client.list_objects_v2, Bucket=bucket)
    some = (inputs + outputs)[0] if inputs + outputs else None
    if some is not None:
        expect_code("AccessDenied", client.get_object, Bucket=some[1], Key="not/" + some[2])
    expect_code("AccessDenied", client.list_buckets)
    # the token is bound to its access key id and its secret
    forged = s3(endpoint, cred["accessKeyId"], "x" * 40, cred["sessionToken"])
    if inputs:
        expect_code("SignatureDoesNotMatch", forged.get_object, Bucket=inputs[0][1],
                    Key=inputs[0][2])
    return got


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(key, key_id, job, pipeline, read, write, execution=None, ttl=600):
    payload = {"job": job, "pipeline": pipeline}
    if execution is not None:
        payload["e"] = execution
    payload.update({"exp": int(time.time()) + ttl, "r": read, "w": write})
    token = f"SLJ1.{key_id}." + _b64url(json.dumps(payload, separators=(",", ":")).encode())
    token += "." + _b64url(hmac.new(key, token.encode(), hashlib.sha256).digest())
    secret = base64.b64encode(hmac.new(key, b"sluice-job-secret\n" + token.encode(),
                                       hashlib.sha256).digest()).decode()[:40]
    access_key_id = "ASIA" + base64.b32encode(hashlib.sha256(token.encode()).digest()[:10]).decode()
    return access_key_id, secret, token


def http(method, url, data=None):
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def presigned(endpoint, key_id, secret, bucket, key):
    client = s3(endpoint, key_id, secret)
    body = b"presigned upload of " + key.encode() + b"\n"
    put = client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key},
                                        ExpiresIn=300)
    status, text = http("PUT", put, body)
    assert status == 200, (status, text)
    get = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                        ExpiresIn=300)
    status, text = http("GET", get)
    assert status == 200 and text == body, (status, text)
    head, _, sig = get.rpartition("X-Amz-Signature=")
    tampered = head + "X-Amz-Signature=" + ("0" if sig[0] != "0" else "1") + sig[1:]
    status, text = http("GET", tampered)
    assert status == 403 and b"SignatureDoesNotMatch" in text, (status, text)
    other = get.replace(key.split("/")[-1], key.split("/")[-1] + "x", 1)
    status, text = http("GET", other)
    assert status == 403 and b"SignatureDoesNotMatch" in text, (status, text)
    short = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                          ExpiresIn=1)
    time.sleep(2.1)
    status, text = http("GET", short)
    assert status == 403 and b"AccessDenied" in text and b"Request has expired" in text, \
        (status, text)
    status, text = http("PUT", short, b"late")
    assert status == 403, (status, text)


def main(argv):
    if len(argv) == 3 and argv[0] == "job":
        with open(argv[2]) as f:
            job_worker(argv[1], json.load(f))
    elif len(argv) == 6 and argv[0] == "presigned":
        presigned(*argv[1:])
    else:
        sys.exit(__doc__)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
