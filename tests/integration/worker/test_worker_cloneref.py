"""OutputArtifactFormat CODEBUILD_CLONE_REF from sluice-source to sluice-worker.

The stack of test_worker_commands.py (sluice-orchestrator, sluice-api, sluice-artifacts and one
sluice-worker on the shared Kafka/Redis fixture) plus sluice-source serving a git repository made
here with two commits:
  - AWS/CodeCommit source with CODEBUILD_CLONE_REF -> AWS/CodeBuild: the source artifact is a
    zip of sluice-clone-ref.json alone ({"url", "commit", "branch", "repository"}: the
    repository's path, the head commit, main, the repository's name); the build reads the
    repository's buildspec.yml from the clone, and its commands see a git working copy with
    full history at the commit: `git log -1 --format=%H`, CODEBUILD_RESOLVED_SOURCE_VERSION and
    the commit count it exports equal the repository's, HEAD is detached, and (as root) the
    commands ran as sluice-run, the clone's owner;
  - the same source feeding an AWS/Commands action: ConfigurationError, saying only CodeBuild
    can use a clone reference;
  - a clone reference of a repository declared with credentials: the Source action fails with
    ConfigurationError, saying the worker cannot clone it;
  - a reference to a commit no branch holds: fetched by its id, the build runs at it;
  - references the test writes itself (a Custom source it plays) fail the build with what is
    wrong: a commit the repository does not hold, a repository that does not exist, a URL with
    credentials (not shown), a bad branch name.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import test_worker_commands as wc  # noqa: E402
import test_worker_logs as wl  # noqa: E402
from test_worker_commands import (WorkerStack, action_execution, error_message,  # noqa: E402
                                  zip_names)
from artifacts_stack import free_port  # noqa: E402
from sluice_stack import SKIP, pipeline_declaration, run, unique, write_json  # noqa: E402

ACTIONS = ("Fetch", "CloneBuild", "CloneCmds")

BUILDSPEC = b"""version: 0.2
env:
  exported-variables:
    - HEAD_COMMIT
    - RESOLVED
    - COMMITS
    - DETACHED
    - RUN_AS
phases:
  build:
    commands:
      - export HEAD_COMMIT="$(git log -1 --format=%H)"
      - export RESOLVED="$CODEBUILD_RESOLVED_SOURCE_VERSION"
      - export COMMITS="$(git rev-list --count HEAD)"
      - export DETACHED="$(git symbolic-ref -q HEAD || echo detached)"
      - test -f notes.txt
      - export RUN_AS="$(id -u)"
