"""sluice-artifacts given huge, malformed and contradictory request headers.

Starts the service on a free port with a data directory of its own and sends
hand-built requests over raw sockets (signed here with SigV4, so that each
header can be bent on its own). Checks, each against the S3 error code S3
answers with: a single header of 64 KB or 300 KB and 400 or 30000 headers
(beyond libmicrohttpd's header buffer) get 431 from the HTTP server; malformed
Authorization headers (no Credential, no Signature, SignedHeaders without host
or naming an absent header, another algorithm, garbage) are
AuthorizationHeaderMalformed / AccessDenied / InvalidArgument; a bad x-amz-date
is AccessDenied; a Content-Length that is not a number or negative is a 400;
one shorter than the body stores the Content-Length bytes (and mismatches the
signed SHA-256: XAmzContentSHA256Mismatch); Range forms S3 ignores return the
whole object, one past the end is InvalidRange; control characters in header
names or values and NUL in a name are a 400 (InvalidArgument where the service
answers; a NUL in a value ends it in libmicrohttpd, and the request is
answered all the same); a duplicated x-amz-content-sha256 is InvalidArgument; a
Content-MD5 that is not base64 of 16 bytes is InvalidDigest; user metadata
over 2 KB (PutObject, CreateMultipartUpload, CopyObject REPLACE) is
MetadataTooLarge and stores nothing. After every bad request the
service still answers the next one.
Exit 0 (passed), 1 (a check failed) or 77 (skipped: the binary is not built).
"""

import datetime
import hashlib
import hmac
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from artifacts_stack import (FAILURES, SKIP, artifacts_binary, check, free_port, service_env, stop,
                             wait_listening)

AKID, SECRET = "AKIDHEADERSTEST", "headers-secret-xxxxxxxx"
BUCKET = "sluice-artifacts"
REGION = "us-east-1"
UNSIGNED = "UNSIGNED-PAYLOAD"
PORT = 0


def amz_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def authorization(method, path, headers, payload_hash, query=""):
    """The SigV4 Authorization header of a request with these (name, value)
    headers (all signed; repeated ones joined with ',' as SigV4 says) and
    this canonical query string."""
    amz_date = next(v for n, v in headers if n.lower() == "x-amz-date")
    names = sorted({n.lower() for n, _ in headers})
    values = {}
    for n, v in headers:
        values.setdefault(n.lower(), []).append(" ".join(v.strip().split()))
    canonical_headers = "".join(f"{n}:{','.join(values.get(n, []))}\n" for n in names)
    canonical = "\n".join([method, path, query, canonical_headers, ";".join(names), payload_hash])
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = hmac256(("AWS4" + SECRET).encode(), amz_date[:8])
    for part in (REGION, "s3", "aws4_request"):
        key = hmac256(key, part)
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders={';'.join(names)}, "
            f"Signature={sig}")


def signed_headers(method, path, body=b"", payload_hash=UNSIGNED, extra=(), unsigned=(),
                   query=""):
    """Headers of a request signed over Host, x-amz-date, x-amz-content-sha256
    and extra; unsigned are added after signing."""
    headers = [("Host", f"127.0.0.1:{PORT}"), ("x-amz-date", amz_now()),
               ("x-amz-content-sha256", payload_hash), *extra]
    auth = authorization(method, path, headers, payload_hash, query)
    return [*headers, ("Authorization", auth), *unsigned]


def raw(method, path, headers, body=b"", content_length=True):
    """Sends one request as raw bytes on a new connection; (status, headers,
    body) of the answer, or (None, None, b"") when the connection was closed
    with no answer."""
    head = f"{method} {path} HTTP/1.1\r\n".encode()
    for name, value in headers:
        head += (name.encode() if isinstance(name, str) else name) + b": "
        head += (value.encode() if isinstance(value, str) else value) + b"\r\n"
    if content_length and (body or method == "PUT"):
        head += f"Content-Length: {len(body)}\r\n".encode()
    head += b"Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", PORT), timeout=10) as sock:
        try:
            sock.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (and closed) before the whole request was read
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            resp.begin()
            return resp.status, resp.headers, resp.read()
        except (http.client.HTTPException, ConnectionResetError, OSError):
            return None, None, b""


def s3_code(body):
    match = re.search(rb"<Code>([^<]*)</Code>", body or b"")
    return match.group(1).decode() if match else None


def put(key, body, extra=(), payload_hash=None):
    path = f"/{BUCKET}/{key}"
    ph = payload_hash or hashlib.sha256(body).hexdigest()
    return raw("PUT", path, signed_headers("PUT", path, body, ph, extra), body)


def get(key, extra=(), unsigned=()):
    path = f"/{BUCKET}/{key}"
    return raw("GET", path, signed_headers("GET", path, extra=extra, unsigned=unsigned))


