"""sluice-console on top of the api's test stack (tests/integration/api/sluice_stack.py),
and a small HTTP client that behaves like the console's page in a browser: it keeps the
session cookie, sends the CSRF header and the page's Origin, and reads an event stream."""

import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

import sluice_stack  # noqa: E402
from sluice_stack import (KEYS, SKIP, Stack, _free_port, pipeline_declaration,  # noqa: E402
                          s3_deploy, s3_source, stage_state, unique, write_json)

__all__ = ["ConsoleStack", "Page", "EventStream", "KEYS", "BIG_LAST_ACTION", "big_declaration",
           "pipeline_declaration", "s3_deploy", "s3_source", "stage_state", "unique", "write_json",
           "sluice_stack"]

# The last action of big_declaration's last stage (Stage-50).
BIG_LAST_ACTION = "deploy-50-49-region-eu-west-1-canary-group"


def big_declaration(name):
    """The declaration of pipeline name at CodePipeline's limits: 50 stages of 50 actions, with
    names long enough to wrap. Stage-01 holds 50 S3 sources (artifacts Src00..Src49); each of
    Stage-02..Stage-50 holds 50 S3 deploys of those artifacts across run orders 1..7. The browser
    test draws it and bench/console_bench.py times its first load."""
    first = [s3_source(f"fetch-{i:02d}-from-the-artifact-store-bucket", artifact=f"Src{i:02d}")
             for i in range(50)]
    stages = [{"name": "Stage-01", "actions": first}]
    for s in range(2, 51):
        actions = []
        for a in range(50):
            action = s3_deploy(f"deploy-{s:02d}-{a:02d}-region-eu-west-1-canary-group",
                               artifact=f"Src{a:02d}")
            action["runOrder"] = 1 + a % 7
            actions.append(action)
        stages.append({"name": f"Stage-{s:02d}", "actions": actions})
    return pipeline_declaration(name, stages)


class ConsoleStack(Stack):
    """Stack + one sluice-console (its URL in self.console)."""

    def __init__(self, extra_console_env=None, **kwargs):
        binary = os.environ.get("SLUICE_BINARY_DIR", "build")
        self.console_bin = os.path.join(binary, "services/console/sluice-console")
        if not os.access(self.console_bin, os.X_OK):
            print(f"skipped: {self.console_bin} is not built", flush=True)
            sys.exit(SKIP)
        super().__init__(**kwargs)
        try:
            port = _free_port()
            self.console = f"http://127.0.0.1:{port}"
            env = {"SLUICE_CONSOLE_PORT": str(port), "SLUICE_CONSOLE_BIND": "127.0.0.1",
                   "SLUICE_CONSOLE_PUBLIC_URL": self.console,
                   "SLUICE_CONSOLE_API_ENDPOINT": self.url,
                   "SLUICE_CONSOLE_GROUP": "console-" + self.prefix.rstrip(".")}
            env.update(extra_console_env or {})
            saved = dict(self.service_env)
            self.service_env.update(env)
            self.console_proc = self._spawn("console", [self.console_bin])
            self.service_env = saved
            self.wait_console()
        except BaseException:
            self.close(dump=True)
            raise

    def wait_console(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.console_proc.poll() is not None:
                raise RuntimeError(f"console exited with status {self.console_proc.returncode}")
            try:
                status, _, _ = request(self.console + "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the console did not become healthy in time")

    def action_status(self, name, stage, action):
        state = self.client("viewer").get_pipeline_state(name=name)
        for entry in stage_state(state, stage).get("actionStates", []):
            if entry.get("actionName") == action:
                return entry.get("latestExecution", {}).get("status")
        return None


def request(url, method="GET", body=None, headers=None):
    """(status, headers dict with lower-case names (repeats joined by '\\n'), body bytes)."""
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


class Page:
    """The console's page as a browser runs it: cookie jar, Origin, CSRF header."""

    def __init__(self, base):
        self.base = base
        self.cookie = None
        self.csrf = None
        self.session = None

    def _headers(self, extra=None):
        hdrs = {"Origin": self.base}
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        hdrs.update(extra or {})
        return hdrs

    def sign_in(self, role=None, key=None, secret=None):
        if role is not None:
            key, secret = KEYS[role]
        status, headers, body = request(
            self.base + "/console/api/signin", "POST",
            json.dumps({"accessKeyId": key, "secretAccessKey": secret}),
            self._headers({"Content-Type": "application/json"}))
        if status == 200:
            cookie = headers["set-cookie"]
            self.cookie = cookie.split(";", 1)[0]
            self.session = json.loads(body)
            self.csrf = self.session["csrf"]
            return status, cookie, self.session
        return status, headers.get("set-cookie"), json.loads(body)

    def get_session(self):
        status, _, body = request(self.base + "/console/api/session", headers=self._headers())
        return status, json.loads(body)

    def call(self, op, doc=None, csrf=True, origin=None):
        extra = {"Content-Type": "application/json"}
        if csrf and self.csrf:
            extra["X-Sluice-CSRF"] = self.csrf
        hdrs = self._headers(extra)
        if origin is not None:
            hdrs["Origin"] = origin
        status, _, body = request(self.base + "/console/api/call?op=" + op, "POST",
                                  json.dumps(doc or {}), hdrs)
        return status, json.loads(body) if body else {}

    def sign_out(self):
        extra = {"X-Sluice-CSRF": self.csrf} if self.csrf else {}
        status, headers, body = request(self.base + "/console/api/signout", "POST", b"",
                                        self._headers(extra))
        return status, headers.get("set-cookie", ""), json.loads(body)


class EventStream:
    """GET /console/events read incrementally over a raw socket: (event, id, data) tuples."""

    def __init__(self, base, cookie, pipeline=None, last_event_id=None):
        parts = urllib.parse.urlsplit(base)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        path = "/console/events" + ("?pipeline=" + urllib.parse.quote(pipeline) if pipeline else "")
        lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "Accept: text/event-stream"]
        if cookie:
            lines.append("Cookie: " + cookie)
        if last_event_id:
            lines.append("Last-Event-ID: " + last_event_id)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        self.status = None
        self.headers = {}
        self._read_head()

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the stream ended")
        self.buf += chunk

    def _read_head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill(10)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            name, value = line.split(":", 1)
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.body = b""

    def _decode(self):
        """Moves complete chunks of buf into body."""
        if not self.chunked:
            self.body += self.buf
            self.buf = b""
            return
        while True:
            if b"\r\n" not in self.buf:
                return
            size_line, rest = self.buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                raise EOFError("the stream ended")
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.buf = rest[size + 2:]

    def next(self, timeout=10):
        """The next event as (event, id, data) — comments and retry-only blocks skipped."""
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            while b"\n\n" in self.body:
                block, self.body = self.body.split(b"\n\n", 1)
                event, ident, data = "message", None, None
                for line in block.decode().split("\n"):
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("id: "):
                        ident = line[4:]
                    elif line.startswith("data: "):
                        data = line[6:]
                if data is not None:
                    return event, ident, json.loads(data)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event in time")
            self._fill(left)

    def close(self):
        self.sock.close()
