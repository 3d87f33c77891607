"""A pipeline run end to end by sluice-worker, with functions (AWS/Invoke/Lambda actions and
LambdaInvoke rules) served by a small HTTP function the test starts.

The stack of test_worker_commands.py (sluice-orchestrator, sluice-api, sluice-artifacts and one
sluice-worker on the shared Kafka/Redis fixture), with SLUICE_WORKER_FUNCTIONS_FILE naming the
test's function and an api identity of the function's own, scoped
worker(AWS/Invoke/Lambda|AWS/Rule/LambdaInvoke):
  - Source (a Custom action the test plays: it uploads a zip of a C program and its
    buildspec.yml) -> Build (AWS/CodeBuild: compiles the program with cc, exports APP_VERSION,
    a primary and a secondary artifact) -> Test (AWS/Commands running the build's program with
    #{BuildVars.APP_VERSION}; entered through a condition of a Commands rule and a LambdaInvoke
    rule that pass) -> Deploy (AWS/Deploy/S3 into a directory, then an AWS/Lambda action whose
    function answers twice: PutJobSuccessResult with a continuationToken, then with output
    variables). The deployed files are the build's output; GetPipelineState and
    ListActionExecutions show the outputs and the variables of every action; the function got
    the CodePipeline.job event with the job's credentials, which read its input artifact, and
    the continuation token the second time; an identity without the function's scope cannot
    answer the job, and a second answer to an ended job is InvalidJobStateException; the same
    build output is deployed into a bucket of the artifact store (extracted, with CacheControl
    and CannedACL as metadata, nothing left under the staging prefix) and unextracted;
  - a LambdaInvoke rule whose function answers PutJobFailureResult: the stage is not entered,
    the execution fails with the function's message;
  - a Lambda action naming a function the worker does not have (ConfigurationError) and one
    whose function refuses the invocation with HTTP 503 (JobFailed, the status and body shown);
  - an S3 deploy into the store with a CannedACL S3 does not know: ConfigurationError.
  - a functions file with a remote http:// function or not JSON, a deploy key file missing,
    malformed or readable by others, a store bucket that is also a directory target: the worker
    refuses to start (status 2), naming the variable, the file and the entry.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import http.server
import io
import json
import os
import secrets
import subprocess
import sys
import threading
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import test_worker_commands as wc  # noqa: E402
from test_worker_commands import (ADMIN, BUILDSPEC, HELLO_C, WORKER_ACTIONS,  # noqa: E402
                                  WorkerStack, action_execution, error_message, play_source,
                                  tree, zip_names)
import jobcred_client  # noqa: E402
from artifacts_stack import free_port  # noqa: E402
from sluice_stack import (CLIENT_LOCK, KEYS, PEOPLE, pipeline_declaration, run,  # noqa: E402
                          unique, write_json)

FUNCTION_KEY = ("AKIDTESTFUNCTION", "function-secret-xxxxxxxx")
DEPLOYER = ("AKIDTESTDEPLOYER", "deployer-secret-xxxxxxxx")  # the worker's store deploy key
WEB = "web-" + secrets.token_hex(3)  # a bucket of the artifact store S3 deploys write
FUNCTION_SCOPE = "AWS/Invoke/Lambda|AWS/Rule/LambdaInvoke"
ACTIONS = ("E2eBuild", "E2eTest", "E2eDeploy", "E2eNotify", "E2eMissing", "E2eGated", "E2eWeb",
           "E2eRelease", "E2eBadAcl", "E2eDown")


class Function:
    """A Lambda-style function on 127.0.0.1: takes the CodePipeline.job event (HTTP 200 at once)
    and answers through the api afterwards, as the function's own identity."""

    def __init__(self):
        self.events = []
        self.errors = []
        self.stack = None
        self.lock = threading.Lock()
        function = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/down":
                    self.send_response(503)
                    self.send_header("Content-Length", "12")
                    self.end_headers()
                    self.wfile.write(b"maintenance\n")
                    return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                event = json.loads(body)
                with function.lock:
                    function.events.append((self.path, event))
                threading.Thread(target=function.answer, args=(self.path, event),
                                 daemon=True).start()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path, event):
        try:
            job = event["CodePipeline.job"]
            api = self.stack.client(key=FUNCTION_KEY[0], secret=FUNCTION_KEY[1])
            params = job["data"]["actionConfiguration"]["configuration"].get("UserParameters")
            if path == "/gate":
                if params == "pass":
                    api.put_job_success_result(jobId=job["id"],
                                               executionDetails={"summary": "gate open"})
                    # the job has ended: a second answer is refused
                    try:
                        api.put_job_success_result(jobId=job["id"])
                        self.errors.append("a second answer to an ended job was taken")
                    except Exception as err:  # noqa: BLE001 - the code is checked
                        if "InvalidJobStateException" not in str(err):
                            self.errors.append(f"second answer: {err}")
                else:
                    api.put_job_failure_result(jobId=job["id"], failureDetails={
                        "type": "JobFailed", "message": "gate closed by the function"})
                return
            # /notify: reads its input with the job's credentials, then answers in two steps
            cred = job["data"]["artifactCredentials"]
            location = job["data"]["inputArtifacts"][0]["location"]["s3Location"]
            with CLIENT_LOCK:  # boto3's default session, shared with the test's thread
                s3 = jobcred_client.s3(self.stack.endpoint, cred["accessKeyId"],
                                       cred["secretAccessKey"], cred["sessionToken"])
            body = s3.get_object(Bucket=location["bucketName"],
                                 Key=location["objectKey"])["Body"].read()
            names = sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())
            if "continuationToken" not in job["data"]:
                # an identity without the function's scope cannot answer the worker's job
                try:
                    self.stack.client("worker").put_job_success_result(jobId=job["id"])
                    self.errors.append("an unscoped worker identity answered a Lambda job")
                except Exception as err:  # noqa: BLE001 - the code is checked
                    if "JobNotFoundException" not in str(err):
                        self.errors.append(f"unscoped answer: {err}")
                api.put_job_success_result(jobId=job["id"], continuationToken="step-1",
                                           executionDetails={"summary": "step 1 of 2",
                                                             "percentComplete": 50})
            else:
                api.put_job_success_result(
                    jobId=job["id"], outputVariables={"NOTIFIED": ",".join(names),
                                                      "TOKEN": job["data"]["continuationToken"]},
                    executionDetails={"summary": "notified"})
        except Exception as err:  # noqa: BLE001 - reported by the checks
            self.errors.append(repr(err))

    def close(self):
        self.server.shutdown()


