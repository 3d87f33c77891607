"""What sluice-source costs, beside floors measured in the same run.

1. Webhook → first job: a V1 pipeline whose CodeStarSourceConnection source watches a local
   git repository (tests/integration/source's stack: sluice-api, sluice-orchestrator,
   sluice-artifacts, sluice-source and the api's job runner, on bench/run.sh's Kafka and
   Redis). PUSHES times (default 500): a commit, then a signed GitHub push delivery; timed from
   the POST to the moment the Source job of the execution it starts is read from the jobs
   topic by a consumer (the job runner, which only reports it). p50 / p99, next to the Kafka
   produce→consume round trip (bench/bus-floor) and one `git ls-remote` of the repository, the
   two things the path cannot avoid.
2. Polling cost: BRANCHES (default 1000) V1 pipelines, each polling its own branch of one local
   repository; sluice-source restarted with a short interval (INTERVAL_S, default 5). CPU
   seconds of sluice-source and its git children per interval, and how long one round of
   checks takes, next to the same checks run by this script one `git ls-remote` after another.

    source_bench.py      (run by `bench/run.sh source`, which sets the environment)

Environment: SLUICE_TEST_ENV_FILE, SLUICE_BINARY_DIR, SLUICE_AWS_CLI and the
SLUICE_BENCH_{PUSHES,BRANCHES,INTERVAL_S} knobs. Prints figures only; never fails on a number.
"""

import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "source"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "api"))

from sluice_stack import custom_action, pipeline_declaration, unique  # noqa: E402
from test_source_service import (CONNECTION, SourceStack, git, github_push)  # noqa: E402

