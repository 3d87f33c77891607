"""S3 object versioning of sluice-artifacts, driven by boto3 and the aws CLI over
loopback.

Checks: get-bucket-versioning of a new bucket is empty, put-bucket-versioning
Enabled / Suspended reads back; several PUTs give distinct x-amz-version-ids and
each get-object --version-id returns its own bytes (SHA-256); a DELETE writes a
delete marker (x-amz-delete-marker, its version id) that hides the key from
GetObject/HeadObject (NoSuchKey) and ListObjectsV2 while list-object-versions
shows it; a GET of the marker by id is MethodNotAllowed; delete-object
--version-id of the marker restores the object; a permanent delete of the
latest version promotes the next newest; CopyObject of an older version
(x-amz-copy-source-version-id); DeleteObjects with VersionId; ListObjectVersions
pages of max-keys 7 over 40 versions with key/version-id markers (and the CLI's
own pagination) give every version once, newest first within a key, with
CommonPrefixes under a delimiter; suspended writes replace the "null" version;
a malformed versionId is InvalidArgument and an unknown one NoSuchVersion; a
bucket holding only noncurrent versions and markers is BucketNotEmpty; a
kill -9 and restart keeps every version. Exit 0, 1 (a check failed) or 77.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, aws_cli, check, error_code,
                             free_port, s3_client, service_env, stop, wait_listening)

AKID, SECRET = "AKIDARTIFACTSVERS", "artifacts-versions-secret-xx"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def all_versions(s3, bucket, page, **extra):
    """Every Version and DeleteMarker of bucket, paging by max-keys page with the markers."""
    out, prefixes, pages, kwargs = [], [], 0, dict(extra)
    while True:
        resp = s3.list_object_versions(Bucket=bucket, MaxKeys=page, **kwargs)
        pages += 1
        items = [("v", v) for v in resp.get("Versions", [])] + \
                [("m", m) for m in resp.get("DeleteMarkers", [])]
        out += items
        prefixes += [p["Prefix"] for p in resp.get("CommonPrefixes", [])]
        if len(items) + len(resp.get("CommonPrefixes", [])) > page:
            check(False, f"page over max-keys {page}")
        if not resp["IsTruncated"]:
            return out, prefixes, pages
        kwargs = dict(extra, KeyMarker=resp["NextKeyMarker"])
        if resp.get("NextVersionIdMarker"):
            kwargs["VersionIdMarker"] = resp["NextVersionIdMarker"]
        if pages > 100:
            check(False, "pagination does not end")
            return out, prefixes, pages


def start(binary, env):
    proc = subprocess.Popen([binary], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    wait_listening(int(env["SLUICE_ARTIFACTS_PORT"]))
    return proc


def main():
    binary = artifacts_binary()
    cli = os.environ.get("SLUICE_AWS_CLI", "aws")
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    began = time.monotonic()
    work = tempfile.mkdtemp(prefix="sluice-artifacts-versions-")
    port = free_port()
    env = service_env(port, os.path.join(work, "data"), AKID, SECRET)
    proc = start(binary, env)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        s3 = s3_client(endpoint, AKID, SECRET)
        aws = aws_cli(cli, endpoint, AKID, SECRET, 60)
        s3.create_bucket(Bucket="vers")

        # status: never enabled, Enabled, Suspended
        resp = s3.get_bucket_versioning(Bucket="vers")
        check("Status" not in resp, f"new bucket: no Status ({resp.get('Status')})")
        put = s3.put_object(Bucket="vers", Key="plain", Body=b"unversioned")
        check("VersionId" not in put, "never-enabled PUT: no x-amz-version-id")
        r = aws("s3api", "put-bucket-versioning", "--bucket", "vers",
                "--versioning-configuration", "Status=Enabled")
        check(r.returncode == 0, f"aws put-bucket-versioning Enabled ({r.stderr.strip()})")
        r = aws("s3api", "get-bucket-versioning", "--bucket", "vers")
        status = json.loads(r.stdout).get("Status") if r.returncode == 0 and r.stdout else None
        check(status == "Enabled", f"aws get-bucket-versioning: Enabled ({status})")

        # several PUTs: distinct ids, each readable by id
        bodies = [os.urandom(1000 + i) for i in range(4)]
        ids = [s3.put_object(Bucket="vers", Key="doc/a.bin", Body=b)["VersionId"] for b in bodies]
        check(len(set(ids)) == 4 and all(len(i) == 32 for i in ids),
              f"four PUTs: four distinct 32-character ids ({ids})")
        check(ids == sorted(ids), "ids sort by creation")
        same = all(sha(s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId=i)["Body"].read())
                   == sha(b) for i, b in zip(ids, bodies))
        check(same, "GetObject by each versionId: its own bytes (SHA-256)")
        out = os.path.join(work, "v1.bin")
        r = aws("s3api", "get-object", "--bucket", "vers", "--key", "doc/a.bin",
                "--version-id", ids[1], out)
        got = json.loads(r.stdout).get("VersionId") if r.returncode == 0 else None
        with open(out, "rb") if os.path.exists(out) else open(os.devnull, "rb") as f:
            data = f.read()
        check(r.returncode == 0 and got == ids[1] and sha(data) == sha(bodies[1]),
              f"aws get-object --version-id: the second version ({r.stderr.strip()})")
        head = s3.head_object(Bucket="vers", Key="doc/a.bin")
        check(head.get("VersionId") == ids[3], "HeadObject: the latest's version id")
        got = s3.get_object(Bucket="vers", Key="plain", VersionId="null")["Body"].read()
        check(got == b"unversioned", "the object from before versioning is version null")

        # delete marker
        d = s3.delete_object(Bucket="vers", Key="doc/a.bin")
        marker = d.get("VersionId")
        check(d.get("DeleteMarker") is True and marker and marker > ids[3],
              f"DELETE: a delete marker with a newer id ({d.get('DeleteMarker')}, {marker})")
        try:
            s3.get_object(Bucket="vers", Key="doc/a.bin")
            check(False, "GET behind a delete marker fails")
        except s3.exceptions.NoSuchKey as exc:
            h = exc.response["ResponseMetadata"]["HTTPHeaders"]
            check(h.get("x-amz-delete-marker") == "true",
                  "GET behind a delete marker: NoSuchKey with x-amz-delete-marker")
        code = error_code(lambda: s3.head_object(Bucket="vers", Key="doc/a.bin"))
        check(code == "404", f"HEAD behind a delete marker: 404 ({code})")
        code = error_code(lambda: s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId=marker))
        check(code == "MethodNotAllowed", f"GET of the marker by id: MethodNotAllowed ({code})")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="vers").get("Contents", [])]
        check(keys == ["plain"], f"ListObjectsV2 skips the deleted key ({keys})")
        r = aws("s3api", "list-object-versions", "--bucket", "vers", "--prefix", "doc/")
        listed = json.loads(r.stdout) if r.returncode == 0 else {}
        markers = [(m["VersionId"], m["IsLatest"]) for m in listed.get("DeleteMarkers", [])]
        versions = [v["VersionId"] for v in listed.get("Versions", [])]
        check(markers == [(marker, True)] and versions == ids[::-1],
              f"aws list-object-versions: the marker latest, versions newest first "
              f"({markers}, {versions})")
        r = aws("s3api", "delete-object", "--bucket", "vers", "--key", "doc/a.bin",
                "--version-id", marker)
        check(r.returncode == 0, f"aws delete-object --version-id of the marker ({r.stderr})")
        got = s3.get_object(Bucket="vers", Key="doc/a.bin")
        check(got["VersionId"] == ids[3] and sha(got["Body"].read()) == sha(bodies[3]),
              "removing the marker restores the latest version")

        # permanent delete of the latest promotes the next newest
        r = aws("s3api", "delete-object", "--bucket", "vers", "--key", "doc/a.bin",
                "--version-id", ids[3])
        check(r.returncode == 0, "aws delete-object --version-id of the latest")
        got = s3.get_object(Bucket="vers", Key="doc/a.bin")
        check(got["VersionId"] == ids[2] and sha(got["Body"].read()) == sha(bodies[2]),
              "after a permanent delete the next newest is latest")
        code = error_code(lambda: s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId=ids[3]))
        check(code == "NoSuchVersion", f"a deleted version: NoSuchVersion ({code})")

        # malformed and unknown ids
        code = error_code(lambda: s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId="bad/../id"))
        check(code == "InvalidArgument", f"malformed versionId: InvalidArgument ({code})")
        code = error_code(lambda: s3.get_object(Bucket="vers", Key="doc/a.bin",
                                                VersionId="0" * 32))
        check(code == "NoSuchVersion", f"unknown versionId: NoSuchVersion ({code})")
        code = error_code(lambda: s3.delete_object(Bucket="vers", Key="doc/a.bin", VersionId="x"))
        check(code == "InvalidArgument", f"DELETE with a malformed versionId: InvalidArgument ({code})")

        # copy of an older version
        c = s3.copy_object(Bucket="vers", Key="doc/copy.bin",
                           CopySource={"Bucket": "vers", "Key": "doc/a.bin", "VersionId": ids[0]})
        check(c.get("CopySourceVersionId") == ids[0] and len(c.get("VersionId", "")) == 32,
              "CopyObject of a version: x-amz-copy-source-version-id and a new version id")
        got = s3.get_object(Bucket="vers", Key="doc/copy.bin")["Body"].read()
        check(sha(got) == sha(bodies[0]), "the copy has the old version's bytes")

        # DeleteObjects with and without VersionId
        res = s3.delete_objects(Bucket="vers", Delete={"Objects": [
            {"Key": "doc/copy.bin"}, {"Key": "doc/a.bin", "VersionId": ids[0]}]})
        by_key = {d["Key"]: d for d in res.get("Deleted", [])}
        check(by_key.get("doc/copy.bin", {}).get("DeleteMarker") is True and
              len(by_key.get("doc/copy.bin", {}).get("DeleteMarkerVersionId", "")) == 32,
              "DeleteObjects without VersionId: DeleteMarker and DeleteMarkerVersionId")
        check(by_key.get("doc/a.bin", {}).get("VersionId") == ids[0],
              "DeleteObjects with VersionId: that version deleted")
        code = error_code(lambda: s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId=ids[0]))
        check(code == "NoSuchVersion", f"version deleted by DeleteObjects is gone ({code})")

        # pagination over many versions
        s3.create_bucket(Bucket="many")
        s3.put_bucket_versioning(Bucket="many", VersioningConfiguration={"Status": "Enabled"})
        want = {}
        for k in range(8):
            key = f"dir{k % 2}/k{k}"
            for n in range(5):
                vid = s3.put_object(Bucket="many", Key=key, Body=f"{key}-{n}".encode())["VersionId"]
                want.setdefault(key, []).insert(0, vid)
        s3.put_object(Bucket="many", Key="top", Body=b"top")
        items, _, pages = all_versions(s3, "many", 7)
        got = {}
        for _, v in items:
            got.setdefault(v["Key"], []).append(v["VersionId"])
        got.pop("top", None)
        check(got == want and len(items) == 41 and pages == 6,
              f"ListObjectVersions pages of 7: 41 versions once each, newest first ({len(items)} in {pages} pages)")
        latest = [v for _, v in items if v["IsLatest"]]
        check(len(latest) == 9, f"one IsLatest per key ({len(latest)})")
        items, prefixes, _ = all_versions(s3, "many", 1, Delimiter="/")
        check(prefixes == ["dir0/", "dir1/"] and [v["Key"] for _, v in items] == ["top"],
              f"delimiter: CommonPrefixes dir0/ dir1/ and top ({prefixes})")
        r = aws("s3api", "list-object-versions", "--bucket", "many", "--page-size", "4")
        n = len(json.loads(r.stdout).get("Versions", [])) if r.returncode == 0 else -1
        check(n == 41, f"aws list-object-versions --page-size 4 pages through all 41 ({n})")
        code = error_code(lambda: s3.list_object_versions(Bucket="many", VersionIdMarker=ids[0]))
        check(code == "InvalidArgument", f"version-id-marker without key-marker: InvalidArgument ({code})")

        # suspended: the null version is replaced
        r = aws("s3api", "put-bucket-versioning", "--bucket", "vers",
                "--versioning-configuration", "Status=Suspended")
        check(r.returncode == 0, "aws put-bucket-versioning Suspended")
        check(s3.get_bucket_versioning(Bucket="vers").get("Status") == "Suspended",
              "GetBucketVersioning: Suspended")
        s3.put_object(Bucket="vers", Key="doc/a.bin", Body=b"null one")
        s3.put_object(Bucket="vers", Key="doc/a.bin", Body=b"null two")
        vs = [v["VersionId"] for v in s3.list_object_versions(Bucket="vers", Prefix="doc/a.bin")
              .get("Versions", [])]
        check(vs == ["null", ids[2], ids[1]], f"suspended PUTs: one null version, latest ({vs})")
        got = s3.get_object(Bucket="vers", Key="doc/a.bin", VersionId="null")["Body"].read()
        check(got == b"null two", "the null version holds the last suspended write")

        # only noncurrent versions and markers left: BucketNotEmpty
        for key in ("doc/a.bin", "plain", "doc/copy.bin"):
            s3.delete_object(Bucket="vers", Key=key)
        keys = s3.list_objects_v2(Bucket="vers").get("KeyCount")
        code = error_code(lambda: s3.delete_bucket(Bucket="vers"))
        check(keys == 0 and code == "BucketNotEmpty",
              f"only versions and markers: BucketNotEmpty ({keys}, {code})")

        # kill -9 and restart keeps every version
        before, _, _ = all_versions(s3, "many", 1000)
        before_vers, _, _ = all_versions(s3, "vers", 1000)
        stop(proc)
        proc = start(binary, env)
        after, _, _ = all_versions(s3, "many", 1000)
        after_vers, _, _ = all_versions(s3, "vers", 1000)
        check(after == before and after_vers == before_vers and len(after) == 41,
              f"after kill -9 and restart: every version and marker ({len(after)})")
        k = "dir1/k3"
        body = s3.get_object(Bucket="many", Key=k, VersionId=want[k][-1])["Body"].read()
        check(body == f"{k}-0".encode(), "the oldest version reads after the restart")

        # the whole history removed, the bucket goes
        for kind, v in after_vers:
            s3.delete_object(Bucket="vers", Key=v["Key"], VersionId=v["VersionId"])
        s3.delete_bucket(Bucket="vers")
        check("vers" not in [b["Name"] for b in s3.list_buckets()["Buckets"]],
              "every version deleted by id: the bucket can go")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s) in {time.monotonic() - began:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
