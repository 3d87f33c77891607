"""sluice-approvals on top of the api's test stack (tests/integration/api/sluice_stack.py):
two replicas of the service sharing one consumer group, Redis and the link key, plus
small HTTP helpers that act like a browser (cookies, the page's CSRF token)."""

import base64
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

import sluice_stack  # noqa: E402
from sluice_stack import (KEYS, PEOPLE, SKIP, Stack, _free_port, manual_approval,  # noqa: E402
                          pipeline_declaration, s3_deploy, s3_source, stage_state, unique,
                          write_json)

# a third approver with an e-mail address (the notifier mails approvers their own links)
PEOPLE.setdefault("carol", ("AKIDTESTCAROL", "carol-secret-xxxxxxxx", "approver",
                            ":groups=release:email=carol@example.com"))

__all__ = ["ApprovalsStack", "Browser", "git_commit", "git_source", "report_commit", "manual_approval", "pipeline_declaration", "s3_deploy",
           "s3_source", "stage_state", "unique", "write_json", "sluice_stack"]


class ApprovalsStack(Stack):
    """Stack + `replicas` sluice-approvals processes (urls in self.approvals)."""

    def __init__(self, replicas=2, **kwargs):
        binary = os.environ.get("SLUICE_BINARY_DIR", "build")
        self.approvals_bin = os.path.join(binary, "services/approvals/sluice-approvals")
        if not os.access(self.approvals_bin, os.X_OK):
            print(f"skipped: {self.approvals_bin} is not built", flush=True)
            sys.exit(SKIP)
        super().__init__(**kwargs)
        try:
            self.link_key_file = os.path.join(self.logdir, "link-key")
            with open(os.open(self.link_key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(secrets.token_hex(32) + "\n")
            group = "approvals-" + self.prefix.rstrip(".")
            self.approvals = []
            for i in range(replicas):
                port = _free_port()
                url = f"http://127.0.0.1:{port}"
                env = {"SLUICE_APPROVALS_PORT": str(port), "SLUICE_APPROVALS_BIND": "127.0.0.1",
                       "SLUICE_APPROVALS_PUBLIC_URL": url,
                       "SLUICE_APPROVAL_LINK_KEY_FILE": self.link_key_file,
                       "SLUICE_APPROVALS_GROUP": group,
                       "SLUICE_APPROVALS_REPLY_TIMEOUT_MS": "8000"}
                saved = dict(self.service_env)
                self.service_env.update(env)
                self._spawn(f"approvals{i}", [self.approvals_bin])
                self.service_env = saved
                self.approvals.append(url)
            for url in self.approvals:
                self._wait_url(url + "/healthz")
        except BaseException:
            self.close(dump=True)
            raise

    def _wait_url(self, url, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc, _ in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {proc.returncode}")
            try:
                status, _, _ = request(url)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{url} did not become healthy in time")

    def link(self, approval_id, approver, seconds=None, replica=0):
        env = dict(self.service_env)
        env.update({"SLUICE_APPROVAL_LINK_KEY_FILE": self.link_key_file,
                    "SLUICE_APPROVALS_PUBLIC_URL": self.approvals[replica]})
        argv = [self.approvals_bin, "link", approval_id, approver]
        if seconds is not None:
            argv.append(str(seconds))
        out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=10)
        return out.stdout.strip()

    def metric(self, replica, name, labels=""):
        _, _, body = request(self.approvals[replica] + "/metrics")
        total = 0.0
        for line in body.decode().splitlines():
            if line.startswith(name) and labels in line and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def waiting(self, name, stage, action):
        """(token, action execution id) of the waiting approval, or None."""
        state = self.client("viewer").get_pipeline_state(name=name)
        for entry in stage_state(state, stage).get("actionStates", []):
            latest = entry.get("latestExecution", {})
            if entry.get("actionName") == action and latest.get("status") == "InProgress" \
                    and latest.get("token"):
                return latest["token"], latest["actionExecutionId"]
        return None

    def action_status(self, name, stage, action):
        state = self.client("viewer").get_pipeline_state(name=name)
        for entry in stage_state(state, stage).get("actionStates", []):
            if entry.get("actionName") == action:
                return entry.get("latestExecution", {}).get("status")
        return None


def git_commit(message):
    """A real commit in a new repository: (commit id, its message as git prints it)."""
    repo = tempfile.mkdtemp(prefix="sluice-apv-git-")
    env = dict(os.environ, GIT_AUTHOR_NAME="Alice", GIT_AUTHOR_EMAIL="alice@example.com",
               GIT_COMMITTER_NAME="Alice", GIT_COMMITTER_EMAIL="alice@example.com")

    def git(*args):
        return subprocess.run(["git", "-C", repo, *args], env=env, check=True,
                              capture_output=True, text=True).stdout
    git("init", "-q")
    with open(os.path.join(repo, "app.txt"), "w") as f:
        f.write("v2\n")
    git("add", "app.txt")
    git("commit", "-q", "-m", message)
    return git("rev-parse", "HEAD").strip(), git("log", "-1", "--format=%B").strip()


def git_source(type_id, name="Src"):
    """A Custom source action of type_id: its job worker is report_commit."""
    return {"name": name, "actionTypeId": type_id, "configuration": {"Repo": "app"},
            "outputArtifacts": [{"name": "SourceArtifact"}]}


def report_commit(stack, type_id, commit, message):
    """Answers the source action's job as CodePipeline's source actions report a commit: the
    commit id as the revision, its message as revisionSummary (PollForJobs, PutJobSuccessResult)."""
    worker = stack.client("worker")
    job = stack.wait_for("the source job", lambda: worker.poll_for_jobs(
        actionTypeId=type_id, maxBatchSize=1)["jobs"], timeout=30)[0]
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    worker.put_job_success_result(jobId=job["id"], currentRevision={
        "revision": commit, "changeIdentifier": commit, "revisionSummary": message})


def request(url, method="GET", body=None, headers=None):
    """(status, headers dict with lower-case names (Set-Cookie joined by '\\n'), body bytes)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    path = parts.path + ("?" + parts.query if parts.query else "")
    data = body.encode() if isinstance(body, str) else body
    conn.request(method, path, body=data, headers=headers or {})
    resp = conn.getresponse()
    out = {}
    for key, value in resp.getheaders():
        key = key.lower()
        out[key] = out[key] + "\n" + value if key in out else value
    payload = resp.read()
    conn.close()
    return resp.status, out, payload


def basic(person):
    key, secret = (PEOPLE[person][0], PEOPLE[person][1]) if person in PEOPLE else KEYS[person]
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def vote_json(base, approval_id, status, summary="", person=None, link=None, headers=None):
    doc = {"status": status, "summary": summary}
    if link is not None:
        doc["link"] = link
    hdrs = {"Content-Type": "application/json"}
    if person is not None:
        hdrs["Authorization"] = basic(person)
    hdrs.update(headers or {})
    status_code, _, body = request(f"{base}/approvals/{approval_id}", "POST", json.dumps(doc), hdrs)
    return status_code, json.loads(body)


class Browser:
    """Cookies and forms, as a browser keeps them for one origin."""

    def __init__(self, base):
        self.base = base
        self.cookies = {}

    def _headers(self, extra=None):
        hdrs = {}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs.update(extra or {})
        return hdrs

    def _keep(self, headers):
        for line in headers.get("set-cookie", "").split("\n"):
            if "=" in line:
                name, rest = line.split("=", 1)
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    def get(self, path):
        status, headers, body = request(self.base + path, headers=self._headers())
        self._keep(headers)
        return status, headers, body.decode()

    def post(self, path, fields, extra=None):
        hdrs = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        hdrs.update(extra or {})
        status, headers, body = request(self.base + path, "POST",
                                        urllib.parse.urlencode(fields), hdrs)
        self._keep(headers)
        return status, headers, body.decode()

    def sign_in(self, approval_id, person):
        _, _, page = self.get(f"/approvals/{approval_id}")
        csrf = hidden(page, "csrf")
        key, secret = PEOPLE[person][0], PEOPLE[person][1]
        status, headers, _ = self.post(f"/approvals/{approval_id}/signin",
                                       {"csrf": csrf, "key": key, "secret": secret})
        assert status == 303, (status, headers)
        assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]


def hidden(page, name):
    match = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    return match.group(1).replace("&amp;", "&") if match else None
