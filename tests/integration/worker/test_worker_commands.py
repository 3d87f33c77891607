"""sluice-worker running Commands actions for real: sluice-orchestrator, sluice-api and
sluice-artifacts (the artifacts' job-credential stack on the shared Kafka/Redis fixture) and
one sluice-worker, all reading one SLUICE_JOB_CREDENTIAL_KEYS_FILE.

Each pipeline's source is a Custom action the test plays through PollForJobs: it uploads a
zip to the source's output location with the job's artifactCredentials. Then the worker runs
an AWS/Compute/Commands action on it:
  - commands that build files and export a variable: the action succeeds, the output
    artifact in the store holds exactly the files its globs select, GetPipelineState and
    ListActionExecutions show the variable;
  - a failing command: the action fails with the command, its exit code and its last log
    lines, and the commands after it do not run;
  - a secret variable (SLUICE_WORKER_SECRETS_FILE): its value reaches the command and never
    the failure message;
  - a command past the timeout (capped by SLUICE_WORKER_TIMEOUT_MAX_MS): the action fails
    saying so, and no child or grandchild of the command is left running;
  - a zip-slip input artifact: the action fails naming the entry, nothing is written outside
    the workspace;
  - a Commands rule of a stage condition that passes and one that fails;
  - an AWS/CodeBuild action whose buildspec.yml compiles a C program, exports a variable and
    produces a primary and a secondary artifact; a buildspec with an error (the line and key
    named); a failing build phase, after which post_build still runs;
  - an AWS/Deploy/S3 action extracting the source into a directory (and again, replacing the
    previous deployment as a whole) and one copying it unextracted;
  - three jobs at once on a worker of 2 slots: never more than 2 run at the same time;
  - a worker killed with SIGKILL mid-job: its lease expires and the other worker takes the job
    up again (SLUICE_WORKER_LOST_RETRIES, default 1) and succeeds;
  - SIGTERM while a command runs: the worker exits within 3 s, the command's process group is
    gone and the action fails saying the worker stopped;
  - no bus key file, one others may read, a malformed one, a secrets file others may read:
    the worker refuses to start (status 2), naming the variable and the file;
  - a job message on the jobs topic without the bus signature (the worker verifies with
    SLUICE_BUS_KEY_FILE): dead-lettered, counted in sluice_worker_bus_refused_total, never run.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "artifacts"))

import jobcred_client  # noqa: E402
from artifacts_stack import artifacts_binary, free_port  # noqa: E402
from sluice_stack import (SKIP, Stack, pipeline_declaration, run, unique,  # noqa: E402
                          write_json)

BUCKET = "sluice-test-artifacts"  # pipeline_declaration's artifactStore location
ADMIN = ("AKIDWORKERTESTADMIN", "worker-admin-secret-xxxxxxxx")
SOURCE = "WkSrc" + secrets.token_hex(4)
TIMEOUT_MS = 4000
LEASE_MS = 1500
# actions the api's scripted job runner must leave to the worker
WORKER_ACTIONS = ("Make", "Broken", "Slow", "Unpack", "Gated", "Compile", "BadSpec", "FailBuild",
                  "Interrupted", "Ship", "Archive", "Secretive", "Orphaned", "Busy")
SECRET = "s3cr3t-" + secrets.token_hex(6)


def worker_binary():
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "services/worker/sluice-worker")


class WorkerStack(Stack):
    """The api's stack, sluice-artifacts and sluice-worker sharing the job-credential keys."""

    def __init__(self, actions=WORKER_ACTIONS, api_env=None, worker_env=None, artifacts_env=None):
        for binary in (artifacts_binary(), worker_binary()):
            if not os.access(binary, os.X_OK):
                print(f"skipped: {binary} is not built", flush=True)
                sys.exit(SKIP)
        super().__init__(runner_rules=[f"{a}=skip" for a in actions], extra_env=api_env)
        try:
            port = free_port()
            env = dict(self.service_env, SLUICE_ARTIFACTS_PORT=str(port),
                       SLUICE_ARTIFACTS_DIR=os.path.join(self.logdir, "artifacts"),
                       SLUICE_ARTIFACTS_MIN_FREE_BYTES="0", SLUICE_ARTIFACTS_BUCKETS=BUCKET,
                       SLUICE_ARTIFACTS_CREDENTIALS=f"{ADMIN[0]}:{ADMIN[1]}:admin:admin")
            env.update(artifacts_env or {})
            self._start("artifacts", [artifacts_binary()], env, port)
            self.endpoint = f"http://127.0.0.1:{port}"
            self.workspaces = os.path.join(self.logdir, "workspaces")
            secrets_file = os.path.join(self.logdir, "secrets.json")
            # a secret file: the worker refuses one that group or others may read
            with open(os.open(secrets_file, os.O_WRONLY | os.O_CREAT, 0o600), "w",
                      encoding="utf-8") as handle:
                json.dump({"deploy/token": SECRET}, handle)
            projects = os.path.join(self.logdir, "projects.json")
            with open(projects, "w", encoding="utf-8") as handle:
                # the project's variables win over the buildspec's
                json.dump({"hello-project": {
                    "environmentVariables": [{"name": "GREETING", "value": "hello"}],
                    "timeoutInMinutes": 10}}, handle)
            self.worker_env = dict(self.service_env, SLUICE_ARTIFACTS_ENDPOINT=self.endpoint,
                       SLUICE_WORKER_GROUP="worker-" + self.prefix.rstrip("."),
                       SLUICE_WORKER_WORKSPACES=self.workspaces,
                       SLUICE_WORKER_TIMEOUT_MAX_MS=str(TIMEOUT_MS),
                       SLUICE_WORKER_SLOTS="2", SLUICE_WORKER_PROJECTS_FILE=projects,
                       SLUICE_WORKER_DEPLOY_DIRS="site=" + os.path.join(self.logdir, "site"),
                       SLUICE_WORKER_SECRETS_FILE=secrets_file,
                       SLUICE_WORKER_LEASE_MS=str(LEASE_MS))
            self.worker_env.update(worker_env or {})
            self.start_worker()
        except BaseException:
            self.close(dump=True)
            raise

    def start_worker(self):
        """Starts a sluice-worker (another one, when the first was killed) and waits for it."""
        self.worker_port = free_port()
        env = dict(self.worker_env, SLUICE_WORKER_PORT=str(self.worker_port))
        self.procs = [p for p in self.procs if p[0] != "worker" or p[1].poll() is None]
        self._start("worker", [worker_binary()], env, self.worker_port)
        self.wait_for("the worker to be healthy", self.worker_healthy, timeout=30)

    def worker_proc(self):
        return [proc for n, proc, _ in self.procs if n == "worker"][-1]

    def _start(self, name, argv, env, port):
        log = open(os.path.join(self.logdir, name + ".log"), "wb")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
        self.procs.append((name, proc, log))
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                return
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"sluice-{name} did not start")
                time.sleep(0.05)

    def worker_healthy(self):
        try:
            url = f"http://127.0.0.1:{self.worker_port}/healthz"
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status == 200 and json.load(resp)["status"] == "ok"
        except OSError:
            return False

    def metrics(self):
        url = f"http://127.0.0.1:{self.worker_port}/metrics"
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.read().decode()