def head(key):
    path = f"/{BUCKET}/{key}"
    return raw("HEAD", path, signed_headers("HEAD", path))


def still_serving(what):
    status, _, body = get("base")
    check(status == 200 and body == b"hello world", f"after {what}: the next request is served")


def expect(result, status, code, what):
    got_status, _, body = result
    got = s3_code(body)
    check(got_status == status and (code is None or got == code),
          f"{what}: {status} {code or ''} (got {got_status} {got})")


def test_sizes():
    expect(get("base", unsigned=[("X-Pad", "a" * (300 * 1024))]), 431, None,
           "a 300 KB header (beyond the connection's memory)")
    still_serving("a 300 KB header")
    many = [(f"X-H{i}", "v") for i in range(30000)]
    expect(get("base", unsigned=many), 431, None, "30000 headers")
    still_serving("30000 headers")
    expect(get("base", unsigned=[("X-Pad", "a" * (64 * 1024 + 1))]), 431, None,
           "a 64 KB header")
    still_serving("a 64 KB header")
    expect(get("base", unsigned=[(f"X-H{i}", "v" * 40) for i in range(400)]), 431, None,
           "400 headers of 40 bytes")
    still_serving("400 headers")


def test_authorization():
    path = f"/{BUCKET}/base"
    good = signed_headers("GET", path)
    auth = dict(good)["Authorization"]
    rest = [h for h in good if h[0] != "Authorization"]
    cred = re.search(r"Credential=[^,]*", auth).group(0)
    sig = re.search(r"Signature=\w+", auth).group(0)
    cases = [
        ("no Credential", f"AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, {sig}", 400,
         "AuthorizationHeaderMalformed"),
        ("no Signature", f"AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;x-amz-date", 400,
         "AuthorizationHeaderMalformed"),
        ("a Credential of two parts", f"AWS4-HMAC-SHA256 Credential={AKID}/x, "
         f"SignedHeaders=host;x-amz-date, {sig}", 400, "AuthorizationHeaderMalformed"),
        ("SignedHeaders without host",
         f"AWS4-HMAC-SHA256 {cred}, SignedHeaders=x-amz-date, {sig}", 400,
         "AuthorizationHeaderMalformed"),
        ("SignedHeaders naming an absent header",
         f"AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;x-absent;x-amz-date, {sig}", 403,
         "AccessDenied"),
        ("another algorithm", auth.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), 400,
         "InvalidArgument"),
        ("garbage", "\x7f!!garbage!!", 400, "InvalidArgument"),
    ]
    for what, value, status, code in cases:
        expect(raw("GET", path, [*rest, ("Authorization", value)]), status, code,
               f"Authorization with {what}")
    still_serving("malformed Authorization headers")
    headers = [("Host", f"127.0.0.1:{PORT}"), ("x-amz-date", "20260230T99"),
               ("x-amz-content-sha256", UNSIGNED)]
    headers.append(("Authorization", authorization("GET", path, headers, UNSIGNED)))
    expect(raw("GET", path, headers), 403, "AccessDenied", "a bad x-amz-date")


def test_content_length():
    path = f"/{BUCKET}/cl"
    for value in ("abc", "-5", "1e3"):
        headers = signed_headers("PUT", path) + [("Content-Length", value)]
        status, _, _ = raw("PUT", path, headers, b"hello", content_length=False)
        check(status == 400, f"Content-Length {value!r}: 400 (got {status})")
        still_serving(f"Content-Length {value!r}")
    check(head("cl")[0] == 404, "no object stored by a bad Content-Length")
    # shorter than the body: the object is the first Content-Length bytes, as S3 has it
    body = b"hello world, and more"
    headers = signed_headers("PUT", path, body, UNSIGNED) + [("Content-Length", "5")]
    status, _, _ = raw("PUT", path, headers, body, content_length=False)
    got = get("cl")
    check(status == 200 and got[2] == b"hello",
          f"Content-Length 5 before 21 bytes: the 5 bytes stored (got {status}, {got[2][:30]!r})")
    headers = signed_headers("PUT", path, body, hashlib.sha256(body).hexdigest())
    headers.append(("Content-Length", "5"))
    expect(raw("PUT", path, headers, body, content_length=False), 400,
           "XAmzContentSHA256Mismatch", "Content-Length shorter than the signed body")
    still_serving("a short Content-Length")


def test_range():
    for value in ("bytes=abc", "bytes=9-3", "items=0-1", "bytes=--1", "bytes=0-1-2"):
        status, _, body = get("base", extra=[("Range", value)])
        check(status == 200 and body == b"hello world",
              f"Range {value!r} ignored as S3 does: 200, the whole object (got {status})")
    expect(get("base", extra=[("Range", "bytes=100-")]), 416, "InvalidRange",
           "Range bytes=100- of 11 bytes")
    status, headers, body = get("base", extra=[("Range", "bytes=-3")])
    check(status == 206 and body == b"rld" and headers["Content-Range"] == "bytes 8-10/11",
          f"Range bytes=-3: 206, the last 3 bytes (got {status} {body!r})")


