"""A small ML backend speaking the legacy protocol, run as its own process by the ML tests.

    python tests/ml_backend_stub.py PORT

It predicts one "labels" region per task, trains by recording what it was sent, and keeps a
log of every call. Tests steer it with POST /_control {"predict": "ok"|"error"|"empty"|
"missing"|"hang", "train": "ok"|"error", "is_training": bool, "job": id, "job_status": str,
"health": "ok"|"error"} and read the log with GET /_calls.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DEFAULTS = {"predict": "ok", "train": "ok", "is_training": False, "job": None,
            "job_status": None, "health": "ok", "hang_seconds": 5}
state = dict(DEFAULTS)
calls = []
lock = threading.Lock()


def prediction(task):
    data = task.get("data") if isinstance(task, dict) else None
    text = str(data.get("text", "")) if isinstance(data, dict) else ""
    return {"result": [{"from_name": "label", "to_name": "text", "type": "labels",
                        "value": {"start": 0, "end": min(4, len(text)), "labels": ["PER"]}}],
            "score": 0.5, "model_version": "v7"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def do_GET(self):
        self.handle_call("GET", None)

    def do_POST(self):
        self.handle_call("POST", self.body())

    def handle_call(self, method, body):
        url = urlparse(self.path)
        path = url.path.strip("/")
        if path == "_control":
            with lock:
                if body.get("reset"):
                    state.clear()
                    state.update(DEFAULTS)
                    calls.clear()
                state.update({k: v for k, v in body.items() if k != "reset"})
            return self.answer(200, state)
        if path == "_calls":
            with lock:
                return self.answer(200, calls)
        with lock:
            calls.append({"method": method, "path": path, "query": parse_qs(url.query),
                          "body": body, "user_agent": self.headers.get("User-Agent")})
            current = dict(state)
        handler = getattr(self, "call_" + path, None)
        if handler is None:
            return self.answer(404, {"detail": f"no /{path} here"})
        handler(body or {}, current, parse_qs(url.query))

    def call_health(self, body, current, query):
        if current["health"] != "ok":
            return self.answer(503, {"status": "DOWN"})
        self.answer(200, {"status": "UP", "model_dir": None})

    def call_setup(self, body, current, query):
        self.answer(200, {"model_version": "v7"})

    def call_predict(self, body, current, query):
        mode = current["predict"]
        if mode == "hang":
            time.sleep(current["hang_seconds"])
        if mode == "error":
            return self.answer(500, {"detail": "model exploded"})
        if mode == "missing":
            return self.answer(404, {"detail": "model is not trained"})
        if mode == "notjson":
            return self.answer(200, b"<html>oops</html>")
        results = [] if mode == "empty" else [prediction(t) for t in body.get("tasks", [])]
        self.answer(200, {"results": results, "model_version": "v7"})

    def call_is_training(self, body, current, query):
        self.answer(200, {"is_training": current["is_training"], "backend": "none"})

    def call_job_status(self, body, current, query):
        if current["job_status"] is None:
            return self.answer(404, {"detail": "not implemented"})
        self.answer(200, {"job_status": current["job_status"]})

    def call_train(self, body, current, query):
        if current["train"] == "error":
            return self.answer(500, {"detail": "training failed: out of memory"})
        if not body.get("completions"):
            return self.answer(400, {"detail": "No completions found."})
        self.answer(201, {"job": current["job"]} if current["job"] else {})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
