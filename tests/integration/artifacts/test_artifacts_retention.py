"""Retention of sluice-artifacts: the sweeper (every second here) keeps the last N executions
of each pipeline and what is younger than D days, and removes the rest.

Job credentials are minted here (jobcred_client.mint, the test's own key file) for five
executions of pipeline "demo", each writing with boto3 to three buckets: "arts" (2
executions, 0 days), "sources" (off) and "days" (2 executions, 36500 days). Execution 1
also writes a CopyObject and execution 2 a multipart upload, so every commit path is
covered. Beside them in "arts": one execution of another pipeline (older than all of
demo's), an object written with long-lived keys and one written with a token naming no
execution. Checks: the objects of demo's 3 oldest executions leave "arts" within a few
sweeps, those of the last 2 stay, and so do the other pipeline's, the long-lived keys'
and the untracked token's; "sources" and "days" keep everything; the log's "retention:
bucket arts freed ..." lines and /metrics count the versions and bytes freed; a malformed
SLUICE_ARTIFACTS_RETENTION stops start-up with the variable and the bad item named; in a
versioned bucket an old execution's noncurrent versions go too, and the delete marker a person
left over one of its keys;
SIGTERM stops the service within 3 s. Exit 0, 1 (a check failed) or 77.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, error_code, free_port,
                             s3_client, service_env, stop, wait_listening)
from jobcred_client import mint

AKID, SECRET = "AKIDRETENTIONTEST", "retention-secret-xxxxxxxx"
JOB_KEY = bytes(range(32, 64))
POLICY = "*=2:0,sources=off,days=2:36500,history=1:0"
BUCKETS = ("arts", "sources", "days")


def job_client(endpoint, pipeline, execution, read, write):
    key_id, secret, token = mint(JOB_KEY, "k1", "job-" + uuid.uuid4().hex[:8], pipeline, read,
                                 write, execution)
    return s3_client(endpoint, key_id, secret, sigv4=True, token=token)


def exists(s3, bucket, key):
    return error_code(lambda: s3.head_object(Bucket=bucket, Key=key)) is None


def metric(endpoint, name, bucket):
    with urllib.request.urlopen(endpoint + "/metrics", timeout=5) as r:
        text = r.read().decode()
    m = re.search(r'^%s\{bucket="%s"\} ([0-9.e+]+)$' % (name, bucket), text, re.M)
    return float(m.group(1)) if m else 0.0


def check_bad_policy(binary, work):
    """A malformed policy stops start-up, naming the variable and the item."""
    port = free_port()
    env = service_env(port, os.path.join(work, "bad"), AKID, SECRET,
                      SLUICE_ARTIFACTS_RETENTION="*=10:30,mybucket=5")
    out = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=10)
    check(out.returncode == 2 and "SLUICE_ARTIFACTS_RETENTION" in out.stderr and
          'item 2 \\"mybucket=5\\"' in out.stderr,
          f"a malformed policy fails start-up naming it ({out.returncode}: {out.stderr[-200:]})")


def main():
    binary = artifacts_binary()
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    began = time.monotonic()
    work = tempfile.mkdtemp(prefix="sluice-artifacts-retention-")
    check_bad_policy(binary, work)
    keys = os.path.join(work, "job-keys")
    with open(keys, "w") as f:
        f.write("k1 " + JOB_KEY.hex() + "\n")
    os.chmod(keys, 0o600)  # a secret file readable by others is refused
    port = free_port()
    env = service_env(port, os.path.join(work, "data"), AKID, SECRET,
                      SLUICE_JOB_CREDENTIAL_KEYS_FILE=keys,
                      SLUICE_ARTIFACTS_BUCKETS=",".join(BUCKETS + ("history",)),
                      SLUICE_ARTIFACTS_RETENTION=POLICY, SLUICE_ARTIFACTS_SWEEP_INTERVAL_S="1",
                      SLUICE_LOG_LEVEL="info")
    log_path = os.path.join(work, "artifacts.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([binary], env=env, stderr=log, stdout=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        check(wait_listening(port), "sluice-artifacts listens")
        admin = s3_client(endpoint, AKID, SECRET)
        readme = b"written by a person\n"
        admin.put_object(Bucket="arts", Key="by-hand/readme.txt", Body=readme)
        # another pipeline's only execution, older than all of demo's: its pipeline's last
        other = job_client(endpoint, "other", str(uuid.uuid4()), [], ["arts/other/out/1"])
        other.put_object(Bucket="arts", Key="other/out/1", Body=b"o" * 50)
        # a token naming no execution (as before executions were named): never swept
        legacy_key_id, legacy_secret, legacy_token = mint(JOB_KEY, "k1", "job-legacy", "demo",
                                                          [], ["arts/demo/legacy"])
        legacy = s3_client(endpoint, legacy_key_id, legacy_secret, sigv4=True,
                           token=legacy_token)
        legacy.put_object(Bucket="arts", Key="demo/legacy", Body=b"l" * 30)
        time.sleep(0.01)

        executions = [str(uuid.uuid4()) for _ in range(5)]
        written = {}  # execution index -> [(bucket, key, size)]
        for i, execution in enumerate(executions):
            objects = [(b, f"demo/out/{i}", 100 + i) for b in BUCKETS]
            objects.append(("arts", f"demo/log/{i}", 10))
            extra = []
            if i == 0:
                extra = [("arts", "demo/copy/0", len(readme))]
            if i == 1:
                extra = [("arts", "demo/mpu/1", 7)]
            write = [f"{b}/{k}" for b, k, _ in objects + extra]
            client = job_client(endpoint, "demo", execution, ["arts/by-hand/readme.txt"], write)
            for b, k, size in objects:
                client.put_object(Bucket=b, Key=k, Body=bytes([65 + i]) * size)
            if i == 0:
                client.copy_object(Bucket="arts", Key="demo/copy/0",
                                   CopySource={"Bucket": "arts", "Key": "by-hand/readme.txt"})
            if i == 1:
                up = client.create_multipart_upload(Bucket="arts", Key="demo/mpu/1")["UploadId"]
                etag = client.upload_part(Bucket="arts", Key="demo/mpu/1", UploadId=up,
                                          PartNumber=1, Body=b"m" * 7)["ETag"]
                client.complete_multipart_upload(
                    Bucket="arts", Key="demo/mpu/1", UploadId=up,
                    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
            written[i] = objects + extra
            # the newest execution: no sweep may take it yet
            check(all(exists(admin, b, k) for b, k, _ in written[i]),
                  f"execution {i + 1}: its {len(written[i])} objects are stored")
            time.sleep(0.01)

        # a versioned bucket (1 execution, 0 days): an old execution's two versions of a key,
        # and a key a person deleted since (its version under a delete marker)
        admin.put_bucket_versioning(Bucket="history",
                                    VersioningConfiguration={"Status": "Enabled"})
        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        client = job_client(endpoint, "demo", first, [], ["history/demo/a", "history/demo/b"])
        client.put_object(Bucket="history", Key="demo/a", Body=b"a1")
        client.put_object(Bucket="history", Key="demo/a", Body=b"a2")
        client.put_object(Bucket="history", Key="demo/b", Body=b"b1")
        admin.delete_object(Bucket="history", Key="demo/b")
        time.sleep(0.01)
        job_client(endpoint, "demo", second, [], ["history/demo/c"]).put_object(
            Bucket="history", Key="demo/c", Body=b"c1")

        old = [(b, k, s) for i in range(3) for b, k, s in written[i] if b == "arts"]
        freed_bytes = sum(s for _, _, s in old)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(exists(admin, b, k) for b, k, _ in old):
            time.sleep(0.2)
        check(not any(exists(admin, b, k) for b, k, _ in old),
              f"arts: the {len(old)} objects of demo's 3 oldest executions are gone "
              "(PutObject, CopyObject, CompleteMultipartUpload)")
        time.sleep(2.2)  # two more sweeps: nothing else goes
        kept = [(b, k) for i in (3, 4) for b, k, _ in written[i]]
        check(all(exists(admin, b, k) for b, k in kept),
              "the objects of the last 2 executions stay in every bucket")
        check(exists(admin, "arts", "other/out/1"), "another pipeline's last execution stays")
        check(exists(admin, "arts", "by-hand/readme.txt"), "an object of long-lived keys stays")
        check(exists(admin, "arts", "demo/legacy"), "an object of a token without execution stays")
        for bucket, why in (("sources", "off"), ("days", "36500 days")):
            check(all(exists(admin, bucket, f"demo/out/{i}") for i in range(5)),
                  f"{bucket} ({why}) keeps all five executions")

        listed = admin.list_object_versions(Bucket="history")
        left = [(v["Key"], v["IsLatest"]) for v in listed.get("Versions", [])]
        markers = [m["Key"] for m in listed.get("DeleteMarkers", [])]
        check(left == [("demo/c", True)] and markers == [],
              f"history (versioned): the old execution's versions and the marker left over are "
              f"gone, the last execution's stays ({left}, markers {markers})")

        # the log: one line per sweep that freed something, naming the executions
        log.flush()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = re.findall(r"retention: bucket arts freed (\d+) versions \((\d+) bytes\) of "
                           r"executions ([^(]*)", text)
        check(sum(int(n) for n, _, _ in lines) == len(old) and
              sum(int(b) for _, b, _ in lines) == freed_bytes,
              f"the log reports {len(old)} versions and {freed_bytes} bytes freed in arts "
              f"({lines})")
        named = " ".join(e for _, _, e in lines)
        check(all(f"demo/{executions[i]}" in named for i in range(3)) and
              not any(executions[i] in named for i in (3, 4)),
              "the log names the 3 oldest executions, not the last 2")
        check(not re.search(r"retention: bucket (sources|days) freed [1-9]", text),
              "nothing freed in sources or days")
        check(metric(endpoint, "sluice_artifacts_retention_bytes_freed_total", "arts") ==
              freed_bytes and
              metric(endpoint, "sluice_artifacts_retention_versions_deleted_total", "arts") ==
              len(old), f"/metrics: {len(old)} versions and {freed_bytes} bytes freed in arts")
        check(metric(endpoint, "sluice_artifacts_retention_versions_deleted_total", "days") == 0,
              "/metrics: nothing deleted in days")

        t0 = time.monotonic()
        proc.terminate()
        proc.wait(5)
        took = time.monotonic() - t0
        check(proc.returncode == 0 and took < 3, f"SIGTERM stops it in {took:.2f} s")
    finally:
        stop(proc)
        log.close()
        if FAILURES:
            with open(log_path, encoding="utf-8", errors="replace") as f:
                sys.stdout.write(f.read()[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"int_artifacts_retention: {time.monotonic() - began:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
