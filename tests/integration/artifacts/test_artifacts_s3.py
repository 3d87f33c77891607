"""sluice-artifacts driven by the aws CLI and boto3 over loopback.

Starts the service on a free port with a data directory of its own and checks:
bucket lifecycle, uploads and downloads compared by SHA-256 (aws s3 cp),
ranges, listing with a delimiter and pagination, wrong Content-MD5 and wrong
x-amz-checksum-crc32 refused with BadDigest leaving no object and no temporary
file, a key with "..", a bad signature, and a stop within 3 s of SIGTERM.
Exit 0 (passed), 1 (a check failed) or 77 (skipped: the binary is not built).
"""

import base64
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, aws_cli, check, error_code,
                             free_port, s3_client, service_env, sha256_file, stop,
                             wait_listening)

AKID, SECRET = "AKIDARTIFACTSTEST", "artifacts-secret-xxxxxxxx"


def main():
    binary = artifacts_binary()
    cli = os.environ.get("SLUICE_AWS_CLI", "aws")
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-artifacts-")
    data = os.path.join(work, "data")
    port = free_port()
    env = service_env(port, data, AKID, SECRET)
    proc = subprocess.Popen([binary], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_listening(port)
        s3 = s3_client(endpoint, AKID, SECRET)
        aws = aws_cli(cli, endpoint, AKID, SECRET, 120)

        # buckets
        check(aws("s3", "mb", "s3://lifecycle").returncode == 0, "aws s3 mb")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        check("lifecycle" in names and "sluice-artifacts" in names,
              "ListBuckets has the new and the configured bucket")
        check(error_code(lambda: s3.create_bucket(Bucket="lifecycle")) ==
              "BucketAlreadyOwnedByYou", "CreateBucket again: BucketAlreadyOwnedByYou")
        check(error_code(lambda: s3.head_bucket(Bucket="missing-bucket")) == "404",
              "HeadBucket of a missing bucket: 404")

        # upload and download through the CLI, compared by SHA-256
        src = os.path.join(work, "blob.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(3 * 1024 * 1024 + 17))
        back = os.path.join(work, "back.bin")
        started = time.monotonic()
        up = aws("s3", "cp", src, "s3://lifecycle/dir/blob.bin")
        down = aws("s3", "cp", "s3://lifecycle/dir/blob.bin", back)
        print(f"     3 MiB up and down through the CLI in {time.monotonic() - started:.2f} s")
        check(up.returncode == 0 and down.returncode == 0, "aws s3 cp up and down " + up.stderr[-200:])
        check(os.path.exists(back) and sha256_file(back) == sha256_file(src),
              "downloaded bytes have the uploaded SHA-256")
        head = s3.head_object(Bucket="lifecycle", Key="dir/blob.bin")
        with open(src, "rb") as f:
            whole = f.read()
        check(head["ETag"] == '"' + hashlib.md5(whole).hexdigest() + '"', "ETag is the MD5")
        check(head["ContentLength"] == len(whole), "HeadObject length")

        # ranges
        part = s3.get_object(Bucket="lifecycle", Key="dir/blob.bin", Range="bytes=100-199")
        check(part["Body"].read() == whole[100:200] and part["ContentRange"] ==
              f"bytes 100-199/{len(whole)}", "Range bytes=100-199")
        tail = s3.get_object(Bucket="lifecycle", Key="dir/blob.bin", Range="bytes=-10")
        check(tail["Body"].read() == whole[-10:], "suffix range")
        check(error_code(lambda: s3.get_object(Bucket="lifecycle", Key="dir/blob.bin",
                                               Range=f"bytes={len(whole)}-")) == "InvalidRange",
              "range past the end: InvalidRange")

        # metadata, conditionals, missing keys
        s3.put_object(Bucket="lifecycle", Key="meta.txt", Body=b"m", ContentType="text/x-demo",
                      Metadata={"pipeline": "demo"})
        got = s3.get_object(Bucket="lifecycle", Key="meta.txt")
        check(got["ContentType"] == "text/x-demo" and got["Metadata"] == {"pipeline": "demo"},
              "content type and x-amz-meta-* kept")
        check(error_code(lambda: s3.get_object(Bucket="lifecycle", Key="meta.txt",
                                               IfNoneMatch=got["ETag"])) == "304",
              "If-None-Match with the ETag: 304")
        check(error_code(lambda: s3.get_object(Bucket="lifecycle", Key="meta.txt",
                                               IfMatch='"0"')) == "PreconditionFailed",
              "If-Match with another ETag: PreconditionFailed")
        check(error_code(lambda: s3.get_object(Bucket="lifecycle", Key="nope")) == "NoSuchKey",
              "NoSuchKey")
        check(error_code(lambda: s3.get_object(Bucket="no-such", Key="k")) == "NoSuchBucket",
              "NoSuchBucket")

        # a traversal key is an ordinary key inside the store
        s3.put_object(Bucket="lifecycle", Key="../../outside.txt", Body=b"inside")
        check(s3.get_object(Bucket="lifecycle", Key="../../outside.txt")["Body"].read() ==
              b"inside", "key with .. round-trips")
        check(not os.path.exists(os.path.join(work, "outside.txt")) and
              not os.path.exists(os.path.join(data, "outside.txt")),
              "key with .. wrote nothing outside the data directory")
        s3.delete_object(Bucket="lifecycle", Key="../../outside.txt")

        # listing: delimiter and pagination
        for i in range(7):
            s3.put_object(Bucket="lifecycle", Key=f"list/a{i}", Body=b"x")
        s3.put_object(Bucket="lifecycle", Key="list/sub/x", Body=b"x")
        listed = s3.list_objects_v2(Bucket="lifecycle", Prefix="list/", Delimiter="/")
        check([c["Key"] for c in listed.get("Contents", [])] == [f"list/a{i}" for i in range(7)] and
              [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == ["list/sub/"],
              "ListObjectsV2 with a delimiter")
        keys = []
        pages = 0
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket="lifecycle", Prefix="list/", PaginationConfig={"PageSize": 3}):
            pages += 1
            keys += [c["Key"] for c in page.get("Contents", [])]
        check(pages == 3 and len(keys) == 8 and keys == sorted(keys),
              f"ListObjectsV2 pagination by 3 ({pages} pages, {len(keys)} keys)")
        v1 = s3.list_objects(Bucket="lifecycle", Prefix="list/a", MaxKeys=2)
        check(v1["IsTruncated"] and len(v1["Contents"]) == 2, "ListObjects (V1) truncation")

        # digests: refused with BadDigest, nothing left behind
        tmp_dir = os.path.join(data, "tmp")
        wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        check(error_code(lambda: s3.put_object(Bucket="lifecycle", Key="bad-md5", Body=b"body",
                                               ContentMD5=wrong_md5)) == "BadDigest",
              "wrong Content-MD5: BadDigest")
        check(error_code(lambda: s3.put_object(Bucket="lifecycle", Key="bad-crc", Body=b"body",
                                               ChecksumCRC32="AAAAAA==")) == "BadDigest",
              "wrong x-amz-checksum-crc32: BadDigest")
        check(error_code(lambda: s3.head_object(Bucket="lifecycle", Key="bad-md5")) == "404" and
              error_code(lambda: s3.head_object(Bucket="lifecycle", Key="bad-crc")) == "404",
              "no object left after BadDigest")
        check(os.listdir(tmp_dir) == [], "no temporary file left after BadDigest")
        ok = s3.put_object(Bucket="lifecycle", Key="good-crc", Body=b"body",
                           ChecksumAlgorithm="CRC32")
        check("ETag" in ok, "a correct x-amz-checksum-crc32 is accepted")

        # multipart: aws s3 cp of a large file, compared by SHA-256
        large = os.path.join(work, "large.bin")
        subprocess.run(["dd", "if=/dev/urandom", "of=" + large, "bs=1M", "count=110"],
                       check=True, capture_output=True)
        large_back = os.path.join(work, "large-back.bin")
        started = time.monotonic()
        up = aws("s3", "cp", large, "s3://lifecycle/large.bin")
        mid = time.monotonic()
        down = aws("s3", "cp", "s3://lifecycle/large.bin", large_back)
        done = time.monotonic()
        print(f"     110 MiB: up {mid - started:.2f} s, down {done - mid:.2f} s")
        check(up.returncode == 0 and down.returncode == 0,
              "aws s3 cp of 110 MiB (multipart) " + up.stderr[-300:] + down.stderr[-300:])
        check(os.path.exists(large_back) and sha256_file(large_back) == sha256_file(large),
              "110 MiB download has the uploaded SHA-256")
        etag = s3.head_object(Bucket="lifecycle", Key="large.bin")["ETag"]
        check(etag.endswith('-14"'), f"multipart ETag ends in -<parts> ({etag})")
        os.unlink(large_back)

        # multipart by hand: order, parts, malformed XML, abort
        up_id = s3.create_multipart_upload(Bucket="lifecycle", Key="mp")["UploadId"]
        first = os.urandom(5 * 1024 * 1024)
        e1 = s3.upload_part(Bucket="lifecycle", Key="mp", UploadId=up_id, PartNumber=1,
                            Body=first)["ETag"]
        e2 = s3.upload_part(Bucket="lifecycle", Key="mp", UploadId=up_id, PartNumber=2,
                            Body=b"tail")["ETag"]
        listed_parts = s3.list_parts(Bucket="lifecycle", Key="mp", UploadId=up_id)["Parts"]
        check([p["PartNumber"] for p in listed_parts] == [1, 2], "ListParts")
        check(error_code(lambda: s3.complete_multipart_upload(
            Bucket="lifecycle", Key="mp", UploadId=up_id,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2},
                                       {"PartNumber": 1, "ETag": e1}]})) == "InvalidPartOrder",
              "parts out of order: InvalidPartOrder")
        check(error_code(lambda: s3.complete_multipart_upload(
            Bucket="lifecycle", Key="mp", UploadId=up_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e2}]})) == "InvalidPart",
              "wrong part ETag: InvalidPart")
        import urllib.request  # a raw malformed body, signed by botocore's signer
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        raw = AWSRequest(method="POST", url=f"{endpoint}/lifecycle/mp?uploadId={up_id}",
                         data=b"<CompleteMultipartUpload><Part>")
        raw.headers["x-amz-content-sha256"] = hashlib.sha256(b"<CompleteMultipartUpload><Part>").hexdigest()
        S3SigV4Auth(Credentials(AKID, SECRET), "s3", "us-east-1").add_auth(raw)
        prepared = raw.prepare()
        req = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                     headers=dict(prepared.headers))
        try:
            urllib.request.urlopen(req, timeout=10)
            body = ""
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
        check("<Code>MalformedXML</Code>" in body, "malformed CompleteMultipartUpload: MalformedXML")
        done_mp = s3.complete_multipart_upload(
            Bucket="lifecycle", Key="mp", UploadId=up_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        check(s3.get_object(Bucket="lifecycle", Key="mp")["Body"].read() == first + b"tail",
              "CompleteMultipartUpload joins the parts")
        check(done_mp["ETag"].endswith('-2"'), "ETag of two parts ends in -2")
        up_id = s3.create_multipart_upload(Bucket="lifecycle", Key="gone")["UploadId"]
        s3.abort_multipart_upload(Bucket="lifecycle", Key="gone", UploadId=up_id)
        check(error_code(lambda: s3.list_parts(Bucket="lifecycle", Key="gone", UploadId=up_id)) ==
              "NoSuchUpload", "aborted upload: NoSuchUpload")

        # DeleteObjects
        for k in ("del/a", "del/b"):
            s3.put_object(Bucket="lifecycle", Key=k, Body=b"x")
        result = s3.delete_objects(Bucket="lifecycle", Delete={"Objects": [
            {"Key": "del/a"}, {"Key": "del/b"}, {"Key": "del/never"}]})
        check(sorted(d["Key"] for d in result.get("Deleted", [])) == ["del/a", "del/b", "del/never"]
              and s3.list_objects_v2(Bucket="lifecycle", Prefix="del/")["KeyCount"] == 0,
              "DeleteObjects removes every key")
        raw = AWSRequest(method="POST", url=f"{endpoint}/lifecycle?delete", data=b"<Delete><Object>")
        raw.headers["x-amz-content-sha256"] = hashlib.sha256(b"<Delete><Object>").hexdigest()
        S3SigV4Auth(Credentials(AKID, SECRET), "s3", "us-east-1").add_auth(raw)
        prepared = raw.prepare()
        req = urllib.request.Request(prepared.url, data=prepared.body, method="POST",
                                     headers=dict(prepared.headers))
        try:
            urllib.request.urlopen(req, timeout=10)
            body = ""
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
        check("<Code>MalformedXML</Code>" in body, "malformed DeleteObjects: MalformedXML")

        # authentication
        bad = s3_client(endpoint, AKID, "wrong-secret")
        check(error_code(lambda: bad.list_buckets()) == "SignatureDoesNotMatch",
              "wrong secret: SignatureDoesNotMatch")

        # deletes and the bucket's end
        check(error_code(lambda: s3.delete_bucket(Bucket="lifecycle")) == "BucketNotEmpty",
              "DeleteBucket of a non-empty bucket: BucketNotEmpty")
        check(aws("s3", "rm", "--recursive", "s3://lifecycle/").returncode == 0, "aws s3 rm --recursive")
        check(s3.list_objects_v2(Bucket="lifecycle")["KeyCount"] == 0, "bucket emptied")
        check(aws("s3", "rb", "s3://lifecycle").returncode == 0, "aws s3 rb")
        check(error_code(lambda: s3.head_bucket(Bucket="lifecycle")) == "404", "bucket gone")

        # shutdown
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        check(time.monotonic() - started < 3 and proc.returncode == 0,
              f"stops within 3 s of SIGTERM ({time.monotonic() - started:.2f} s)")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