def zip_of(files):
    """A zip holding files {name: bytes}, names written as given (even "../x")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def commands_action(name, commands, **extra):
    action = {
        "name": name,
        "actionTypeId": {"category": "Compute", "owner": "AWS", "provider": "Commands",
                         "version": "1"},
        "commands": commands,
        "inputArtifacts": [{"name": "SourceArtifact"}],
    }
    action.update(extra)
    return action


def create_and_start(stack, name, action, run_stage_extra=None):
    """Creates the pipeline Source (played by the test) -> Run (action) and starts it; returns
    the execution id."""
    run_stage = {"name": "Run", "actions": [action]}
    run_stage.update(run_stage_extra or {})
    decl = pipeline_declaration(name, [
        {"name": "Source", "actions": [{
            "name": "Fetch",
            "actionTypeId": {"category": "Source", "owner": "Custom", "provider": SOURCE,
                             "version": "1"},
            "configuration": {"Repo": "demo"},
            "outputArtifacts": [{"name": "SourceArtifact"}],
        }]},
        run_stage,
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    return stack.client("operator").start_pipeline_execution(name=name)["pipelineExecutionId"]


def play_source(stack, files):
    """As the source's job worker: takes one source job, uploads the zip of files to its
    output location with the job's artifactCredentials, succeeds it."""
    type_id = {"category": "Source", "owner": "Custom", "provider": SOURCE, "version": "1"}
    worker = stack.client("worker")
    job = stack.wait_for("the source job", lambda: worker.poll_for_jobs(
        actionTypeId=type_id, maxBatchSize=1)["jobs"], timeout=30)[0]
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    jobcred_client.job_worker(stack.endpoint, job, {"SourceArtifact": zip_of(files)})
    worker.put_job_success_result(jobId=job["id"])


