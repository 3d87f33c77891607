"""Artifact events: sluice-artifacts on the shared Kafka fixture publishes one
"Sluice Artifact Stored" on sluice.events per completed object.

boto3 stores one object with PutObject and one with a two-part multipart upload in a bucket
of the test's own; art_events_tail then reads sluice.events from the beginning, and the test
finds exactly one event per object with the object's size, SHA-256, ETag, parts and identity,
keyed by the bucket, and validates both against schemas/events (with Debian's python3 and
python3-jsonschema, which the boto3 virtualenv lacks). /metrics counts them delivered.
Then a second service whose broker does not exist: a PutObject answers at once (the event is
spooled, not awaited), SIGTERM still stops it within 3 s, the event waits in the spool, and a
restart with the broker reachable delivers it and empties the spool.
Exit 0, 1 or 77 (skipped: a binary is not built or the fixture is absent).
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from artifacts_stack import (FAILURES, SKIP, check, free_port, s3_client, service_env, stop,
                             wait_listening)

AKID, SECRET = "AKIDARTEVENTS0001", "artifact-events-secret-xxxxxxxx"

VALIDATE = r"""
import json, os, sys
import jsonschema
d = sys.argv[1]
store = {}
for n in os.listdir(d):
    if n.endswith(".json"):
        s = json.load(open(os.path.join(d, n)))
        store[s["$id"]] = s
schema = store["urn:sluice:schema:events:event"]
v = jsonschema.Draft202012Validator(schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))
bad = 0
for line in sys.stdin:
    for e in v.iter_errors(json.loads(line)):
        print(e.message); bad += 1
