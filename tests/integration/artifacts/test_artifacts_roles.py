"""sluice-artifacts honouring the roles of long-lived access keys.

One service with five keys, one per role of the shared credential specification
(viewer, approver, worker, operator, admin). Every role reads (ListBuckets,
ListObjectsV2, GetObject, HeadObject); only operator and admin write (PutObject,
DeleteObject, a multipart upload, CopyObject); only admin manages buckets
(CreateBucket, DeleteBucket, PutBucketVersioning). A refusal is AccessDenied and
changes nothing.
Exit 0 (passed), 1 (a check failed) or 77 (skipped: the binary is not built).
"""

import os
import shutil
import subprocess
import tempfile
import time

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, error_code, free_port,
                             s3_client, service_env, stop, wait_listening)

BUCKET = "sluice-artifacts"
ROLES = ["viewer", "approver", "worker", "operator", "admin"]
WRITERS = {"operator", "admin"}


def key_of(role):
    return f"AKIDROLE{role.upper():0<10}"[:20], f"{role}-secret-xxxxxxxxxxxx"


def main():
    binary = artifacts_binary()
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-roles-")
    port = free_port()
    spec = ",".join(f"{key_of(r)[0]}:{key_of(r)[1]}:{r}-user:{r}" for r in ROLES)
    env = service_env(port, os.path.join(work, "data"), "AKIDUNUSED", "unused-secret-xxxx")
    env["SLUICE_ARTIFACTS_CREDENTIALS"] = spec
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        wait_listening(port)
        clients = {r: s3_client(endpoint, *key_of(r), sigv4=True) for r in ROLES}
        admin = clients["admin"]
        admin.put_object(Bucket=BUCKET, Key="shared/readme.txt", Body=b"hello")
        for role, s3 in clients.items():
            writer = role in WRITERS
            check(error_code(lambda: s3.list_buckets()) is None, f"{role}: ListBuckets")
            check(error_code(lambda: s3.list_objects_v2(Bucket=BUCKET)) is None,
                  f"{role}: ListObjectsV2")
            check(s3.get_object(Bucket=BUCKET, Key="shared/readme.txt")["Body"].read() == b"hello",
                  f"{role}: GetObject")
            check(error_code(lambda: s3.head_object(Bucket=BUCKET, Key="shared/readme.txt")) is None,
                  f"{role}: HeadObject")

            key = f"by/{role}.txt"
            code = error_code(lambda: s3.put_object(Bucket=BUCKET, Key=key, Body=role.encode()))
            check(code == (None if writer else "AccessDenied"), f"{role}: PutObject ({code})")
            exists = error_code(lambda: admin.head_object(Bucket=BUCKET, Key=key)) is None
            check(exists == writer, f"{role}: a refused PutObject leaves no object ({exists})")
            code = error_code(lambda: s3.copy_object(Bucket=BUCKET, Key=key + ".copy",
                                                     CopySource=f"{BUCKET}/shared/readme.txt"))
            check(code == (None if writer else "AccessDenied"), f"{role}: CopyObject ({code})")
            code = error_code(lambda: s3.create_multipart_upload(Bucket=BUCKET, Key=key + ".mpu"))
            check(code == (None if writer else "AccessDenied"),
                  f"{role}: CreateMultipartUpload ({code})")
            code = error_code(lambda: s3.delete_object(Bucket=BUCKET, Key="shared/readme.txt"))
            if writer:
                check(code is None, f"{role}: DeleteObject")
                admin.put_object(Bucket=BUCKET, Key="shared/readme.txt", Body=b"hello")
            else:
                check(code == "AccessDenied", f"{role}: DeleteObject refused ({code})")
                check(error_code(lambda: admin.head_object(Bucket=BUCKET, Key="shared/readme.txt"))
                      is None, f"{role}: the refused delete left the object")

            manager = role == "admin"
            bucket = f"made-by-{role}"
            code = error_code(lambda: s3.create_bucket(Bucket=bucket))
            check(code == (None if manager else "AccessDenied"), f"{role}: CreateBucket ({code})")
            code = error_code(lambda: s3.put_bucket_versioning(
                Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}))
            check(code != "AccessDenied" if manager else code == "AccessDenied",
                  f"{role}: PutBucketVersioning ({code})")
            if manager:
                check(error_code(lambda: s3.delete_bucket(Bucket=bucket)) is None,
                      f"{role}: DeleteBucket")
            else:
                code = error_code(lambda: s3.delete_bucket(Bucket=BUCKET))
                check(code == "AccessDenied", f"{role}: DeleteBucket refused ({code})")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(f"int_artifacts_roles: {time.monotonic() - started:.1f} s, {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    raise SystemExit(main())
