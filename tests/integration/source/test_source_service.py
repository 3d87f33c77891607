"""sluice-source in the whole stack: sluice-api, sluice-orchestrator (tests/integration/api's
stack on the shared Kafka/Redis fixture), sluice-artifacts and sluice-source sharing one job
credential key file, and a git repository made here.

- a pipeline AWS/CodeCommit source -> Custom build, started through the API: sluice-source takes
  the Source job from the jobs topic, stores the commit's CODE_ZIP at the job's output location
  and answers on the requests topic; the action succeeds with the commit's output variables, the
  zip in the store holds exactly `git archive`'s tree, and the build's job reads that object;
- a source on a branch that does not exist fails the action and the execution, with
  RevisionUnavailable's message in GetPipelineState;
- that first job copied back onto the jobs topic without its signature is dead-lettered by
  sluice-source's group ("unsigned message") and not run again (the metrics still count one);
- /metrics counts both jobs by outcome; /healthz answers 200;
- three V1 pipelines polling one branch: a push starts exactly one execution of each (trigger
  PollForSourceChanges), one ls-remote per interval for the three, none more after a restart;
- two replicas polling the same branch: a push starts each of its pipelines once;
- a GitHub push delivery, signed with the connection's webhookSecret, starts the pipeline of a
  CodeStarSourceConnection source (trigger Webhook) while polling is an hour away; a bad
  signature is 401, a repeated delivery id 200 and dropped, a tag ignored, a malformed body 400;
- SIGTERM stops sluice-source within 3 s;
- sluice-source refuses to start (status 2, naming SLUICE_BUS_KEY_FILE) when the bus key file
  is not given, missing, malformed or readable by others.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import hashlib
import hmac
import urllib.error
import urllib.request
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "artifacts"))

from artifacts_stack import artifacts_binary, free_port, s3_client  # noqa: E402
from sluice_stack import (SKIP, Stack, custom_action, pipeline_declaration,  # noqa: E402
                          run, stage_state, unique, write_json)

BUCKET = "sluice-test-artifacts"  # pipeline_declaration's artifactStore location
ADMIN = ("AKIDSOURCESVCADMIN", "source-service-admin-secret-xxxx")
BUILD = "SrcBld" + os.urandom(3).hex()
CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/" + str(uuid.uuid4())
HOOK_SECRET = "hook-secret-" + os.urandom(8).hex()


def replay_binary():
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "tests/integration/source/src_replay_unsigned")


def source_binary():
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "services/source/sluice-source")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def wait_port(port, proc, what, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start")
            time.sleep(0.05)


class SourceStack(Stack):
    """The api's stack plus sluice-artifacts and sluice-source."""

    def __init__(self, connections=(), runner_rules=("Fetch=skip",), source_extra=None):
        """connections: more entries of the repositories file's "connections";
        source_extra: more variables of sluice-source's environment."""
        for binary in (artifacts_binary(), source_binary(), replay_binary()):
            if not os.access(binary, os.X_OK):
                print(f"skipped: {binary} is not built", flush=True)
                sys.exit(SKIP)
        # the api's scripted runner stands in for sluice-source: told to leave its actions alone
        super().__init__(runner_rules=runner_rules)
        try:
            self.repo = os.path.join(self.logdir, "demo")
            subprocess.run(["git", "init", "-q", "-b", "main", self.repo], check=True)
            with open(os.path.join(self.repo, "README.md"), "w") as f:
                f.write("# demo\n")
            os.makedirs(os.path.join(self.repo, "bin"))
            with open(os.path.join(self.repo, "bin", "build.sh"), "w") as f:
                f.write("#!/bin/sh\necho build\n")
            os.chmod(os.path.join(self.repo, "bin", "build.sh"), 0o755)
            git(self.repo, "add", "-A")
            git(self.repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit",
                "-q", "-m", "Initial import")
            self.polled = os.path.join(self.logdir, "polled")
            subprocess.run(["git", "init", "-q", "-b", "main", self.polled], check=True)
            self.commit(self.polled, "one.txt", "Polled repository")
            self.hosted = os.path.join(self.logdir, "hosted", "octo", "app")
            subprocess.run(["git", "init", "-q", "-b", "main", self.hosted], check=True)
            self.commit(self.hosted, "app.txt", "Hosted repository")
            repos = os.path.join(self.logdir, "repos.json")
            # it holds a webhookSecret: private like every secret file
            with open(os.open(repos, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                json.dump({"repositories": [{"name": "demo", "url": self.repo},
                                            {"name": "polled", "url": self.polled}],
                           "connections": [{"arn": CONNECTION,
                                            "baseUrl": os.path.join(self.logdir, "hosted"),
                                            "providerType": "GitHub",
                                            "webhookSecret": HOOK_SECRET},
                                           *connections]}, f)

            port = free_port()
            env = dict(self.service_env, SLUICE_ARTIFACTS_PORT=str(port),
                       SLUICE_ARTIFACTS_DIR=os.path.join(self.logdir, "artifacts"),
                       SLUICE_ARTIFACTS_MIN_FREE_BYTES="0", SLUICE_ARTIFACTS_BUCKETS=BUCKET,
                       SLUICE_ARTIFACTS_CREDENTIALS=f"{ADMIN[0]}:{ADMIN[1]}:admin:admin")
            log = open(os.path.join(self.logdir, "artifacts.log"), "wb")
            proc = subprocess.Popen([artifacts_binary()], env=env, stdout=log, stderr=log)
            self.procs.append(("artifacts", proc, log))
            wait_port(port, proc, "sluice-artifacts")
            self.endpoint = f"http://127.0.0.1:{port}"

            self.source_port = free_port()
            self.source_env = dict(
                self.service_env, SLUICE_SOURCE_PORT=str(self.source_port),
                SLUICE_SOURCE_GROUP="src-" + self.prefix.rstrip("."),
                SLUICE_SOURCE_REPOSITORIES_FILE=repos,
                SLUICE_SOURCE_CACHE_DIR=os.path.join(self.logdir, "source-cache"),
                SLUICE_ARTIFACTS_ENDPOINT=self.endpoint, SLUICE_SOURCE_POLL_INTERVAL_S="1",
                **(source_extra or {}))
            self.start_source()
        except BaseException:
            self.close(dump=True)
            raise

    def start_source(self):
        log = open(os.path.join(self.logdir, "source.log"), "ab")
        self.source = subprocess.Popen([source_binary()], env=self.source_env, stdout=log,
                                       stderr=log)
        self.procs.append(("source", self.source, log))
        wait_port(self.source_port, self.source, "sluice-source")

    def start_replica(self):
        """A second sluice-source: same group, repositories, Redis and cache directory."""
        port = free_port()
        env = dict(self.source_env, SLUICE_SOURCE_PORT=str(port))
        log = open(os.path.join(self.logdir, "source-2.log"), "ab")
        proc = subprocess.Popen([source_binary()], env=env, stdout=log, stderr=log)
        self.procs.append(("source-2", proc, log))
        wait_port(port, proc, "the second sluice-source")
        return proc, port

    @staticmethod
    def commit(repo, path, message):
        with open(os.path.join(repo, path), "a") as f:
            f.write(message + "\n")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "-q",
            "-m", message)
        return git(repo, "rev-parse", "HEAD").decode().strip()

    def metric(self, name):
        """The value of a metric series line starting with name (0 when absent)."""
        _, text = self.source_get("/metrics")
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0

    def post_hook(self, body, event="push", delivery=None, secret=HOOK_SECRET):
        """POSTs body to /webhooks/github signed with secret; (status, result)."""
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.source_port}/webhooks/github", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-GitHub-Event": event,
                     "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                     "X-Hub-Signature-256": signature})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, json.loads(resp.read())["result"]
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())["result"]

    def source_get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.source_port}{path}",
                                    timeout=5) as resp:
            return resp.status, resp.read().decode()


