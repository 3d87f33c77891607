#!/usr/bin/python3
"""sluice-notifier against real peers: the shared Kafka and Redis, a local
HTTP server standing in for Slack and webhook receivers, and a real SMTP
server (aiosmtpd from Debian).

Checks: CodeStar event types and an EventBridge pattern select the right
events; Slack payloads are valid Block Kit within Slack's limits and carry
the approval command; mails parse with Python's email package (headers, both
parts, encoded subject, Message-ID from the event, one thread per
execution); webhooks verify with their HMAC signature; a duplicated event is
delivered once; a target answering 500 three times then 200 gets exactly one
successful delivery; a target that never answers ends in the dead-letter
topic while the others keep receiving; a notifier killed with SIGKILL in the
middle of a burst never delivers an event twice (a delivery that was in
flight is dead-lettered as "outcome unknown", every other one is delivered);
SIGHUP reloads the rules (a broken file is refused and the old rules stay);
SIGTERM ends it within 3 s. Prints each part's duration.
"""
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BINARY = os.environ["SLUICE_BINARY_DIR"]
NOTIFIER = os.path.join(BINARY, "services", "notifier", "sluice-notifier")
PRODUCE = os.path.join(BINARY, "tests", "integration", "notifier", "ntf_produce")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr, flush=True)


def read_env():
    env = {}
    with open(os.environ["SLUICE_TEST_ENV_FILE"]) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v
    return env


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- the HTTP stand-in ------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}  # path -> [(headers, body)]
        self.flaky_failures = {}  # event id -> failures served so far

    def add(self, path, headers, body):
        with self.lock:
            self.requests.setdefault(path, []).append((headers, body))

    def get(self, path):
        with self.lock:
            return list(self.requests.get(path, []))


recorder = Recorder()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        path = self.path
        if path == "/dead":
            time.sleep(3)  # longer than the target's timeout: it never answers in time
            return
        got = dict(self.headers)
        got["_arrived"] = time.monotonic()
        recorder.add(path, got, body)
        status = 200
        headers = {}
        if path == "/slowdown":
            event_id = self.headers.get("X-Sluice-Event-Id", "")
            with recorder.lock:
                if event_id not in recorder.flaky_failures:
                    recorder.flaky_failures[event_id] = 1
                    status = 429
                    headers["Retry-After"] = "1"
        if path == "/flaky":
            event_id = self.headers.get("X-Sluice-Event-Id", "")
            with recorder.lock:
                served = recorder.flaky_failures.get(event_id, 0)
                if served < 3:
                    recorder.flaky_failures[event_id] = served + 1
                    status = 500
        out = b"ok" if status == 200 else b"try later"
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class Mailbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


# ---- events -----------------------------------------------------------------------

def event(detail_type, detail, event_id=None):
    return {
        "version": "0", "id": event_id or str(uuid.uuid4()), "detail-type": detail_type,
        "source": "aws.codepipeline", "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": "us-east-1",
        "resources": ["arn:aws:codepipeline:us-east-1:123456789012:" + detail["pipeline"]],
        "detail": detail,
    }


def pipeline_event(pipeline, execution, state, event_id=None):
    return event("CodePipeline Pipeline Execution State Change",
                 {"pipeline": pipeline, "execution-id": execution, "state": state, "version": 1},
                 event_id)


def approval_event(pipeline, execution):
    return event("CodePipeline Action Execution State Change",
                 {"pipeline": pipeline, "execution-id": execution, "stage": "Gate",
                  "action": "Ok", "state": "STARTED", "version": 1,
                  "type": {"owner": "AWS", "category": "Approval", "provider": "Manual",
                           "version": "1"}})


def produce(brokers, topic, events):
    lines = "".join("%s\t%s\n" % (e["detail"]["pipeline"], json.dumps(e)) for e in events)
    subprocess.run([PRODUCE, brokers, topic], input=lines, text=True, check=True)


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    check(False, "timed out waiting for " + what)
    return False


def metric(port, name, labels=""):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + ("{" + labels if labels else "")):
            total += float(line.rsplit(" ", 1)[1])
    return total


# ---- Slack checks -----------------------------------------------------------------

