"""Webhooks of GitHub, GitLab and Gitea and V2 triggers, in the whole stack (test_source_service's
SourceStack: sluice-api, sluice-orchestrator, sluice-artifacts and sluice-source on the shared
Kafka/Redis fixture, git repositories made here).

- GitHub: the published example payloads of @octokit/webhooks-examples (push, pull_request),
  rewritten to the test's repository and commits and signed here, start the V2 pipelines whose
  filters accept them and no other: branch includes/excludes, tags (includes/excludes), file-path
  globs (the diff of the push), pull-request events OPEN/UPDATED/CLOSED with the destination
  branch and the pull request's files; trigger WebhookV2 with the connection as detail; the Source
  action fetches the tag's or the pull request's head commit; a redelivered change (same or a new
  delivery id, or delivered to each of two replicas) starts nothing more; bad signatures 401,
  malformed bodies 400;
- GitLab: Push Hook, Tag Push Hook and Merge Request Hook payloads (tests/data/source/gitlab)
  with X-Gitlab-Token; a wrong token 401, a replayed Idempotency-Key 200 and dropped, a delivery
  without an id 400;
- Gitea: push, create (tag) and pull_request payloads (tests/data/source/gitea) signed with
  X-Gitea-Signature; a bad signature 401, a replayed X-Gitea-Delivery dropped, a malformed body
  400.
Exit 0, 1 or 77 (skipped: a binary or the npm package is not installed).
"""

import copy
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_source_service import (BUILD, CONNECTION, HOOK_SECRET, SourceStack,  # noqa: E402
                                 executions_of, git)
from sluice_stack import SKIP, custom_action, pipeline_declaration, run, unique, write_json  # noqa: E402,E501

