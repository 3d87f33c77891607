"""Source action jobs end to end without the bus: src_job_runner runs a job document through
sluice-source's job path (src_run_job) against a real git repository made here and a real
sluice-artifacts reading the same job-credential key file.

Checks: the CODE_ZIP stored at the job's output location holds exactly the commit's tree —
names, bytes, executable bits and symbolic links equal to `git archive --format=zip` of the
commit — and the output variables and revision match `git log`; a sourceRevision COMMIT_ID
gives that commit's tree; a missing branch is RevisionUnavailable, an undeclared repository
ConfigurationError, a zip over its bound JobFailed naming SLUICE_SOURCE_ZIP_MAX_BYTES, an
unreachable repository ConfigurationError naming its URL. CODEBUILD_CLONE_REF: the stored zip
holds sluice-clone-ref.json alone, naming the remote (a repository's, a connection's joined one),
the commit (the override's), the branch and the repository, with the commit's variables; a
remote declared with credentials is ConfigurationError.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "artifacts"))

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, free_port,  # noqa: E402
                             s3_client, stop, wait_listening)

BUCKET = "sluice-src-test"
ADMIN = ("AKIDSOURCETESTADMIN", "source-test-admin-secret-xxxxxxxx")
PIPELINE = "srcpipe-" + secrets.token_hex(3)
CONNECTION = "arn:aws:codestar-connections:us-east-1:123456789012:connection/" + str(uuid.uuid4())
AUTHOR = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com",
          "GIT_AUTHOR_DATE": "2026-12-01T09:00:00+01:00", "GIT_COMMITTER_NAME": "Grace Hopper",
          "GIT_COMMITTER_EMAIL": "grace@example.com",
          "GIT_COMMITTER_DATE": "2026-12-01T10:30:00+01:00"}


def runner_binary():
    return os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                        "tests/integration/source/src_job_runner")


def git(repo, *args, env=None):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          env=dict(os.environ, **(env or {}))).stdout


def make_repo(root):
    repo = os.path.join(root, "demo")
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# demo\n")
    os.makedirs(os.path.join(repo, "scripts", "deep"))
    with open(os.path.join(repo, "scripts", "build.sh"), "w") as f:
        f.write("#!/bin/sh\necho build\n")
    os.chmod(os.path.join(repo, "scripts", "build.sh"), 0o755)
    with open(os.path.join(repo, "scripts", "deep", "data.bin"), "wb") as f:
        f.write(bytes(range(256)) * 40)
    os.symlink("README.md", os.path.join(repo, "LINK"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "First", env=AUTHOR)
    with open(os.path.join(repo, "README.md"), "a") as f:
        f.write("more\n")
    with open(os.path.join(repo, "new.txt"), "w") as f:
        f.write("new file\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Second commit\n\nWith a body, and ünïcode.", env=AUTHOR)
    return repo


def tree_of_zip(data):
    """{name: (bytes, mode bits)} of a zip's files (directories left out)."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o170777
            out[info.filename] = (z.read(info), mode & 0o170000, bool(mode & 0o111))
    return out


