"""A running Sluice for the api's integration tests.

Starts sluice-orchestrator, sluice-api and the scripted job runner
(api_job_runner) as child processes against the Kafka broker and Redis server
of the integration_env ctest fixture (addresses in SLUICE_TEST_ENV_FILE), on a
free port and with a topic prefix of their own, and drives the api the way a
user does: with the aws CLI (SLUICE_AWS_CLI) and boto3. Against the
secured servers of the integration_secure_env fixture (SLUICE_TEST_SECURE=1
in the env file) every process authenticates: Kafka with SASL/SCRAM as the
principal the ACLs allow (topics and groups then start with the ACL prefix),
Redis as the ACL user, passwords read from the fixture's 0600 files. Every test script
builds one Stack, runs its checks and exits 0 (all passed), 1 (a check failed)
or 77 (skipped: a binary it needs was not built).
"""

import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

SKIP = 77
ACCOUNT = "123456789012"
REGION = "us-east-1"
# boto3.client() draws on boto3's default session, which is not safe to use from two threads
# at once (tests answer jobs from threads of their own): clients are made one at a time.
CLIENT_LOCK = threading.Lock()

# Access keys of the test stack; identity = role name.
KEYS = {
    role: ("AKIDTEST" + role.upper(), role + "-secret-" + "x" * 8)
    for role in ("admin", "viewer", "operator", "approver", "worker")
}


# Named people (identity = the name, with a role and optional ":groups=...:email=..." fields of
# SLUICE_API_CREDENTIALS); aws()/client() take their name as role=.
PEOPLE = {
    "alice": ("AKIDTESTALICE", "alice-secret-xxxxxxxx", "approver",
              ":groups=release|ops:email=alice@example.com"),
    "bob": ("AKIDTESTBOB", "bob-secret-xxxxxxxx", "approver", ":groups=release"),
}


def _keys(role):
    if role in PEOPLE:
        return PEOPLE[role][0], PEOPLE[role][1]
    return KEYS[role]


class CliError(Exception):
    """An aws CLI call that failed: the exception name AWS answered and its message."""

    def __init__(self, code, message, stderr):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.stderr = stderr


def _read_env_file():
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


def secure_env(env):
    """The SLUICE_KAFKA_* / SLUICE_REDIS_* settings of the secured fixture's Sluice principal."""
    return {
        "SLUICE_KAFKA_SECURITY_PROTOCOL": env["SLUICE_TEST_KAFKA_SECURITY_PROTOCOL"],
        "SLUICE_KAFKA_SASL_MECHANISM": env["SLUICE_TEST_KAFKA_SASL_MECHANISM"],
        "SLUICE_KAFKA_SASL_USERNAME": env["SLUICE_TEST_KAFKA_SASL_USERNAME"],
        "SLUICE_KAFKA_SASL_PASSWORD_FILE": env["SLUICE_TEST_KAFKA_SASL_PASSWORD_FILE"],
        "SLUICE_REDIS_USERNAME": env["SLUICE_TEST_REDIS_USERNAME"],
        "SLUICE_REDIS_PASSWORD_FILE": env["SLUICE_TEST_REDIS_PASSWORD_FILE"],
    }


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pump(stream, lines):
    for line in iter(stream.readline, ""):
        lines.put(line.rstrip("\n"))