FUNCTION = Function()


def function_stack():
    credentials = ",".join(
        [f"{key}:{secret}:{role}:{role}" for role, (key, secret) in KEYS.items()] +
        [f"{key}:{secret}:{name}:{role}{extra}"
         for name, (key, secret, role, extra) in PEOPLE.items()] +
        [f"{FUNCTION_KEY[0]}:{FUNCTION_KEY[1]}:release-fn:worker({FUNCTION_SCOPE})"])
    functions = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                             "sluice-functions-" + secrets.token_hex(4) + ".json")
    with open(functions, "w", encoding="utf-8") as handle:
        json.dump({"notify-fn": {"url": FUNCTION.url + "/notify"},
                   "gate-fn": {"url": FUNCTION.url + "/gate"},
                   "down-fn": {"url": FUNCTION.url + "/down"}}, handle)
    deploy_key = functions + ".deploy-key"
    with open(os.open(deploy_key, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as f:
        f.write(f"{DEPLOYER[0]}:{DEPLOYER[1]}\n")
    stack = WorkerStack(
        actions=WORKER_ACTIONS + ACTIONS, api_env={"SLUICE_API_CREDENTIALS": credentials},
        worker_env={"SLUICE_WORKER_FUNCTIONS_FILE": functions,
                    "SLUICE_WORKER_DEPLOY_BUCKETS": WEB,
                    "SLUICE_WORKER_DEPLOY_KEY_FILE": deploy_key},
        artifacts_env={"SLUICE_ARTIFACTS_BUCKETS": f"{wc.BUCKET},{WEB}",
                       "SLUICE_ARTIFACTS_CREDENTIALS":
                           f"{ADMIN[0]}:{ADMIN[1]}:admin:admin,"
                           f"{DEPLOYER[0]}:{DEPLOYER[1]}:deployer:operator"})
    os.unlink(functions)
    os.unlink(deploy_key)
    FUNCTION.stack = stack
    return stack


def source_stage():
    return {"name": "Source", "actions": [{
        "name": "Fetch",
        "actionTypeId": {"category": "Source", "owner": "Custom", "provider": wc.SOURCE,
                         "version": "1"},
        "configuration": {"Repo": "demo"},
        "outputArtifacts": [{"name": "SourceArtifact"}],
    }]}


def lambda_rule(user_parameters):
    return {"name": "FnGate",
            "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "LambdaInvoke",
                           "version": "1"},
            "configuration": {"FunctionName": "gate-fn", "UserParameters": user_parameters}}


def commands_rule():
    return {"name": "HasBinary",
            "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "Commands",
                           "version": "1"},
            "commands": ["test -x hello", "test -s greeting.txt"],
            "inputArtifacts": [{"name": "BuildOut"}]}


