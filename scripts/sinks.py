#!/usr/bin/python3
"""Local stand-ins for where `make run`'s notifications go, so a person sees
them arrive: an HTTP sink (Slack-style payloads and webhooks, one JSON line
per request in DIR/webhooks.jsonl, with the path and the X-Sluice-* headers)
and an SMTP sink (Debian's aiosmtpd; each mail as DIR/mail/<n>.eml).

    sinks.py DIR HTTP_PORT SMTP_PORT [ADDRESS]

Runs until SIGTERM / SIGINT. Listens on ADDRESS, 127.0.0.1 unless given (the
compose test gives the gateway of its containers' network).
"""
import http.server
import json
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


def main():
    out, http_port, smtp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    address = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    os.makedirs(os.path.join(out, "mail"), exist_ok=True)
    lock = threading.Lock()
    log_path = os.path.join(out, "webhooks.jsonl")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = body.decode("utf-8", "replace")
            record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "path": self.path, "payload": payload,
                      "headers": {k: v for k, v in self.headers.items()
                                  if k.lower().startswith("x-sluice-")}}
            with lock, open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    class Mail:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            with lock:
                Mail.count += 1
                name = os.path.join(out, "mail", "%d-%06d.eml" % (int(time.time()), Mail.count))
            with open(name, "wb") as f:
                f.write(envelope.content)
            return "250 OK"

    server = http.server.ThreadingHTTPServer((address, http_port), Handler)
    smtp = Controller(Mail(), hostname=address, port=smtp_port)
    smtp.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("sinks: http://%s:%d, smtp://%s:%d, into %s" % (address, http_port, address, smtp_port, out),
          flush=True)
    stop.wait()
    smtp.stop()
    server.shutdown()


if __name__ == "__main__":
    main()
