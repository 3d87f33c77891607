"""Crash points proven, not hoped for: executions driven through sluice-api with
boto3 while sluice-orchestrator is killed at its named fault points
(SLUICE_FAULT_POINTS: after_cas, after_publish, after_trim) and with SIGKILL at
random moments across the whole run, and restarted each time by a supervisor.

    test_orch_crash_points.py points   100 executions, kills only
    test_orch_crash_points.py redis    100 executions; redis-server restarted midway
    test_orch_crash_points.py kafka    100 executions; the Kafka broker restarted midway

The test is the job worker of a Custom provider (PollForJobs, AcknowledgeJob,
PutJobSuccessResult / PutJobFailureResult; one execution in five fails its
build); api_job_runner answers the S3 source. Asserted afterwards: each fault
point was reached (the fault log), the replay path ran (duplicates skipped > 0
on /metrics, summed over the orchestrator's lives), every execution ended with
the status its variables ask for, no job id was handed out twice with
different content and no action got two jobs, execution ids are distinct and
no execution exists that was not asked for, no outbox entry, no timer of the
test's pipelines and no dead letter is left.
"""

import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import botocore.exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from sluice_stack import (SKIP, Stack, _read_env_file, pipeline_declaration,  # noqa: E402
                          s3_source, unique)

POINTS = ("after_cas", "after_publish", "after_trim")
MODE = sys.argv[1] if len(sys.argv) > 1 else "points"
EXECUTIONS = 100
PIPELINES = 4
START_SPAN_S = 45.0 if MODE == "points" else 40.0  # starts spread over this long
DEADLINE_S = 170
PROVIDER = "Crash" + secrets.token_hex(3)
TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what, flush=True)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def custom(name, artifact_in, artifact_out=None):
    action = {
        "name": name,
        "actionTypeId": TYPE,
        "configuration": {"Outcome": "#{variables.Outcome}", "Step": name},
        "inputArtifacts": [{"name": artifact_in}],
    }
    if artifact_out:
        action["outputArtifacts"] = [{"name": artifact_out}]
    return action


class Orchestrator:
    """sluice-orchestrator restarted whenever it dies, armed anew at each start."""

    def __init__(self, stack, logdir):
        self.stack = stack
        self.fault_log = os.path.join(logdir, "faults.log")
        self.env = dict(stack.service_env)
        self.env.update({
            "SLUICE_FAULT_LOG": self.fault_log,
            "SLUICE_ORCHESTRATOR_INSTANCE": "crash0",
            "SLUICE_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "SLUICE_STATE_KEEP_TERMINAL": "40",
            "SLUICE_OUTBOX_SWEEP_MS": "1000",
            "SLUICE_TIMER_POLL_MS": "100",
        })
        self.logfile = open(os.path.join(logdir, "orchestrator.log"), "a", encoding="utf-8")
        self.proc = None
        self.port = None
        self.lives = 0
        self.arming = 0
        self.random_kills = 0
        self.exits = []
        self.duplicates = {}  # life -> largest sluice_orchestrator_duplicates_total seen
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.arm = True

    def start(self):
        env = dict(self.env)
        if self.arm:
            point = POINTS[self.arming % len(POINTS)]
            self.arming += 1
            env["SLUICE_FAULT_POINTS"] = f"{point}:{random.randint(2, 12)}"
        else:
            env.pop("SLUICE_FAULT_POINTS", None)
        self.port = free_port()
        env["SLUICE_ORCHESTRATOR_PORT"] = str(self.port)
        self.logfile.write(f"---- life {self.lives + 1}: {env.get('SLUICE_FAULT_POINTS', '')}\n")
        self.logfile.flush()
        self.proc = subprocess.Popen([self.stack.orchestrator_bin], env=env,
                                     stdout=self.logfile, stderr=self.logfile)
        self.lives += 1

    def scrape(self):
        life, port = self.lives, self.port
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as resp:
                text = resp.read().decode()
        except OSError:
            return
        match = re.search(r"^sluice_orchestrator_duplicates_total(?:\{\})? (\S+)$", text, re.M)
        if match:
            value = float(match.group(1))
            self.duplicates[life] = max(self.duplicates.get(life, 0.0), value)

    def supervise(self):
        while not self.stop.is_set():
            with self.lock:
                if self.proc.poll() is not None:
                    self.exits.append(self.proc.returncode)
                    time.sleep(0.2)
                    self.start()
            self.scrape()
            time.sleep(0.15)

    def kill_now(self):
        with self.lock:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
                self.random_kills += 1

    def close(self):
        self.stop.set()
        with self.lock:
            if self.proc.poll() is None:
                self.scrape()
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.logfile.close()

    def reached(self):
        counts = {p: 0 for p in POINTS}
        if os.path.exists(self.fault_log):
            with open(self.fault_log, encoding="utf-8") as handle:
                for line in handle:
                    parts = line.split()
                    if parts and parts[0] in counts:
                        counts[parts[0]] += 1
        return counts