def job_document(config, revision=None, provider="CodeCommit"):
    now = datetime.now(timezone.utc)
    doc = {"jobId": str(uuid.uuid4()), "pipeline": PIPELINE, "pipelineVersion": 1,
           "pipelineExecutionId": str(uuid.uuid4()), "stage": "Source", "action": "Src",
           "actionExecutionId": str(uuid.uuid4()), "attempt": 1,
           "actionTypeId": {"category": "Source", "owner": "AWS", "provider": provider,
                            "version": "1"},
           "configuration": config, "outputArtifacts": [{"name": "SourceOut"}],
           "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "deadline": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if revision is not None:
        doc["sourceRevision"] = {"revisionType": "COMMIT_ID", "revisionValue": revision}
    return doc


def main():
    runner, binary = runner_binary(), artifacts_binary()
    for path in (runner, binary):
        if not os.access(path, os.X_OK):
            print(f"skipped: {path} is not built", flush=True)
            return SKIP
    root = tempfile.mkdtemp(prefix="sluice-source-job-")
    repo = make_repo(root)
    keys = os.path.join(root, "job-keys")
    with open(os.open(keys, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:  # a secret file
        f.write(f"k1 {secrets.token_hex(32)}\n")
    os.makedirs(os.path.join(root, "octo"))
    os.symlink(repo, os.path.join(root, "octo", "app"))  # the connection's octo/app
    token = os.path.join(root, "guarded.token")
    with open(os.open(token, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("hunter2\n")
    repos = os.path.join(root, "repos.json")
    with open(repos, "w") as f:
        json.dump({"repositories": [
            {"name": "demo", "url": repo},
            {"name": "gone", "url": os.path.join(root, "gone.git")},
            {"name": "guarded", "url": "https://git.invalid/guarded.git",
             "credentials": {"username": "ci", "passwordFile": token}}],
            "connections": [{"arn": CONNECTION, "baseUrl": root}]}, f)
    definition = os.path.join(root, "definition.json")
    with open(definition, "w") as f:
        json.dump({"pipeline": {"name": PIPELINE, "version": 1, "roleArn":
                                "arn:aws:iam::123456789012:role/x",
                                "artifactStore": {"type": "S3", "location": BUCKET},
                                "stages": []}}, f)
    port = free_port()
    env = dict(os.environ, SLUICE_ARTIFACTS_PORT=str(port),
               SLUICE_ARTIFACTS_DIR=os.path.join(root, "store"),
               SLUICE_ARTIFACTS_MIN_FREE_BYTES="0", SLUICE_ARTIFACTS_BUCKETS=BUCKET,
               SLUICE_JOB_CREDENTIAL_KEYS_FILE=keys,
               SLUICE_ARTIFACTS_CREDENTIALS=f"{ADMIN[0]}:{ADMIN[1]}:admin:admin")
    log = open(os.path.join(root, "artifacts.log"), "wb")
    store = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        check(wait_listening(port), "sluice-artifacts listens")
        s3 = s3_client(endpoint, *ADMIN)
        cache = os.path.join(root, "cache")

        def run(doc, zip_max=None):
            path = os.path.join(root, doc["jobId"] + ".json")
            with open(path, "w") as f:
                json.dump(doc, f)
            args = [runner, repos, keys, cache, path, definition]
            if zip_max is not None:
                args.append(str(zip_max))
            out = subprocess.run(args, capture_output=True, text=True, timeout=120,
                                 env=dict(os.environ, SLUICE_TEST_ARTIFACTS=endpoint))
            if out.returncode != 0:
                print(out.stderr, flush=True)
                return None
            return json.loads(out.stdout)

        head = git(repo, "rev-parse", "HEAD").decode().strip()
        first = git(repo, "rev-parse", "HEAD~1").decode().strip()

        # the branch head
        result = run(job_document({"RepositoryName": "demo", "BranchName": "main"}))
        check(result is not None and result["outcome"] == "Succeeded",
              f"a CodeCommit job succeeds ({result and result.get('failureDetails')})")
        if result is not None and result["outcome"] == "Succeeded":
            out = result["outputArtifacts"][0]
            check(out["name"] == "SourceOut" and out["bucket"] == BUCKET,
                  "the result names the job's output location")
            stored = s3.get_object(Bucket=out["bucket"], Key=out["key"])["Body"].read()
            want = tree_of_zip(git(repo, "archive", "--format=zip", head))
            got = tree_of_zip(stored)
            check(sorted(got) == sorted(want), f"the zip lists the commit's files: {sorted(got)}")
            check(all(got[n][0] == want[n][0] for n in want if n in got),
                  "every file holds the commit's bytes (a symbolic link its target)")
            check(got.get("scripts/build.sh", (0, 0, False))[2] and
                  not got.get("README.md", (0, 0, True))[2], "executable bits are kept")
            check(got.get("LINK", (b"", 0, 0))[1] == 0o120000 and got["LINK"][0] == b"README.md",
                  "the symbolic link stays a link")
            check(not any(n.startswith(".git") for n in got), "no .git in the zip")
            v = result["outputVariables"]
            log_fmt = git(repo, "log", "-1", "--format=%H%n%ae%n%an%n%ce", head).decode().split("\n")
            check(v["CommitId"] == head == log_fmt[0], "CommitId is git log's")
            check(v["CommitMessage"] == git(repo, "log", "-1", "--format=%B", head)
                  .decode().rstrip("\n"), "CommitMessage is git log's")
            check(v["AuthorEmail"] == log_fmt[1] and v["AuthorDisplayName"] == log_fmt[2],
                  "the author is git log's")
            check(v["AuthorDate"] == "2026-12-01T08:00:00Z" and
                  v["CommitterDate"] == "2026-12-01T09:30:00Z", "dates in UTC")
            check(v["BranchName"] == "main" and v["RepositoryName"] == "demo",
                  "BranchName and RepositoryName")
            rev = result["currentRevision"]
            check(rev["revision"] == head and rev["changeIdentifier"] == head and
                  rev["created"] == 1796117400, "the revision is the commit")
            check(result["executionDetails"]["summary"] == "Second commit", "the summary")

        # an older commit by sourceRevision
        result = run(job_document({"RepositoryName": "demo", "BranchName": "main"}, first))
        check(result is not None and result["outcome"] == "Succeeded" and
              result["outputVariables"]["CommitId"] == first, "a COMMIT_ID override is fetched")
        if result is not None and result["outcome"] == "Succeeded":
            out = result["outputArtifacts"][0]
            got = tree_of_zip(s3.get_object(Bucket=out["bucket"], Key=out["key"])["Body"].read())
            check("new.txt" not in got and sorted(got) == sorted(
                tree_of_zip(git(repo, "archive", "--format=zip", first))),
                "its zip is that commit's tree")

        def clone_ref(doc):
            r = run(doc)
            if r is None or r["outcome"] != "Succeeded":
                return None, r
            out = r["outputArtifacts"][0]
            data = s3.get_object(Bucket=out["bucket"], Key=out["key"])["Body"].read()
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = z.namelist()
                if names != ["sluice-clone-ref.json"]:
                    return names, r
                return json.loads(z.read(names[0])), r

        # CODEBUILD_CLONE_REF: a zip of the reference alone, the variables as for CODE_ZIP
        ref, r = clone_ref(job_document({"RepositoryName": "demo", "BranchName": "main",
                                         "OutputArtifactFormat": "CODEBUILD_CLONE_REF"}, first))
        check(ref == {"url": repo, "commit": first, "branch": "main", "repository": "demo"},
              f"a CodeCommit clone reference names the remote and the override's commit ({ref})")
        check(r is not None and r.get("outputVariables", {}).get("CommitId") == first and
              r["outputVariables"].get("CommitMessage") == "First",
              "a clone reference's variables are the commit's")
        ref, r = clone_ref(job_document({"ConnectionArn": CONNECTION,
                                         "FullRepositoryId": "octo/app", "BranchName": "main",
                                         "OutputArtifactFormat": "CODEBUILD_CLONE_REF"},
                                        provider="CodeStarSourceConnection"))
        check(ref == {"url": os.path.join(root, "octo", "app"), "commit": head,
                      "branch": "main", "repository": "octo/app"},
              f"a connection's clone reference names the joined remote and owner/name ({ref})")

        def failure(doc, zip_max=None):
            r = run(doc, zip_max)
            if r is None or r["outcome"] != "Failed":
                return (None, "")
            return (r["failureDetails"]["type"], r["failureDetails"]["message"])

        t, m = failure(job_document({"RepositoryName": "demo", "BranchName": "nope"}))
        check(t == "RevisionUnavailable" and "The branch nope does not exist" in m,
              f"a missing branch is RevisionUnavailable ({t}: {m})")
        t, m = failure(job_document({"RepositoryName": "other", "BranchName": "main"}))
        check(t == "ConfigurationError" and "SLUICE_SOURCE_REPOSITORIES_FILE" in m,
              f"an undeclared repository is ConfigurationError ({t}: {m})")
        t, m = failure(job_document({"RepositoryName": "gone", "BranchName": "main"}))
        check(t == "ConfigurationError" and "gone.git" in m,
              f"a repository that is not there is ConfigurationError ({t}: {m})")
        t, m = failure(job_document({"RepositoryName": "demo", "BranchName": "main"},
                                    "0" * 40))
        check(t == "RevisionUnavailable" and "0" * 40 in m,
              f"a missing commit is RevisionUnavailable ({t}: {m})")
        t, m = failure(job_document({"RepositoryName": "demo", "BranchName": "main"}), 1000)
        check(t == "JobFailed" and "SLUICE_SOURCE_ZIP_MAX_BYTES" in m,
              f"a zip over its bound is JobFailed ({t}: {m})")
        t, m = failure(job_document({"RepositoryName": "guarded", "BranchName": "main",
                                     "OutputArtifactFormat": "CODEBUILD_CLONE_REF"}))
        check(t == "ConfigurationError" and "declared with credentials" in m and
              "hunter2" not in m, f"a clone reference of a remote with credentials ({t}: {m})")
    finally:
        stop(store, 2)
        log.close()
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
