"""sluice-approvals against real Kafka, Redis, api and orchestrator, two replicas:
approve and reject through the JSON endpoint; signed links expired, tampered, used for
another approval, and replayed; sign-in and a CSRF attempt from another origin; a
2-of-2 gate voted on both replicas (each vote counted once, each approval recorded
once); a stopped execution, and one cancelled by a pipeline update, withdraw the page
and its link; the commit message of a real git commit, reported by the source action, is on
the page and in the JSON view; sign-out ends the session on both replicas; the notifier mails
each approver with an e-mail address their own link (it votes as them, not as another); the Approval
Needed / Decided events match their schemas and carry no secret; SIGTERM ends a replica
within 3 s."""

import email
import email.policy
import html
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from approvals_stack import (ApprovalsStack, Browser, basic, git_commit, git_source,  # noqa: E402
                             hidden, manual_approval, pipeline_declaration, report_commit,
                             request, s3_deploy, s3_source, sluice_stack,
                             unique, vote_json, write_json)

PLAIN = unique("apv-plain")
GATE = unique("apv-gate")
COMMITS = unique("apv-commits")
MAILED = unique("apv-mailed")
GIT_TYPE = {"category": "Source", "owner": "Custom", "provider": "ApvGit" + COMMITS[-6:],
            "version": "1"}
ACCOUNT = sluice_stack.ACCOUNT


def create(stack, name, approval):
    decl = pipeline_declaration(name, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [approval]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))


def start(stack, name):
    stack.aws("start-pipeline-execution", "--name", name, role="operator")
    return stack.wait_for("the approval to wait", lambda: stack.waiting(name, "Release", "Gate"),
                          timeout=30)


def wait_page(stack, approval_id, replica=0):
    """Until the replica's store has the approval (the intake is asynchronous)."""
    link = stack.link(approval_id, "alice", replica=replica)

    def probe():
        status, _, body = request(link)
        return status == 200 and b'id="approve"' in body
    stack.wait_for("the approval page", probe, timeout=20)
    return link


def link_token(link):
    from urllib.parse import parse_qs, urlsplit
    return parse_qs(urlsplit(link).query)["link"][0]


def check_json_approve_and_reject(stack):
    gate = manual_approval("Gate")
    gate["configuration"]["ExternalEntityLink"] = "https://review.example/pr/7"
    create(stack, PLAIN, gate)
    _, approval = start(stack, PLAIN)
    wait_page(stack, approval)
    status, answer = vote_json(stack.approvals[1], approval, "Approved", "lgtm", person="alice")
    assert status == 200 and "approvedAt" in answer, (status, answer)
    stack.wait_for("the gate to pass",
                   lambda: stack.action_status(PLAIN, "Release", "Gate") == "Succeeded")
    # decided: a second vote gets CodePipeline's exception, the page says so
    stack.wait_for("the record to be decided", lambda: b"was approved" in
                   request(stack.link(approval, "bob"))[2])
    status, answer = vote_json(stack.approvals[0], approval, "Approved", person="bob")
    assert status == 400 and answer["__type"] == "ApprovalAlreadyCompletedException", answer
    # the decision's event follows the record's state: published by the replica that saw it
    stack.wait_for("Approval Decided to be published", lambda: stack.metric(
        0, "sluice_approvals_events_total", "Approval Decided") + stack.metric(
        1, "sluice_approvals_events_total", "Approval Decided") >= 1)
    assert stack.metric(0, "sluice_approvals_events_total", "Approval Needed") + \
        stack.metric(1, "sluice_approvals_events_total", "Approval Needed") >= 1

    # reject through a link in the JSON body
    _, second = start(stack, PLAIN)
    link = wait_page(stack, second)
    status, answer = vote_json(stack.approvals[0], second, "Rejected", "not now",
                               link=link_token(link))
    assert status == 200, (status, answer)
    stack.wait_for("the gate to fail",
                   lambda: stack.action_status(PLAIN, "Release", "Gate") == "Failed")
    # an unknown approval: CodePipeline's exception, nothing about others
    status, answer = vote_json(stack.approvals[0], "00000000-0000-4000-8000-000000000000",
                               "Approved", person="alice")
    assert status == 400 and answer["__type"] == "InvalidApprovalTokenException", answer
    # no credentials at all
    status, answer = vote_json(stack.approvals[0], second, "Approved")
    assert status == 401, (status, answer)