class Stack:
    """sluice-orchestrator + sluice-api + api_job_runner, stopped by close()."""

    def __init__(self, runner_rules=(), external_providers="", with_orchestrator=True,
                 extra_env=None, require_custom_types=False):
        env = _read_env_file()
        for key in ("SLUICE_TEST_KAFKA_BROKERS", "SLUICE_TEST_REDIS_HOST", "SLUICE_TEST_REDIS_PORT"):
            if key not in env:
                raise SystemExit(f"missing {key}: run through ctest (integration_env fixture)")
        binary = os.environ.get("SLUICE_BINARY_DIR", "build")
        self.api_bin = os.path.join(binary, "services/api/sluice-api")
        self.orchestrator_bin = os.path.join(binary, "services/orchestrator/sluice-orchestrator")
        self.runner_bin = os.path.join(binary, "tests/integration/api/api_job_runner")
        self.cli = os.environ.get("SLUICE_AWS_CLI", "aws")
        needed = [self.api_bin, self.runner_bin]
        if with_orchestrator:
            needed.append(self.orchestrator_bin)
        for path in needed:
            if not os.access(path, os.X_OK):
                print(f"skipped: {path} is not built", flush=True)
                sys.exit(SKIP)
        if tuple(int(p) for p in botocore.__version__.split(".")[:2]) < (1, 43):
            raise SystemExit(f"botocore {botocore.__version__} predates CodePipeline V2; "
                             "run scripts/install-deps.sh")
        self.brokers = env["SLUICE_TEST_KAFKA_BROKERS"]
        self.secure = env.get("SLUICE_TEST_SECURE") == "1"
        # Topics and groups of the secured broker's Sluice principal start with its ACL prefix.
        names = env["SLUICE_TEST_KAFKA_ACL_PREFIX"] if self.secure else ""
        self.prefix = (names + "." if names else "") + "t" + secrets.token_hex(4) + "."
        group = (names + "-" if names else "")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logdir = tempfile.mkdtemp(prefix="sluice-api-test-")
        self.procs = []
        self.runner_lines = queue.Queue()
        self.job_keys_file = env.get("SLUICE_TEST_JOB_CREDENTIAL_KEYS_FILE")
        if not self.job_keys_file or not os.path.exists(self.job_keys_file):
            self.job_keys_file = os.path.join(self.logdir, "job-credential-keys")
            with open(os.open(self.job_keys_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("test " + secrets.token_hex(32) + "\n")
        # the bus key (every producer of requests and jobs signs) and the orchestrator's id key
        self.bus_key_file = self._secret_file(env, "SLUICE_TEST_BUS_KEY_FILE", "bus-keys",
                                              "test " + secrets.token_hex(32) + "\n")
        self.id_key_file = self._secret_file(env, "SLUICE_TEST_ORCHESTRATOR_ID_KEY_FILE", "id-key",
                                             secrets.token_hex(32))
        credentials = ",".join(
            [f"{key}:{secret}:{role}:{role}" for role, (key, secret) in KEYS.items()] +
            [f"{key}:{secret}:{name}:{role}{extra}"
             for name, (key, secret, role, extra) in PEOPLE.items()])
        self.service_env = dict(os.environ)
        self.service_env.update({
            "SLUICE_KAFKA_BROKERS": self.brokers,
            "SLUICE_TOPIC_PREFIX": self.prefix,
            "SLUICE_REDIS_HOST": env["SLUICE_TEST_REDIS_HOST"],
            "SLUICE_REDIS_PORT": env["SLUICE_TEST_REDIS_PORT"],
            "SLUICE_ACCOUNT": ACCOUNT,
            "SLUICE_REGION": REGION,
            "SLUICE_API_PORT": str(self.port),
            "SLUICE_API_BIND": "127.0.0.1",
            "SLUICE_API_CREDENTIALS": credentials,
            "SLUICE_JOB_CREDENTIAL_KEYS_FILE": self.job_keys_file,
            "SLUICE_BUS_KEY_FILE": self.bus_key_file,
            "SLUICE_ORCHESTRATOR_ID_KEY_FILE": self.id_key_file,
            "SLUICE_API_REPLY_TIMEOUT_MS": "5000",
            "SLUICE_API_JOBS_GROUP": group + "api-jobs-" + self.prefix.rstrip("."),
            "SLUICE_ORCHESTRATOR_PORT": "0",
            "SLUICE_ORCHESTRATOR_GROUP": group + "orch-" + self.prefix.rstrip("."),
            "SLUICE_EXTERNAL_PROVIDERS": external_providers,
            # The suites on this stack play Custom actions they name on the fly; registering
            # types first (an installation's default, as on AWS) is test_api_atypes' subject,
            # which asks for it with require_custom_types=True.
            "SLUICE_API_REQUIRE_CUSTOM_ACTION_TYPES": "on" if require_custom_types else "off",
            # the tests start their executions themselves (a test that checks the start on
            # create turns it on through extra_env)
            "SLUICE_API_START_ON_CREATE": "off",
            "SLUICE_LOG_LEVEL": "info",
        })
        if self.secure:
            self.service_env.update(secure_env(env))
        self.service_env.update(extra_env or {})
        try:
            if with_orchestrator:
                self._spawn("orchestrator", [self.orchestrator_bin])
            self._spawn("api", [self.api_bin])
            self._wait_healthy()
            self._spawn("runner", [self.runner_bin, self.brokers, self.prefix,
                                   group + "runner-" + self.prefix.rstrip("."), *runner_rules],
                        lines=self.runner_lines)
            self._wait_line(self.runner_lines, "runner ready", 30)
        except BaseException:
            self.close(dump=True)
            raise

    def _secret_file(self, env, name, filename, content):
        """The fixture's file named by env[name], or a new mode-0600 one in the log dir."""
        path = env.get(name)
        if path and os.path.exists(path):
            return path
        path = os.path.join(self.logdir, filename)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(content)
        return path

    # ---- processes -----------------------------------------------------------------------

    def _spawn(self, name, argv, lines=None):
        log = open(os.path.join(self.logdir, name + ".log"), "w", encoding="utf-8")
        if lines is None:
            proc = subprocess.Popen(argv, env=self.service_env, stdout=log, stderr=log)
        else:
            proc = subprocess.Popen(argv, env=self.service_env, stdout=subprocess.PIPE,
                                    stderr=log, text=True)
            threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        self.procs.append((name, proc, log))
        return proc

    def _wait_healthy(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc, _ in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the api did not become healthy in time")

    @staticmethod
    def _wait_line(lines, wanted, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if wanted in line:
                return line
        raise RuntimeError(f"no line with {wanted!r} within {timeout}s")

    def close(self, dump=False):
        for name, proc, log in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
            if dump or proc.returncode not in (0, -15, None):
                self.dump(name)
        self.procs = []

    def dump(self, name):
        path = os.path.join(self.logdir, name + ".log")
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                tail = handle.readlines()[-40:]
            print(f"---- last lines of {name}.log ----", file=sys.stderr)
            sys.stderr.writelines(tail)

    # ---- clients -------------------------------------------------------------------------

    def cli_env(self, role="admin"):
        key, secret = _keys(role)
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_RETRY_MODE": "standard",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
        })
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        return env

    def aws(self, *args, role="admin"):
        """Runs `aws codepipeline --endpoint-url URL ARGS...`; the parsed output, or CliError."""
        argv = [self.cli, "codepipeline", "--endpoint-url", self.url, "--output", "json", *args]
        proc = subprocess.run(argv, env=self.cli_env(role), capture_output=True, text=True,
                              timeout=120, check=False)
        if proc.returncode != 0:
            stderr = proc.stderr.strip()
            code = "?"
            message = stderr
            marker = "An error occurred ("
            if marker in stderr:
                rest = stderr.split(marker, 1)[1]
                code = rest.split(")", 1)[0]
                message = rest.split(": ", 1)[1] if ": " in rest else ""
            raise CliError(code, message, stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def client(self, role="admin", key=None, secret=None):
        access, hidden = _keys(role)
        with CLIENT_LOCK:
            return boto3.client(
                "codepipeline", endpoint_url=self.url, region_name=REGION,
                aws_access_key_id=key or access, aws_secret_access_key=secret or hidden,
                config=Config(retries={"max_attempts": 1, "mode": "standard"},
                              read_timeout=60, connect_timeout=5))

    def wait_for(self, what, probe, timeout=20, interval=0.1):
        """Calls probe() until it returns a true value; returns it, or fails after timeout."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = probe()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what} (last: {last!r})")

    def runner_saw(self, wanted, timeout=20):
        return self._wait_line(self.runner_lines, wanted, timeout)


def error_code(err):
    return err.response["Error"]["Code"] if isinstance(err, ClientError) else err.code


def expect_error(code, call, *args, **kwargs):
    """Runs call(*args, **kwargs) and checks that it fails with the AWS exception code."""
    try:
        call(*args, **kwargs)
    except (ClientError, CliError) as err:
        got = error_code(err)
        if got != code:
            raise AssertionError(f"expected {code}, got {got}: {err}") from err
        return err
    raise AssertionError(f"expected {code}, but the call succeeded")


def unique(name):
    return f"{name}-{secrets.token_hex(3)}"


def pipeline_declaration(name, stages, pipeline_type="V2", execution_mode=None, variables=None):
    decl = {
        "name": name,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/sluice-test",
        "artifactStore": {"type": "S3", "location": "sluice-test-artifacts"},
        "pipelineType": pipeline_type,
        "stages": stages,
    }
    if execution_mode:
        decl["executionMode"] = execution_mode
    if variables:
        decl["variables"] = variables
    return {"pipeline": decl}


def s3_source(name="Source", artifact="SourceArtifact", namespace=None):
    action = {
        "name": name,
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "sources", "S3ObjectKey": "app.zip",
                          "PollForSourceChanges": "false"},
        "outputArtifacts": [{"name": artifact}],
    }
    if namespace:
        action["namespace"] = namespace
    return action


def s3_deploy(name="Deploy", artifact="SourceArtifact"):
    return {
        "name": name,
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"BucketName": "site", "Extract": "true"},
        "inputArtifacts": [{"name": artifact}],
    }


def manual_approval(name="Approve"):
    return {
        "name": name,
        "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual",
                         "version": "1"},
        "configuration": {"CustomData": "Please review"},
    }


def custom_action(name, provider, artifact_in="SourceArtifact", artifact_out=None, config=None):
    action = {
        "name": name,
        "actionTypeId": {"category": "Build", "owner": "Custom", "provider": provider,
                         "version": "1"},
        "configuration": config or {"Target": "all"},
        "inputArtifacts": [{"name": artifact_in}],
    }
    if artifact_out:
        action["outputArtifacts"] = [{"name": artifact_out}]
    return action


def write_json(doc):
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
    json.dump(doc, handle)
    handle.close()
    return handle.name


def stage_state(state, stage):
    for entry in state.get("stageStates", []):
        if entry["stageName"] == stage:
            return entry
    return {}


def run(checks, stack):
    """Runs each check(stack); prints ok/FAIL per check; exits 0 or 1. Always closes the stack."""
    failed = 0
    try:
        for check in checks:
            started = time.monotonic()
            try:
                check(stack)
                print(f"ok   {check.__name__} ({time.monotonic() - started:.1f}s)", flush=True)
            except Exception:  # noqa: BLE001 - every failure is reported and counted
                failed += 1
                print(f"FAIL {check.__name__}", flush=True)
                traceback.print_exc()
    finally:
        stack.close(dump=failed > 0)
    print(f"{len(checks)} checks, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)