sys.exit(1 if bad else 0)
"""


def fixture_env():
    values = dict(os.environ)
    path = os.environ.get("SLUICE_TEST_ENV_FILE")
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    values[key] = value
    return values


def start(binary, work, name, env_extra):
    port = free_port()
    env = service_env(port, os.path.join(work, name), AKID, SECRET, "eventer", **env_extra)
    log = open(os.path.join(work, name + ".log"), "wb")
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
    wait_listening(port, 200)
    s3 = s3_client(f"http://127.0.0.1:{port}", AKID, SECRET, sigv4=True)
    return proc, log, s3


def read_events(tail, brokers, bucket, want, seconds):
    """The Artifact Stored events of bucket on sluice.events: {key: [(message key, doc)]}, raw."""
    found, raw = {}, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(found) < want:
        out = subprocess.run([tail, brokers, "sluice.events", "4"], capture_output=True,
                             timeout=30).stdout.decode()
        found, raw = {}, []
        for line in out.splitlines():
            key, _, payload = line.partition("\t")
            try:
                doc = json.loads(payload)
            except ValueError:
                continue
            if doc.get("detail-type") == "Sluice Artifact Stored" and \
                    doc.get("detail", {}).get("bucket") == bucket:
                found.setdefault(doc["detail"]["key"], []).append((key, doc))
                raw.append(payload)
    return found, raw


def spooled(data_dir):
    spool = os.path.join(data_dir, "events")
    return sorted(n for n in os.listdir(spool) if n.endswith(".evt")) if os.path.isdir(spool) else []


def broker_gone(binary, tail, brokers, work):
    """With the broker unreachable the event waits in the spool, through a restart, and is
    delivered once the service runs with a reachable broker again."""
    dead = f"127.0.0.1:{free_port()}"
    bucket = "gone-" + secrets.token_hex(6)
    data_dir = os.path.join(work, "gone")
    proc, log, s3 = start(binary, work, "gone", {"SLUICE_KAFKA_BROKERS": dead,
                                                 "SLUICE_ARTIFACTS_BUCKETS": bucket})
    try:
        t0 = time.monotonic()
        s3.put_object(Bucket=bucket, Key="k", Body=b"x" * 1000)
        took = time.monotonic() - t0
        check(took < 1.0, f"broker gone: PutObject answers without waiting for Kafka ({took:.2f} s)")
        time.sleep(0.3)
        t0 = time.monotonic()
        proc.terminate()
        proc.wait(timeout=10)
        took = time.monotonic() - t0
        check(proc.returncode == 0 and took < 3, f"broker gone: SIGTERM stops in {took:.2f} s")
    finally:
        stop(proc)
        log.close()
    check(len(spooled(data_dir)) == 1, f"broker gone: the event waits in the spool ({spooled(data_dir)})")
    proc, log, s3 = start(binary, work, "gone", {"SLUICE_KAFKA_BROKERS": brokers,
                                                 "SLUICE_ARTIFACTS_BUCKETS": bucket})
    try:
        found, _ = read_events(tail, brokers, bucket, 1, 15)
        events = found.get("k", [])
        check(len(events) == 1, f"broker back: the spooled event is delivered after the restart ({len(events)})")
        if events:
            check(events[0][1]["detail"].get("size") == 1000, "broker back: it is the object's event")
        deadline = time.monotonic() + 5
        while spooled(data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(not spooled(data_dir), f"broker back: the spool is empty once delivered ({spooled(data_dir)})")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{s3.meta.endpoint_url.rsplit(':', 1)[1]}/metrics",
                                         timeout=5).read().decode()
        check("sluice_artifacts_events_spooled 0" in metrics, "broker back: /metrics shows nothing spooled")
    finally:
        stop(proc)
        log.close()


def main():
    bindir = os.environ.get("SLUICE_BINARY_DIR", "build")
    binary = os.path.join(bindir, "services/artifacts/sluice-artifacts")
    tail = os.path.join(bindir, "tests/integration/artifacts/art_events_tail")
    brokers = fixture_env().get("SLUICE_TEST_KAFKA_BROKERS")
    if not os.access(binary, os.X_OK) or not os.access(tail, os.X_OK) or not brokers:
        print("skipped: sluice-artifacts, art_events_tail or the Kafka fixture is missing")
        return SKIP
    schemas = os.path.join(os.environ.get("SLUICE_SOURCE_DIR", "."), "schemas/events")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="sluice-artevents-")
    bucket = "events-" + secrets.token_hex(6)
    port = free_port()
    env = service_env(port, os.path.join(work, "data"), AKID, SECRET, "eventer",
                      SLUICE_ARTIFACTS_BUCKETS=bucket, SLUICE_KAFKA_BROKERS=brokers,
                      SLUICE_TOPIC_PREFIX="sluice.")
    log = open(os.path.join(work, "artifacts.log"), "wb")
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
    try:
        wait_listening(port, 200)
        s3 = s3_client(f"http://127.0.0.1:{port}", AKID, SECRET, sigv4=True)
        small = os.urandom(100 * 1024 + 7)
        put = s3.put_object(Bucket=bucket, Key="one/small.bin", Body=small)
        part1, part2 = os.urandom(5 * 1024 * 1024), os.urandom(1024 * 1024 + 3)
        up = s3.create_multipart_upload(Bucket=bucket, Key="two/large.bin")["UploadId"]
        e1 = s3.upload_part(Bucket=bucket, Key="two/large.bin", UploadId=up, PartNumber=1,
                            Body=part1)["ETag"]
        e2 = s3.upload_part(Bucket=bucket, Key="two/large.bin", UploadId=up, PartNumber=2,
                            Body=part2)["ETag"]
        done = s3.complete_multipart_upload(
            Bucket=bucket, Key="two/large.bin", UploadId=up,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        expected = {
            "one/small.bin": (len(small), hashlib.sha256(small).hexdigest(), put["ETag"].strip('"'), 0),
            "two/large.bin": (len(part1) + len(part2), hashlib.sha256(part1 + part2).hexdigest(),
                              done["ETag"].strip('"'), 2),
        }
        found, raw = read_events(tail, brokers, bucket, 2, 12)
        check(sorted(found) == sorted(expected), f"one event per stored object ({sorted(found)})")
        for k, (size, sha, etag, parts) in expected.items():
            events = found.get(k, [])
            check(len(events) == 1, f"{k}: exactly one event ({len(events)})")
            if not events:
                continue
            key, doc = events[0]
            d = doc["detail"]
            check(d.get("size") == size and d.get("sha256") == sha,
                  f"{k}: size {d.get('size')} and SHA-256 are the object's")
            check(d.get("etag") == etag and d.get("parts") == parts, f"{k}: ETag and parts ({d.get('etag')})")
            check(d.get("storedBy") == "eventer" and "jobId" not in d, f"{k}: stored by the key's identity")
            check(key == bucket, f"{k}: keyed by the bucket ({key!r})")
            check(doc.get("source") == "sluice.artifacts" and doc.get("resources") == [f"arn:aws:s3:::{bucket}"],
                  f"{k}: source and resources")
        if raw:
            v = subprocess.run(["/usr/bin/python3", "-c", VALIDATE, schemas], input="\n".join(raw) + "\n",
                               capture_output=True, text=True, timeout=30)
            check(v.returncode == 0, f"the events validate against schemas/events {v.stdout[:500]}")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        check('sluice_artifacts_events_total{outcome="delivered"} 2' in metrics,
              "/metrics counts the two events delivered")
        t0 = time.monotonic()
        proc.terminate()
        proc.wait(timeout=10)
        check(proc.returncode == 0 and time.monotonic() - t0 < 3, "SIGTERM stops within 3 s")
        broker_gone(binary, tail, brokers, work)
    finally:
        stop(proc)
        log.close()
        if FAILURES:
            with open(os.path.join(work, "artifacts.log"), "rb") as f:
                sys.stdout.write(f.read().decode(errors="replace")[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"int_artifacts_events: {time.monotonic() - started:.1f} s, {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