def start(stack, name, stages, files):
    decl = pipeline_declaration(name, [source_stage()] + stages)
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=name)["pipelineExecutionId"]
    play_source(stack, files)
    return execution


def wait_execution(stack, name, execution, timeout=90):
    def ended():
        status = stack.client().get_pipeline_execution(
            pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        if FUNCTION.errors:
            raise AssertionError(f"the function failed while {name} ran: {FUNCTION.errors}")
        return status if status in ("Succeeded", "Failed", "Stopped") else None
    return stack.wait_for(f"{name} to end", ended, timeout=timeout, interval=0.3)


def check_pipeline_end_to_end(stack):
    name = unique("wk-e2e")
    target = "e2e-" + secrets.token_hex(3)
    build = wc.codebuild_action("E2eBuild", ["BuildOut", "Docs"])
    build["namespace"] = "BuildVars"
    stages = [
        {"name": "Build", "actions": [build]},
        {"name": "Test",
         "beforeEntry": {"conditions": [{"result": "FAIL",
                                         "rules": [commands_rule(), lambda_rule("pass")]}]},
         "actions": [{
             "name": "E2eTest",
             "actionTypeId": {"category": "Compute", "owner": "AWS", "provider": "Commands",
                              "version": "1"},
             "commands": ["./hello > run.txt", "grep -qx 'hi from C' run.txt",
                          "test \"$APP_VERSION\" = 1.2.7",
                          "export CHECKED=\"ran $APP_VERSION\""],
             "environmentVariables": [
                 {"name": "APP_VERSION", "value": "#{BuildVars.APP_VERSION}",
                  "type": "PLAINTEXT"},
                 {"name": "GREETING", "value": "hi", "type": "PLAINTEXT"}],
             "inputArtifacts": [{"name": "BuildOut"}],
             "outputVariables": ["CHECKED"],
             "namespace": "TestVars"}]},
        {"name": "Deploy", "actions": [
            {"name": "E2eDeploy",
             "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3",
                              "version": "1"},
             "configuration": {"BucketName": "site", "Extract": "true", "ObjectKey": target},
             "inputArtifacts": [{"name": "BuildOut"}], "runOrder": 1},
            {"name": "E2eWeb",
             "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3",
                              "version": "1"},
             "configuration": {"BucketName": WEB, "Extract": "true", "ObjectKey": target,
                               "CacheControl": "max-age=60", "CannedACL": "public-read"},
             "inputArtifacts": [{"name": "BuildOut"}], "runOrder": 1},
            {"name": "E2eRelease",
             "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3",
                              "version": "1"},
             "configuration": {"BucketName": WEB, "Extract": "false",
                               "ObjectKey": f"releases/{target}.zip"},
             "inputArtifacts": [{"name": "Docs"}], "runOrder": 1},
            {"name": "E2eNotify",
             "actionTypeId": {"category": "Invoke", "owner": "AWS", "provider": "Lambda",
                              "version": "1"},
             "configuration": {"FunctionName": "notify-fn", "UserParameters": "deployed"},
             "inputArtifacts": [{"name": "BuildOut"}], "namespace": "NotifyVars",
             "runOrder": 2}]},
    ]
    files = {"buildspec.yml": BUILDSPEC, "hello.c": HELLO_C, "version.txt": b"7",
             "docs/guide/readme.md": b"# guide"}
    execution = start(stack, name, stages, files)
    status = wait_execution(stack, name, execution)
    details = stack.client().list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
    by_action = {d["actionName"]: d for d in details}
    assert status == "Succeeded", (status, {n: (d["status"], error_message(d))
                                            for n, d in by_action.items()}, FUNCTION.errors)
    assert FUNCTION.errors == [], FUNCTION.errors
    # Build: the variable and both artifacts
    built = by_action["E2eBuild"]["output"]
    assert built.get("outputVariables") == {"APP_VERSION": "1.2.7"}, built
    outputs = {o["name"]: o["s3location"] for o in built["outputArtifacts"]}
    assert sorted(outputs) == ["BuildOut", "Docs"], outputs
    primary = zip_names(stack, outputs["BuildOut"])
    assert sorted(primary) == ["greeting.txt", "hello"], sorted(primary)
    assert sorted(zip_names(stack, outputs["Docs"])) == ["readme.md"]
    # Test: ran the build's program with the build's variable
    tested = by_action["E2eTest"]["output"]
    assert tested.get("outputVariables") == {"CHECKED": "ran 1.2.7"}, tested
    # Deploy: the deployed files are the build's output, byte for byte
    deployed = tree(os.path.join(stack.logdir, "site", target))
    assert deployed == primary, (sorted(deployed), sorted(primary))
    assert os.access(os.path.join(stack.logdir, "site", target, "hello"), os.X_OK)
    # the same files as objects of the store bucket, with the action's metadata; nothing staged
    admin = jobcred_client.s3(stack.endpoint, *ADMIN)
    listed = admin.list_objects_v2(Bucket=WEB).get("Contents", [])
    keys = sorted(o["Key"] for o in listed)
    assert keys == sorted([f"releases/{target}.zip", f"{target}/greeting.txt",
                           f"{target}/hello"]), keys
    for rel, data in primary.items():
        got = admin.get_object(Bucket=WEB, Key=f"{target}/{rel}")
        assert got["Body"].read() == data, rel
        assert got["Metadata"] == {"cache-control": "max-age=60", "canned-acl": "public-read"}, \
            got["Metadata"]
    assert admin.head_object(Bucket=WEB, Key=f"{target}/greeting.txt")["ContentType"] == \
        "text/plain"
    release = admin.get_object(Bucket=WEB, Key=f"releases/{target}.zip")["Body"].read()
    docs_zip = admin.get_object(Bucket=outputs["Docs"]["bucket"],
                                Key=outputs["Docs"]["key"])["Body"].read()
    assert release == docs_zip, "the unextracted deploy is the artifact's zip"
    web = by_action["E2eWeb"]["output"]["executionResult"]["externalExecutionSummary"]
    assert web.startswith(f"extracted BuildOut to s3://{WEB}/{target}: 2 objects"), web
    # the function: two invocations, the second with the continuation token
    notify = [e for p, e in FUNCTION.events if p == "/notify"
              and e["CodePipeline.job"]["data"]["actionConfiguration"]["configuration"]
              .get("UserParameters") == "deployed"]
    assert len(notify) == 2, len(notify)
    first, second = (e["CodePipeline.job"] for e in notify)
    assert first["id"] != second["id"], "a continuation is a new job"
    assert "continuationToken" not in first["data"], first["data"]
    assert second["data"]["continuationToken"] == "step-1", second["data"]
    assert first["accountId"] == "123456789012", first
    config = first["data"]["actionConfiguration"]["configuration"]
    assert config == {"FunctionName": "notify-fn", "UserParameters": "deployed"}, config
    inputs = first["data"]["inputArtifacts"]
    assert [a["name"] for a in inputs] == ["BuildOut"], inputs
    assert inputs[0]["location"]["s3Location"]["objectKey"] == outputs["BuildOut"]["key"]
    assert set(first["data"]["artifactCredentials"]) == {"accessKeyId", "secretAccessKey",
                                                         "sessionToken"}
    notified = by_action["E2eNotify"]
    assert notified["status"] == "Succeeded", notified
    assert notified["output"].get("outputVariables") == {
        "NOTIFIED": "greeting.txt,hello", "TOKEN": "step-1"}, notified["output"]
    assert notified["output"]["executionResult"].get("externalExecutionSummary") == "notified"
    # GetPipelineState: every stage succeeded, both rules of the condition too
    state = stack.client().get_pipeline_state(name=name)
    stages_state = {s["stageName"]: s for s in state["stageStates"]}
    assert all(s["latestExecution"]["status"] == "Succeeded" for s in stages_state.values()), \
        {n: s["latestExecution"] for n, s in stages_state.items()}
    cond = stages_state["Test"]["beforeEntryConditionState"]
    rules = {r["ruleName"]: r["latestExecution"]
             for c in cond["conditionStates"] for r in c["ruleStates"]}
    assert rules["HasBinary"]["status"] == "Succeeded", rules
    assert rules["FnGate"]["status"] == "Succeeded", rules
    actions = {a["actionName"]: a for a in stages_state["Deploy"]["actionStates"]}
    assert actions["E2eNotify"]["latestExecution"]["status"] == "Succeeded", actions
    assert 'provider="AWS/Invoke/Lambda/1",outcome="Invoked"' in stack.metrics()
    assert 'provider="rule:LambdaInvoke/1",outcome="Invoked"' in stack.metrics()