def codecommit_source(branch, repository="demo", poll="false"):
    config = {"RepositoryName": repository, "BranchName": branch}
    if poll is not None:
        config["PollForSourceChanges"] = poll
    return {"name": "Source", "actions": [{
        "name": "Fetch", "namespace": "SourceVariables",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                         "version": "1"},
        "configuration": config, "outputArtifacts": [{"name": "SourceArtifact"}]}]}


def files_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: (z.read(i), (i.external_attr >> 16) & 0o111 != 0)
                for i in z.infolist() if not i.is_dir()}


def check_commit_reaches_the_build(stack):
    name = unique("srcsvc")
    stack.built = name
    decl = pipeline_declaration(name, [codecommit_source("main"),
                                       {"name": "Build", "actions": [custom_action("Compile",
                                                                                   BUILD)]}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=name)["pipelineExecutionId"]
    head = git(stack.repo, "rev-parse", "HEAD").decode().strip()

    def source_done():
        details = stack.client().list_action_executions(
            pipelineName=name, filter={"pipelineExecutionId": execution})
        for d in details["actionExecutionDetails"]:
            if d["actionName"] == "Fetch" and d["status"] in ("Succeeded", "Failed"):
                return d
        return None
    fetch = stack.wait_for("the Source action", source_done, timeout=60)
    assert fetch["status"] == "Succeeded", fetch
    variables = fetch["output"]["outputVariables"]
    assert variables["CommitId"] == head, variables
    assert variables["CommitMessage"] == "Initial import", variables
    assert variables["BranchName"] == "main" and variables["RepositoryName"] == "demo", variables
    assert variables["AuthorEmail"] == "ada@example.com", variables

    worker = stack.client("worker")
    type_id = {"category": "Build", "owner": "Custom", "provider": BUILD, "version": "1"}
    job = stack.wait_for("the build job", lambda: worker.poll_for_jobs(
        actionTypeId=type_id, maxBatchSize=1)["jobs"], timeout=30)[0]
    location = job["data"]["inputArtifacts"][0]["location"]["s3Location"]
    assert location["bucketName"] == BUCKET, location
    stored = s3_client(stack.endpoint, *ADMIN).get_object(
        Bucket=location["bucketName"], Key=location["objectKey"])["Body"].read()
    assert files_of(stored) == files_of(git(stack.repo, "archive", "--format=zip", head)), \
        sorted(files_of(stored))
    assert files_of(stored)["bin/build.sh"][1], "the executable bit is kept"
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    worker.put_job_success_result(jobId=job["id"])
    stack.wait_for("the execution to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded", timeout=30)


def check_missing_branch_fails(stack):
    name = unique("srcmiss")
    decl = pipeline_declaration(name, [codecommit_source("nope"),
                                       {"name": "Build", "actions": [custom_action("Compile",
                                                                                   BUILD)]}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=name)["pipelineExecutionId"]
    try:
        stack.wait_for("the execution to fail", lambda: stack.client().get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
            == "Failed", timeout=60)
    finally:
        state = stack.client().get_pipeline_state(name=name)
        print(json.dumps(stage_state(state, "Source"), default=str), flush=True)
    latest = stage_state(state, "Source")["actionStates"][0]["latestExecution"]
    assert latest["status"] == "Failed", latest
    message = latest["errorDetails"]["message"]
    assert "The branch nope does not exist" in message and "BranchName" in message, latest


def check_unsigned_job_is_dead_lettered(stack):
    group = stack.source_env["SLUICE_SOURCE_GROUP"]
    out = subprocess.run([replay_binary(), stack.brokers, stack.prefix + "jobs",
                          stack.prefix + "deadletter", group, '"' + stack.built + '"'],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, (out.returncode, out.stderr)
    assert "unsigned" in out.stdout, out.stdout
    print(f"     the unsigned copy: {out.stdout.strip()}", flush=True)
    stack.wait_for("the refusal counted", lambda: stack.metric(
        'sluice_source_bus_refused_total{reason="unsigned"}') == 1, timeout=5)
    time.sleep(1)  # had it been run, the metrics below would count a second job


def check_health_and_metrics(stack):
    status, _ = stack.source_get("/healthz")
    assert status == 200, status
    _, text = stack.source_get("/metrics")
    ok = 'sluice_source_jobs_total{provider="AWS/CodeCommit",outcome="Succeeded"} 1'
    bad = 'sluice_source_jobs_total{provider="AWS/CodeCommit",outcome="RevisionUnavailable"} 1'
    assert ok in text and bad in text, text


def executions_of(stack, name):
    return stack.client().list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]


def check_branches_share_one_listing(stack, names):
    """Two more branches of the polled remote: three watches, one git ls-remote per interval."""
    added = []
    for branch in ("side-a", "side-b"):
        git(stack.polled, "branch", "-f", branch, "main")
        name = unique("srcside")
        decl = pipeline_declaration(name, [
            codecommit_source(branch, repository="polled", poll=None),
            {"name": "Build", "actions": [custom_action("Compile", BUILD + "p")]}],
            pipeline_type="V1")
        stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
        added.append(name)
    heads = 'sluice_source_remote_listings_total{asked="heads"}'
    branch = 'sluice_source_remote_listings_total{asked="branch"}'
    ok = 'sluice_source_checks_total{result="ok"}'
    stack.wait_for("three watches", lambda: stack.metric("sluice_source_watches") == 3, timeout=15)
    # once the new watches had their first checks, the three are listed together
    first = stack.metric(heads)
    stack.wait_for("a listing of the remote's heads", lambda: stack.metric(heads) >= first + 2,
                   timeout=15)
    before = (stack.metric(heads), stack.metric(branch), stack.metric(ok))
    time.sleep(5)
    listings = stack.metric(heads) - before[0] + stack.metric(branch) - before[1]
    checks = stack.metric(ok) - before[2]
    print(f"     {checks:.0f} branch checks with {listings:.0f} git ls-remote runs in 5 s "
          "for three branches of one remote", flush=True)
    # about 5 rounds of 3 checks; a loaded machine may do fewer rounds, never more runs than rounds
    assert checks >= 6, checks
    assert listings * 2 <= checks, (listings, checks)
    assert all(len(executions_of(stack, n)) == 1 for n in names), "nothing more started"
    for name in added:
        stack.aws("delete-pipeline", "--name", name)
    stack.wait_for("one watch again", lambda: stack.metric("sluice_source_watches") == 1,
                   timeout=15)


def check_polling_starts_each_pipeline_once(stack):
    names = [unique("srcpoll") for _ in range(3)]
    for name in names:
        decl = pipeline_declaration(name, [
            codecommit_source("main", repository="polled", poll=None),  # V1's default: polls
            {"name": "Build", "actions": [custom_action("Compile", BUILD + "p")]}],
            pipeline_type="V1")
        stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    # the three pipelines make one watch, checked (its head recorded) before the push
    stack.wait_for("one watch", lambda: stack.metric("sluice_source_watches") == 1, timeout=15)
    ok_before = stack.metric('sluice_source_checks_total{result="ok"}')
    stack.wait_for("a check of the watch", lambda: stack.metric(
        'sluice_source_checks_total{result="ok"}') >= ok_before + 2, timeout=15)
    assert all(executions_of(stack, n) == [] for n in names), "nothing started before a change"

    commit = stack.commit(stack.polled, "two.txt", "Pushed change")
    pushed = time.monotonic()
    stack.wait_for("one execution per pipeline", lambda: all(
        len(executions_of(stack, n)) == 1 for n in names), timeout=15)
    print(f"     three pipelines started {time.monotonic() - pushed:.1f} s after the push "
          "(interval 1 s)", flush=True)
    for name in names:
        summary = executions_of(stack, name)[0]
        trigger = summary["trigger"]
        assert trigger["triggerType"] == "PollForSourceChanges", summary
        assert trigger["triggerDetail"].endswith(":polled"), summary

        def fetched(name=name):
            for d in stack.client().list_action_executions(pipelineName=name)[
                    "actionExecutionDetails"]:
                if d["actionName"] == "Fetch" and d["status"] == "Succeeded":
                    return d
            return None
        fetch = stack.wait_for("the polled source to run", fetched, timeout=30)
        assert fetch["output"]["outputVariables"]["CommitId"] == commit, fetch

    # the cost: one ls-remote per interval for the three pipelines
    before = stack.metric('sluice_source_checks_total{result="ok"}')
    time.sleep(5)
    checks = stack.metric('sluice_source_checks_total{result="ok"}') - before
    print(f"     {checks:.0f} ls-remote in 5 s for three pipelines on one branch", flush=True)
    assert 3 <= checks <= 7, checks

    # a restart re-triggers nothing
    check_branches_share_one_listing(stack, names)
    stack.source.send_signal(signal.SIGTERM)
    stack.source.wait(10)
    stack.start_source()
    ok_before = stack.metric('sluice_source_checks_total{result="ok"}')
    stack.wait_for("checks after the restart", lambda: stack.metric(
        'sluice_source_checks_total{result="ok"}') >= ok_before + 3, timeout=20)
    assert all(len(executions_of(stack, n)) == 1 for n in names), \
        [len(executions_of(stack, n)) for n in names]


def check_two_replicas_start_once(stack):
    names = [unique("srcrep") for _ in range(2)]
    for name in names:
        decl = pipeline_declaration(name, [
            codecommit_source("release", repository="polled", poll="true"),
            {"name": "Build", "actions": [custom_action("Compile", BUILD + "r")]}],
            pipeline_type="V1")
        stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    git(stack.polled, "branch", "release")
    replica, port = stack.start_replica()
    try:
        def checks_of(p):
            with urllib.request.urlopen(f"http://127.0.0.1:{p}/metrics", timeout=5) as resp:
                for line in resp.read().decode().splitlines():
                    if line.startswith('sluice_source_checks_total{result="ok"} '):
                        return float(line.split()[-1])
            return 0.0
        # both replicas watch the new branch and have checked it (its head recorded)
        stack.wait_for("both replicas watching", lambda: stack.metric(
            "sluice_source_watches") == 2 and checks_of(port) >= 4, timeout=20)
        time.sleep(2.5)
        assert all(executions_of(stack, n) == [] for n in names)
        commit = stack.commit(stack.polled, "three.txt", "Release change")
        git(stack.polled, "branch", "-f", "release", "main")
        stack.wait_for("an execution per pipeline", lambda: all(
            len(executions_of(stack, n)) >= 1 for n in names), timeout=15)
        time.sleep(3)  # both replicas have checked the new head by now
        counts = [len(executions_of(stack, n)) for n in names]
        assert counts == [1, 1], counts
        for name in names:
            assert executions_of(stack, name)[0]["trigger"]["triggerType"] == \
                "PollForSourceChanges"
        print(f"     two replicas, one change ({commit[:8]}): one execution per pipeline",
              flush=True)
    finally:
        replica.send_signal(signal.SIGTERM)
        replica.wait(10)


def github_push(ref, after, full_name="octo/app"):
    """A push delivery in GitHub's shape (the members of @octokit/webhooks-examples' push)."""
    return json.dumps({
        "ref": ref, "before": "0" * 40, "after": after, "created": False, "deleted": False,
        "forced": False, "base_ref": None, "compare": f"https://github.com/{full_name}/compare",
        "commits": [{"id": after, "message": "Hook change", "distinct": True}],
        "head_commit": {"id": after, "message": "Hook change"},
        "repository": {"id": 186853002, "name": full_name.split("/")[1], "full_name": full_name,
                       "private": False, "owner": {"login": full_name.split("/")[0]},
                       "default_branch": "main"},
        "pusher": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"},
        "sender": {"login": "Codertocat", "id": 21031067}}).encode()


def check_github_webhook(stack):
    name = unique("srchook")
    decl = pipeline_declaration(name, [
        {"name": "Source", "actions": [{
            "name": "Fetch",
            "actionTypeId": {"category": "Source", "owner": "AWS",
                             "provider": "CodeStarSourceConnection", "version": "1"},
            "configuration": {"ConnectionArn": CONNECTION, "FullRepositoryId": "octo/app",
                              "BranchName": "main"},
            "outputArtifacts": [{"name": "SourceArtifact"}]}]},
        {"name": "Build", "actions": [custom_action("Compile", BUILD + "h")]}],
        pipeline_type="V1")
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    # a sluice-source that polls once an hour: only the webhook can start the pipeline now
    stack.source.send_signal(signal.SIGTERM)
    stack.source.wait(10)
    stack.source_env["SLUICE_SOURCE_POLL_INTERVAL_S"] = "3600"
    stack.start_source()
    stack.wait_for("the first checks", lambda: stack.metric(
        'sluice_source_checks_total{result="ok"}') >= 3, timeout=15)
    commit = stack.commit(stack.hosted, "hook.txt", "Hook change")
    time.sleep(1.5)
    assert executions_of(stack, name) == [], "nothing starts without the delivery"

    body = github_push("refs/heads/main", commit)
    assert stack.post_hook(body, secret="wrong") == (401, "refused")
    delivery = str(uuid.uuid4())
    sent = time.monotonic()
    assert stack.post_hook(body, delivery=delivery) == (202, "accepted")
    stack.wait_for("the webhook's execution", lambda: len(executions_of(stack, name)) == 1,
                   timeout=10)
    print(f"     webhook to execution in {time.monotonic() - sent:.2f} s", flush=True)
    trigger = executions_of(stack, name)[0]["trigger"]
    assert trigger["triggerType"] == "Webhook", trigger
    assert CONNECTION in trigger["triggerDetail"], trigger
    assert stack.post_hook(body, delivery=delivery) == (200, "duplicate")
    assert stack.post_hook(b"{}", event="ping") == (200, "accepted")
    # a tag is matched against V2 triggers only: no V1 source starts
    assert stack.post_hook(github_push("refs/tags/v1", commit)) == (202, "accepted")
    assert stack.post_hook(b'{"ref": 3}') == (400, "malformed")
    time.sleep(1.5)
    assert len(executions_of(stack, name)) == 1, executions_of(stack, name)
    assert stack.metric('sluice_source_webhooks_total{result="refused"}') == 1
    assert stack.metric('sluice_source_webhooks_total{result="duplicate"}') == 1


def check_refuses_without_a_good_bus_key(stack):
    bad = os.path.join(stack.logdir, "bad-bus-keys")
    with open(os.open(bad, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("no-hex-here\n")
    shared = os.path.join(stack.logdir, "shared-bus-keys")
    with open(shared, "w") as f:
        f.write("k " + "ab" * 32 + "\n")
    os.chmod(shared, 0o644)
    for value, wanted in ((None, "is required"), (os.path.join(stack.logdir, "none"), "none"),
                          (bad, "bad-bus-keys"), (shared, "chmod 600")):
        env = dict(stack.source_env, SLUICE_SOURCE_PORT="0")
        env.pop("SLUICE_BUS_KEY_FILE")
        if value is not None:
            env["SLUICE_BUS_KEY_FILE"] = value
        out = subprocess.run([source_binary()], env=env, capture_output=True, text=True,
                             timeout=20)
        assert out.returncode == 2, (value, out.returncode, out.stderr[-500:])
        assert "SLUICE_BUS_KEY_FILE" in out.stderr and wanted in out.stderr, \
            (value, out.stderr[-500:])


def check_sigterm_is_bounded(stack):
    started = time.monotonic()
    stack.source.send_signal(signal.SIGTERM)
    code = stack.source.wait(10)
    took = time.monotonic() - started
    assert code == 0 and took < 3.0, (code, took)
    print(f"     sluice-source stopped in {took:.2f} s", flush=True)


if __name__ == "__main__":
    run([check_commit_reaches_the_build, check_missing_branch_fails,
         check_unsigned_job_is_dead_lettered, check_health_and_metrics,
         check_polling_starts_each_pipeline_once, check_two_replicas_start_once,
         check_github_webhook, check_sigterm_is_bounded, check_refuses_without_a_good_bus_key],
        SourceStack())