def check_links_sessions_replicas(stack):
    gate = manual_approval("Gate")
    gate["configuration"].update({"SluiceApprovers": "group:release",
                                  "SluiceRequiredApprovals": "2"})
    create(stack, GATE, gate)
    _, approval = start(stack, GATE)
    link = wait_page(stack, approval, replica=1)
    base0 = stack.approvals[0]

    # expired and tampered links: refused, naming no approval
    short = stack.link(approval, "alice", seconds=1)
    time.sleep(1.2)
    status, _, body = request(short)
    assert status == 403 and b"expired" in body and approval.encode() not in body, body
    tampered = link[:-1] + ("b" if link[-1] != "b" else "c")
    status, _, body = request(tampered)
    assert status == 403 and b"not valid" in body, body
    forged = link.replace("alice", "bob")
    status, _, body = request(forged)
    assert status == 403, status

    # a link for this approval on another approval's address
    _, other = None, "11111111-2222-4333-8444-555555555555"
    status, _, body = request(f"{base0}/approvals/{other}?link={link_token(link)}")
    assert status == 403 and b"not valid" in body, body

    # alice votes through her link's page (a form with its CSRF token) on replica 0
    browser = Browser(base0)
    _, _, page = browser.get(link.replace(stack.approvals[1], base0).split(base0, 1)[1])
    csrf = hidden(page, "csrf")
    assert csrf and hidden(page, "link") == link_token(link), page
    # the page of approval A cannot vote on approval B: the link names A
    status, _, body = browser.post(f"/approvals/{other}",
                                   {"csrf": csrf, "link": link_token(link), "status": "Approved"})
    assert status == 403, (status, body)
    status, _, body = browser.post(f"/approvals/{approval}",
                                   {"csrf": csrf, "link": link_token(link), "status": "Approved",
                                    "comment": "tested <on> staging"})
    assert status == 200 and "Your vote (Approved) was recorded" in body, body
    assert "tested &lt;on&gt; staging" in body, body
    # replayed: the used link votes no more, on either replica
    for base in stack.approvals:
        b = Browser(base)
        status, _, body = b.post(f"/approvals/{approval}",
                                 {"csrf": csrf, "link": link_token(link), "status": "Rejected"})
        assert "not recorded" in body and "already voted" in body, body
        status, _, body = request(f"{base}/approvals/{approval}?link={link_token(link)}")
        assert b"This link has been used" in body and b'id="approve"' not in body, body

    # bob signs in on replica 1; a form posted without the token, or from another origin, fails
    bob = Browser(stack.approvals[1])
    bob.sign_in(approval, "bob")
    _, _, page = bob.get(f"/approvals/{approval}")
    assert "You are</dt><dd>bob" in page and "tested &lt;on&gt; staging" in page, page
    token = hidden(page, "csrf")
    status, _, body = bob.post(f"/approvals/{approval}", {"status": "Approved"})
    assert status == 403, (status, body)
    status, _, body = bob.post(f"/approvals/{approval}", {"status": "Approved", "csrf": token},
                               extra={"Origin": "http://evil.example"})
    assert status == 403, (status, body)
    # a session's JSON vote needs the token too
    status, _, body = request(f"{stack.approvals[1]}/approvals/{approval}", "POST",
                              '{"status": "Approved"}',
                              {"Content-Type": "application/json",
                               "Cookie": "; ".join(f"{k}={v}" for k, v in bob.cookies.items())})
    assert status == 403, (status, body)
    assert stack.action_status(GATE, "Release", "Gate") == "InProgress"

    # bob's vote, sent to both replicas at once: counted once
    results = []

    def send(base):
        results.append(vote_json(base, approval, "Approved", "ship it", person="bob"))
    threads = [threading.Thread(target=send, args=(base,)) for base in stack.approvals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(code for code, _ in results)
    assert codes == [200, 400], results
    stack.wait_for("the gate to pass",
                   lambda: stack.action_status(GATE, "Release", "Gate") == "Succeeded")
    state = stack.client("viewer").get_pipeline_state(name=GATE)
    latest = [a for s in state["stageStates"] if s["stageName"] == "Release"
              for a in s["actionStates"]][0]["latestExecution"]
    assert latest["summary"] == "2 of 2 approvals; rejected by nobody", latest
    # every approval recorded once across the replicas (this test's approvals: 3)
    recorded = stack.metric(0, "sluice_approvals_recorded_total") + \
        stack.metric(1, "sluice_approvals_recorded_total")
    assert recorded == 3, recorded


def check_stopped_withdraws(stack):
    _, approval = start(stack, PLAIN)
    link = wait_page(stack, approval)
    browser = Browser(stack.approvals[0])
    _, _, page = browser.get(link.split(stack.approvals[0], 1)[1])
    csrf = hidden(page, "csrf")
    execution = stack.client("viewer").get_pipeline_state(name=PLAIN)
    execution_id = [s for s in execution["stageStates"]
                    if s["stageName"] == "Release"][0]["latestExecution"]["pipelineExecutionId"]
    stack.aws("stop-pipeline-execution", "--pipeline-name", PLAIN, "--pipeline-execution-id",
              execution_id, "--abandon", "--reason", "superseded by a fix", role="operator")
    stack.wait_for("the page to say it is withdrawn",
                   lambda: b"no longer waiting" in request(link)[2], timeout=20)
    status, _, body = request(link)
    assert b'id="approve"' not in body
    status, _, body = browser.post(f"/approvals/{approval}",
                                   {"csrf": csrf, "link": link_token(link), "status": "Approved"})
    assert "not recorded" in body, body
    status, answer = vote_json(stack.approvals[1], approval, "Approved", link=link_token(link))
    assert answer["__type"] == "ApprovalAlreadyCompletedException", answer


def check_update_withdraws(stack):
    """A new pipeline version cancels the waiting execution: its page and link stop working."""
    _, approval = start(stack, PLAIN)
    link = wait_page(stack, approval)
    decl = stack.aws("get-pipeline", "--name", PLAIN)
    decl["pipeline"]["stages"][1]["actions"][0]["configuration"]["CustomData"] = "v2"
    decl.pop("metadata", None)
    stack.aws("update-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.wait_for("the page to say it is withdrawn",
                   lambda: b"no longer waiting" in request(link)[2], timeout=20)
    status, answer = vote_json(stack.approvals[0], approval, "Approved", link=link_token(link))
    assert status == 400 and answer["__type"] == "ApprovalAlreadyCompletedException", answer


VALIDATE = r"""
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "events"))
import test_events
report = test_events.Report()
schemas = test_events.Schemas(os.path.join(sys.argv[1], "schemas", "events"), report)
bad = []
for line in sys.stdin:
    doc = json.loads(line)
    errs = schemas.errors(test_events.SCHEMA_OF[doc["detail-type"]], doc)
    if errs:
        bad.append((doc["detail-type"], errs[:3]))
print(json.dumps(bad))
"""


def check_events_match_schemas(stack):
    """The Approval Needed / Decided events published during this test, against their schemas."""
    tail = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "tests/integration/artifacts/art_events_tail")
    if not os.access(tail, os.X_OK):
        print("  (art_events_tail not built: events not read)")
        return
    out = subprocess.run([tail, stack.brokers, stack.prefix + "events", "4"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    mine = []
    for line in out.splitlines():
        payload = line.split("\t", 1)[1]
        doc = json.loads(payload)
        if doc.get("detail-type") in ("Sluice Approval Needed", "Sluice Approval Decided"):
            mine.append(payload)
    needed = [m for m in mine if "Approval Needed" in m]
    decided = [m for m in mine if "Approval Decided" in m]
    assert len(needed) >= 5 and len(decided) >= 3, (len(needed), len(decided))
    for doc in map(json.loads, needed):
        assert "token" not in doc["detail"] and "link=" not in json.dumps(doc), doc
    assert len(set(json.loads(m)["id"] for m in needed)) == len(
        set(json.loads(m)["detail"]["action-execution-id"] for m in needed))
    source = os.environ.get("SLUICE_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
    checked = subprocess.run(["/usr/bin/python3", "-c", VALIDATE, source], input="\n".join(mine),
                             capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(checked.stdout) == [], checked.stdout


def check_sigterm_within_3s(stack):
    for name, proc, _ in stack.procs:
        if name.startswith("approvals"):
            started = time.monotonic()
            proc.terminate()
            proc.wait(timeout=10)
            took = time.monotonic() - started
            assert took < 3.0 and proc.returncode == 0, (name, took, proc.returncode)


def check_commit_message_and_sign_out(stack):
    """The commit message of the execution's source revision is on the page and in the JSON
    view; signing out ends the session on every replica (a replayed cookie is refused)."""
    commit, message = git_commit("Fix <login> redirect & session\n\nThe \"remember me\" box "
                                 "kept users signed in after sign-out.")
    decl = pipeline_declaration(COMMITS, [
        {"name": "Source", "actions": [git_source(GIT_TYPE)]},
        {"name": "Release", "actions": [manual_approval("Gate")]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.aws("start-pipeline-execution", "--name", COMMITS, role="operator")
    # the source action's job worker reports the commit as CodePipeline's source actions do
    report_commit(stack, GIT_TYPE, commit, message)
    _, approval = stack.wait_for("the approval to wait",
                                 lambda: stack.waiting(COMMITS, "Release", "Gate"), timeout=30)

    # the page (signed in on replica 0) shows the commit and its message, escaped
    alice = Browser(stack.approvals[0])
    alice.sign_in(approval, "alice")

    def page_has_revisions():
        _, _, page = alice.get(f"/approvals/{approval}")
        return page if "Source revisions" in page else None
    page = stack.wait_for("the page", page_has_revisions, timeout=20)
    assert html.escape(message, quote=True) in page, (message, page)
    assert "<login>" not in page and commit in page, page
    # the JSON view carries the revisions (and no token)
    status, _, body = request(f"{stack.approvals[1]}/approvals/{approval}",
                              headers={"Accept": "application/json",
                                       "Authorization": basic("bob")})
    doc = json.loads(body)
    assert status == 200, (status, doc)
    revision = doc["artifactRevisions"][0]
    assert revision["revisionId"] == commit and revision["revisionSummary"] == message, doc
    assert revision["actionName"] == "Src" and "token" not in doc and doc["state"] == "WAITING"
    status, _, _ = request(f"{stack.approvals[1]}/approvals/{approval}",
                           headers={"Accept": "application/json"})
    assert status == 401, status

    # sign-out: refused without the page's token or from another origin; then ends the session
    csrf = hidden(page, "csrf")
    assert 'action="/approvals/sign-out"' in page, page
    cookie = dict(alice.cookies)
    status, _, body = alice.post("/approvals/sign-out", {})
    assert status == 403, (status, body)
    status, _, body = alice.post("/approvals/sign-out", {"csrf": csrf},
                                 extra={"Origin": "http://evil.example"})
    assert status == 403, (status, body)
    _, _, again = alice.get(f"/approvals/{approval}")
    assert "You are</dt><dd>alice" in again, again  # still signed in
    status, headers, body = alice.post("/approvals/sign-out", {"csrf": csrf})
    assert status == 200 and "You are signed out" in body, (status, body)
    assert "Max-Age=0" in headers["set-cookie"], headers
    # the old cookie, replayed on either replica: no session any more
    for base in stack.approvals:
        replay = Browser(base)
        replay.cookies = dict(cookie)
        _, _, page = replay.get(f"/approvals/{approval}")
        assert "Sign in to decide" in page and "You are</dt>" not in page, page
        status, _, body = replay.post(f"/approvals/{approval}",
                                      {"csrf": csrf, "status": "Approved"})
        assert status == 403, (status, body)
        status, _, _ = request(f"{base}/approvals/{approval}", "POST",
                               '{"status": "Approved"}',
                               {"Content-Type": "application/json", "X-Sluice-CSRF": csrf,
                                "Cookie": "; ".join(f"{k}={v}" for k, v in cookie.items())})
        assert status == 401, status
    assert stack.action_status(COMMITS, "Release", "Gate") == "InProgress"
    status, doc = vote_json(stack.approvals[0], approval, "Approved", "ship", person="alice")
    assert status == 200, doc


def start_notifier(stack, rules):
    """sluice-notifier with the approvals' link key and identities, mailing through a real SMTP
    server (Debian's aiosmtpd); returns (the mailbox list, the server)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # the test's virtualenv: Debian's python3-aiosmtpd
        sys.path.append("/usr/lib/python3/dist-packages")
        from aiosmtpd.controller import Controller

    class Mailbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            return "250 OK"
    box = Mailbox()
    port = sluice_stack._free_port()
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    for target in rules["targets"].values():
        target["smtpUrl"] = f"smtp://127.0.0.1:{port}"
    rules_file = write_json(rules)
    saved = dict(stack.service_env)
    stack.service_env.update({
        "SLUICE_NOTIFIER_RULES_FILE": rules_file, "SLUICE_NOTIFIER_PORT": "0",
        "SLUICE_NOTIFIER_GROUP": "notifier-" + stack.prefix.rstrip("."),
        "SLUICE_APPROVAL_LINK_KEY_FILE": stack.link_key_file,
        "SLUICE_APPROVALS_PUBLIC_URL": stack.approvals[0]})
    stack._spawn("notifier", [os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                                           "services/notifier/sluice-notifier")])
    stack.service_env = saved
    return box, smtp


def mail_text(content):
    return email.message_from_bytes(content, policy=email.policy.default).get_body(
        preferencelist=("plain",)).get_content()


def check_notifier_mails_own_links(stack):
    """Each approver with an e-mail address gets a mail with their own link: it opens the page
    and votes as them; a link from alice's mail cannot vote as carol."""
    rules = {"targets": {"approvers": {"type": "email", "from": "Sluice <sluice@example.com>",
                                       "to": ["release-team@example.com"], "starttls": "off"}},
             "rules": [{"name": "approvals", "targets": ["approvers"],
                        "eventPattern": {"detail-type": ["Sluice Approval Needed"],
                                         "detail": {"pipeline": [MAILED]}}}]}
    box, smtp = start_notifier(stack, rules)
    try:
        gate = manual_approval("Gate")
        gate["configuration"].update({"SluiceApprovers": "alice,bob,carol",
                                      "SluiceRequiredApprovals": "2"})
        create(stack, MAILED, gate)
        _, approval = start(stack, MAILED)
        stack.wait_for("three mails", lambda: len(box.messages) >= 3, timeout=40)
        time.sleep(0.5)
        by_rcpt = {rcpt[0]: mail_text(content) for rcpt, content in box.messages}
        # the team's mail has the plain page; alice and carol their own link; bob has no address
        assert sorted(by_rcpt) == ["alice@example.com", "carol@example.com",
                                   "release-team@example.com"], sorted(by_rcpt)
        # (the event's page URL is the recording replica's; the links, the notifier's own)
        team = by_rcpt["release-team@example.com"]
        assert any(f"Decide: {base}/approvals/{approval}\n" in team for base in stack.approvals)
        page_url = f"{stack.approvals[0]}/approvals/{approval}"
        assert "?link=" not in by_rcpt["release-team@example.com"]

        def link_of(text):
            for line in text.splitlines():
                if line.startswith("Decide: "):
                    return line[len("Decide: "):].strip()
            raise AssertionError(text)
        alice_link, carol_link = (link_of(by_rcpt["alice@example.com"]),
                                  link_of(by_rcpt["carol@example.com"]))
        assert alice_link.startswith(page_url + "?link=") and alice_link.endswith(".alice")
        assert "This link is yours, alice" in by_rcpt["alice@example.com"]
        assert carol_link.endswith(".carol") and alice_link != carol_link
        # alice's link opens her page; made into carol's, it is refused
        status, _, body = request(alice_link)
        assert status == 200 and b"You are</dt><dd>alice" in body and b'id="approve"' in body
        status, _, body = request(alice_link[:-len("alice")] + "carol")
        assert status == 403 and b"not valid" in body, body
        status, doc = vote_json(stack.approvals[1], approval, "Approved",
                                link=link_token(alice_link)[:-len("alice")] + "carol")
        assert status == 403, doc
        # alice votes through her page (the form the page carries)
        browser = Browser(stack.approvals[0])
        _, _, page = browser.get(alice_link.split(stack.approvals[0], 1)[1])
        status, _, body = browser.post(f"/approvals/{approval}",
                                       {"csrf": hidden(page, "csrf"), "link": hidden(page, "link"),
                                        "status": "Approved", "comment": "from my mail"})
        assert status == 200 and "Your vote (Approved) was recorded" in body, body
        assert stack.action_status(MAILED, "Release", "Gate") == "InProgress"
        # carol's link votes as carol, the second approval: the gate passes
        status, doc = vote_json(stack.approvals[1], approval, "Approved", "lgtm",
                                link=link_token(carol_link))
        assert status == 200, doc
        stack.wait_for("the gate to pass",
                       lambda: stack.action_status(MAILED, "Release", "Gate") == "Succeeded",
                       timeout=20)
        status, _, body = request(f"{stack.approvals[0]}/approvals/{approval}",
                                  headers={"Accept": "application/json",
                                           "Authorization": basic("bob")})
        voters = sorted(v["identity"].rsplit("/", 1)[1] for v in json.loads(body)["votes"])
        assert voters == ["alice", "carol"], body
    finally:
        smtp.stop()


if __name__ == "__main__":
    sluice_stack.run([check_json_approve_and_reject, check_links_sessions_replicas,
                      check_stopped_withdraws, check_update_withdraws, check_events_match_schemas,
                      check_commit_message_and_sign_out, check_notifier_mails_own_links,
                      check_sigterm_within_3s],
                     ApprovalsStack())
