"""CopyObject, UploadPartCopy and ListMultipartUploads of sluice-artifacts, driven
by the aws CLI and boto3 over loopback.

Checks: `aws s3 cp s3://a s3://b` (a small object through CopyObject, a 9 MiB one
through the CLI's UploadPartCopy path) and `aws s3api copy-object` give the
source's bytes (SHA-256) and metadata; REPLACE takes the request's metadata; the
four x-amz-copy-source-if-* headers answer PreconditionFailed; a copy onto
itself without REPLACE is InvalidRequest; a missing source NoSuchKey, a
malformed source versionId InvalidArgument; `aws s3api upload-part-copy` with ranges assembles
the source again (out-of-object range InvalidRange, malformed InvalidArgument);
`aws s3api list-multipart-uploads` with prefix, delimiter and max-uploads
paging by key-marker / upload-id-marker; job credentials (minted here as
aws_jobcred_mint does) copy an input to an output but a source outside the
inputs, a destination outside the outputs and ListMultipartUploads are
AccessDenied. Exit 0, 1 (a check failed) or 77.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, aws_cli, check, error_code,
                             free_port, s3_client, service_env, stop, wait_listening)

AKID, SECRET = "AKIDARTIFACTSCOPY", "artifacts-copy-secret-xxxx"


def sha(data):
    return hashlib.sha256(data).hexdigest()


JOB_KEY = bytes(range(32))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(read, write):
    """Job credentials as libs/aws's aws_jobcred_mint makes them (see aws_jobcred.h)."""
    payload = json.dumps({"job": "job-copy", "pipeline": "copy", "exp": int(time.time()) + 600,
                          "r": read, "w": write}, separators=(",", ":"))
    token = "SLJ1.k1." + b64url(payload.encode())
    token += "." + b64url(hmac.new(JOB_KEY, token.encode(), hashlib.sha256).digest())
    secret = base64.b64encode(hmac.new(JOB_KEY, b"sluice-job-secret\n" + token.encode(),
                                       hashlib.sha256).digest()).decode()[:40]
    key_id = "ASIA" + base64.b32encode(hashlib.sha256(token.encode()).digest()[:10]).decode()
    return key_id, secret, token


