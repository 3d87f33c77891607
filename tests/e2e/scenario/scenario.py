"""The end-to-end scenario of the demo pipeline (examples/demo-pipeline.json), against a
running Sluice whose notifications go to the local sinks (scripts/sinks.py):

  1. the execution `make run` started reaches the approval: Source fetched the demo
     repository, Build ran its buildspec.yml and exported VERSION;
  2. a commit to the demo repository starts a second execution (PollForSourceChanges) with
     that commit as its source revision;
  3. the Slack stand-in received the approval request, which names the pipeline and links
     the approval's page (its plain URL: a signed link never goes to a channel);
  4. the approval link `make run` printed is followed: the page shows the approval;
     then, as a person does, the Slack message's link is followed, the page's sign-in form
     signs in with ENV_FILE's identity and the page's form approves; Deploy puts the
     build's files in the deploy directory;
  5. the mail sink received the success mail; get-pipeline-state shows every stage
     Succeeded for that execution;
  6. the events the webhook sink received for that execution come in the expected order
     and each validates against schemas/events/.

    scenario.py --api URL --identity ENV_FILE --repo DIR --deployed DIR --sinks DIR
                --schemas DIR (--run-log FILE | --link-command CMD) [--approver NAME]
                [--mid-run CMD] [--timeout SECONDS]

FILE is `make run`'s output, where it prints the approval link. Where nothing prints
it (the compose stack), CMD of --link-command prints the link: its words, with {id}
replaced by the approval's action execution id and {approver} by NAME (default demo).
--mid-run CMD is run once the first execution waits for its approval (the compose
test kills a service's container there and waits for it to come back); the scenario
goes on when it exits 0.

ENV_FILE holds AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY lines (`make run`'s .sluice/env).
Environment: SLUICE_AWS_CLI (the aws CLI of the project's venv). Prints each phase's
duration; exits non-zero with the reason on the first failure."""

import argparse
import email
import glob
import http.cookiejar
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

CLI = os.environ.get("SLUICE_AWS_CLI", "aws")
PIPELINE = "sluice-demo"


class Failure(Exception):
    pass


def read_identity(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                line = line[len("export "):]
            name, _, value = line.partition("=")
            if name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                values[name] = value.strip('"')
    if len(values) != 2:
        raise Failure(f"{path} does not hold AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return values


class Api:
    def __init__(self, endpoint, identity):
        self.endpoint = endpoint
        self.env = dict(os.environ)
        self.env.update(identity)
        self.env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                         "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "",
                         "AWS_EC2_METADATA_DISABLED": "true"})
        self.env.pop("AWS_SESSION_TOKEN", None)
        self.env.pop("AWS_PROFILE", None)

    def __call__(self, *args):
        argv = [CLI, "codepipeline", "--endpoint-url", self.endpoint, "--output", "json", *args]
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise Failure(f"aws codepipeline {args[0]} failed: {done.stderr.strip()}")
        return json.loads(done.stdout) if done.stdout.strip() else {}


def wait_for(what, probe, timeout, interval=0.25):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Failure as e:
            last = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {what}" + (f" (last: {last})" if last else ""))


def stage_of(state, name):
    for stage in state.get("stageStates", []):
        if stage["stageName"] == name:
            return stage
    raise Failure(f"get-pipeline-state has no stage {name}")


def phase(name, started):
    print(f"scenario: {name}: {time.monotonic() - started:.1f} s", flush=True)
    return time.monotonic()


def executions(api):
    return api("list-pipeline-executions", "--pipeline-name", PIPELINE)["pipelineExecutionSummaries"]


def load_validator(schemas_dir):
    store = {}
    for path in glob.glob(os.path.join(schemas_dir, "*.schema.json")):
        with open(path) as f:
            schema = json.load(f)
        store[schema["$id"]] = schema
    root = store["urn:sluice:schema:events:event"]
    resolver = jsonschema.RefResolver.from_schema(root, store=store)
    return jsonschema.Draft202012Validator(root, resolver=resolver)


