"""What sluice-console costs, beside floors measured in the same run.

Runs tests/integration/console's stack (sluice-api, sluice-orchestrator, the api's job runner
and sluice-console, on bench/run.sh's Kafka and Redis) with Debian's chromium driven by
playwright-core (bench/console_bench.js), and measures:

1. Event → screen: EVENTS (default 200) CodePipeline action state-change events, signed with
   the stack's bus key, published one at a time to the events topic by
   bench/console-bench-events; for each, the time from just before bus_producer_send (the
   helper's CLOCK_REALTIME) to the moment the action's status element of an open pipeline view
   shows it (Date.now() in the page's MutationObserver: in the DOM; and in the task after the
   next animation frame: painted). Both
   are wall clocks of the same machine. The statuses cycle InProgress → Succeeded → Failed, so
   each event changes what is shown; GAP_MS (default 300) between events lets the view's own
   GetPipelineState read (250 ms after the last event) happen in between, as on a live page.
   Floor: the same events' produce → consume round trip by a plain consumer of the topic
   (console-bench-events itself: its own group, signatures verified).
2. Memory: VmRSS of sluice-console idle (no stream), with the one browser page of (1) open, and
   with STREAMS (default 100) more signed-in sessions each holding GET /console/events open
   (Python sockets, read as they come), after 200 events flowed to them at about 50/s; the cost
   per stream beside the console's own idle RSS, and beside Debian's nginx (when installed)
   holding as many slow responses open (one process, 512 bytes/s each).
3. First load of a pipeline view: a 50 × 50 pipeline and a 2-stage one, LOADS (default 5) loads
   each in a new page of a signed-in browser: bytes transferred (the browser's resource timing,
   headers included) and the time from navigation start to the last action box in the DOM (and
   to the task after the next frame: painted), with when the last module and the last api call
   had arrived; medians.

    console_bench.py [--smoke]   (run by `bench/run.sh console`, which sets the environment)

Environment: SLUICE_TEST_ENV_FILE, SLUICE_BINARY_DIR, SLUICE_BROWSER_MODULES (default
~/.cache/sluice/browser/node_modules), SLUICE_CHROMIUM, and SLUICE_BENCH_{EVENTS,STREAMS,LOADS,
GAP_MS}. --smoke: 20 events, 10 streams, one load each (ctest's bench_console_smoke). Prints
figures only; never fails on a number. Exit 77 without chromium or playwright-core.
"""

import json
import os
import queue
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "console"))

from console_stack import (BIG_LAST_ACTION, KEYS, ConsoleStack, EventStream, Page,  # noqa: E402
                           big_declaration, pipeline_declaration, s3_deploy, s3_source,
                           sluice_stack, unique)

SMOKE = "--smoke" in sys.argv[1:]
EVENTS = 20 if SMOKE else int(os.environ.get("SLUICE_BENCH_EVENTS", "200"))
STREAMS = 10 if SMOKE else int(os.environ.get("SLUICE_BENCH_STREAMS", "100"))
LOADS = 1 if SMOKE else int(os.environ.get("SLUICE_BENCH_LOADS", "5"))
GAP_MS = int(os.environ.get("SLUICE_BENCH_GAP_MS", "300"))
FLOW_EVENTS = 200
BINARY = os.environ.get("SLUICE_BINARY_DIR", "build")
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("SLUICE_BROWSER_MODULES", os.path.join(
    os.path.expanduser("~"), ".cache/sluice/browser/node_modules"))
DRIVER = os.path.join(ROOT, "bench", "console_bench.js")
CYCLE = [("STARTED", "InProgress"), ("SUCCEEDED", "Succeeded"), ("FAILED", "Failed")]


STARTED = time.monotonic()