class Worker:
    """The Custom provider's job worker: polls, records every job, answers it."""

    def __init__(self, stack):
        self.client = stack.client("worker")
        self.seen = {}        # job id -> canonical JSON of its data
        self.by_action = {}   # (execution, stage, action) -> set of job ids
        self.answered = set()
        self.conflicts = []
        self.errors = 0

    def round(self):
        try:
            jobs = self.client.poll_for_jobs(actionTypeId=TYPE, maxBatchSize=10)["jobs"]
        except Exception:  # noqa: BLE001 - the api may be cut off from Kafka or Redis
            self.errors += 1
            return 0
        for job in jobs:
            data = job["data"]
            text = json.dumps(data, sort_keys=True)
            jid = job["id"]
            if jid in self.seen and self.seen[jid] != text:
                self.conflicts.append(jid)
            self.seen.setdefault(jid, text)
            ctx = data["pipelineContext"]
            key = (ctx["pipelineExecutionId"], ctx["stage"]["name"], ctx["action"]["name"])
            self.by_action.setdefault(key, set()).add(jid)
            if jid in self.answered:
                continue
            try:
                self.answer(job)
            except Exception:  # noqa: BLE001 - tried again when handed out again
                self.errors += 1
        return len(jobs)

    def answer(self, job):
        jid = job["id"]
        self.client.acknowledge_job(jobId=jid, nonce=job["nonce"])
        config = job["data"]["actionConfiguration"]["configuration"]
        try:
            if config.get("Outcome") == "fail":
                self.client.put_job_failure_result(
                    jobId=jid, failureDetails={"type": "JobFailed", "message": "asked to fail"})
            else:
                self.client.put_job_success_result(
                    jobId=jid, executionDetails={"summary": "done", "percentComplete": 100})
        except self.client.exceptions.InvalidJobStateException:
            pass  # a result of ours that went through before
        self.answered.add(jid)


def redis_cli(env, *args):
    out = subprocess.run(["redis-cli", "-h", env["SLUICE_TEST_REDIS_HOST"], "-p",
                          env["SLUICE_TEST_REDIS_PORT"], "--raw", *args],
                         capture_output=True, text=True, timeout=30, check=False)
    return out.stdout


