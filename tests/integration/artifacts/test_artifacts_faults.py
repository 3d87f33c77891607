"""sluice-artifacts under faults (idle timeout 2 s: a disconnect libmicrohttpd does not
see at once is caught by it): a client that disconnects mid-upload leaves
no object and no temporary file; a kill -9 mid-upload followed by a restart
finds a consistent store (the object that existed is intact, the interrupted
one absent, tmp/ empty); the disk-space floor refuses uploads with
InsufficientStorage. Exit 0, 1 (a check failed) or 77 (binary not built).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, free_port, s3_client,
                             service_env, wait_listening)

AKID, SECRET = "AKIDFAULTSTEST", "faults-secret-xxxxxxxx"


class Service:
    def __init__(self, binary, data, port, floor="0"):
        env = service_env(port, data, AKID, SECRET, floor=floor,
                          SLUICE_ARTIFACTS_IDLE_TIMEOUT_S="2")
        self.proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_listening(port)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=5)


def start_partial_put(port, key, total, sent):
    """Opens a signed PUT of total bytes and sends only `sent` of them; returns the socket."""
    url = f"http://127.0.0.1:{port}/faults/{key}"
    req = AWSRequest(method="PUT", url=url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                                                     "Content-Length": str(total)})
    S3SigV4Auth(Credentials(AKID, SECRET), "s3", "us-east-1").add_auth(req)
    head = f"PUT /faults/{key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in req.headers.items()) + "\r\n"
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head.encode())
    chunk = b"z" * 65536
    left = sent
    while left > 0:
        n = min(left, len(chunk))
        sock.sendall(chunk[:n])
        left -= n
    return sock


def wait_for(cond, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def main():
    binary = artifacts_binary()
    if not os.path.exists(binary):
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-artifacts-faults-")
    data = os.path.join(work, "data")
    tmp_dir = os.path.join(data, "tmp")
    port = free_port()
    service = Service(binary, data, port)
    try:
        s3 = s3_client(f"http://127.0.0.1:{port}", AKID, SECRET)
        s3.create_bucket(Bucket="faults")
        s3.put_object(Bucket="faults", Key="kept", Body=b"kept bytes")

        # the client goes away mid-upload
        sock = start_partial_put(port, "dropped", 10 * 1024 * 1024, 1024 * 1024)
        check(wait_for(lambda: len(os.listdir(tmp_dir)) == 1), "the upload streams into tmp/")
        sock.close()
        started = time.monotonic()
        gone = wait_for(lambda: os.listdir(tmp_dir) == [], 8)
        print(f"     temporary file gone {time.monotonic() - started:.2f} s after the disconnect")
        check(gone, "disconnect: temporary file gone")
        try:
            s3.head_object(Bucket="faults", Key="dropped")
            check(False, "disconnect: no object")
        except ClientError as exc:
            check(exc.response["Error"]["Code"] == "404", "disconnect: no object")

        # kill -9 mid-upload, then restart
        sock = start_partial_put(port, "killed", 10 * 1024 * 1024, 2 * 1024 * 1024)
        check(wait_for(lambda: len(os.listdir(tmp_dir)) == 1), "second upload in tmp/")
        service.stop(signal.SIGKILL)
        sock.close()
        check(len(os.listdir(tmp_dir)) == 1, "kill -9 left its temporary file")
        service = Service(binary, data, port)
        check(os.listdir(tmp_dir) == [], "restart cleans tmp/")
        check(s3.get_object(Bucket="faults", Key="kept")["Body"].read() == b"kept bytes",
              "restart: the stored object is intact")
        try:
            s3.head_object(Bucket="faults", Key="killed")
            check(False, "restart: the interrupted object does not exist")
        except ClientError as exc:
            check(exc.response["Error"]["Code"] == "404",
                  "restart: the interrupted object does not exist")
        service.stop()

        # the disk-space floor
        service = Service(binary, data, port, floor=str(1 << 62))
        try:
            s3.put_object(Bucket="faults", Key="floor", Body=b"x")
            code, status = None, None
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        check(code == "InsufficientStorage" and status == 507,
              f"disk-space floor: InsufficientStorage 507 ({code} {status})")
        check(s3.get_object(Bucket="faults", Key="kept")["Body"].read() == b"kept bytes",
              "reads still served under the floor")
        service.stop()
    finally:
        service.stop(signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