def check_block_kit(payload, what):
    check(isinstance(payload.get("text"), str) and payload["text"], what + ": fallback text")
    attachments = payload.get("attachments", [])
    check(len(attachments) == 1 and attachments[0].get("color", "").startswith("#"),
          what + ": one coloured attachment")
    blocks = attachments[0].get("blocks", [])
    check(0 < len(blocks) <= 50, what + ": 1 to 50 blocks")
    for b in blocks:
        kind = b.get("type")
        check(kind in ("header", "section", "context", "actions", "divider"),
              what + ": block type %r" % kind)
        if kind == "header":
            check(b["text"]["type"] == "plain_text" and len(b["text"]["text"]) <= 150,
                  what + ": header")
        if kind == "section":
            if "text" in b:
                check(b["text"]["type"] == "mrkdwn" and len(b["text"]["text"]) <= 3000,
                      what + ": section text")
            fields = b.get("fields", [])
            check(len(fields) <= 10 and all(len(f["text"]) <= 2000 for f in fields),
                  what + ": fields")
            check("text" in b or fields, what + ": a section has text or fields")
        if kind == "actions":
            for el in b["elements"]:
                check(el["type"] == "button" and len(el["text"]["text"]) <= 75
                      and len(el.get("url", "")) <= 3000, what + ": button")
    return blocks