def start_with_source(stack, name, action, files, run_stage_extra=None):
    """create_and_start, then play_source; returns the execution id."""
    execution = create_and_start(stack, name, action, run_stage_extra)
    play_source(stack, files)
    return execution


def action_execution(stack, name, execution, action):
    """The ListActionExecutions entry of action once it has ended."""
    def ended():
        details = stack.client().list_action_executions(
            pipelineName=name, filter={"pipelineExecutionId": execution}
        )["actionExecutionDetails"]
        for detail in details:
            if detail["actionName"] == action and detail["status"] in ("Succeeded", "Failed"):
                return detail
        return None
    return stack.wait_for(f"{action} to end", ended, timeout=60, interval=0.2)


def error_message(detail):
    return detail["output"]["executionResult"].get("errorDetails", {}).get("message", "")


def check_commands_build_and_export(stack):
    name = unique("wk-make")
    action = commands_action(
        "Make",
        ["mkdir -p dist/sub",
         "cp hello.txt dist/out.txt && echo nested > dist/sub/deep.txt && echo no > skip.txt",
         "export GREETING=\"$(cat hello.txt)\"",
         "cd dist",
         "test \"$(pwd)\" = \"$CODEBUILD_SRC_DIR/dist\"",
         "test -n \"$CODEPIPELINE_EXECUTION_ID\" && test \"$CODEBUILD_SRC_DIR\" = "
         "\"$CODEBUILD_SRC_DIR_SourceArtifact\"",
         "test -z \"${SLUICE_KAFKA_BROKERS:-}\" && test \"$TARGET\" = prod",
         "echo \"built for $CODEPIPELINE_PIPELINE_NAME\""],
        namespace="MakeVars", outputVariables=["GREETING"],
        environmentVariables=[{"name": "TARGET", "value": "prod", "type": "PLAINTEXT"}],
        outputArtifacts=[{"name": "BuildOut", "files": ["dist/**"]}])
    execution = start_with_source(stack, name, action, {"hello.txt": b"hello from the source",
                                                       "src/main.c": b"int main(void){}\n"})
    detail = action_execution(stack, name, execution, "Make")
    assert detail["status"] == "Succeeded", (detail["status"], error_message(detail))
    variables = detail["output"].get("outputVariables", {})
    assert variables == {"GREETING": "hello from the source"}, variables
    outputs = detail["output"]["outputArtifacts"]
    assert [o["name"] for o in outputs] == ["BuildOut"], outputs
    location = outputs[0]["s3location"]
    admin = jobcred_client.s3(stack.endpoint, *ADMIN)
    body = admin.get_object(Bucket=location["bucket"], Key=location["key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = sorted(zf.namelist())
        assert names == ["dist/out.txt", "dist/sub/deep.txt"], names
        assert zf.read("dist/out.txt") == b"hello from the source"
    state = stack.client().get_pipeline_state(name=name)
    run_stage = [s for s in state["stageStates"] if s["stageName"] == "Run"][0]
    assert run_stage["latestExecution"]["status"] == "Succeeded", run_stage
    summary = run_stage["actionStates"][0]["latestExecution"].get("summary", "")
    assert "8 commands succeeded" in summary, summary
    stack.wait_for("the execution to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded")
    assert 'sluice_worker_jobs_total{provider="AWS/Compute/Commands/1",outcome="Succeeded"}' \
        in stack.metrics()
    # the workspace is gone
    assert os.listdir(stack.workspaces) == [] or all(
        not os.path.exists(os.path.join(stack.workspaces, d, "src"))
        for d in os.listdir(stack.workspaces)), os.listdir(stack.workspaces)


def check_failing_command(stack):
    name = unique("wk-fail")
    action = commands_action("Broken", ["echo step one", "echo about to fail; exit 3",
                                        "touch ran-after-failure"])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    detail = action_execution(stack, name, execution, "Broken")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "Command 2 of 3 failed with exit code 3: echo about to fail; exit 3" in message, message
    assert "Last log lines:" in message and "about to fail" in message, message
    assert "step one" in message, message
    code = detail["output"]["executionResult"].get("errorDetails", {}).get("code")
    assert code in (None, "JobFailed"), code


def check_secret_masked(stack):
    name = unique("wk-secret")
    action = commands_action(
        "Secretive", ["test \"$TOKEN\" = \"$EXPECTED\"", "echo \"the token is $TOKEN\"; exit 4"],
        environmentVariables=[
            {"name": "TOKEN", "value": "deploy/token", "type": "SECRETS_MANAGER"},
            {"name": "EXPECTED", "value": SECRET, "type": "PLAINTEXT"}])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    detail = action_execution(stack, name, execution, "Secretive")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "Command 2 of 2 failed with exit code 4" in message, message
    assert "the token is ***" in message, message
    assert SECRET not in message, message


def leftover(marker):
    """Processes whose command line holds marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append((pid, cmdline))
    return found


def check_timeout_kills_the_group(stack):
    name = unique("wk-slow")
    seconds = f"{300 + secrets.randbelow(500)}.{secrets.randbelow(1000):03d}"
    grand = f"{900 + secrets.randbelow(90)}.{secrets.randbelow(1000):03d}"
    action = commands_action("Slow", [f"sh -c 'sleep {grand}' & sleep {seconds}"])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    stack.wait_for("the command to run", lambda: leftover(f"sleep {seconds}"), timeout=30)
    assert leftover(f"sleep {grand}"), "the grandchild did not start"
    detail = action_execution(stack, name, execution, "Slow")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "did not finish within the timeout of 4 s" in message, message
    stack.wait_for("the group to be gone",
                   lambda: not leftover(f"sleep {seconds}") and not leftover(f"sleep {grand}"),
                   timeout=5)


def check_zip_slip_refused(stack):
    name = unique("wk-slip")
    escaped = os.path.join(stack.workspaces, "evil-" + secrets.token_hex(3) + ".txt")
    entry = "../../" + os.path.basename(escaped)
    action = commands_action("Unpack", ["touch ran"])
    execution = start_with_source(stack, name, action, {"ok.txt": b"fine", entry: b"pwned"})
    detail = action_execution(stack, name, execution, "Unpack")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert f'entry "{entry}"' in message, message
    assert "climbs out of the workspace" in message, message
    assert not os.path.exists(escaped), escaped


def gate(commands):
    return {"beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{
        "name": "Gate",
        "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "Commands",
                       "version": "1"},
        "commands": commands,
        "inputArtifacts": [{"name": "SourceArtifact"}],
    }]}]}}


def rule_state(stack, name):
    state = stack.client().get_pipeline_state(name=name)
    run_stage = [s for s in state["stageStates"] if s["stageName"] == "Run"][0]
    cond = run_stage.get("beforeEntryConditionState", {})
    rules = [r for c in cond.get("conditionStates", []) for r in c.get("ruleStates", [])]
    return rules[0].get("latestExecution", {}) if rules else {}


def check_commands_rule(stack):
    # the rule passes: the stage is entered and its action runs
    name = unique("wk-gate")
    execution = start_with_source(stack, name, commands_action("Gated", ["true"]),
                                  {"ready": b"yes"}, gate(["test -f ready", "echo gate open"]))
    detail = action_execution(stack, name, execution, "Gated")
    assert detail["status"] == "Succeeded", error_message(detail)
    assert rule_state(stack, name).get("status") == "Succeeded", rule_state(stack, name)
    # the rule fails: the stage is not entered, the execution fails with the rule's message
    name = unique("wk-gate")
    execution = start_with_source(stack, name, commands_action("Gated", ["true"]),
                                  {"other": b"no"}, gate(["test -f ready"]))
    stack.wait_for("the execution to fail", lambda: stack.client().get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Failed", timeout=60)
    latest = rule_state(stack, name)
    assert latest.get("status") == "Failed", latest
    summary = latest.get("summary", "")
    assert "Command 1 of 1 failed with exit code 1: test -f ready" in summary, latest
    assert 'provider="rule:Commands/1",outcome="JobFailed"' in stack.metrics()


BUILDSPEC = b"""version: 0.2
env:
  variables:
    GREETING: hello
  exported-variables:
    - APP_VERSION
phases:
  pre_build:
    commands:
      - mkdir -p out
  build:
    commands:
      - cc -o out/hello hello.c
      - ./out/hello > out/greeting.txt
      - export APP_VERSION="1.2.$(cat version.txt)"
  post_build:
    commands:
      - echo "post build, succeeding=$CODEBUILD_BUILD_SUCCEEDING"
artifacts:
  files:
    - hello
    - greeting.txt
  base-directory: out
  secondary-artifacts:
    Docs:
      files:
        - 'docs/**/*'
      exclude-paths:
        - '**/*.tmp'
      discard-paths: yes
"""

HELLO_C = b"""#include <stdio.h>
#include <stdlib.h>
int main(void) { printf("%s from C\\n", getenv("GREETING")); return 0; }
"""


def codebuild_action(name, outputs=()):
    return {
        "name": name,
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                         "version": "1"},
        "configuration": {"ProjectName": "hello-project",
                          "EnvironmentVariables": json.dumps(
                              [{"name": "FROM_ACTION", "value": "yes", "type": "PLAINTEXT"}])},
        "inputArtifacts": [{"name": "SourceArtifact"}],
        "outputArtifacts": [{"name": o} for o in outputs],
        "namespace": name + "Vars",
    }


def zip_names(stack, location):
    admin = jobcred_client.s3(stack.endpoint, *ADMIN)
    body = admin.get_object(Bucket=location["bucket"], Key=location["key"])["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def check_codebuild_compiles(stack):
    name = unique("wk-cb")
    files = {"buildspec.yml": BUILDSPEC, "hello.c": HELLO_C, "version.txt": b"7",
             "docs/guide/readme.md": b"# guide", "docs/scratch.tmp": b"x"}
    execution = start_with_source(stack, name, codebuild_action("Compile", ["BuildOut", "Docs"]),
                                  files)
    detail = action_execution(stack, name, execution, "Compile")
    assert detail["status"] == "Succeeded", error_message(detail)
    assert detail["output"].get("outputVariables") == {"APP_VERSION": "1.2.7"}, detail["output"]
    outputs = {o["name"]: o["s3location"] for o in detail["output"]["outputArtifacts"]}
    primary = zip_names(stack, outputs["BuildOut"])
    assert sorted(primary) == ["greeting.txt", "hello"], sorted(primary)
    assert primary["greeting.txt"] == b"hello from C\n", primary["greeting.txt"]
    docs = zip_names(stack, outputs["Docs"])
    assert sorted(docs) == ["readme.md"], sorted(docs)


def check_codebuild_bad_buildspec(stack):
    name = unique("wk-cb-bad")
    spec = b"version: 0.2\nphases:\n  build:\n    comands:\n      - make\n"
    execution = start_with_source(stack, name, codebuild_action("BadSpec"),
                                  {"buildspec.yml": spec})
    detail = action_execution(stack, name, execution, "BadSpec")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "buildspec.yml: line 4: phases.build.comands: unknown key" in message, message


def check_codebuild_failed_phase(stack):
    name = unique("wk-cb-fail")
    spec = (b"version: 0.2\nphases:\n  build:\n    commands:\n      - 'false'\n"
            b"      - echo never\n  post_build:\n    commands:\n"
            b"      - echo post build succeeding=$CODEBUILD_BUILD_SUCCEEDING\n")
    execution = start_with_source(stack, name, codebuild_action("FailBuild"),
                                  {"buildspec.yml": spec})
    detail = action_execution(stack, name, execution, "FailBuild")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "Phase BUILD: command 1 of 2 failed with exit code 1: false" in message, message
    assert "post build succeeding=0" in message, message
    assert "never" not in message.split("Last log lines:")[1], message


def deploy_action(name, extract, key):
    return {
        "name": name,
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"BucketName": "site", "Extract": extract, "ObjectKey": key},
        "inputArtifacts": [{"name": "SourceArtifact"}],
    }


def tree(root):
    found = {}
    for base, _, names in os.walk(root):
        for n in names:
            path = os.path.join(base, n)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = handle.read()
    return found


def check_s3_deploy_to_directory(stack):
    site = os.path.join(stack.logdir, "site")
    for round_files in ({"index.html": b"<h1>one</h1>", "css/site.css": b"body{}",
                         "old.txt": b"old"},
                        {"index.html": b"<h1>two</h1>", "css/site.css": b"body{color:red}"}):
        name = unique("wk-deploy")
        decl_action = deploy_action("Ship", "true", "www")
        execution = start_with_source(stack, name, decl_action, round_files)
        detail = action_execution(stack, name, execution, "Ship")
        assert detail["status"] == "Succeeded", error_message(detail)
        got = tree(os.path.join(site, "www"))
        assert got == round_files, (sorted(got), sorted(round_files))
    leftovers = [n for n in os.listdir(site) if n.startswith(".")]
    assert leftovers == [], leftovers
    name = unique("wk-archive")
    files = {"app.bin": b"\x7fELF"}
    execution = start_with_source(stack, name, deploy_action("Archive", "false",
                                                             "releases/app.zip"), files)
    detail = action_execution(stack, name, execution, "Archive")
    assert detail["status"] == "Succeeded", error_message(detail)
    with open(os.path.join(site, "releases", "app.zip"), "rb") as handle:
        assert zipfile.ZipFile(io.BytesIO(handle.read())).read("app.bin") == b"\x7fELF"


def check_slots_bound_concurrency(stack):
    runs = []
    for _ in range(3):
        name = unique("wk-busy")
        log = os.path.join(stack.logdir, name + ".times")
        action = commands_action("Busy", [f"date +%s.%N >> {log}", "sleep 3",
                                          f"date +%s.%N >> {log}"])
        runs.append((name, log, create_and_start(stack, name, action)))
    for _ in runs:  # the three jobs arrive together
        play_source(stack, {"a.txt": b"a"})
    intervals = []
    for name, log, execution in runs:
        detail = action_execution(stack, name, execution, "Busy")
        assert detail["status"] == "Succeeded", error_message(detail)
        with open(log, encoding="utf-8") as handle:
            start, end = (float(x) for x in handle.read().split())
        intervals.append((start, end))
    most = max(sum(1 for s, e in intervals if s <= t < e) for t, _ in intervals)
    assert most == 2, f"{most} jobs ran at once on 2 slots: {intervals}"


def check_lost_worker_taken_up(stack):
    name = unique("wk-lost")
    seconds = f"1.{secrets.randbelow(1000):03d}"
    marker = stack.logdir + "/runs-" + secrets.token_hex(3)
    # each run appends a line; the first worker is killed in the middle of its sleep
    action = commands_action("Orphaned", [f"echo run >> {marker}", f"sleep {seconds}"])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    stack.wait_for("the command to run", lambda: leftover(f"sleep {seconds}"), timeout=30)
    first = stack.worker_proc()
    first.kill()  # SIGKILL: no result, no cleanup, the lease just stops being renewed
    first.wait(timeout=10)
    stack.start_worker()
    detail = action_execution(stack, name, execution, "Orphaned")
    assert detail["status"] == "Succeeded", error_message(detail)
    with open(marker, encoding="utf-8") as handle:
        runs = handle.read().split()
    assert runs == ["run", "run"], runs  # once on the lost worker, once on the other
    assert 'sluice_worker_jobs_adopted_total{reason="lost"} 1' in stack.metrics(), \
        stack.metrics()


def check_sigterm_while_running(stack):
    name = unique("wk-term")
    seconds = f"{200 + secrets.randbelow(90)}.{secrets.randbelow(1000):03d}"
    execution = start_with_source(stack, name, commands_action("Interrupted",
                                                               [f"sleep {seconds}"]),
                                  {"a.txt": b"a"})
    stack.wait_for("the command to run", lambda: leftover(f"sleep {seconds}"), timeout=30)
    worker = stack.worker_proc()
    started = time.monotonic()
    worker.terminate()
    worker.wait(timeout=10)
    took = time.monotonic() - started
    assert took < 3.0, f"the worker took {took:.1f} s to exit"
    assert worker.returncode == 0, worker.returncode
    assert not leftover(f"sleep {seconds}"), "the command outlived the worker"
    detail = action_execution(stack, name, execution, "Interrupted")
    assert detail["status"] == "Failed", detail["status"]
    assert "was stopped: the worker shut down" in error_message(detail), error_message(detail)
    print(f"     the worker exited {took:.2f} s after SIGTERM", flush=True)


def check_startup_refusals(stack):
    """The worker does not start without a usable bus key file or with a secret file others
    may read: exit status 2, the message names the variable and the file."""
    loose_keys = os.path.join(stack.logdir, "bus-keys-0644")
    with open(stack.bus_key_file, encoding="utf-8") as src, \
            open(loose_keys, "w", encoding="utf-8") as dst:
        dst.write(src.read())
    os.chmod(loose_keys, 0o644)
    loose_secrets = os.path.join(stack.logdir, "secrets-0644.json")
    with open(loose_secrets, "w", encoding="utf-8") as handle:
        json.dump({"deploy/token": SECRET}, handle)
    os.chmod(loose_secrets, 0o644)
    malformed = os.path.join(stack.logdir, "bus-keys-malformed")
    with open(os.open(malformed, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        handle.write("k1 not-hex\n")
    cases = [
        ({"SLUICE_BUS_KEY_FILE": ""}, "SLUICE_BUS_KEY_FILE is required"),
        ({"SLUICE_BUS_KEY_FILE": loose_keys}, f"SLUICE_BUS_KEY_FILE: {loose_keys}: mode 0644"),
        ({"SLUICE_BUS_KEY_FILE": malformed}, f"SLUICE_BUS_KEY_FILE: {malformed}: line 1"),
        ({"SLUICE_WORKER_SECRETS_FILE": loose_secrets},
         f"SLUICE_WORKER_SECRETS_FILE: {loose_secrets}: mode 0644"),
    ]
    for change, wanted in cases:
        env = dict(stack.worker_env, SLUICE_WORKER_PORT="0", **change)
        proc = subprocess.run([worker_binary()], env=env, capture_output=True, text=True,
                              timeout=30)
        assert proc.returncode == 2, (change, proc.returncode, proc.stderr)
        assert wanted in proc.stderr + proc.stdout, (wanted, proc.stderr)
        assert SECRET not in proc.stderr + proc.stdout


def produce_unsigned(stack, topic, key, doc):
    """Produces doc to topic without the bus signature (ntf_produce signs nothing)."""
    produce = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                           "tests/integration/notifier/ntf_produce")
    assert os.access(produce, os.X_OK), f"{produce} is not built"
    subprocess.run([produce, stack.brokers, topic], input=f"{key}\t{json.dumps(doc)}\n",
                   text=True, check=True, timeout=60)


def check_unsigned_job_refused(stack):
    # a Commands rule job of an existing pipeline as the orchestrator would publish it, but
    # unsigned: a worker that ran it would touch the marker
    marker = os.path.join(stack.logdir, "unsigned-ran")
    pipeline = unique("wk-unsigned")
    decl = pipeline_declaration(pipeline, [
        {"name": "Source", "actions": [{
            "name": "Fetch",
            "actionTypeId": {"category": "Source", "owner": "Custom", "provider": SOURCE,
                             "version": "1"},
            "configuration": {"Repo": "demo"},
            "outputArtifacts": [{"name": "SourceArtifact"}],
        }]},
        {"name": "Run", "actions": [commands_action("Make", ["true"])]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    deadline = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    job = {"jobId": str(uuid.uuid4()), "pipeline": pipeline, "pipelineVersion": 1,
           "pipelineExecutionId": str(uuid.uuid4()), "stage": "Run", "rule": "Gate",
           "ruleExecutionId": str(uuid.uuid4()), "conditionType": "BEFORE_ENTRY",
           "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "Commands",
                          "version": "1"},
           "configuration": {}, "commands": [f"touch {marker}"], "deadline": deadline}
    envelope = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Sluice Action Job",
        "source": "sluice.orchestrator", "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": "us-east-1",
        "resources": [f"arn:aws:codepipeline:us-east-1:123456789012:{pipeline}"],
        "detail": job,
    }
    before = stack.metrics()
    produce_unsigned(stack, stack.prefix + "jobs", pipeline, envelope)
    refused = 'sluice_worker_bus_refused_total{reason="unsigned"} 1'
    stack.wait_for("the unsigned job to be refused", lambda: refused in stack.metrics(),
                   timeout=30)
    time.sleep(1.0)  # a job handed to a slot would have run by now
    assert not os.path.exists(marker), "the worker ran an unsigned job"
    def rule_jobs(text):
        return [line for line in text.splitlines() if line.startswith("sluice_worker_jobs_total")
                and 'provider="rule:Commands/1"' in line]
    after = stack.metrics()
    assert rule_jobs(after) == rule_jobs(before), (before, after)


if __name__ == "__main__":
    run([check_startup_refusals, check_commands_build_and_export, check_failing_command, check_secret_masked,
         check_timeout_kills_the_group,
         check_zip_slip_refused, check_commands_rule, check_codebuild_compiles,
         check_codebuild_bad_buildspec, check_codebuild_failed_phase,
         check_s3_deploy_to_directory, check_slots_bound_concurrency, check_lost_worker_taken_up,
         check_unsigned_job_refused, check_sigterm_while_running],
        WorkerStack())
