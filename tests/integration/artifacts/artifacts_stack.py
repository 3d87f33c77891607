"""The harness the sluice-artifacts integration tests share.

Each test_artifacts_*.py starts sluice-artifacts on a free loopback port with a
data directory and credentials of its own, waits until the port answers,
drives it with boto3 (and the aws CLI) and records its checks here: check()
prints ok/FAIL and keeps the failures in FAILURES, so that a test exits
1 if FAILURES else 0 (SKIP, 77, when the binary is not built).
"""

import hashlib
import os
import socket
import subprocess
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SKIP = 77
FAILURES = []


def check(cond, what):
    """Prints the check's outcome; a failed one is kept in FAILURES."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def free_port():
    """A loopback TCP port free at the time of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def artifacts_binary():
    """Where the build put sluice-artifacts (SLUICE_BINARY_DIR, else build/)."""
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "services/artifacts/sluice-artifacts")


def service_env(port, data, akid, secret, user="tester", floor="0", **extra):
    """The environment of a sluice-artifacts on port with data as its directory,
    floor as its free-space floor and one admin credential akid:secret of user;
    extra adds to it."""
    return dict(os.environ, SLUICE_ARTIFACTS_PORT=str(port),
                SLUICE_ARTIFACTS_DIR=data, SLUICE_ARTIFACTS_MIN_FREE_BYTES=floor,
                SLUICE_ARTIFACTS_CREDENTIALS=f"{akid}:{secret}:{user}:admin", **extra)


def wait_listening(port, tries=100):
    """Waits (tries times 0.05 s at the most) until port accepts a connection;
    True once it does."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def s3_client(endpoint, akid, secret, region="us-east-1", sigv4=False, token=None):
    """A boto3 S3 client for endpoint: path-style addressing, no retries
    (sigv4: signature_version s3v4 named explicitly)."""
    extra = {"signature_version": "s3v4"} if sigv4 else {}
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=akid,
                        aws_secret_access_key=secret, aws_session_token=token,
                        region_name=region,
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 1}, **extra))


def aws_cli(cli, endpoint, akid, secret, timeout):
    """A function running the aws CLI at cli against endpoint, signing with
    akid:secret and reading no configuration of the machine's; it returns the
    CompletedProcess (text output captured, timeout seconds at the most)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")

    def aws(*args):
        return subprocess.run([cli, "--endpoint-url", endpoint, *args], env=env,
                              capture_output=True, text=True, timeout=timeout)
    return aws


def error_code(fn):
    """The S3 error code fn() raised, None when it raised none."""
    try:
        fn()
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return None


def sha256_file(path):
    """The SHA-256 (hex) of the file at path."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stop(proc, grace=None):
    """Makes sure proc has ended: nothing when it has; else SIGKILL, or with a
    grace (s) SIGTERM first and SIGKILL once grace has passed; then reaps it."""
    if proc.poll() is not None:
        return
    if grace is not None:
        proc.terminate()
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait()