def test_bad_characters():
    path = f"/{BUCKET}/base"
    # libmicrohttpd ends a value at a NUL, so the service sees "a" (S3 answers 400): it must
    # answer the request all the same and go on serving
    status, _, _ = raw("GET", path, signed_headers("GET", path) + [(b"X-Bad", b"a\x00b")])
    check(status in (200, 400), f"NUL in a value: answered, 200 or 400 (got {status})")
    still_serving("NUL in a value")
    for what, name, value in (("a control character in a value", b"X-Bad", b"a\x01b"),
                              ("a control character in a name", b"X-B\x01d", b"v"),
                              ("a space in a name", b"X Bad", b"v"),
                              ("NUL in a name", b"X-\x00", b"v")):
        status, _, body = raw("GET", path, signed_headers("GET", path) + [(name, value)])
        code = s3_code(body)  # None: libmicrohttpd refused it before the service saw it
        check(status == 400 and code in (None, "InvalidArgument"),
              f"{what}: 400 (InvalidArgument where the service answers; got {status} {code})")
        still_serving(what)


def test_digests():
    path = f"/{BUCKET}/dup"
    body = b"duplicated"
    headers = [("Host", f"127.0.0.1:{PORT}"), ("x-amz-date", amz_now()),
               ("x-amz-content-sha256", UNSIGNED),
               ("x-amz-content-sha256", hashlib.sha256(body).hexdigest())]
    headers.append(("Authorization", authorization("PUT", path, headers, UNSIGNED)))
    expect(raw("PUT", path, headers, body), 400, "InvalidArgument",
           "two x-amz-content-sha256 headers")
    check(head("dup")[0] == 404, "nothing stored by two x-amz-content-sha256 headers")
    for value in ("not base64!!", "aGVsbG8=", ""):
        expect(put("md5", b"payload", extra=[("Content-MD5", value)]), 400, "InvalidDigest",
               f"Content-MD5 {value!r}")
    check(head("md5")[0] == 404, "nothing stored by a bad Content-MD5")


def test_metadata():
    over = [("x-amz-meta-a", "v" * 1024), ("x-amz-meta-b", "v" * 1024)]  # 2 + 2048 bytes
    expect(put("meta", b"m", extra=over), 400, "MetadataTooLarge", "2050 bytes of user metadata")
    check(head("meta")[0] == 404, "nothing stored by too much metadata")
    under = [("x-amz-meta-a", "v" * 1000), ("x-amz-meta-b", "w" * 1000)]
    status, _, _ = put("meta", b"m", extra=under)
    hstatus, headers, _ = head("meta")
    check(status == 200 and hstatus == 200 and headers["x-amz-meta-a"] == "v" * 1000 and
          headers["x-amz-meta-b"] == "w" * 1000,
          f"2002 bytes of user metadata stored and returned (got {status}, {hstatus})")
    hdrs = signed_headers("POST", f"/{BUCKET}/meta-mpu", extra=over, query="uploads=")
    expect(raw("POST", f"/{BUCKET}/meta-mpu?uploads", hdrs), 400, "MetadataTooLarge",
           "CreateMultipartUpload with 2050 bytes of user metadata")
    copy = [("x-amz-copy-source", f"/{BUCKET}/base"), ("x-amz-metadata-directive", "REPLACE")]
    path = f"/{BUCKET}/meta-copy"
    expect(raw("PUT", path, signed_headers("PUT", path, extra=[*copy, *over])), 400,
           "MetadataTooLarge", "CopyObject REPLACE with 2050 bytes of user metadata")
    status, _, _ = raw("PUT", path, signed_headers("PUT", path, extra=[*copy, *under]))
    check(status == 200 and head("meta-copy")[0] == 200,
          f"CopyObject REPLACE with 2002 bytes of user metadata: 200 (got {status})")


def main():
    global PORT
    binary = artifacts_binary()
    if not os.path.exists(binary):
        print("sluice-artifacts not built")
        return SKIP
    work = tempfile.mkdtemp(prefix="sluice-headers-")
    PORT = free_port()
    env = service_env(PORT, os.path.join(work, "data"), AKID, SECRET)
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        check(wait_listening(PORT), "the service listens")
        status, _, body = put("base", b"hello world")
        check(status == 200, f"a well-formed signed PutObject: 200 (got {status} {s3_code(body)})")
        still_serving("a well-formed PutObject")
        for test in (test_sizes, test_authorization, test_content_length, test_range,
                     test_bad_characters, test_digests, test_metadata):
            test()
        check(proc.poll() is None, "the service is still running")
    finally:
        stop(proc, grace=3)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILURES)} failed in {time.monotonic() - started:.1f} s")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