def sink_records(sinks):
    path = os.path.join(sinks, "webhooks.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def vote_through_page(page_url, identity, version):
    """Opens page_url as a person does (cookies kept), signs in with identity's access key and
    approves with the page's own form; a refusal raises Failure."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    parts = urllib.parse.urlsplit(page_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    plain = urllib.parse.urlunsplit(parts._replace(query="", fragment=""))

    def fetch(url, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"} if form else {}
        request = urllib.request.Request(url, data=data, headers=headers,
                                         method="POST" if form is not None else "GET")
        try:
            with opener.open(request, timeout=30) as resp:
                return resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            raise Failure(f"{request.method} {url} answered {e.code}: {e.read()[:300]!r}")

    def csrf_of(page, what):
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        if not found:
            raise Failure(f"the {what} has no CSRF token: {page[:300]!r}")
        return found.group(1)

    page = fetch(plain)
    if 'name="secret"' not in page:
        raise Failure(f"the Slack message's page does not ask to sign in: {page[:300]!r}")
    fetch(plain + "/signin", {"key": identity["AWS_ACCESS_KEY_ID"],
                              "secret": identity["AWS_SECRET_ACCESS_KEY"],
                              "csrf": csrf_of(page, "sign-in page")})
    page = fetch(plain)
    if 'value="Approved"' not in page or f"Deploy build {version}" not in page:
        raise Failure(f"signed in, the page shows no approval form: {page[:300]!r}")
    answer = fetch(plain, {"status": "Approved", "comment": "approved by the scenario",
                           "csrf": csrf_of(page, "approval page")})
    if "Your vote (Approved) was recorded." not in answer:
        raise Failure(f"the page's vote was not recorded: {answer[:400]!r}")


def run(args):
    api = Api(args.api, read_identity(args.identity))
    t = start = time.monotonic()

    # 1. the first execution waits for the approval, its build done
    def first_waiting():
        for x in executions(api):
            if x["status"] == "InProgress":
                state = api("get-pipeline-state", "--name", PIPELINE)
                approve = stage_of(state, "Approve")
                latest = approve.get("latestExecution", {})
                if latest.get("status") == "InProgress" and latest.get("pipelineExecutionId"):
                    return latest["pipelineExecutionId"], approve["actionStates"][0]
        return None
    first, approval = wait_for("the demo execution to wait for its approval", first_waiting,
                               args.timeout)
    details = api("list-action-executions", "--pipeline-name", PIPELINE,
                  "--filter", f"pipelineExecutionId={first}")["actionExecutionDetails"]
    build = [d for d in details if d["stageName"] == "Build"]
    if not build or build[0]["status"] != "Succeeded":
        raise Failure(f"the Build action of {first} did not succeed: {build}")
    variables = build[0].get("output", {}).get("outputVariables", {})
    version = variables.get("VERSION")
    if not version:
        raise Failure(f"Build exported no VERSION: its output variables are {variables}")
    t = phase(f"execution {first} built version {version} and waits for its approval", t)

    if args.mid_run:
        done = subprocess.run(shlex.split(args.mid_run), timeout=args.timeout * 2)
        if done.returncode != 0:
            raise Failure(f"--mid-run {args.mid_run!r} exited {done.returncode}")
        t = phase(f"mid-run: {args.mid_run}", t)

    # 2. a commit starts the pipeline through polling
    before = {x["pipelineExecutionId"] for x in executions(api)}
    with open(os.path.join(args.repo, "VERSION"), "w") as f:
        f.write("9.9.9\n")
    git = ["git", "-C", args.repo, "-c", "user.name=Scenario", "-c", "user.email=scenario@example.com"]
    subprocess.run(git + ["commit", "-qam", "Scenario: version 9.9.9"], check=True, timeout=30)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True,
                            timeout=30).stdout.strip()

    def started_by_commit():
        for x in executions(api):
            if x["pipelineExecutionId"] in before:
                continue
            revisions = [r.get("revisionId") for r in x.get("sourceRevisions", [])]
            if x.get("trigger", {}).get("triggerType") == "PollForSourceChanges" and commit in revisions:
                return x["pipelineExecutionId"]
            raise Failure(f"a new execution that is not the commit's: {x}")
        return None
    second = wait_for(f"commit {commit[:12]} to start an execution", started_by_commit, args.timeout)
    t = phase(f"commit {commit[:12]} started execution {second} (PollForSourceChanges)", t)

    # 3. the approval request reached the Slack stand-in, with the approval page's URL (never a
    # signed link: anyone in a channel could use it)
    action_execution = approval["latestExecution"]["actionExecutionId"]

    def approval_message():
        for record in sink_records(args.sinks):
            text = json.dumps(record["payload"])
            if record["path"] != "/webhook" and "approval" in text.lower() and PIPELINE in text:
                return record
        return None
    message = wait_for("the approval request in the Slack stand-in", approval_message, args.timeout)
    urls = re.findall(r'https?://[^"\s]*/approvals/' + re.escape(action_execution) + r'[^"\s]*',
                      json.dumps(message["payload"]))
    if not urls:
        raise Failure(f"the Slack message names no page of approval {action_execution}: "
                      f"{json.dumps(message['payload'])[:400]}")
    page_url = urls[0]
    if "link=" in page_url:
        raise Failure(f"the Slack message carries a signed link: {page_url}")
    t = phase(f"the Slack stand-in received the approval request, linking {page_url}", t)

    # 4. the link make run printed (or the service made) shows the approval
    def printed_link():
        if args.link_command:
            argv = [w.replace("{id}", action_execution).replace("{approver}", args.approver)
                    for w in shlex.split(args.link_command)]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                raise Failure(f"--link-command exited {done.returncode}: {done.stderr.strip()}")
            return done.stdout.strip() or None
        with open(args.run_log, encoding="utf-8", errors="replace") as f:
            for line in f:
                if "approval waiting in sluice-demo:" in line:
                    link = line.split("approval waiting in sluice-demo:", 1)[1].strip()
                    if action_execution in link:
                        return link
        return None
    link = wait_for("the approval link", printed_link, args.timeout)
    with urllib.request.urlopen(link, timeout=10) as resp:
        page = resp.read().decode("utf-8", "replace")
    if "Approve" not in page or f"Deploy build {version}" not in page:
        raise Failure(f"the approval page at {link} does not show the approval: {page[:300]!r}")
    t = phase("the printed approval link's page shows the approval", t)

    # 5. a person follows the Slack message's link, signs in and approves with the page's form
    vote_through_page(page_url, api.env, version)
    t = phase("signed in on the Slack message's page; its form approved the approval", t)

    def first_done():
        x = api("get-pipeline-execution", "--pipeline-name", PIPELINE,
                "--pipeline-execution-id", first)["pipelineExecution"]
        if x["status"] in ("Failed", "Stopped", "Superseded"):
            raise Failure(f"execution {first} ended {x['status']}")
        return x["status"] == "Succeeded"
    try:
        wait_for(f"execution {first} to succeed", first_done, args.timeout)
    except Failure:
        raise
    greeting = os.path.join(args.deployed, "greeting.txt")
    program = os.path.join(args.deployed, "hello")
    if not os.path.isfile(greeting) or not os.access(program, os.X_OK):
        raise Failure(f"Deploy did not put greeting.txt and an executable hello in {args.deployed}: "
                      f"{sorted(os.listdir(args.deployed))}")
    with open(greeting) as f:
        said = f.read().strip()
    ran = subprocess.run([program], capture_output=True, text=True, timeout=10).stdout.strip()
    if "from the sluice demo" not in said or ran != "hello from the sluice demo":
        raise Failure(f"the deployed files are not the build's: greeting.txt {said!r}, hello {ran!r}")
    t = phase(f"execution {first} succeeded; the build's files are in {args.deployed}", t)

    # 5. the success mail; every stage Succeeded
    def success_mail():
        for path in sorted(glob.glob(os.path.join(args.sinks, "mail", "*.eml"))):
            with open(path, "rb") as f:
                message = email.message_from_binary_file(f)
            if PIPELINE in message.get("Subject", "") and "succeeded" in message.get("Subject", "").lower():
                return path
        return None
    mail = wait_for("the success mail", success_mail, args.timeout)
    state = api("get-pipeline-state", "--name", PIPELINE)
    for stage in state["stageStates"]:
        latest = stage.get("latestExecution", {})
        # the commit's execution may already run Source and Build: look at the first one's stages
        if latest.get("pipelineExecutionId") == first and latest.get("status") != "Succeeded":
            raise Failure(f"stage {stage['stageName']} of {first} is {latest.get('status')}")
    if stage_of(state, "Deploy").get("latestExecution", {}).get("pipelineExecutionId") != first:
        raise Failure("get-pipeline-state's Deploy stage is not the first execution's")
    t = phase(f"the success mail arrived ({os.path.basename(mail)}); every stage of {first} Succeeded", t)

    # 6. the events of the first execution, in order, each valid
    validator = load_validator(args.schemas)

    def events_of_first():
        found = [r["payload"] for r in sink_records(args.sinks)
                 if r["path"] == "/webhook" and isinstance(r["payload"], dict)
                 and r["payload"].get("detail", {}).get("execution-id") == first]
        done = any(e["detail-type"] == "CodePipeline Pipeline Execution State Change"
                   and e["detail"].get("state") == "SUCCEEDED" for e in found)
        return found if done else None
    events = wait_for("the first execution's SUCCEEDED event", events_of_first, args.timeout)
    for e in events:
        problems = sorted(validator.iter_errors(e), key=lambda err: list(err.path))
        if problems:
            raise Failure(f"event {e['detail-type']} {e['detail'].get('state')} does not validate: "
                          f"{problems[0].message} at {list(problems[0].path)}")
    events.sort(key=lambda e: e["time"])
    order = []
    for e in events:
        d = e["detail"]
        where = d.get("stage", "") + ("/" + d["action"] if "action" in d else "")
        order.append(f"{where or 'pipeline'}:{d['state']}")
    expected = ["pipeline:STARTED"]
    for stage, action in (("Source", "Source"), ("Build", "Build"), ("Approve", "Approve"),
                          ("Deploy", "Deploy")):
        expected += [f"{stage}:STARTED", f"{stage}/{action}:STARTED", f"{stage}/{action}:SUCCEEDED",
                     f"{stage}:SUCCEEDED"]
    expected.append("pipeline:SUCCEEDED")
    # Events of one second share a timestamp: compare the sets, then the order stage by stage.
    if sorted(order) != sorted(expected):
        raise Failure(f"the first execution's events are {order}, expected {expected}")
    position = {name: i for i, name in enumerate(order)}
    for before_name, after_name in zip(expected, expected[1:]):
        later = events[position[after_name]]["time"] >= events[position[before_name]]["time"]
        if not later:
            raise Failure(f"event {after_name} came before {before_name}: {order}")
    phase(f"{len(events)} events of {first} in order, each valid against schemas/events", t)
    print(f"scenario: passed in {time.monotonic() - start:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("api", "identity", "repo", "deployed", "sinks", "schemas"):
        parser.add_argument("--" + name, required=True)
    link = parser.add_mutually_exclusive_group(required=True)
    link.add_argument("--run-log")
    link.add_argument("--link-command")
    parser.add_argument("--approver", default="demo")
    parser.add_argument("--mid-run")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    try:
        run(args)
    except (Failure, subprocess.SubprocessError, OSError) as e:
        print(f"scenario: FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
