#!/usr/bin/env python3
"""libs/pattern against AWS's event-ruler, the matcher EventBridge runs.

1. Every case of tests/data/pattern/cases.jsonl: event-ruler's verdict today
   is the one recorded there (so the table the unit test checks cannot drift
   from AWS's matcher).
2. A randomized differential run: SLUICE_PATTERN_CASES (default 3000)
   pattern/event pairs over CodePipeline's event shapes, seeded by
   SLUICE_PATTERN_SEED (default: random, printed), each decided by
   tests/unit/pattern/pattern_eval (the C module) and by event-ruler; the
   verdicts (match, no match, invalid) must be equal.
3. `sluice test-event-pattern`: output and exit status as the aws CLI's.

Needs java (the Kafka broker's JDK) and Maven (scripts/event-ruler.sh fetches
the jar). Prints each part's duration.
"""
import json
import os
import random
import subprocess
import sys
import time

SOURCE = os.environ["SLUICE_SOURCE_DIR"]
BINARY = os.environ["SLUICE_BINARY_DIR"]
EVAL = os.path.join(BINARY, "tests", "unit", "pattern", "pattern_eval")
CLI = os.path.join(BINARY, "services", "cli", "sluice")
ORACLE = os.path.join(SOURCE, "tests", "oracle", "EventRulerOracle.java")
CASES = os.path.join(SOURCE, "tests", "data", "pattern", "cases.jsonl")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def classpath():
    out = subprocess.run([os.path.join(SOURCE, "scripts", "event-ruler.sh"), "classpath"],
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip()


def run_lines(cmd, lines):
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    out = subprocess.run(cmd, input=text, stdout=subprocess.PIPE, check=True, text=True,
                         encoding="utf-8")
    verdicts = out.stdout.splitlines()
    assert len(verdicts) == len(lines), (cmd, len(verdicts), len(lines))
    return ["invalid" if v.startswith("invalid") else v for v in verdicts]


# ---- generated cases over CodePipeline's events ---------------------------------

PIPELINES = ["web-prod", "web-staging", "api", "deploy-eu-prod", "Infra_2"]
STATES = ["STARTED", "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "RESUMED", "CANCELED"]
STAGES = ["Source", "Build", "Test", "Deploy", "Approve"]
CATEGORIES = ["Source", "Build", "Deploy", "Approval", "Test", "Invoke", "Compute"]
DETAIL_TYPES = ["CodePipeline Pipeline Execution State Change",
                "CodePipeline Stage Execution State Change",
                "CodePipeline Action Execution State Change"]


def make_event(rng):
    pipeline = rng.choice(PIPELINES)
    detail = {
        "pipeline": pipeline,
        "execution-id": "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), rng.getrandbits(48)),
        "state": rng.choice(STATES),
        "version": rng.choice([1, 2, 3, 7, 12, 1.5]),
    }
    kind = rng.randrange(3)
    if kind >= 1:
        detail["stage"] = rng.choice(STAGES)
    if kind == 2:
        detail["action"] = rng.choice(["Checkout", "Compile", "Unit", "Ship", "Gate"])
        detail["type"] = {"owner": rng.choice(["AWS", "Custom", "ThirdParty"]),
                          "category": rng.choice(CATEGORIES),
                          "provider": rng.choice(["CodeBuild", "Manual", "S3", "Commands"]),
                          "version": "1"}
    if rng.random() < 0.3:
        detail["execution-trigger"] = {"trigger-type": rng.choice(
            ["StartPipelineExecution", "Webhook", "WebhookV2", "PollForSourceChanges"]),
            "trigger-detail": rng.choice(["arn:aws:iam::123456789012:user/ann", "main", ""])}
    if rng.random() < 0.2:
        detail["tags"] = rng.sample(["a", "b", "team-x", "Team-X", "prod"], rng.randrange(0, 4))
    if rng.random() < 0.2:
        detail["artifacts"] = [{"name": rng.choice(["src", "out"]), "size": rng.randrange(0, 5)}
                               for _ in range(rng.randrange(0, 3))]
    if rng.random() < 0.1:
        detail["note"] = rng.choice([None, True, False, 0, -2.25, {}])
    return {
        "version": "0",
        "id": "%08x-1111-4111-8111-%012x" % (rng.getrandbits(32), rng.getrandbits(48)),
        "detail-type": DETAIL_TYPES[kind],
        "source": rng.choice(["aws.codepipeline", "aws.codepipeline", "sluice.source"]),
        "account": rng.choice(["123456789012", "000000000000"]),
        "time": "2026-12-03T10:00:00Z",
        "region": rng.choice(["us-east-1", "eu-west-1"]),
        "resources": ["arn:aws:codepipeline:us-east-1:123456789012:" + pipeline],
        "detail": detail,
    }


def leaves(value, path, out):
    """(path, value) of every non-container value, arrays flattened."""
    if isinstance(value, dict):
        for k, v in value.items():
            leaves(v, path + [k], out)
    elif isinstance(value, list):
        for v in value:
            leaves(v, path, out)
    else:
        out.append((path, value))


def mutate_string(rng, s):
    choice = rng.randrange(5)
    if choice == 0:
        return s.upper()
    if choice == 1:
        return s.lower()
    if choice == 2:
        return s + "x"
    if choice == 3:
        return s[: max(0, len(s) - 1)]
    return rng.choice(PIPELINES + STATES + STAGES)


def string_matcher(rng, s):
    n = len(s)
    cut = rng.randrange(0, n + 1) if n else 0
    choice = rng.randrange(13)
    if choice == 0:
        return s
    if choice == 1:
        return {"prefix": s[:cut]}
    if choice == 2:
        return {"suffix": s[cut:]}
    if choice == 3:
        return {"prefix": {"equals-ignore-case": mutate_string(rng, s[:cut])}}
    if choice == 4:
        return {"suffix": {"equals-ignore-case": s[cut:].upper()}}
    if choice == 5:
        return {"equals-ignore-case": mutate_string(rng, s)}
    if choice == 6:
        star = s[:cut] + "*" + s[cut + rng.randrange(0, 3):]
        return {"wildcard": star.replace("**", "*")}
    if choice == 7:
        return {"anything-but": mutate_string(rng, s) if rng.random() < 0.5 else s}
    if choice == 8:
        return {"anything-but": [s, mutate_string(rng, s)] if rng.random() < 0.5
                else [mutate_string(rng, s)]}
    if choice == 9:
        return {"anything-but": {"prefix": s[: max(1, cut)] if s else "z"}}
    if choice == 10:
        return {"anything-but": {"suffix": [s[-1:] or "z", "q"]}}
    if choice == 11:
        return {"anything-but": {"equals-ignore-case": [mutate_string(rng, s)]}}
    return mutate_string(rng, s)


def number_matcher(rng, x):
    choice = rng.randrange(6)
    if choice == 0:
        return x
    if choice == 1:
        return {"numeric": ["=", x]}
    if choice == 2:
        return {"numeric": [rng.choice([">", ">="]), x - rng.choice([0, 1, 0.5])]}
    if choice == 3:
        return {"numeric": [rng.choice(["<", "<="]), x + rng.choice([0, 1])]}
    if choice == 4:
        lo = x - rng.choice([0, 1, 2])
        return {"numeric": [rng.choice([">", ">="]), lo, rng.choice(["<", "<="]),
                            lo + rng.choice([1, 2, 3])]}
    return {"anything-but": [x, x + 1] if rng.random() < 0.5 else x + 1}


def value_matcher(rng, v):
    if isinstance(v, bool) or v is None:
        return rng.choice([v, True, False, None, {"exists": True}])
    if isinstance(v, (int, float)):
        return number_matcher(rng, v)
    return string_matcher(rng, v)


INVALID = [
    [], "FAILED", 5, {}, [[1]], [{"prefix": 5}], [{"numeric": [">", "x"]}],
    [{"numeric": ["<", 1, ">", 0]}], [{"anything-but": ["a", 1]}], [{"wildcard": "a**"}],
    [{"exists": "yes"}], [{"nope": 1}], [{"prefix": "a", "suffix": "b"}],
    [{"anything-but": {"prefix": ""}}], [{"equals-ignore-case": ["a"]}],
]


def set_path(pattern, path, matchers):
    node = pattern
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return
    node[path[-1]] = matchers


def make_pattern(rng, event):
    found = []
    leaves(event, [], found)
    pattern = {}
    for _ in range(rng.randrange(1, 4)):
        path, value = rng.choice(found)
        if rng.random() < 0.15:
            path = path[:-1] + [path[-1] + "-missing"] if path else ["missing"]
        matchers = [value_matcher(rng, value) for _ in range(rng.randrange(1, 3))]
        if rng.random() < 0.1:
            matchers.append({"exists": rng.random() < 0.5})
        set_path(pattern, path, matchers)
    if rng.random() < 0.15:
        alternatives = []
        for _ in range(2):
            path, value = rng.choice(found)
            alt = {}
            set_path(alt, path, [value_matcher(rng, value)])
            alternatives.append(alt)
        pattern["$or"] = alternatives
    if rng.random() < 0.05:
        key = rng.choice(["detail", "source"])
        if isinstance(pattern.get(key), dict):
            pattern[key]["state"] = rng.choice(INVALID)
        else:
            pattern[key] = rng.choice(INVALID)
    return pattern or {"source": ["aws.codepipeline"]}


def main():
    cp = classpath()
    oracle = ["java", "-cp", cp, ORACLE]

    started = time.monotonic()
    cases = [json.loads(line) for line in open(CASES, encoding="utf-8") if line.strip()]
    pairs = [{"pattern": c["pattern"], "event": c["event"]} for c in cases]
    want = ["invalid" if c["expect"] == "invalid" else ("true" if c["expect"] else "false")
            for c in cases]
    got = run_lines(oracle, pairs)
    for i, (w, g) in enumerate(zip(want, got)):
        check(w == g, "cases.jsonl line %d: recorded %s, event-ruler says %s" % (i + 1, w, g))
    print("recorded cases: %d re-checked against event-ruler in %.1fs"
          % (len(cases), time.monotonic() - started))

    seed = int(os.environ.get("SLUICE_PATTERN_SEED") or random.randrange(1 << 30))
    count = int(os.environ.get("SLUICE_PATTERN_CASES", "3000"))
    rng = random.Random(seed)
    started = time.monotonic()
    pairs = []
    for _ in range(count):
        event = make_event(rng)
        pairs.append({"pattern": make_pattern(rng, event), "event": event})
    ours = run_lines([EVAL], pairs)
    theirs = run_lines(oracle, pairs)
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    tally = {v: theirs.count(v) for v in ("true", "false", "invalid")}
    print("differential: %d pairs, seed %d, event-ruler verdicts %s, %d differ, %.1fs"
          % (count, seed, tally, len(differ), time.monotonic() - started))
    for i in differ[:10]:
        print("  differs: ours %s, event-ruler %s: %s"
              % (ours[i], theirs[i], json.dumps(pairs[i])), file=sys.stderr)
    check(not differ, "%d generated pairs decided differently (seed %d)" % (len(differ), seed))
    check(tally["true"] > count // 10 and tally["false"] > count // 10,
          "the generator covers both verdicts: %s" % tally)

    started = time.monotonic()
    event = make_event(random.Random(1))
    event["detail"]["state"] = "FAILED"

    def cli(*args):
        return subprocess.run([CLI, "test-event-pattern"] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    res = cli("--event-pattern", '{"detail": {"state": ["FAILED"]}}', "--event", json.dumps(event))
    check(res.returncode == 0 and res.stdout.strip() == '{"Result": true}', "cli true: %r" % (res,))
    res = cli("--event-pattern", '{"detail": {"state": ["SUCCEEDED"]}}', "--event",
              json.dumps(event))
    check(res.returncode == 0 and res.stdout.strip() == '{"Result": false}',
          "cli false: %r" % (res,))
    res = cli("--event-pattern", '{"detail": {"state": []}}', "--event", json.dumps(event))
    check(res.returncode == 1 and res.stderr.startswith("InvalidEventPatternException: ")
          and "detail.state" in res.stderr and res.stdout == "", "cli invalid: %r" % (res,))
    res = cli("--event-pattern", '{"detail": {"state": ["FAILED"]}}', "--event",
              '{"detail": {"state": "FAILED"}}')
    check(res.returncode == 1 and res.stderr.startswith("ValidationException: ")
          and '"id"' in res.stderr, "cli event without envelope fields: %r" % (res,))
    path = os.path.join(BINARY, "tests", "oracle-event.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(event, f)
    res = cli("--event-pattern", '{"source": [{"prefix": "aws."}]}', "--event", "file://" + path)
    check(res.returncode == (0 if event["source"].startswith("aws.") else 0)
          and res.stdout.strip() == ('{"Result": %s}'
                                     % ("true" if event["source"].startswith("aws.") else "false")),
          "cli file://: %r" % (res,))
    res = cli("--event-pattern", "{}")
    check(res.returncode == 2, "cli usage: %r" % (res,))
    print("cli: checked in %.1fs" % (time.monotonic() - started))

    if failures:
        print("%d failures" % len(failures), file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