def check_lambda_rule_fails(stack):
    name = unique("wk-fngate")
    stages = [{"name": "Run",
               "beforeEntry": {"conditions": [{"result": "FAIL",
                                               "rules": [lambda_rule("fail")]}]},
               "actions": [wc.commands_action("E2eGated", ["true"])]}]
    execution = start(stack, name, stages, {"a.txt": b"a"})
    assert wait_execution(stack, name, execution) == "Failed"
    latest = wc.rule_state(stack, name)
    assert latest.get("status") == "Failed", latest
    assert "gate closed by the function" in latest.get("summary", ""), latest
    details = stack.client().list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
    assert [d["actionName"] for d in details if d["actionName"] == "E2eGated"] == [], details


def check_unknown_or_refusing_function(stack):
    def invoke(action, function):
        return {"name": action,
                "actionTypeId": {"category": "Invoke", "owner": "AWS", "provider": "Lambda",
                                 "version": "1"},
                "configuration": {"FunctionName": function},
                "inputArtifacts": [{"name": "SourceArtifact"}]}
    name = unique("wk-nofn")
    stages = [{"name": "Run", "actions": [invoke("E2eMissing", "no-such-fn"),
                                          invoke("E2eDown", "down-fn")]}]
    execution = start(stack, name, stages, {"a.txt": b"a"})
    detail = action_execution(stack, name, execution, "E2eMissing")
    assert detail["status"] == "Failed", detail
    message = error_message(detail)
    assert "function no-such-fn is not configured on this worker" in message, message
    code = detail["output"]["executionResult"].get("errorDetails", {}).get("code")
    assert code in (None, "ConfigurationError"), code
    detail = action_execution(stack, name, execution, "E2eDown")
    assert detail["status"] == "Failed", detail
    message = error_message(detail)
    assert "function down-fn refused the invocation: HTTP 503 maintenance" in message, message