PUSHES = int(os.environ.get("SLUICE_BENCH_PUSHES", "500"))
BRANCHES = int(os.environ.get("SLUICE_BENCH_BRANCHES", "1000"))
INTERVAL_S = int(os.environ.get("SLUICE_BENCH_INTERVAL_S", "5"))
TICKS = os.sysconf("SC_CLK_TCK")


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def cpu_seconds(pid):
    """utime + stime of pid and of its reaped children (git), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def bus_floor():
    binary = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "bench", "bus-floor")
    line = subprocess.run([binary, "200"], check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}


def restart_source(stack, interval):
    stack.source.send_signal(signal.SIGTERM)
    stack.source.wait(10)
    stack.source_env["SLUICE_SOURCE_POLL_INTERVAL_S"] = str(interval)
    stack.start_source()


def bench_webhooks(stack):
    name = unique("benchhook")
    decl = pipeline_declaration(name, [
        {"name": "Source", "actions": [{
            "name": "Fetch",
            "actionTypeId": {"category": "Source", "owner": "AWS",
                             "provider": "CodeStarSourceConnection", "version": "1"},
            "configuration": {"ConnectionArn": CONNECTION, "FullRepositoryId": "octo/app",
                              "BranchName": "main"},
            "outputArtifacts": [{"name": "SourceArtifact"}]}]},
        {"name": "Build", "actions": [custom_action("Compile", "BenchBuild")]}],
        pipeline_type="V1")
    stack.client().create_pipeline(**decl)
    # polling an hour away: only the deliveries start the pipeline
    restart_source(stack, 3600)
    stack.wait_for("the first checks", lambda: stack.metric(
        'sluice_source_checks_total{result="ok"}') >= 1, timeout=30)
    # the execution CreatePipeline does not start; drain what the runner said so far
    while True:
        try:
            stack.runner_lines.get_nowait()
        except queue.Empty:
            break

    ls_remote = []
    latencies = []
    lost = 0
    for i in range(PUSHES):
        commit = stack.commit(stack.hosted, "bench.txt", f"Bench change {i}")
        t0 = time.monotonic()
        git(stack.hosted, "ls-remote", "--heads", stack.hosted, "refs/heads/main")
        ls_remote.append(time.monotonic() - t0)
        body = github_push("refs/heads/main", commit)
        sent = time.monotonic()
        status, result = stack.post_hook(body, delivery=str(uuid.uuid4()))
        if status != 202:
            raise SystemExit(f"push {i}: the delivery was answered {status} {result}")
        deadline = sent + 10
        seen = None
        while seen is None and time.monotonic() < deadline:
            try:
                line = stack.runner_lines.get(timeout=max(0.001, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line.startswith(f"held {name} Fetch"):
                seen = time.monotonic()
        if seen is None:
            lost += 1
        else:
            latencies.append(seen - sent)
        # let the Source action finish before the next change (the stage is the execution's)
        time.sleep(0.05)
    return latencies, ls_remote, lost


def bench_polling(stack):
    repo = stack.polled
    names = [f"b{i:04d}" for i in range(BRANCHES)]
    head = git(repo, "rev-parse", "HEAD").decode().strip()
    refs = "".join(f"create refs/heads/{n} {head}\n" for n in names)
    subprocess.run(["git", "-C", repo, "update-ref", "--stdin"], input=refs.encode(), check=True)
    client = stack.client()
    t0 = time.monotonic()
    for n in names:
        decl = pipeline_declaration(unique("poll" + n), [
            {"name": "Source", "actions": [{
                "name": "Fetch",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                                 "version": "1"},
                "configuration": {"RepositoryName": "polled", "BranchName": n,
                                  "PollForSourceChanges": "true"},
                "outputArtifacts": [{"name": "SourceArtifact"}]}]},
            {"name": "Build", "actions": [custom_action("Compile", "BenchPollBuild")]}],
            pipeline_type="V1")
        client.create_pipeline(**decl)
    created = time.monotonic() - t0

    restart_source(stack, INTERVAL_S)
    pid = stack.source.pid
    stack.wait_for("the watches", lambda: stack.metric("sluice_source_watches") >= BRANCHES,
                   timeout=120)
    ok = 'sluice_source_checks_total{result="ok"}'
    # one round at start-up, then whole intervals
    stack.wait_for("the first round", lambda: stack.metric(ok) >= BRANCHES, timeout=300)
    rounds = 3
    base_checks, base_cpu, base_t = stack.metric(ok), cpu_seconds(pid), time.monotonic()
    round_times = []
    for r in range(1, rounds + 1):
        goal = base_checks + r * BRANCHES
        round_start = time.monotonic()
        # a round begins when the first check of it is counted
        stack.wait_for("a round to begin", lambda: stack.metric(ok) > goal - BRANCHES,
                       timeout=INTERVAL_S * 4 + 60, interval=0.02)
        round_start = time.monotonic()
        stack.wait_for("a round to end", lambda: stack.metric(ok) >= goal,
                       timeout=INTERVAL_S * 4 + 300, interval=0.02)
        round_times.append(time.monotonic() - round_start)
    elapsed = time.monotonic() - base_t
    cpu = cpu_seconds(pid) - base_cpu
    checks = stack.metric(ok) - base_checks

    # the same checks, one git ls-remote after another, from here
    t0 = time.monotonic()
    c0 = os.times()
    for n in names:
        subprocess.run(["git", "ls-remote", "--heads", repo, f"refs/heads/{n}"], check=True,
                       capture_output=True)
    c1 = os.times()
    direct_wall = time.monotonic() - t0
    direct_cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    t0 = time.monotonic()
    git(repo, "ls-remote", "--heads", repo)
    one_call = time.monotonic() - t0
    return dict(created=created, elapsed=elapsed, cpu=cpu, checks=checks, rounds=round_times,
                direct_wall=direct_wall, direct_cpu=direct_cpu, one_call=one_call)


def main():
    floor = bus_floor()
    # BRANCHES pipelines and the webhook's: above the api's default account limit of 1000
    os.environ["SLUICE_API_MAX_PIPELINES"] = str(BRANCHES + 100)
    stack = SourceStack(runner_rules=("Fetch=hold", "Compile=skip"))
    try:
        print(f"sluice-source benchmark: {PUSHES} webhook pushes, {BRANCHES} polled branches, "
              f"interval {INTERVAL_S} s; {os.cpu_count()} cores", flush=True)
        latencies, ls_remote, lost = bench_webhooks(stack)
        ms = [v * 1000 for v in latencies]
        p50, p99 = pct(ms, 50), pct(ms, 99)
        print("webhook received -> first job on the jobs topic")
        print(f"  pushes {len(ms)} (lost {lost}): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
              f"mean {statistics.mean(ms):.1f} ms, max {max(ms):.1f} ms  (target p99 <= 50 ms: "
              f"{'met' if p99 <= 50 else 'not met'})")
        print(f"  floor: Kafka round trip p50 {floor['p50_ms']:.2f} ms, p99 {floor['p99_ms']:.2f} ms;"
              f" git ls-remote p50 {pct(ls_remote, 50) * 1000:.1f} ms")
        print(f"  ratio: p50 / (2 Kafka round trips + one ls-remote) = "
              f"{p50 / (2 * floor['p50_ms'] + pct(ls_remote, 50) * 1000):.2f}")
        sys.stdout.flush()

        poll = bench_polling(stack)
        per_interval = poll["cpu"] / (poll["elapsed"] / INTERVAL_S)
        print(f"polling {BRANCHES} distinct branches of one local remote "
              f"({BRANCHES} pipelines created in {poll['created']:.1f} s)")
        print(f"  {poll['checks']:.0f} checks in {poll['elapsed']:.1f} s; CPU (service + git) "
              f"{per_interval:.2f} s per {INTERVAL_S} s interval; a round of {BRANCHES} checks "
              f"completes every {statistics.mean(poll['rounds']):.2f} s (rounds: "
              f"{', '.join(f'{r:.2f}' for r in poll['rounds'])} s)")
        print(f"  floor: the same {BRANCHES} ls-remotes one after another from a script: "
              f"{poll['direct_wall']:.2f} s, CPU {poll['direct_cpu']:.2f} s; one ls-remote of "
              f"every head: {poll['one_call'] * 1000:.1f} ms")
        print(f"  ratio: service CPU per interval / the script's CPU for the same checks = "
              f"{per_interval / poll['direct_cpu']:.3f}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