"""


def source_binary():
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "services/source/sluice-source")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True,
                          capture_output=True).stdout.decode().strip()


class CloneStack(WorkerStack):
    """WorkerStack plus sluice-source serving the repository "cloned" (and "guarded"); as
    root, the commands run as test_worker_logs's unprivileged user, so the build's git works on
    a clone handed to that user."""

    def start_worker(self):
        if "SLUICE_WORKER_RUN_AS" not in self.worker_env:
            self.uid = wl.run_as_uid()
            if self.uid is not None:
                os.chmod(self.logdir, 0o711)  # the user must reach its workspaces
                self.worker_env["SLUICE_WORKER_RUN_AS"] = wl.RUN_AS
        super().start_worker()

    def __init__(self):
        if not os.access(source_binary(), os.X_OK):
            print(f"skipped: {source_binary()} is not built", flush=True)
            sys.exit(SKIP)
        super().__init__(actions=wc.WORKER_ACTIONS + ACTIONS)
        try:
            self.repo = os.path.join(self.logdir, "cloned")
            subprocess.run(["git", "init", "-q", "-b", "main", self.repo], check=True)
            for path, data, message in (("buildspec.yml", BUILDSPEC, "Add the buildspec"),
                                        ("notes.txt", b"second\n", "Add notes")):
                with open(os.path.join(self.repo, path), "wb") as f:
                    f.write(data)
                git(self.repo, "add", "-A")
                git(self.repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.com",
                    "commit", "-q", "-m", message)
            password = os.path.join(self.logdir, "guarded.token")
            with open(os.open(password, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("token\n")
            repos = os.path.join(self.logdir, "repos.json")
            with open(repos, "w", encoding="utf-8") as f:
                json.dump({"repositories": [
                    {"name": "cloned", "url": self.repo},
                    {"name": "guarded", "url": "https://git.invalid/team/guarded.git",
                     "credentials": {"username": "ci", "passwordFile": password}}]}, f)
            port = free_port()
            env = dict(self.service_env, SLUICE_SOURCE_PORT=str(port),
                       SLUICE_SOURCE_GROUP="src-" + self.prefix.rstrip("."),
                       SLUICE_SOURCE_REPOSITORIES_FILE=repos,
                       SLUICE_SOURCE_CACHE_DIR=os.path.join(self.logdir, "source-cache"),
                       SLUICE_ARTIFACTS_ENDPOINT=self.endpoint,
                       SLUICE_SOURCE_POLL_INTERVAL_S="3600")
            self._start("source", [source_binary()], env, port)
        except BaseException:
            self.close(dump=True)
            raise


def clone_source(repository="cloned"):
    return {"name": "Source", "actions": [{
        "name": "Fetch",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                         "version": "1"},
        "configuration": {"RepositoryName": repository, "BranchName": "main",
                          "PollForSourceChanges": "false",
                          "OutputArtifactFormat": "CODEBUILD_CLONE_REF"},
        "outputArtifacts": [{"name": "SourceArtifact"}]}]}


def run_pipeline(stack, name, stages, repository="cloned"):
    decl = pipeline_declaration(name, [clone_source(repository)] + stages)
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=name)["pipelineExecutionId"]

    def ended():
        status = stack.client().get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        return status if status in ("Succeeded", "Failed", "Stopped") else None
    status = stack.wait_for(f"{name} to end", ended, timeout=60, interval=0.3)
    details = stack.client().list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
    return status, {d["actionName"]: d for d in details}


def check_codebuild_clones_the_commit(stack):
    head = git(stack.repo, "rev-parse", "HEAD")
    build = wc.codebuild_action("CloneBuild")
    status, actions = run_pipeline(stack, unique("wk-clone"), [
        {"name": "Build", "actions": [build]}])
    assert status == "Succeeded", (status, {n: (d["status"], error_message(d))
                                            for n, d in actions.items()})
    fetch = actions["Fetch"]["output"]
    assert fetch["outputVariables"]["CommitId"] == head, fetch
    location = fetch["outputArtifacts"][0]["s3location"]
    names = zip_names(stack, location)
    assert sorted(names) == ["sluice-clone-ref.json"], sorted(names)
    ref = json.loads(names["sluice-clone-ref.json"])
    assert ref == {"url": stack.repo, "commit": head, "branch": "main",
                   "repository": "cloned"}, ref
    built = actions["CloneBuild"]["output"].get("outputVariables")
    uid = str(stack.uid if stack.uid is not None else os.geteuid())
    assert built == {"HEAD_COMMIT": head, "RESOLVED": head, "COMMITS": "2",
                     "DETACHED": "detached", "RUN_AS": uid}, built


def check_commands_refuse_a_clone_ref(stack):
    status, actions = run_pipeline(stack, unique("wk-clonecmd"), [
        {"name": "Run", "actions": [wc.commands_action("CloneCmds", ["git log -1"])]}])
    assert status == "Failed", status
    detail = actions["CloneCmds"]
    assert detail["status"] == "Failed", detail
    message = error_message(detail)
    assert "CODEBUILD_CLONE_REF" in message and "only an AWS/CodeBuild action" in message, \
        message
    assert detail["output"]["executionResult"]["errorDetails"]["code"] == \
        "ConfigurationError", detail


def check_credentials_remote_refused(stack):
    status, actions = run_pipeline(stack, unique("wk-cloneguard"), [
        {"name": "Build", "actions": [wc.codebuild_action("CloneBuild")]}], "guarded")
    assert status == "Failed", status
    message = error_message(actions["Fetch"])
    assert "clone without credentials" in message and "declared with credentials" in message, \
        message
    assert "token" not in message, message


def check_unreferenced_commit_fetched_by_id(stack):
    """A commit no branch or tag holds (as a revision override may name) is fetched by id."""
    loose = git(stack.repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "Unreferenced")
    assert git(stack.repo, "branch", "--contains", loose) == "", "no branch holds it"
    name = unique("wk-cloneloose")
    ref = {"url": stack.repo, "commit": loose, "branch": "main", "repository": "cloned"}
    execution = wc.start_with_source(stack, name, wc.codebuild_action("CloneBuild"),
                                     {"sluice-clone-ref.json": json.dumps(ref).encode()})
    detail = action_execution(stack, name, execution, "CloneBuild")
    assert detail["status"] == "Succeeded", error_message(detail)
    variables = dict(detail["output"]["outputVariables"])
    variables.pop("RUN_AS", None)
    assert variables == {"HEAD_COMMIT": loose, "RESOLVED": loose, "COMMITS": "3",
                         "DETACHED": "detached"}, detail["output"]


def check_bad_references_fail_the_build(stack):
    """References the test writes itself (a Custom source it plays): each fails the build."""
    missing = "0" * 40
    cases = [
        ({"url": stack.repo, "commit": missing, "branch": "main", "repository": "cloned"},
         f"input artifact SourceArtifact: fetching commit {missing} from {stack.repo} failed "
         "(git: "),
        ({"url": os.path.join(stack.logdir, "absent.git"), "commit": missing, "branch": "main",
          "repository": "absent"},
         f"input artifact SourceArtifact: cloning {os.path.join(stack.logdir, 'absent.git')} "
         "failed (git: fatal: "),
        ({"url": "https://ci:hunter2@git.invalid/x.git", "commit": missing, "branch": "main",
          "repository": "x"},
         'input artifact SourceArtifact: the clone reference cannot be used: "url" is not'),
        ({"url": stack.repo, "commit": missing, "branch": "a..b", "repository": "cloned"},
         '"branch" is not a valid git branch name'),
    ]
    for ref, wanted in cases:
        name = unique("wk-cloneref")
        execution = wc.start_with_source(stack, name, wc.codebuild_action("CloneBuild"),
                                         {"sluice-clone-ref.json": json.dumps(ref).encode()})
        detail = action_execution(stack, name, execution, "CloneBuild")
        message = error_message(detail)
        assert detail["status"] == "Failed", (ref, detail)
        assert wanted in message, (wanted, message)
        assert "hunter2" not in message, message


if __name__ == "__main__":
    run([check_codebuild_clones_the_commit, check_commands_refuse_a_clone_ref,
         check_credentials_remote_refused, check_unreferenced_commit_fetched_by_id,
         check_bad_references_fail_the_build], CloneStack())