ROOT = os.environ.get("SLUICE_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
EXAMPLES = os.path.join(ROOT, ".deps", "octokit", "node_modules", "@octokit", "webhooks-examples",
                        "api.github.com", "index.json")
DATA = os.path.join(ROOT, "tests", "data", "source")
GITLAB = "arn:aws:codestar-connections:us-east-1:123456789012:connection/" + str(uuid.uuid4())
GITEA = "arn:aws:codeconnections:us-east-1:123456789012:connection/" + str(uuid.uuid4())
GITLAB_TOKEN = "gitlab-token-" + os.urandom(8).hex()
GITEA_SECRET = "gitea-secret-" + os.urandom(8).hex()


def examples(event, predicate):
    """The first published GitHub example of event for which predicate(example) holds."""
    with open(EXAMPLES) as f:
        for entry in json.load(f):
            if entry["name"] == event:
                for example in entry["examples"]:
                    if predicate(example):
                        return copy.deepcopy(example)
    raise AssertionError(f"no {event} example fits")


class HookStack(SourceStack):
    def __init__(self):
        if not os.path.exists(EXAMPLES):
            print(f"skipped: {EXAMPLES} is missing (scripts/install-deps.sh installs it)",
                  flush=True)
            sys.exit(SKIP)
        base = tempfile.mkdtemp(prefix="sluice-hooks-")
        self.scratch = base
        self.bases = {"gitlab": os.path.join(base, "gitlab"), "gitea": os.path.join(base, "gitea")}
        super().__init__(connections=(
            {"arn": GITLAB, "baseUrl": self.bases["gitlab"], "providerType": "GitLab",
             "webhookSecret": GITLAB_TOKEN},
            {"arn": GITEA, "baseUrl": self.bases["gitea"], "webhookSecret": GITEA_SECRET}))

    def new_repo(self, base, full_name):
        path = os.path.join(base, *full_name.split("/"))
        subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
        self.commit(path, "README.md", "Initial import")
        return path

    def change(self, repo, path, message, branch):
        """A commit on branch (created from main when new); its id."""
        exists = subprocess.run(["git", "-C", repo, "rev-parse", "--verify", "-q",
                                 "refs/heads/" + branch], capture_output=True).returncode == 0
        git(repo, "checkout", "-q", *([branch] if exists else ["-b", branch, "main"]))
        os.makedirs(os.path.dirname(os.path.join(repo, path)), exist_ok=True)
        commit = self.commit(repo, path, message)
        git(repo, "checkout", "-q", "main")
        return commit

    def close(self, dump=False):
        super().close(dump=dump)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def post(self, host, body, headers):
        req = urllib.request.Request(f"http://127.0.0.1:{self.source_port}/webhooks/{host}",
                                     data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, json.loads(resp.read())["result"]
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())["result"]

    def github(self, event, payload, delivery=None, secret=HOOK_SECRET):
        body = json.dumps(payload).encode()
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self.post("github", body, {"X-GitHub-Event": event,
                                          "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                                          "X-Hub-Signature-256": sig})

    def gitlab(self, event, payload, key=None, token=GITLAB_TOKEN, uuid_header=True):
        headers = {"X-Gitlab-Event": event, "X-Gitlab-Token": token}
        if uuid_header:
            headers["X-Gitlab-Event-UUID"] = str(uuid.uuid4())
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.post("gitlab", json.dumps(payload).encode(), headers)

    def gitea(self, event, payload, delivery=None, secret=GITEA_SECRET, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return self.post("gitea", body, {"X-Gitea-Event": event,
                                         "X-Gitea-Delivery": delivery or str(uuid.uuid4()),
                                         "X-Gitea-Signature": sig})

    def trigger_changes(self):
        return sum(self.metric(f'sluice_source_trigger_changes_total{{result="{r}"}}')
                   for r in ("started", "unmatched", "failed"))

    def settle(self, changes_before, accepted):
        """Waits until sluice-source has handled `accepted` more changes."""
        self.wait_for(f"{accepted} changes handled", lambda: self.trigger_changes()
                      >= changes_before + accepted, timeout=20)
        assert self.metric('sluice_source_trigger_changes_total{result="failed"}') == 0


def v2_pipeline(stack, name, connection, full_name, git_configuration, build):
    decl = pipeline_declaration(name, [
        {"name": "Source", "actions": [{
            "name": "Fetch", "namespace": "SourceVariables",
            "actionTypeId": {"category": "Source", "owner": "AWS",
                             "provider": "CodeStarSourceConnection", "version": "1"},
            "configuration": {"ConnectionArn": connection, "FullRepositoryId": full_name,
                              "BranchName": "main"},
            "outputArtifacts": [{"name": "SourceArtifact"}]}]},
        {"name": "Build", "actions": [custom_action("Compile", build)]}],
        execution_mode="PARALLEL")  # each execution's Source action runs, none superseded
    decl["pipeline"]["triggers"] = [{"providerType": "CodeStarSourceConnection",
                                     "gitConfiguration": {"sourceActionName": "Fetch",
                                                          **git_configuration}}]
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    return name


def fetched_commit(stack, name, execution_id):
    def probe():
        for d in stack.client().list_action_executions(
                pipelineName=name, filter={"pipelineExecutionId": execution_id})[
                "actionExecutionDetails"]:
            if d["actionName"] == "Fetch" and d["status"] in ("Succeeded", "Failed"):
                return d
        return None
    detail = stack.wait_for("the Source action", probe, timeout=30)
    assert detail["status"] == "Succeeded", detail
    assert "CommitId" in detail["output"].get("outputVariables", {}), detail
    return detail["output"]["outputVariables"]["CommitId"]


def github_push(full_name, ref, before, after):
    p = examples("push", lambda e: e["ref"].startswith("refs/heads/") and not e["deleted"])
    p.update(ref=ref, before=before, after=after, created=before == "0" * 40, deleted=False)
    owner, repo = full_name.split("/")
    p["repository"].update(full_name=full_name, name=repo)
    p["repository"]["owner"]["login"] = owner
    if p.get("head_commit"):
        p["head_commit"]["id"] = after
    return p


def github_pr(full_name, action, number, head_ref, head_sha, base_ref, base_sha):
    p = examples("pull_request", lambda e: e["action"] == action)
    p["number"] = number
    p["pull_request"]["number"] = number
    p["pull_request"]["head"].update(ref=head_ref, sha=head_sha)
    p["pull_request"]["base"].update(ref=base_ref, sha=base_sha)
    owner, repo = full_name.split("/")
    p["repository"].update(full_name=full_name, name=repo)
    return p


def check_github_v2_filters(stack):
    full = "octo/v2app"
    repo = stack.new_repo(os.path.join(stack.logdir, "hosted"), full)
    main0 = git(repo, "rev-parse", "HEAD").decode().strip()
    build = BUILD + "v"
    gc = {
        "branch": {"push": [{"branches": {"includes": ["main", "release/**"],
                                          "excludes": ["release/skip"]}}]},
        "tag": {"push": [{"tags": {"includes": ["v*"], "excludes": ["v*-rc"]}}]},
        "paths": {"push": [{"branches": {"includes": ["**"]},
                            "filePaths": {"includes": ["src/**"],
                                          "excludes": ["**/README.md"]}}]},
        "pr": {"pullRequest": [{"events": ["OPEN", "UPDATED"],
                                "branches": {"includes": ["main"]}}]},
        "closed": {"pullRequest": [{"events": ["CLOSED"],
                                    "filePaths": {"includes": ["api/**"]}}]},
    }
    names = {k: v2_pipeline(stack, unique("v2" + k), CONNECTION, full, v, build)
             for k, v in gc.items()}
    before = stack.trigger_changes()
    accepted = 0

    def deliver(event, payload):
        nonlocal accepted
        assert stack.github(event, payload) == (202, "accepted"), (event, payload.get("ref"))
        accepted += 1

    # a. main, docs only: branch yes, paths no
    a = stack.change(repo, "docs/guide.md", "Docs change", branch="main")
    deliver("push", github_push(full, "refs/heads/main", main0, a))
    # b. release/skip with src/: branch no (excluded), paths yes
    b = stack.change(repo, "src/app.c", "Source change", branch="release/skip")
    deliver("push", github_push(full, "refs/heads/release/skip", a, b))
    # c. feature with src/README.md only: paths no (excluded), branch no
    c = stack.change(repo, "src/README.md", "Readme change", branch="feature")
    deliver("push", github_push(full, "refs/heads/feature", a, c))
    # d. tags v1.0 (yes) and v1.1-rc (no)
    git(repo, "tag", "v1.0", b)
    git(repo, "tag", "v1.1-rc", c)
    deliver("push", github_push(full, "refs/tags/v1.0", "0" * 40, b))
    deliver("push", github_push(full, "refs/tags/v1.1-rc", "0" * 40, c))
    # e. pull request 5, topic -> main: opened (pr yes), synchronize (pr yes), closed with
    #    api/ (closed yes); pull request 6 into release/x: no pr start
    p1 = stack.change(repo, "api/v1.go", "API change", branch="topic")
    git(repo, "update-ref", "refs/pull/5/head", p1)
    deliver("pull_request", github_pr(full, "opened", 5, "topic", p1, "main", a))
    p2 = stack.change(repo, "api/v2.go", "API change 2", branch="topic")
    git(repo, "update-ref", "refs/pull/5/head", p2)
    deliver("pull_request", github_pr(full, "synchronize", 5, "topic", p2, "main", a))
    deliver("pull_request", github_pr(full, "closed", 5, "topic", p2, "main", a))
    git(repo, "update-ref", "refs/pull/6/head", c)
    deliver("pull_request", github_pr(full, "opened", 6, "feature", c, "release/x", a))
    # a pull-request action that is none of the three, and a deleted branch: ignored
    assert stack.github("pull_request", examples("pull_request",
                                                 lambda e: e["action"] == "labeled")) == \
        (202, "ignored")
    assert stack.github("push", examples("push", lambda e: e["deleted"])) == (202, "ignored")

    stack.settle(before, accepted)
    time.sleep(1.0)
    counts = {k: len(executions_of(stack, n)) for k, n in names.items()}
    print(f"     executions per filter: {counts}", flush=True)
    assert counts == {"branch": 1, "tag": 1, "paths": 1, "pr": 2, "closed": 1}, counts

    for key, name in names.items():
        for summary in executions_of(stack, name):
            trigger = summary["trigger"]
            assert trigger["triggerType"] == "WebhookV2", summary
            assert trigger["triggerDetail"] == f"{CONNECTION} {full}", summary
    tag_exec = executions_of(stack, names["tag"])[0]["pipelineExecutionId"]
    assert fetched_commit(stack, names["tag"], tag_exec) == b
    pr_heads = sorted(fetched_commit(stack, names["pr"], s["pipelineExecutionId"])
                      for s in executions_of(stack, names["pr"]))
    assert pr_heads == sorted([p1, p2]), pr_heads
    paths_exec = executions_of(stack, names["paths"])[0]["pipelineExecutionId"]
    assert fetched_commit(stack, names["paths"], paths_exec) == b

    # the same change again — a new delivery id, then the same id — starts nothing more
    before = stack.trigger_changes()
    payload = github_push(full, "refs/heads/main", main0, a)
    delivery = str(uuid.uuid4())
    assert stack.github("push", payload, delivery=delivery) == (202, "accepted")
    assert stack.github("push", payload, delivery=delivery) == (200, "duplicate")
    stack.settle(before, 1)
    time.sleep(1.0)
    assert len(executions_of(stack, names["branch"])) == 1
    # two replicas each given the delivery of one new change: one execution
    replica, port = stack.start_replica()
    try:
        d = stack.change(repo, "notes.txt", "Replicated change", branch="main")
        payload = github_push(full, "refs/heads/main", a, d)
        before = stack.trigger_changes()
        assert stack.github("push", payload) == (202, "accepted")
        main_port, stack.source_port = stack.source_port, port
        try:
            assert stack.github("push", payload) == (202, "accepted")
            stack.wait_for("the replica's change handled",
                           lambda: stack.trigger_changes() >= 1, timeout=20)
        finally:
            stack.source_port = main_port
        stack.settle(before, 1)
        stack.wait_for("the replicated change's execution",
                       lambda: len(executions_of(stack, names["branch"])) == 2, timeout=15)
        time.sleep(1.0)
        assert len(executions_of(stack, names["branch"])) == 2, executions_of(stack,
                                                                              names["branch"])
    finally:
        replica.terminate()
        replica.wait(10)
    # refused and malformed
    assert stack.github("push", payload, secret="not-the-secret") == (401, "refused")
    bad = github_push(full, "refs/heads/main", main0, "not-a-commit")
    assert stack.github("push", bad) == (400, "malformed")


def gitlab_fixture(name):
    with open(os.path.join(DATA, "gitlab", name)) as f:
        return json.load(f)


def gitea_fixture(name):
    with open(os.path.join(DATA, "gitea", name)) as f:
        return json.load(f)


def check_gitlab(stack):
    full = "grp/sub/app"
    repo = stack.new_repo(stack.bases["gitlab"], full)
    main0 = git(repo, "rev-parse", "HEAD").decode().strip()
    name = v2_pipeline(stack, unique("v2gitlab"), GITLAB, full, {
        "push": [{"branches": {"includes": ["main"]}}, {"tags": {"includes": ["v*"]}}],
        "pullRequest": [{"events": ["OPEN"]}]}, BUILD + "gl")
    before = stack.trigger_changes()
    commit = stack.change(repo, "app.py", "GitLab change", branch="main")
    push = gitlab_fixture("push.json")
    push.update(ref="refs/heads/main", before=main0, after=commit, checkout_sha=commit)
    push["project"]["path_with_namespace"] = full
    key = str(uuid.uuid4())
    assert stack.gitlab("Push Hook", push, key=key) == (202, "accepted")
    assert stack.gitlab("Push Hook", push, key=key) == (200, "duplicate")  # GitLab's retry
    assert stack.gitlab("Push Hook", push, token="wrong") == (401, "refused")
    assert stack.gitlab("Push Hook", push, uuid_header=False) == (400, "malformed")
    assert stack.gitlab("Push Hook", {"object_kind": "push", "ref": 3}) == (400, "malformed")
    git(repo, "tag", "v2.0", main0)
    tag = gitlab_fixture("tag_push.json")
    tag.update(ref="refs/tags/v2.0", after=main0, checkout_sha=main0)
    tag["project"]["path_with_namespace"] = full
    assert stack.gitlab("Tag Push Hook", tag) == (202, "accepted")
    head = stack.change(repo, "mr.txt", "Merge request change", branch="ms-viewport")
    git(repo, "update-ref", "refs/merge-requests/1/head", head)
    mr = gitlab_fixture("merge_request.json")
    mr["project"]["path_with_namespace"] = full
    mr["object_attributes"].update(source_branch="ms-viewport", target_branch="main")
    mr["object_attributes"]["last_commit"]["id"] = head
    assert stack.gitlab("Merge Request Hook", mr) == (202, "accepted")
    stack.settle(before, 3)
    time.sleep(0.5)
    runs = executions_of(stack, name)
    assert len(runs) == 3, runs
    assert all(r["trigger"]["triggerType"] == "WebhookV2" for r in runs), runs
    fetched = sorted(fetched_commit(stack, name, r["pipelineExecutionId"]) for r in runs)
    assert fetched == sorted([commit, main0, head]), fetched


def check_gitea(stack):
    full = "team/web"
    repo = stack.new_repo(stack.bases["gitea"], full)
    main0 = git(repo, "rev-parse", "HEAD").decode().strip()
    name = v2_pipeline(stack, unique("v2gitea"), GITEA, full, {
        "push": [{"branches": {"includes": ["main"]}, "filePaths": {"includes": ["web/**"]}},
                 {"tags": {"includes": ["v*"]}}],
        "pullRequest": [{"events": ["OPEN"], "branches": {"includes": ["main"]}}]},
        BUILD + "gt")
    before = stack.trigger_changes()
    skipped = stack.change(repo, "docs/x.md", "Docs only", branch="main")
    push = gitea_fixture("push.json")
    push.update(ref="refs/heads/main", before=main0, after=skipped)
    push["repository"]["full_name"] = full
    assert stack.gitea("push", push) == (202, "accepted")  # no web/ file: nothing starts
    commit = stack.change(repo, "web/index.html", "Web change", branch="main")
    push.update(before=skipped, after=commit)
    delivery = str(uuid.uuid4())
    assert stack.gitea("push", push, delivery=delivery) == (202, "accepted")
    assert stack.gitea("push", push, delivery=delivery) == (200, "duplicate")
    assert stack.gitea("push", push, secret="wrong") == (401, "refused")
    assert stack.gitea("push", None, raw=b'{"ref": "refs/heads/main"') == (400, "malformed")
    git(repo, "tag", "v3", commit)
    create = gitea_fixture("create.json")
    create.update(ref="v3", sha=commit)
    create["repository"]["full_name"] = full
    assert stack.gitea("create", create) == (202, "accepted")
    head = stack.change(repo, "web/pr.html", "Pull request change", branch="feature")
    git(repo, "update-ref", "refs/pull/1/head", head)
    pr = gitea_fixture("pull_request.json")
    pr["pull_request"]["head"].update(ref="feature", sha=head)
    pr["pull_request"]["base"].update(ref="main", sha=commit)
    pr["repository"]["full_name"] = full
    assert stack.gitea("pull_request", pr) == (202, "accepted")
    stack.settle(before, 4)
    time.sleep(0.5)
    runs = executions_of(stack, name)
    assert len(runs) == 3, runs
    fetched = sorted(fetched_commit(stack, name, r["pipelineExecutionId"]) for r in runs)
    assert fetched == sorted([commit, commit, head]), fetched
    assert stack.metric('sluice_source_webhooks_total{result="refused"}') >= 3


if __name__ == "__main__":
    run([check_github_v2_filters, check_gitlab, check_gitea], HookStack())
