"""sluice-console against the api's test stack (real Kafka, Redis, api, orchestrator):
sign-in and sessions (cookie flags, CSRF, origin, sign-out, a replayed cookie), calls
made as the signed-in person (a viewer's start is refused by the api itself), the
buttons of each role, live updates by Server-Sent Events (one consumer, filtered by
pipeline, replayed after a reconnection, resync when unknown), transitions disabled and
enabled, a failed stage retried, the approvals waiting for each person (SluiceApprovers
naming a group: alice's, not bob's; a viewer's none, all of them read-only), idle expiry
(the session's timer restarted by each use), /healthz and /metrics, and a stop within 3 s
with a stream open."""

import json
import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from console_stack import (ConsoleStack, EventStream, Page, pipeline_declaration,  # noqa: E402
                           request, s3_deploy, s3_source, sluice_stack, stage_state, unique,
                           write_json)

NAME = unique("console")
FLAKY = unique("console-flaky")
GATED = unique("console-gated")


def flaky_action():
    action = s3_deploy("Flaky")
    return action


def setup(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ], variables=[{"name": "Color", "defaultValue": "blue"}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    decl = pipeline_declaration(FLAKY, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Ship", "actions": [flaky_action()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))


def check_sign_in_and_cookie(stack):
    page = Page(stack.console)
    status, _, body = page.sign_in(key="AKIDTESTADMIN", secret="wrong-secret")
    assert status == 401, (status, body)
    status, _ = page.get_session()
    assert status == 401
    status, cookie, session = page.sign_in("operator")
    assert status == 200, (status, session)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console/" in cookie, cookie
    assert "Secure" not in cookie, cookie  # served over http here
    assert session["identity"] == "operator" and session["role"] == "operator", session
    assert session["buttons"] == {"start": True, "stop": True, "retry": True,
                                  "transition": True, "approve": False}, session
    status, again = page.get_session()
    assert status == 200 and again["csrf"] == session["csrf"], again
    # a sign-in from another origin, or not as JSON, is refused
    status, _, _ = request(stack.console + "/console/api/signin", "POST",
                           '{"accessKeyId": "AKIDTESTADMIN"}',
                           {"Origin": "http://evil.example", "Content-Type": "application/json"})
    assert status == 403, status
    status, _, _ = request(stack.console + "/console/api/signin", "POST",
                           "accessKeyId=AKIDTESTADMIN", {"Origin": stack.console,
                                                         "Content-Type": "text/plain"})
    assert status == 415, status


def check_buttons_by_role(stack):
    for role, want in (("viewer", {"start": False, "stop": False, "retry": False,
                                   "transition": False, "approve": False}),
                       ("approver", {"start": False, "stop": False, "retry": False,
                                     "transition": False, "approve": True}),
                       ("admin", {"start": True, "stop": True, "retry": True,
                                  "transition": True, "approve": True})):
        page = Page(stack.console)
        status, _, session = page.sign_in(role)
        assert status == 200 and session["buttons"] == want, (role, session)


def check_csrf_and_origin(stack):
    page = Page(stack.console)
    page.sign_in("operator")
    status, body = page.call("ListPipelines", csrf=False)
    assert status == 403 and "CSRF" in body["message"], (status, body)
    status, body = page.call("StartPipelineExecution", {"name": NAME}, csrf=False)
    assert status == 403, (status, body)
    status, body = page.call("ListPipelines", origin="http://evil.example")
    assert status == 403 and "origin" in body["message"], (status, body)
    status, body = page.call("DeletePipeline", {"name": NAME})
    assert status == 400 and body["__type"] == "ValidationException", (status, body)
    status, body = page.call("ListPipelines")
    assert status == 200, (status, body)
    assert NAME in [p["name"] for p in body["pipelines"]], body


def check_viewer_refused_by_api(stack):
    page = Page(stack.console)
    page.sign_in("viewer")
    status, body = page.call("GetPipeline", {"name": NAME})
    assert status == 200 and body["pipeline"]["name"] == NAME, (status, body)
    status, body = page.call("StartPipelineExecution", {"name": NAME})
    assert status == 400 and "AccessDenied" in body.get("__type", ""), (status, body)
    status, body = page.call("DisableStageTransition", {"pipelineName": NAME, "stageName": "Deploy",
                                                        "transitionType": "Inbound",
                                                        "reason": "no"})
    assert status == 400 and "AccessDenied" in body.get("__type", ""), (status, body)


def check_live_updates(stack):
    page = Page(stack.console)
    page.sign_in("operator")
    mine = EventStream(stack.console, page.cookie, pipeline=NAME)
    other = EventStream(stack.console, page.cookie, pipeline=FLAKY)
    assert mine.status == 200 and mine.headers["content-type"] == "text/event-stream", mine.headers
    event, hello_id, _ = mine.next()
    assert event == "hello", event
    assert other.next()[0] == "hello"
    started = time.monotonic()
    status, body = page.call("StartPipelineExecution",
                             {"name": NAME, "variables": [{"name": "Color", "value": "green"}]})
    assert status == 200, (status, body)
    execution = body["pipelineExecutionId"]
    seen = []
    last_id = None
    while True:
        event, ident, data = mine.next(timeout=20)
        assert event == "state" and data["pipeline"] == NAME, (event, data)
        seen.append((data.get("stage"), data.get("action"), data["state"]))
        last_id = ident
        if data["type"] == "CodePipeline Pipeline Execution State Change" and \
                data["state"] == "SUCCEEDED":
            assert data["executionId"] == execution, data
            break
    assert ("Source", "Source", "STARTED") in seen and ("Deploy", "Deploy", "SUCCEEDED") in seen, seen
    print(f"  {len(seen)} events in {time.monotonic() - started:.2f}s", flush=True)
    # the other pipeline's stream saw none of them
    try:
        event, _, data = other.next(timeout=1)
        raise AssertionError(f"the {FLAKY} stream got {event} {data}")
    except TimeoutError:
        pass
    mine.close()
    other.close()
    # a reconnection with Last-Event-ID gets what came after it, an unknown one a resync
    again = EventStream(stack.console, page.cookie, pipeline=NAME, last_event_id=hello_id)
    replayed = []
    while len(replayed) < len(seen):
        event, ident, data = again.next()
        assert event == "state", event
        replayed.append((data.get("stage"), data.get("action"), data["state"]))
    assert replayed == seen and ident == last_id, (replayed, seen)
    again.close()
    stale = EventStream(stack.console, page.cookie, pipeline=NAME, last_event_id="1-5")
    assert stale.next()[0] == "resync"
    stale.close()
    status, state = page.call("GetPipelineExecution", {"pipelineName": NAME,
                                                      "pipelineExecutionId": execution})
    variables = {v["name"]: v["resolvedValue"] for v in state["pipelineExecution"]["variables"]}
    assert variables.get("Color") == "green", state


def check_stream_needs_session(stack):
    stream = EventStream(stack.console, None, pipeline=NAME)
    assert stream.status == 401, stream.status
    stream.close()


def check_transition_disable_enable(stack):
    page = Page(stack.console)
    page.sign_in("operator")
    status, body = page.call("DisableStageTransition", {
        "pipelineName": NAME, "stageName": "Deploy", "transitionType": "Inbound",
        "reason": "Frozen for the release"})
    assert status == 200, (status, body)
    status, state = page.call("GetPipelineState", {"name": NAME})
    inbound = stage_state(state, "Deploy")["inboundTransitionState"]
    assert inbound["enabled"] is False and inbound["disabledReason"] == "Frozen for the release", inbound
    status, body = page.call("EnableStageTransition", {
        "pipelineName": NAME, "stageName": "Deploy", "transitionType": "Inbound"})
    assert status == 200, (status, body)
    status, state = page.call("GetPipelineState", {"name": NAME})
    assert stage_state(state, "Deploy")["inboundTransitionState"]["enabled"] is True, state


def check_retry_failed_stage(stack):
    page = Page(stack.console)
    page.sign_in("operator")
    status, body = page.call("StartPipelineExecution", {"name": FLAKY})
    assert status == 200, (status, body)
    execution = body["pipelineExecutionId"]
    stack.wait_for("Ship to fail", lambda: stack.action_status(FLAKY, "Ship", "Flaky") == "Failed",
                   timeout=30)
    status, body = page.call("RetryStageExecution", {
        "pipelineName": FLAKY, "stageName": "Ship", "pipelineExecutionId": execution,
        "retryMode": "FAILED_ACTIONS"})
    assert status == 200, (status, body)
    stack.wait_for("Ship to succeed",
                   lambda: stack.action_status(FLAKY, "Ship", "Flaky") == "Succeeded", timeout=30)


def check_sign_out_and_replay(stack):
    page = Page(stack.console)
    page.sign_in("operator")
    old_cookie = page.cookie
    status, _ = page.get_session()
    assert status == 200
    # sign-out needs the CSRF token too
    csrf = page.csrf
    page.csrf = None
    status, _, body = page.sign_out()
    assert status == 403, (status, body)
    page.csrf = csrf
    status, cookie, body = page.sign_out()
    assert status == 200 and "Max-Age=0" in cookie, (status, cookie, body)
    page.cookie = old_cookie  # replayed after sign-out
    status, _ = page.get_session()
    assert status == 401, status
    status, body = page.call("ListPipelines")
    assert status == 401, (status, body)


def redis(stack, *args):
    """One command to the test Redis (RESP over a socket): the integer or bulk reply."""
    env = stack.service_env
    with socket.create_connection((env["SLUICE_REDIS_HOST"], int(env["SLUICE_REDIS_PORT"])),
                                  timeout=5) as sock:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            parts.append(f"${len(arg.encode())}\r\n{arg}\r\n".encode())
        sock.sendall(b"".join(parts))
        reply = sock.recv(65536).decode()
    if reply.startswith(":"):
        return int(reply[1:].strip())
    return reply


def check_idle_expiry(stack):
    page = Page(stack.console)
    page.sign_in("viewer")
    key = "sluice:console:session:" + page.cookie.split("=", 1)[1]
    ttl = redis(stack, "TTL", key)
    assert 1790 <= ttl <= 1800, ttl  # SLUICE_CONSOLE_SESSION_IDLE_S
    redis(stack, "EXPIRE", key, "1000")
    status, _ = page.get_session()  # a use restarts the idle timer
    assert status == 200 and redis(stack, "TTL", key) >= 1790, status
    redis(stack, "PEXPIRE", key, "1")  # idle for the whole period
    time.sleep(0.05)
    status, _ = page.get_session()
    assert status == 401, status
    status, body = page.call("ListPipelines")
    assert status == 401, (status, body)


def check_health_and_metrics(stack):
    status, _, body = request(stack.console + "/healthz")
    assert status == 200, body
    status, _, body = request(stack.console + "/metrics")
    text = body.decode()
    assert "sluice_console_streams" in text and "sluice_console_events_total" in text, text[:500]
    assert "sluice_console_signins_total" in text, text[:500]
    status, headers, body = request(stack.console + "/console/")
    assert status == 200 and b'src="/console/static/app.js"' in body, body[:200]
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    status, headers, _ = request(stack.console + "/console/static/app.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript"), headers


def approvals_of(page, all_=False):
    status, _, body = request(page.base + "/console/api/approvals" + ("?all=1" if all_ else ""),
                              headers=page._headers())
    doc = json.loads(body)
    assert status == 200, (status, doc)
    return {item["action"]: item for item in doc["approvals"] if item["pipeline"] == GATED}


def check_approvals_for_person(stack):
    """The approvals view's list: alice (groups release|ops) sees the approval naming group:ops
    and the one naming nobody; bob (group release) only the latter; a viewer none of them, and
    with all=1 both without a vote; the api still decides a vote sent anyway."""
    decl = pipeline_declaration(GATED, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [
            dict(sluice_stack.manual_approval("Ops"),
                 configuration={"CustomData": "ops only", "SluiceApprovers": "group:ops"}),
            sluice_stack.manual_approval("Anyone")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.client("operator").start_pipeline_execution(name=GATED)
    stack.wait_for("both approvals waiting", lambda: all(
        stack.action_status(GATED, "Release", a) == "InProgress" for a in ("Ops", "Anyone")),
        timeout=30)
    people = {}
    for name in ("alice", "bob"):
        key, secret = sluice_stack.PEOPLE[name][0], sluice_stack.PEOPLE[name][1]
        people[name] = Page(stack.console)
        status, _, session = people[name].sign_in(key=key, secret=secret)
        assert status == 200, (status, session)
    viewer = Page(stack.console)
    viewer.sign_in("viewer")
    # the session document carries who the person is for the matching
    status, session = people["alice"].get_session()
    assert status == 200 and session["groups"] == ["release", "ops"], session
    assert session["arn"] == f"arn:aws:iam::{sluice_stack.ACCOUNT}:user/alice", session
    assert viewer.get_session()[1]["groups"] == [], viewer.get_session()

    alice = approvals_of(people["alice"])
    assert set(alice) == {"Ops", "Anyone"}, alice
    ops = alice["Ops"]
    assert ops["mayAnswer"] is True and ops["approvers"] == "group:ops" and \
        ops["customData"] == "ops only" and ops["status"] == "InProgress" and ops["token"], ops
    bob = approvals_of(people["bob"])
    assert set(bob) == {"Anyone"}, bob
    assert approvals_of(viewer) == {}, approvals_of(viewer)
    seen = approvals_of(viewer, all_=True)
    assert set(seen) == {"Ops", "Anyone"} and not any(i["mayAnswer"] for i in seen.values()), seen
    assert approvals_of(people["bob"], all_=True)["Ops"]["mayAnswer"] is False
    # no session: refused
    status, _, _ = request(stack.console + "/console/api/approvals")
    assert status == 401, status

    # hiding is a courtesy: bob's vote on Ops sent anyway is refused by the api (the engine)
    vote = {"pipelineName": GATED, "stageName": "Release", "actionName": "Ops",
            "token": ops["token"], "result": {"status": "Approved", "summary": "not mine"}}
    status, body = people["bob"].call("PutApprovalResult", vote)
    assert status == 400 and "AccessDenied" in body.get("__type", ""), (status, body)
    # alice's is taken, and the approval leaves her list
    status, body = people["alice"].call("PutApprovalResult", dict(vote, result={
        "status": "Approved", "summary": "ops ok"}))
    assert status == 200, (status, body)
    stack.wait_for("Ops approved", lambda: "Ops" not in approvals_of(people["alice"]),
                   timeout=20)
    assert set(approvals_of(people["bob"])) == {"Anyone"}


def check_stop_within_3s(stack):
    page = Page(stack.console)
    page.sign_in("viewer")
    stream = EventStream(stack.console, page.cookie)
    assert stream.next()[0] == "hello"
    started = time.monotonic()
    stack.console_proc.send_signal(signal.SIGTERM)
    stack.console_proc.wait(timeout=5)
    took = time.monotonic() - started
    assert took < 3.0 and stack.console_proc.returncode == 0, (took, stack.console_proc.returncode)
    stream.close()


if __name__ == "__main__":
    stack = ConsoleStack(runner_rules=("Flaky=fail-once",))
    setup(stack)
    sluice_stack.run([check_sign_in_and_cookie, check_buttons_by_role, check_csrf_and_origin,
                      check_viewer_refused_by_api, check_stream_needs_session, check_live_updates,
                      check_transition_disable_enable, check_retry_failed_stage,
                      check_approvals_for_person, check_sign_out_and_replay, check_idle_expiry,
                      check_health_and_metrics, check_stop_within_3s],
                     stack)