def check_store_deploy_refusals(stack):
    name = unique("wk-badacl")
    stages = [{"name": "Run", "actions": [{
        "name": "E2eBadAcl",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"BucketName": WEB, "Extract": "true", "CannedACL": "world-writable"},
        "inputArtifacts": [{"name": "SourceArtifact"}]}]}]
    execution = start(stack, name, stages, {"a.txt": b"a"})
    detail = action_execution(stack, name, execution, "E2eBadAcl")
    assert detail["status"] == "Failed", detail
    message = error_message(detail)
    assert 'CannedACL "world-writable" is not one of S3\'s canned ACLs' in message, message


def check_startup_refusals(stack):
    """A functions file or a deploy key the worker cannot use stops it at start-up: exit status
    2, the message names the variable, the file and the entry."""
    def private(name, text):
        path = os.path.join(stack.logdir, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as f:
            f.write(text)
        return path
    remote = private("functions-remote.json", '{"far": {"url": "http://10.1.2.3:9000/"}}')
    broken = private("functions-broken.json", '{"a": ')
    no_colon = private("deploy-key-bad", "AKIDONLY\n")
    loose = private("deploy-key-0644", f"{DEPLOYER[0]}:{DEPLOYER[1]}\n")
    os.chmod(loose, 0o644)
    good = private("deploy-key", f"{DEPLOYER[0]}:{DEPLOYER[1]}\n")
    cases = [
        ({"SLUICE_WORKER_FUNCTIONS_FILE": remote},
         f'SLUICE_WORKER_FUNCTIONS_FILE {remote}: function \\"far\\": \\"url\\" is http:// to '
         "another machine"),  # the log line is JSON: its quotes escaped
        ({"SLUICE_WORKER_FUNCTIONS_FILE": broken},
         f"SLUICE_WORKER_FUNCTIONS_FILE {broken}: line 1"),
        ({"SLUICE_WORKER_DEPLOY_KEY_FILE": ""},
         "SLUICE_WORKER_DEPLOY_BUCKETS needs SLUICE_WORKER_DEPLOY_KEY_FILE"),
        ({"SLUICE_WORKER_DEPLOY_KEY_FILE": no_colon},
         f"SLUICE_WORKER_DEPLOY_KEY_FILE: {no_colon}: not one line <access key id>:<secret>"),
        ({"SLUICE_WORKER_DEPLOY_KEY_FILE": loose},
         f"SLUICE_WORKER_DEPLOY_KEY_FILE: {loose}: mode 0644"),
        ({"SLUICE_WORKER_DEPLOY_BUCKETS": "site"},
         "deploy bucket site is also a directory target"),
    ]
    for change, wanted in cases:
        env = dict(stack.worker_env, SLUICE_WORKER_PORT="0", **change)
        if "SLUICE_WORKER_DEPLOY_KEY_FILE" not in change:
            env["SLUICE_WORKER_DEPLOY_KEY_FILE"] = good
        proc = subprocess.run([wc.worker_binary()], env=env, capture_output=True, text=True,
                              timeout=30)
        out = proc.stderr + proc.stdout
        assert proc.returncode == 2, (change, proc.returncode, out)
        assert wanted in out, (wanted, out)
        assert DEPLOYER[1] not in out


if __name__ == "__main__":
    try:
        run([check_startup_refusals, check_pipeline_end_to_end, check_lambda_rule_fails, check_unknown_or_refusing_function,
             check_store_deploy_refusals],
            function_stack())
    finally:
        FUNCTION.close()