def main():
    env = read_env()
    brokers = env["SLUICE_TEST_KAFKA_BROKERS"]
    prefix = "ntf%d." % random.randrange(1 << 30)
    events_topic = prefix + "events"
    work = tempfile.mkdtemp(prefix="sluice-notifier-")

    http_port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    # a second server that wants AUTH (over plain TCP: a test-only allowance)
    auth_box = Mailbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"ci" \
            and auth_data.password == b"mail-secret"
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    auth_port = free_port()
    auth_smtp = Controller(auth_box, hostname="127.0.0.1", port=auth_port,
                           authenticator=authenticator, auth_required=True,
                           auth_require_tls=False)
    auth_smtp.start()
    base = "http://127.0.0.1:%d" % http_port

    mail_pw = os.path.join(work, "mail-password")
    with open(mail_pw, "w") as f:
        f.write("mail-secret\n")
    os.chmod(mail_pw, 0o600)
    slack_file = os.path.join(work, "slack-url")
    key_file = os.path.join(work, "hook-key")
    for path, value in ((slack_file, base + "/slack"), (key_file, "webhook-signing-key")):
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
    rules = {
        "targets": {
            "team": {"type": "slack", "url": {"file": slack_file}},
            "ops": {"type": "email", "smtpUrl": "smtp://127.0.0.1:%d" % smtp_port,
                    "from": "Sluice CI <ci@example.com>",
                    "to": ["ann@example.com", "Bob <bob@example.com>"], "starttls": "off"},
            "hook": {"type": "webhook", "url": {"env": "TEST_HOOK_URL"},
                     "secret": {"file": key_file}},
            "flaky": {"type": "webhook", "url": {"env": "TEST_FLAKY_URL"},
                      "maxAttempts": 6},
            "dead": {"type": "webhook", "url": {"env": "TEST_DEAD_URL"}, "timeoutMs": 500,
                     "maxAttempts": 2},
            "digest": {"type": "slack", "url": {"env": "TEST_DIGEST_URL"}},
            "authmail": {"type": "email", "smtpUrl": "smtp://127.0.0.1:%d" % auth_port,
                         "from": "ci@example.com", "to": ["ops@example.com"],
                         "username": "ci", "password": {"file": mail_pw}, "starttls": "off"},
            "slowdown": {"type": "webhook", "url": {"env": "TEST_SLOWDOWN_URL"}},
        },
        "rules": [
            {"name": "failures and approvals", "targets": ["team", "ops"], "detailType": "FULL",
             "eventTypeIds": ["codepipeline-pipeline-pipeline-execution-failed",
                              "codepipeline-pipeline-manual-approval-needed"],
             "pipelines": ["web"]},
            {"name": "everything", "targets": ["hook", "flaky", "dead"],
             "eventPattern": {"source": ["aws.codepipeline"],
                              "detail": {"pipeline": [{"prefix": "web"}]}}},
            {"name": "burst", "targets": ["hook"],
             "eventPattern": {"detail": {"pipeline": ["burst"]}}},
            {"name": "with auth", "targets": ["authmail", "slowdown"],
             "eventPattern": {"detail": {"pipeline": ["auth"]}}},
            {"name": "one per outcome", "targets": ["digest"], "aggregate": True,
             "eventPattern": {"detail": {"pipeline": ["agg"]}}},
        ],
    }
    rules_file = os.path.join(work, "rules.json")
    with open(rules_file, "w") as f:
        json.dump(rules, f)

    penv = dict(os.environ)
    penv.update({
        "SLUICE_KAFKA_BROKERS": brokers, "SLUICE_TOPIC_PREFIX": prefix,
        "SLUICE_TOPIC_PARTITIONS": "3",
        "SLUICE_REDIS_HOST": env["SLUICE_TEST_REDIS_HOST"],
        "SLUICE_REDIS_PORT": env["SLUICE_TEST_REDIS_PORT"],
        "SLUICE_NOTIFIER_RULES_FILE": rules_file, "SLUICE_NOTIFIER_PORT": str(free_port()),
        "SLUICE_NOTIFIER_GROUP": prefix + "notifier", "SLUICE_NOTIFIER_LEASE_MS": "2000",
        "SLUICE_NOTIFIER_RETRY_BASE_MS": "50", "SLUICE_NOTIFIER_RETRY_MAX_MS": "2000",
        "SLUICE_NOTIFIER_API_ENDPOINT": "http://localhost:7070",
        "SLUICE_NOTIFIER_MAIL_DOMAIN": "test.sluice",
        "TEST_HOOK_URL": base + "/hook", "TEST_FLAKY_URL": base + "/flaky",
        "TEST_DEAD_URL": base + "/dead", "TEST_LATE_URL": base + "/late",
        "TEST_DIGEST_URL": base + "/digest", "TEST_SLOWDOWN_URL": base + "/slowdown",
    })
    port = int(penv["SLUICE_NOTIFIER_PORT"])
    log = open(os.path.join(work, "notifier.log"), "ab")

    def start():
        proc = subprocess.Popen([NOTIFIER], env=penv, stdout=log, stderr=log)
        ok = wait_for(lambda: healthy(port), 30, "the notifier's /healthz")
        return proc if ok else proc

    def healthy(p):
        try:
            return urllib.request.urlopen("http://127.0.0.1:%d/healthz" % p, timeout=1).status == 200
        except Exception:
            return False

    # 0. a rules file with problems stops start-up with a message naming them
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        json.dump({"targets": {"t": {"type": "pager"}}, "rules": []}, f)
    res = subprocess.run([NOTIFIER], env=dict(penv, SLUICE_NOTIFIER_RULES_FILE=bad),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
    check(res.returncode == 2 and "targets.t" in res.stdout and "rules" in res.stdout,
          "a bad rules file is refused at start-up: %r" % res.stdout[-400:])

    t0 = time.monotonic()
    proc = start()
    print("started in %.1fs" % (time.monotonic() - t0), flush=True)

    # 1. selection, Slack, mail, webhooks, a duplicate
    t0 = time.monotonic()
    failed = pipeline_event("web", "exec-1", "FAILED")
    approval = approval_event("web", "exec-1")
    started = pipeline_event("web", "exec-2", "STARTED")
    other = pipeline_event("api", "exec-3", "FAILED")
    produce(brokers, events_topic, [failed, approval, started, other, failed])
    wait_for(lambda: len(recorder.get("/slack")) >= 2 and len(mailbox.messages) >= 2
             and len(recorder.get("/hook")) >= 3, 30, "slack, mail and hook deliveries")
    time.sleep(1.0)  # anything extra (a duplicate) would arrive by now
    slack = recorder.get("/slack")
    check(len(slack) == 2, "slack got the failure and the approval only: %d" % len(slack))
    titles = [json.loads(b)["text"] for _, b in slack]
    check(sorted(titles) == sorted(["Pipeline web FAILED", "Approval needed: web / Gate / Ok"]),
          "slack titles %r" % titles)
    for _, body in slack:
        payload = json.loads(body)
        blocks = check_block_kit(payload, payload["text"])
        text = json.dumps(blocks)
        if payload["text"].startswith("Approval"):
            check("put-approval-result --pipeline-name web --stage-name Gate --action-name Ok"
                  in text and "--endpoint-url http://localhost:7070" in text,
                  "the approval message says how to decide")
            check(payload["attachments"][0]["color"] == "#ecb22e", "approval colour")
        else:
            check(payload["attachments"][0]["color"] == "#d13212", "failure colour")

    hook = recorder.get("/hook")
    ids = sorted(json.loads(b)["id"] for _, b in hook)
    check(ids == sorted([failed["id"], approval["id"], started["id"]]),
          "the hook got each web event once: %r" % ids)
    for headers, body in hook:
        stamp = headers["X-Sluice-Timestamp"]
        want = "v1=" + hmac.new(b"webhook-signing-key", stamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
        check(hmac.compare_digest(headers.get("X-Sluice-Signature", ""), want),
              "webhook signature verifies")
        check(abs(int(stamp) - time.time()) < 120, "webhook timestamp is now")
        check(json.loads(body)["id"] == headers["X-Sluice-Event-Id"], "event id header")

    with mailbox.lock:
        mails = list(mailbox.messages)
    check(len(mails) == 2, "two mails: %d" % len(mails))
    refs = set()
    for mail_from, rcpts, content in mails:
        check(mail_from == "ci@example.com", "envelope sender %r" % mail_from)
        check(sorted(rcpts) == ["ann@example.com", "bob@example.com"], "recipients %r" % rcpts)
        msg = email.message_from_bytes(content, policy=email.policy.default)
        check(msg["From"] == "Sluice CI <ci@example.com>", "From %r" % msg["From"])
        check("ann@example.com" in msg["To"] and "bob@example.com" in msg["To"], "To")
        check(msg["Subject"].startswith("[Sluice] "), "Subject %r" % msg["Subject"])
        check(msg["Message-ID"].endswith(".ops@test.sluice>"), "Message-ID %r" % msg["Message-ID"])
        check(msg["In-Reply-To"] == "<exec-1@test.sluice>", "In-Reply-To %r" % msg["In-Reply-To"])
        refs.add(msg["References"])
        check(msg["Date"] is not None and msg["MIME-Version"] == "1.0", "Date and MIME-Version")
        check(msg.get_content_type() == "multipart/alternative", "multipart/alternative")
        plain = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        check("Pipeline: web" in plain and "exec-1" in plain, "the text part")
        check("<table>" in html and "exec-1" in html, "the HTML part")
    check(refs == {"<exec-1@test.sluice>"}, "one thread per execution: %r" % refs)
    print("selection, slack, mail, webhooks: %.1fs" % (time.monotonic() - t0), flush=True)

    # 1a. SMTP AUTH, and a 429 with Retry-After honoured
    t0 = time.monotonic()
    auth_event = pipeline_event("auth", "exec-auth", "SUCCEEDED")
    produce(brokers, events_topic, [auth_event])
    wait_for(lambda: len(auth_box.messages) == 1 and len(recorder.get("/slowdown")) == 2, 20,
             "the authenticated mail and the slowed-down webhook")
    check(logins and all(ok for _, ok in logins), "SMTP AUTH with the file's password: %r" % logins)
    slow = recorder.get("/slowdown")
    if len(slow) == 2:
        gap = slow[1][0]["_arrived"] - slow[0][0]["_arrived"]
        check(gap >= 0.95, "the retry waited for Retry-After: 1 (%.2f s apart)" % gap)
    check(metric(port, "sluice_notifier_retried_total", 'target="slowdown"') == 1, "one retry")
    print("smtp auth, retry-after: %.1fs" % (time.monotonic() - t0), flush=True)

    # 1b. aggregation: one message per execution outcome, listing what happened
    t0 = time.monotonic()
    def action(state, result=None):
        detail = {"pipeline": "agg", "execution-id": "exec-a", "stage": "Build",
                  "action": "Compile", "state": state, "version": 1,
                  "type": {"owner": "AWS", "category": "Build", "provider": "CodeBuild",
                           "version": "1"}}
        if result:
            detail["execution-result"] = result
        return event("CodePipeline Action Execution State Change", detail)
    stage_failed = event("CodePipeline Stage Execution State Change",
                         {"pipeline": "agg", "execution-id": "exec-a", "stage": "Build",
                          "state": "FAILED", "version": 1})
    failed_action = action("FAILED", {"error-code": "JobFailed",
                                      "external-execution-summary": "make: Error 2"})
    produce(brokers, events_topic, [action("STARTED"), failed_action, failed_action, stage_failed])
    time.sleep(1.5)
    check(recorder.get("/digest") == [], "nothing is sent before the execution's outcome")
    produce(brokers, events_topic, [pipeline_event("agg", "exec-a", "FAILED")])
    wait_for(lambda: len(recorder.get("/digest")) >= 1, 20, "the digest")
    time.sleep(1.0)
    digest = recorder.get("/digest")
    check(len(digest) == 1, "one message per outcome: %d" % len(digest))
    if digest:
        payload = json.loads(digest[0][1])
        check_block_kit(payload, "digest")
        text = json.dumps(payload)
        check(payload["text"] == "Pipeline agg FAILED", "digest title %r" % payload["text"])
        check(text.count("JobFailed: make: Error 2") == 1 and "Stage Build of agg FAILED" in text
              and "Compile of agg STARTED" in text,
              "the digest lists each event once: %s" % text[:600])
    print("aggregation: %.1fs" % (time.monotonic() - t0), flush=True)

    # 2. 500 three times then 200: one success per event; the dead target dead-letters
    t0 = time.monotonic()
    wait_for(lambda: metric(port, "sluice_notifier_sent_total", 'target="flaky"') >= 3, 30,
             "the flaky target's deliveries")
    flaky = recorder.get("/flaky")
    per_event = {}
    for headers, _ in flaky:
        per_event[headers["X-Sluice-Event-Id"]] = per_event.get(headers["X-Sluice-Event-Id"], 0) + 1
    check(sorted(per_event.values()) == [4, 4, 4],
          "flaky: 3 failures and 1 success per event: %r" % per_event)
    check(metric(port, "sluice_notifier_retried_total", 'target="flaky"') == 9, "9 retries")
    wait_for(lambda: metric(port, "sluice_notifier_dead_lettered_total", 'target="dead"') >= 3,
             40, "the dead target's dead letters")
    check(metric(port, "sluice_notifier_sent_total", 'target="dead"') == 0, "dead: nothing sent")
    print("retries and dead letters: %.1fs" % (time.monotonic() - t0), flush=True)

    # 3. SIGKILL in the middle of a burst: no event is delivered twice; an event whose
    #    delivery was in flight at the kill is dead-lettered as "outcome unknown" (at most
    #    once per event and target), every other one is delivered after the restart
    t0 = time.monotonic()
    burst = [pipeline_event("burst", "exec-b%d" % i, "SUCCEEDED") for i in range(60)]
    produce(brokers, events_topic, burst)
    wait_for(lambda: sum(1 for _, b in recorder.get("/hook")
                         if json.loads(b)["detail"]["pipeline"] == "burst") >= 10, 30,
             "the burst to start arriving")
    proc.kill()
    proc.wait()
    proc = start()
    burst_ids = {e["id"] for e in burst}

    def burst_settled():
        got = {json.loads(b)["id"] for _, b in recorder.get("/hook")} & burst_ids
        unknown = metric(port, "sluice_notifier_outcome_unknown_total", 'target="hook"')
        return len(got) + unknown >= len(burst_ids)

    wait_for(burst_settled, 60, "every burst event delivered or accounted for")
    time.sleep(2.5)  # past a lease: a second delivery would show now
    seen = [json.loads(b)["id"] for _, b in recorder.get("/hook")]
    dupes = [i for i in burst_ids if seen.count(i) > 1]
    missing = [i for i in burst_ids if seen.count(i) == 0]
    unknown = metric(port, "sluice_notifier_outcome_unknown_total", 'target="hook"')
    check(not dupes, "no burst event delivered twice after SIGKILL: %d twice" % len(dupes))
    check(unknown <= 2, "at most one in-flight delivery per hook thread: %r" % unknown)
    check(len(missing) <= unknown, "every undelivered event is an unknown outcome: %d missing, "
          "%r unknown" % (len(missing), unknown))
    print("kill -9 mid-burst: %d delivered, %d outcomes unknown, %.1fs"
          % (len(burst_ids) - len(missing), unknown, time.monotonic() - t0), flush=True)

    # 4. SIGHUP: a broken file is refused, a good one adds a target
    t0 = time.monotonic()
    with open(rules_file, "w") as f:
        f.write("{ not json")
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: metric(port, "sluice_notifier_reloads_total", 'outcome="refused"') >= 1, 10,
             "a refused reload")
    rules["targets"]["late"] = {"type": "webhook", "url": {"env": "TEST_LATE_URL"}}
    rules["rules"].append({"name": "late", "targets": ["late"],
                           "eventPattern": {"detail": {"state": ["CANCELED"]}}})
    with open(rules_file, "w") as f:
        json.dump(rules, f)
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: metric(port, "sluice_notifier_reloads_total", 'outcome="ok"') >= 1, 10,
             "a reload")
    canceled = pipeline_event("web", "exec-4", "CANCELED")
    produce(brokers, events_topic, [canceled])
    wait_for(lambda: len(recorder.get("/late")) == 1, 20, "the new target's delivery")
    check(healthy(port), "still healthy after reloads")
    print("reloads: %.1fs" % (time.monotonic() - t0), flush=True)

    # 5. SIGTERM: out within 3 s
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        check(False, "SIGTERM: the notifier did not exit within 3 s")
    check(proc.returncode == 0, "exit status after SIGTERM: %r" % proc.returncode)
    print("stopped in %.2fs" % (time.monotonic() - t0), flush=True)

    smtp.stop()
    auth_smtp.stop()
    server.shutdown()
    if failures:
        print("%d failures; log in %s" % (len(failures), work), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