def main():
    binary = artifacts_binary()
    cli = os.environ.get("SLUICE_AWS_CLI", "aws")
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    began = time.monotonic()
    work = tempfile.mkdtemp(prefix="sluice-artifacts-copy-")
    port = free_port()
    keys = os.path.join(work, "job-keys")
    with open(keys, "w") as f:
        f.write("k1 " + JOB_KEY.hex() + "\n")
    os.chmod(keys, 0o600)  # a secret file readable by others is refused
    env = service_env(port, os.path.join(work, "data"), AKID, SECRET,
                      SLUICE_ARTIFACTS_MIN_PART_SIZE="1048576",
                      SLUICE_JOB_CREDENTIAL_KEYS_FILE=keys)
    proc = subprocess.Popen([binary], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_listening(port)
        s3 = s3_client(endpoint, AKID, SECRET)
        aws = aws_cli(cli, endpoint, AKID, SECRET, 60)

        def body(bucket, key):
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

        for b in ("src", "dst"):
            s3.create_bucket(Bucket=b)
        small = os.urandom(2 * 1024 * 1024 + 5)
        s3.put_object(Bucket="src", Key="a/blob.bin", Body=small, ContentType="text/x-blob",
                      Metadata={"stage": "build", "run": "7"})
        src_etag = '"' + hashlib.md5(small).hexdigest() + '"'

        # aws s3 cp s3://a s3://b (CopyObject below the CLI's multipart threshold)
        cp = aws("s3", "cp", "s3://src/a/blob.bin", "s3://dst/copied.bin")
        check(cp.returncode == 0, "aws s3 cp s3://src/a/blob.bin s3://dst/copied.bin " + cp.stderr[-300:])
        check(sha(body("dst", "copied.bin")) == sha(small), "CopyObject: same SHA-256")

        # aws s3api copy-object: the result document and the metadata kept
        out = aws("s3api", "copy-object", "--copy-source", "src/a/blob.bin", "--bucket", "dst",
                  "--key", "meta.bin")
        check(out.returncode == 0, "aws s3api copy-object " + out.stderr[-300:])
        result = json.loads(out.stdout or "{}").get("CopyObjectResult", {})
        check(result.get("ETag") == src_etag and "LastModified" in result,
              f"CopyObjectResult has the MD5 ETag and LastModified ({result})")
        head = s3.head_object(Bucket="dst", Key="meta.bin")
        check(head["Metadata"] == {"stage": "build", "run": "7"} and
              head["ContentType"] == "text/x-blob", "COPY keeps metadata and Content-Type")

        # REPLACE takes the request's metadata
        s3.copy_object(Bucket="dst", Key="replaced.bin", CopySource={"Bucket": "src", "Key": "a/blob.bin"},
                       MetadataDirective="REPLACE", Metadata={"fresh": "yes"}, ContentType="text/plain")
        head = s3.head_object(Bucket="dst", Key="replaced.bin")
        check(head["Metadata"] == {"fresh": "yes"} and head["ContentType"] == "text/plain",
              "REPLACE stores the request's metadata")
        check(sha(body("dst", "replaced.bin")) == sha(small), "REPLACE copy: same SHA-256")

        # a key that needs percent-encoding in x-amz-copy-source
        odd = "dir/with space+plus&ü.bin"
        s3.put_object(Bucket="src", Key=odd, Body=b"odd bytes")
        s3.copy_object(Bucket="dst", Key="odd.bin", CopySource={"Bucket": "src", "Key": odd})
        check(body("dst", "odd.bin") == b"odd bytes", "copy of a key with space, + and UTF-8")

        # preconditions
        src = {"Bucket": "src", "Key": "a/blob.bin"}
        past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        for name, extra in (("if-match (other ETag)", {"CopySourceIfMatch": '"0000"'}),
                            ("if-none-match (same ETag)", {"CopySourceIfNoneMatch": src_etag}),
                            ("if-modified-since (future)", {"CopySourceIfModifiedSince": future}),
                            ("if-unmodified-since (2000)", {"CopySourceIfUnmodifiedSince": past})):
            code = error_code(lambda: s3.copy_object(Bucket="dst", Key="cond.bin", CopySource=src, **extra))
            check(code == "PreconditionFailed", f"x-amz-copy-source-{name}: PreconditionFailed ({code})")
        check(error_code(lambda: s3.head_object(Bucket="dst", Key="cond.bin")) == "404",
              "a refused copy stores nothing")
        s3.copy_object(Bucket="dst", Key="cond.bin", CopySource=src, CopySourceIfMatch=src_etag,
                       CopySourceIfUnmodifiedSince=past)
        check(sha(body("dst", "cond.bin")) == sha(small), "if-match true overrides if-unmodified-since false")

        # self-copy, missing source, versionId
        code = error_code(lambda: s3.copy_object(Bucket="src", Key="a/blob.bin", CopySource=src))
        check(code == "InvalidRequest", f"copy onto itself without REPLACE: InvalidRequest ({code})")
        s3.copy_object(Bucket="src", Key="a/blob.bin", CopySource=src, MetadataDirective="REPLACE",
                       Metadata={"stage": "again"})
        check(s3.head_object(Bucket="src", Key="a/blob.bin")["Metadata"] == {"stage": "again"} and
              sha(body("src", "a/blob.bin")) == sha(small), "copy onto itself with REPLACE")
        code = error_code(lambda: s3.copy_object(Bucket="dst", Key="x", CopySource={"Bucket": "src", "Key": "nope"}))
        check(code == "NoSuchKey", f"missing source: NoSuchKey ({code})")
        code = error_code(lambda: s3.copy_object(Bucket="dst", Key="x", CopySource={"Bucket": "gone", "Key": "k"}))
        check(code == "NoSuchBucket", f"missing source bucket: NoSuchBucket ({code})")
        code = error_code(lambda: s3.copy_object(Bucket="dst", Key="x", CopySource="src"))
        check(code == "InvalidArgument", f"copy source without a key: InvalidArgument ({code})")
        code = error_code(lambda: s3.copy_object(Bucket="dst", Key="x", CopySource={"Bucket": "src", "Key": "a/blob.bin"},
                                                 MetadataDirective="MERGE"))
        check(code == "InvalidArgument", f"unknown metadata directive: InvalidArgument ({code})")
        code = error_code(lambda: s3.copy_object(Bucket="dst", Key="x", CopySource={
            "Bucket": "src", "Key": "a/blob.bin", "VersionId": "3HL4kqtJlcpXroDTDmJ"}))
        check(code == "InvalidArgument",
              f"copy source with a malformed versionId: InvalidArgument ({code})")

        # aws s3 cp of 9 MiB: the CLI copies it with UploadPartCopy ranges
        big = os.urandom(9 * 1024 * 1024 + 3)
        s3.put_object(Bucket="src", Key="big.bin", Body=big)
        started = time.monotonic()
        cp = aws("s3", "cp", "s3://src/big.bin", "s3://dst/big.bin")
        print(f"     9 MiB server-side copy through the CLI in {time.monotonic() - started:.2f} s")
        check(cp.returncode == 0, "aws s3 cp of 9 MiB between buckets " + cp.stderr[-300:])
        check(sha(body("dst", "big.bin")) == sha(big), "multipart copy: same SHA-256")
        check(s3.head_object(Bucket="dst", Key="big.bin")["ETag"].endswith('-2"'),
              "the CLI's copy went through two parts")

        # aws s3api upload-part-copy with ranges
        up = s3.create_multipart_upload(Bucket="dst", Key="assembled.bin")["UploadId"]
        out = aws("s3api", "upload-part-copy", "--bucket", "dst", "--key", "assembled.bin",
                  "--upload-id", up, "--part-number", "1", "--copy-source", "src/a/blob.bin",
                  "--copy-source-range", "bytes=0-1048575")
        check(out.returncode == 0, "aws s3api upload-part-copy " + out.stderr[-300:])
        part1 = json.loads(out.stdout or "{}").get("CopyPartResult", {})
        check(part1.get("ETag") == '"' + hashlib.md5(small[:1048576]).hexdigest() + '"' and
              "LastModified" in part1, f"CopyPartResult has the range's MD5 ({part1})")
        part2 = s3.upload_part_copy(Bucket="dst", Key="assembled.bin", UploadId=up, PartNumber=2,
                                    CopySource=src, CopySourceRange=f"bytes=1048576-{len(small) - 1}")
        code = error_code(lambda: s3.upload_part_copy(
            Bucket="dst", Key="assembled.bin", UploadId=up, PartNumber=3, CopySource=src,
            CopySourceRange=f"bytes=0-{len(small)}"))
        check(code == "InvalidRange", f"range beyond the source: InvalidRange ({code})")
        code = error_code(lambda: s3.upload_part_copy(
            Bucket="dst", Key="assembled.bin", UploadId=up, PartNumber=3, CopySource=src,
            CopySourceRange="bytes=9-3"))
        check(code == "InvalidArgument", f"malformed range: InvalidArgument ({code})")
        code = error_code(lambda: s3.upload_part_copy(
            Bucket="dst", Key="assembled.bin", UploadId=up, PartNumber=3, CopySource=src,
            CopySourceIfNoneMatch=src_etag))
        check(code == "PreconditionFailed", f"UploadPartCopy precondition: PreconditionFailed ({code})")
        s3.complete_multipart_upload(Bucket="dst", Key="assembled.bin", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part1.get("ETag", "")},
                      {"PartNumber": 2, "ETag": part2["CopyPartResult"]["ETag"]}]})
        check(sha(body("dst", "assembled.bin")) == sha(small), "parts copied by range reassemble the source")

        # list-multipart-uploads
        s3.create_bucket(Bucket="lists")
        ids = {}
        for key in ("up/a", "up/b", "up/b", "other/c", "x"):
            ids.setdefault(key, []).append(
                s3.create_multipart_upload(Bucket="lists", Key=key)["UploadId"])
        out = aws("s3api", "list-multipart-uploads", "--bucket", "lists")
        check(out.returncode == 0, "aws s3api list-multipart-uploads " + out.stderr[-300:])
        listed = json.loads(out.stdout or "{}").get("Uploads", [])
        want = sorted((k, i) for k, v in ids.items() for i in v)
        check([(u["Key"], u["UploadId"]) for u in listed] == want,
              "every upload, sorted by key then upload id")
        r = s3.list_multipart_uploads(Bucket="lists", Delimiter="/")
        check([p["Prefix"] for p in r.get("CommonPrefixes", [])] == ["other/", "up/"] and
              [u["Key"] for u in r.get("Uploads", [])] == ["x"], "delimiter: common prefixes")
        r = s3.list_multipart_uploads(Bucket="lists", Prefix="up/")
        check(len(r.get("Uploads", [])) == 3, "prefix up/: three uploads")
        seen, kw, pages = [], {}, 0
        while pages < 10:
            r = s3.list_multipart_uploads(Bucket="lists", MaxUploads=2, **kw)
            pages += 1
            seen += [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]
            if not r["IsTruncated"]:
                break
            kw = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
        check(seen == want and pages == 3, f"max-uploads 2 pages through all five ({pages} pages)")
        code = error_code(lambda: s3.list_multipart_uploads(Bucket="missing-bucket"))
        check(code == "NoSuchBucket", f"ListMultipartUploads of a missing bucket: NoSuchBucket ({code})")

        # job credentials: a copy needs read on the source and write on the destination
        def job_client(read, write):
            key_id, secret, token = mint(read, write)
            return s3_client(endpoint, key_id, secret, token=token)
        job = job_client(["src/big.bin"], ["dst/job-out.bin"])
        job.copy_object(Bucket="dst", Key="job-out.bin", CopySource={"Bucket": "src", "Key": "big.bin"})
        check(sha(body("dst", "job-out.bin")) == sha(big), "job credentials: copy input to output")
        code = error_code(lambda: job.copy_object(Bucket="dst", Key="job-out.bin",
                                                  CopySource={"Bucket": "src", "Key": "a/blob.bin"}))
        check(code == "AccessDenied", f"job credentials: a source outside the inputs ({code})")
        code = error_code(lambda: job.copy_object(Bucket="dst", Key="elsewhere.bin",
                                                  CopySource={"Bucket": "src", "Key": "big.bin"}))
        check(code == "AccessDenied", f"job credentials: a destination outside the outputs ({code})")
        code = error_code(lambda: job.list_multipart_uploads(Bucket="lists"))
        check(code == "AccessDenied", f"job credentials: ListMultipartUploads ({code})")
        up = s3.create_multipart_upload(Bucket="dst", Key="job-out.bin")["UploadId"]
        job.upload_part_copy(Bucket="dst", Key="job-out.bin", UploadId=up, PartNumber=1,
                             CopySource={"Bucket": "src", "Key": "big.bin"}, CopySourceRange="bytes=0-9")
        code = error_code(lambda: job.upload_part_copy(
            Bucket="dst", Key="job-out.bin", UploadId=up, PartNumber=2,
            CopySource={"Bucket": "src", "Key": "a/blob.bin"}, CopySourceRange="bytes=0-9"))
        check(code == "AccessDenied", f"job credentials: UploadPartCopy from outside the inputs ({code})")

        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        check(proc.returncode == 0, f"exits 0 on SIGTERM ({proc.returncode})" +
              ("" if proc.returncode == 0 else " " + err.decode(errors="replace")[-2000:]))
        print(f"     whole test in {time.monotonic() - began:.2f} s")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