def log(what):
    print(f"console_bench.py: {time.monotonic() - STARTED:6.1f}s {what}", file=sys.stderr,
          flush=True)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def proc_status(pid):
    """{'VmRSS': kB, 'VmHWM': kB} of /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
    return out


def pump(stream, lines):
    for line in iter(stream.readline, ""):
        lines.put(line.rstrip("\n"))


class Events:
    """bench/console-bench-events: send(seq, ...) and the sent / got times (µs)."""

    def __init__(self, stack):
        binary = os.path.join(BINARY, "bench", "console-bench-events")
        self.log = open(os.path.join(stack.logdir, "bench-events.log"), "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [binary, stack.brokers, stack.prefix + "events", stack.prefix + "deadletter",
             stack.bus_key_file], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, text=True)
        self.sent = {}
        self.got = {}
        self.sent_q = queue.Queue()
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        if self.sent_q.get(timeout=30) != "ready":
            raise RuntimeError("console-bench-events did not start")

    def _read(self):
        for line in iter(self.proc.stdout.readline, ""):
            parts = line.split()
            if parts[0] == "sent":
                self.sent[int(parts[1])] = int(parts[2])
                self.sent_q.put(int(parts[1]))
            elif parts[0] == "got":
                with self.cond:
                    self.got[int(parts[1])] = int(parts[2])
                    self.cond.notify_all()
            else:
                self.sent_q.put(line.strip())

    def send(self, seq, pipeline, stage, action, state):
        """Publishes one event; its send time in µs (wall clock)."""
        self.proc.stdin.write(f"{seq} {pipeline} {stage} {action} {state}\n")
        self.proc.stdin.flush()
        while True:
            got = self.sent_q.get(timeout=10)
            if got == seq:
                return self.sent[seq]

    def wait_got(self, seq, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: seq in self.got, timeout)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(15)
        self.log.close()


class Browser:
    """bench/console_bench.js in latency mode: wait(seq, status, sent_ms) → (dom, frame) ms."""

    def __init__(self, cfg):
        env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM)
        self.proc = subprocess.Popen(["node", DRIVER, json.dumps(cfg)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        line = self.lines.get(timeout=60)
        if line != "ready":
            raise RuntimeError(f"the browser driver said {line!r}")

    def wait(self, seq, status, sent_ms):
        self.proc.stdin.write(f"wait {seq} {status} {sent_ms}\n")
        self.proc.stdin.flush()
        while True:
            parts = self.lines.get(timeout=15).split()
            if parts[1] != str(seq):
                continue
            return (float(parts[2]), float(parts[3])) if parts[0] == "seen" else None

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def bench_latency(events, browser, pipeline):
    # warm up: the console's consumer and the plain one join their groups first
    seq = 1000000
    deadline = time.monotonic() + 60
    warm = 0
    while warm < 5:
        if time.monotonic() > deadline:
            raise SystemExit("no warm-up event reached the page within 60 s")
        state, status = CYCLE[seq % 3]
        sent = events.send(seq, pipeline, "Deploy", "Deploy", state)
        seen = browser.wait(seq, status, sent // 1000)
        if seen is not None and events.wait_got(seq, 5):
            warm += 1
        seq += 1
        time.sleep(GAP_MS / 1000)
    screen, frame, floor, lost = [], [], [], 0
    for i in range(EVENTS):
        state, status = CYCLE[i % 3]
        sent = events.send(i, pipeline, "Deploy", "Deploy", state)
        seen = browser.wait(i, status, sent // 1000)
        if seen is None:
            lost += 1
        else:
            screen.append(seen[0] - sent / 1000)
            frame.append(seen[1] - sent / 1000)
        time.sleep(GAP_MS / 1000)
    for i in range(EVENTS):
        if events.wait_got(i, 5):
            floor.append((events.got[i] - events.sent[i]) / 1000)
    return screen, frame, floor, lost


class Streams:
    """n signed-in sessions, each holding /console/events?pipeline= open, read as they come."""

    def __init__(self, base, pipeline, n):
        self.streams = []
        for _ in range(n):
            page = Page(base)
            status, _, _ = page.sign_in("viewer")
            if status != 200:
                raise SystemExit(f"sign-in answered {status}")
            stream = EventStream(base, page.cookie, pipeline=pipeline)
            if stream.status != 200:
                raise SystemExit(f"an event stream answered {stream.status}")
            self.streams.append(stream)
        self.counts = [0] * n
        self.tails = [b""] * n
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        sel = selectors.DefaultSelector()
        for i, s in enumerate(self.streams):
            s.sock.setblocking(False)
            sel.register(s.sock, selectors.EVENT_READ, i)
        while not self.stop.is_set():
            for key, _ in sel.select(0.2):
                i = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                text = self.tails[i] + chunk
                self.counts[i] += text.count(b"event: state")
                self.tails[i] = text[-16:].replace(b"event: state", b"")
        sel.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for s in self.streams:
            s.close()


def bench_memory(stack, events, pipeline):
    pid = stack.console_proc.pid
    with_page = proc_status(pid)
    streams = Streams(stack.console, pipeline, STREAMS)
    time.sleep(1)
    opened = proc_status(pid)
    for i in range(FLOW_EVENTS):
        state, _ = CYCLE[i % 3]
        events.send(2000000 + i, pipeline, "Deploy", "Deploy", state)
        time.sleep(0.02)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and min(streams.counts) < FLOW_EVENTS:
        time.sleep(0.1)
    flowed = proc_status(pid)
    counted = stack_metric(stack, "sluice_console_streams")
    received = sorted(streams.counts)
    streams.close()
    return with_page, opened, flowed, counted, received


def nginx_floor(n):
    """Debian's nginx (when installed) holding n slow responses open, as the console holds its
    streams: one process (master_process off), a 1 MB file sent at 512 bytes/s to each of n
    sockets read as the bytes come. (VmRSS idle, VmRSS with the n open) in kB, or None."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                       else None)
    if binary is None:
        return None
    work = tempfile.mkdtemp(prefix="sluice-conbench-nginx-")
    port = sluice_stack._free_port()
    with open(os.path.join(work, "slow.bin"), "wb") as f:
        f.write(b"x" * 1000000)
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  types {{ }}
  default_type application/octet-stream;
  client_body_temp_path {work}/tmp;
  proxy_temp_path {work}/tmp;
  fastcgi_temp_path {work}/tmp;
  uwsgi_temp_path {work}/tmp;
  scgi_temp_path {work}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {work};
    location / {{ limit_rate 512; }}
  }}
}}
""")
    argv = [binary, "-p", work, "-e", os.path.join(work, "error.log"), "-c",
            os.path.join(work, "nginx.conf")]
    if os.getuid() == 0:
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", "nobody", work], check=True)
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + argv
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socks = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)
        idle = proc_status(proc.pid)["VmRSS"]
        for _ in range(n):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(f"GET /slow.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            socks.append(sock)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            for sock in socks:
                sock.setblocking(False)
                try:
                    sock.recv(65536)
                except BlockingIOError:
                    pass
            time.sleep(0.1)
        held = proc_status(proc.pid)["VmRSS"]
        return idle, held
    finally:
        for sock in socks:
            sock.close()
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def stack_metric(stack, name):
    import urllib.request
    with urllib.request.urlopen(stack.console + "/metrics", timeout=5) as resp:
        text = resp.read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def bench_load(stack, big, small):
    cfg = {"mode": "load", "url": stack.console, "operator": list(KEYS["operator"]),
           "loads": LOADS,
           "pipelines": [{"name": big, "stage": "Stage-50", "action": BIG_LAST_ACTION},
                         {"name": small, "stage": "Deploy", "action": "Deploy"}]}
    env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM)
    proc = subprocess.run(["node", DRIVER, json.dumps(cfg)], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise SystemExit("the load driver failed: " + proc.stderr[-2000:])
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {name: [r for r in rows if r["pipeline"] == name] for name in (big, small)}


def main():
    if not os.access(CHROMIUM, os.X_OK) or not os.path.isdir(os.path.join(MODULES,
                                                                         "playwright-core")):
        print(f"skipped: {CHROMIUM} or {MODULES}/playwright-core missing "
              "(run scripts/install-deps.sh)", flush=True)
        sys.exit(77)
    if not os.access(os.path.join(BINARY, "bench", "console-bench-events"), os.X_OK):
        print("skipped: bench/console-bench-events is not built", flush=True)
        sys.exit(77)
    load_before = os.getloadavg()
    stack = ConsoleStack()
    events = browser = None
    try:
        small, big = unique("bench-small"), unique("bench-50x50")
        client = stack.client("admin")
        client.create_pipeline(**pipeline_declaration(small, [
            {"name": "Source", "actions": [s3_source()]},
            {"name": "Deploy", "actions": [s3_deploy()]}]))
        client.create_pipeline(**big_declaration(big))
        log("stack up, pipelines created")
        time.sleep(1)
        idle = proc_status(stack.console_proc.pid)
        events = Events(stack)
        browser = Browser({"mode": "latency", "url": stack.console,
                           "operator": list(KEYS["operator"]), "pipeline": small,
                           "stage": "Deploy", "action": "Deploy"})
        log("browser page open")
        screen, frame, floor, lost = bench_latency(events, browser, small)
        log("event -> screen measured")
        with_page, opened, flowed, counted, received = bench_memory(stack, events, small)
        log("memory measured")
        browser.close()
        browser = None
        loads = bench_load(stack, big, small)
        log("first loads measured")
        nginx = nginx_floor(STREAMS)
        log("nginx measured")
    finally:
        if browser is not None:
            browser.proc.kill()
        if events is not None:
            events.close()
        stack.close()

    print("load average before: %.2f %.2f %.2f, after: %.2f %.2f %.2f (%d cores)"
          % (load_before + os.getloadavg() + (os.cpu_count(),)))
    print(f"console benchmark ({'smoke' if SMOKE else 'full'}): {EVENTS} events, "
          f"{STREAMS} streams, {LOADS} loads per pipeline; clocks: CLOCK_REALTIME in the "
          "publisher, Date.now() in the page (same machine)")
    if screen and floor:
        s50, s99 = pct(screen, 50), pct(screen, 99)
        f50, f99 = pct(frame, 50), pct(frame, 99)
        b50, b99 = pct(floor, 50), pct(floor, 99)
        print(f"event -> status in the DOM: p50 {s50:.1f} ms p99 {s99:.1f} ms "
              f"({len(screen)} seen, {lost} lost)")
        print(f"event -> painted (task after the next frame): p50 {f50:.1f} ms p99 {f99:.1f} ms")
        print(f"floor, the same events produce -> consume by a plain consumer: p50 {b50:.1f} ms "
              f"p99 {b99:.1f} ms ({len(floor)} consumed)")
        print(f"ratio event->screen / bus round trip: p50 {s50 / max(b50, 0.001):.2f}x "
              f"p99 {s99 / max(b99, 0.001):.2f}x")
    else:
        print(f"event -> screen: nothing measured ({lost} lost)")
    mib = 1024
    print(f"console VmRSS idle (no stream): {idle['VmRSS'] / mib:.1f} MiB")
    print(f"console VmRSS with 1 browser page: {with_page['VmRSS'] / mib:.1f} MiB")
    print(f"console VmRSS with {STREAMS} more streams open: {opened['VmRSS'] / mib:.1f} MiB; "
          f"after {FLOW_EVENTS} events to them: {flowed['VmRSS'] / mib:.1f} MiB "
          f"(VmHWM {flowed['VmHWM'] / mib:.1f} MiB); streams counted by /metrics: "
          f"{counted:.0f}; events received per stream: min {received[0]} max {received[-1]}")
    per_open = (opened["VmRSS"] - with_page["VmRSS"]) / STREAMS
    per = (flowed["VmRSS"] - with_page["VmRSS"]) / STREAMS
    print(f"per stream: {per_open:.1f} KiB open, {per:.1f} KiB after the events "
          f"({(flowed['VmRSS'] / idle['VmRSS']):.2f}x the idle RSS with {STREAMS + 1} streams)")
    if nginx is None:
        print("nginx is not installed: no floor of an HTTP server holding open responses")
    else:
        print(f"floor, nginx holding {STREAMS} slow responses open: VmRSS idle "
              f"{nginx[0] / mib:.1f} MiB, with them {nginx[1] / mib:.1f} MiB, "
              f"{(nginx[1] - nginx[0]) / STREAMS:.1f} KiB per connection")
    for label, name, boxes in (("50x50", big, 2500), ("2-stage", small, 2)):
        rows = loads[name]
        if not rows:
            print(f"first load {label}: nothing measured")
            continue
        dom = statistics.median(r["dom_ms"] for r in rows)
        fr = statistics.median(r["frame_ms"] for r in rows)
        mods = statistics.median(r["static_ms"] for r in rows)
        api = statistics.median(r["api_ms"] for r in rows)
        size = statistics.median(r["bytes"] for r in rows)
        body = statistics.median(r["body_bytes"] for r in rows)
        reqs = statistics.median(r["requests"] for r in rows)
        api_size = statistics.median(r["api_bytes"] for r in rows)
        drawn = min(r["boxes"] for r in rows)
        print(f"first load {label}: {size / 1000:.1f} kB transferred ({body / 1000:.1f} kB bodies, "
              f"{api_size / 1000:.1f} kB of them api calls, {reqs:.0f} requests); "
              f"navigation -> last box {dom:.0f} ms, painted {fr:.0f} ms "
              f"(last module {mods:.0f} ms, last api answer {api:.0f} ms; median of {len(rows)}; "
              f"{drawn} of {boxes} boxes)")
    if loads[big] and loads[small]:
        def med(name, key):
            return statistics.median(r[key] for r in loads[name])
        print(f"ratio 50x50 / 2-stage: bytes {med(big, 'bytes') / max(1, med(small, 'bytes')):.2f}x"
              f", time {med(big, 'dom_ms') / max(1, med(small, 'dom_ms')):.2f}x")

if __name__ == "__main__":
    main()