def restart_redis(env):
    """SHUTDOWN SAVE, then redis.sh start on the same port and directory: the
    server comes back with every key it had (the fixture runs without an
    append-only file; the snapshot is removed once loaded)."""
    source = os.environ.get("SLUICE_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
    rdir = env["SLUICE_TEST_REDIS_DIR"]
    redis_cli(env, "SHUTDOWN", "SAVE")
    time.sleep(1.0)  # down for a moment
    subprocess.run([os.path.join(source, "scripts", "redis.sh"), "start", "--port",
                    env["SLUICE_TEST_REDIS_PORT"], "--dir", rdir, "--appendonly", "no"],
                   check=True, capture_output=True, timeout=60)
    dump = os.path.join(rdir, "dump.rdb")
    if os.path.exists(dump):
        os.unlink(dump)


def restart_kafka(env):
    """kafka.sh stop and start on the same ports and data directory."""
    source = os.environ.get("SLUICE_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
    kdir = env["SLUICE_TEST_KAFKA_DIR"]
    props = {}
    with open(os.path.join(kdir, "server.properties"), encoding="utf-8") as handle:
        for line in handle:
            if "=" in line and not line.startswith("#"):
                key, value = line.strip().split("=", 1)
                props[key] = value
    port = env["SLUICE_TEST_KAFKA_BROKERS"].rsplit(":", 1)[1]
    cport = re.search(r"CONTROLLER://[^:]*:(\d+)", props.get("listeners", "")).group(1)
    script = os.path.join(source, "scripts", "kafka.sh")
    subprocess.run([script, "stop", "--dir", kdir], check=True, capture_output=True, timeout=60)
    subprocess.run([script, "start", "--port", port, "--controller-port", cport, "--dir", kdir,
                    "--partitions", "3"], check=True, capture_output=True, timeout=120)


def main():
    random.seed(os.environ.get("SLUICE_CRASH_SEED", "20261203"))
    tail = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "tests/integration/artifacts/art_events_tail")
    if not os.access(tail, os.X_OK):
        print(f"skipped: {tail} is not built", flush=True)
        sys.exit(SKIP)
    env = _read_env_file()
    stack = Stack(with_orchestrator=False)
    orch = Orchestrator(stack, stack.logdir)
    orch.arm = MODE == "points"
    orch.start()
    supervisor = threading.Thread(target=orch.supervise, daemon=True)
    supervisor.start()
    started_at = time.monotonic()
    try:
        run(stack, orch, env, tail, started_at)
    finally:
        orch.close()
        stack.close(dump=bool(failures))
        if failures:
            with open(os.path.join(stack.logdir, "orchestrator.log"), encoding="utf-8",
                      errors="replace") as handle:
                sys.stderr.writelines(handle.readlines()[-40:])
    log(f"{MODE}: {len(failures)} failed in {time.monotonic() - started_at:.0f}s "
        f"(logs in {stack.logdir})")
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed", flush=True)
    sys.exit(1 if failures else 0)


def run(stack, orch, env, tail, started_at):
    admin = stack.client("admin")
    names = [unique(f"crash{p}") for p in range(PIPELINES)]
    for name in names:
        decl = pipeline_declaration(name, [
            {"name": "Source", "actions": [s3_source()]},
            {"name": "Build", "actions": [custom("Work", "SourceArtifact", "WorkOut")]},
            {"name": "Deploy", "actions": [custom("Ship", "WorkOut")]},
        ], execution_mode="PARALLEL",
            variables=[{"name": "Outcome", "defaultValue": "pass"}])
        admin.create_pipeline(**decl)
    worker = Worker(stack)
    runs = []  # dicts: pipeline, token, fail, id
    for i in range(EXECUTIONS):
        runs.append({"pipeline": names[i % PIPELINES], "token": secrets.token_hex(16),
                     "fail": i % 5 == 4, "id": None})
    operator = stack.client("operator")
    interval = START_SPAN_S / EXECUTIONS
    next_start = time.monotonic()
    next_kill = time.monotonic() + random.uniform(2, 5)
    disrupted = MODE == "points"
    restarter = None
    pending = list(runs)
    deadline = started_at + DEADLINE_S
    finished = {}
    next_status = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if pending and now >= next_start:
            r = pending[0]
            try:
                extra = {"variables": [{"name": "Outcome", "value": "fail"}]} if r["fail"] else {}
                reply = operator.start_pipeline_execution(
                    name=r["pipeline"], clientRequestToken=r["token"], **extra)
                r["id"] = reply["pipelineExecutionId"]
                pending.pop(0)
                next_start = now + interval
            except botocore.exceptions.ParamValidationError:
                raise
            except Exception as err:  # noqa: BLE001 - same token again: idempotent
                log(f"start of {r['pipeline']} not answered yet ({type(err).__name__})")
                next_start = now + 0.5
        kills_done = not pending and all(v > 0 for v in orch.reached().values())
        if MODE == "points" and now >= next_kill and (pending or not kills_done):
            orch.kill_now()
            next_kill = now + random.uniform(2, 6)
        if restarter is None and MODE != "points" and len(pending) <= EXECUTIONS // 2:
            log(f"restarting {MODE} with {len(pending)} executions still to start")
            restarter = threading.Thread(
                target=restart_redis if MODE == "redis" else restart_kafka, args=(env,))
            restarter.start()  # starts and jobs go on meanwhile
        if restarter is not None and not disrupted and not restarter.is_alive():
            disrupted = True
            log(f"{MODE} is back")
        worker.round()
        if not pending and now >= next_status:
            next_status = now + 1.0
            for r in runs:
                if r["id"] in finished:
                    continue
                try:
                    ex = admin.get_pipeline_execution(pipelineName=r["pipeline"],
                                                      pipelineExecutionId=r["id"])
                except Exception:  # noqa: BLE001 - asked again next round
                    continue
                status = ex["pipelineExecution"]["status"]
                if status in ("Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"):
                    finished[r["id"]] = status
            if len(finished) == EXECUTIONS and (disrupted and (MODE != "points" or kills_done)):
                break
        time.sleep(0.02)
    elapsed = time.monotonic() - started_at
    reached = orch.reached()
    duplicates = sum(orch.duplicates.values())
    log(f"{len(finished)}/{EXECUTIONS} finished in {elapsed:.0f}s; orchestrator lives "
        f"{orch.lives}, fault kills {reached}, random kills {orch.random_kills}, exits "
        f"{orch.exits}; duplicates skipped {duplicates:.0f}; jobs {len(worker.seen)}")

    # Every execution ends right, with distinct ids and none that was not asked for.
    ids = [r["id"] for r in runs]
    check(None not in ids, "every start was answered")
    check(len(set(ids)) == len(ids), f"execution ids are distinct: {len(set(ids))}/{len(ids)}")
    for r in runs:
        want = "Failed" if r["fail"] else "Succeeded"
        got = finished.get(r["id"])
        check(got == want, f"{r['pipeline']} {r['id']}: status {got}, want {want}")
    for name in names:
        listed = admin.list_pipeline_executions(pipelineName=name, maxResults=100)
        got = sorted(e["pipelineExecutionId"] for e in listed["pipelineExecutionSummaries"])
        want = sorted(r["id"] or "" for r in runs if r["pipeline"] == name)
        check(got == want, f"{name}: executions listed are the ones started "
              f"({len(got)} listed, {len(want)} started)")

    # Jobs: one per action execution, and a job id never seen with different content.
    check(not worker.conflicts, f"job ids handed out with different content: {worker.conflicts}")
    twice = {k: v for k, v in worker.by_action.items() if len(v) > 1}
    check(not twice, f"actions that got more than one job: {twice}")
    expected_jobs = sum(1 if r["fail"] else 2 for r in runs)
    check(len(worker.by_action) == expected_jobs,
          f"custom action executions with a job: {len(worker.by_action)}, want {expected_jobs}")

    if MODE == "points":
        for point in POINTS:
            check(reached[point] > 0, f"fault point {point} was reached and killed")
        check(orch.random_kills > 0, "random kills happened")
        check(duplicates > 0, f"the replay path ran: duplicates skipped {duplicates}")

    # Nothing left behind: outboxes, timers of finished executions, dead letters.
    time.sleep(1.5)  # the sweep's interval
    for name in names:
        left = redis_cli(env, "XLEN", f"sluice:{{{name}}}:outbox").strip()
        check(left in ("", "0"), f"{name}: {left} outbox entries left")
    timers = [m for m in redis_cli(env, "ZRANGE", "sluice:timers", "0", "-1").splitlines()
              if m.split("\x1f", 1)[0] in names]
    check(not timers, f"timers left: {timers!r}")
    dead = subprocess.run([tail, stack.brokers, stack.prefix + "deadletter", "4"],
                          capture_output=True, text=True, timeout=60, check=False).stdout
    check(dead.strip() == "", f"dead letters: {dead[:2000]}")


if __name__ == "__main__":
    main()
