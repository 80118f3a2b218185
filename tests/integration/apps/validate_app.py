"""The WSGI app of tests/integration/test_worker_wsgi.py (W1-W13).

Paths under /v/ run inside wsgiref.validate.validator, which asserts the
server's side of PEP 3333: any violation by the worker raises
AssertionError here and the request ends in a 500. Paths under /raw/ get
the worker's own environ and start_response, to misbehave on purpose
(header injection, hop-by-hop headers, a second start_response...) or to
use calls the validator forbids (read() without an argument).
"""
import json
import os
import sys
import time
from urllib.parse import parse_qs
from wsgiref.validate import validator


def query(environ):
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}


def reply(start_response, obj, status="200 OK"):
    body = json.dumps(obj, sort_keys=True).encode("ascii")
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


def text(start_response, body, status="200 OK", headers=()):
    start_response(status, [("Content-Type", "text/plain")] + list(headers))
    return [body]


# ---------------------------------------------------------------- environ
def env_view(environ, start_response):
    report = {k: v for k, v in environ.items() if isinstance(v, str)}
    report["_types"] = {k: type(v).__name__ for k, v in environ.items()}
    report["_is_dict"] = type(environ) is dict
    report["_version"] = list(environ["wsgi.version"])
    for key in ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
                "wsgi.input_terminated"):
        report[key] = environ[key]
    report["_pid"] = os.getpid()
    report["_fd_links"] = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            report["_fd_links"][fd] = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            pass  # listdir's own descriptor
    return reply(start_response, report)


# ---------------------------------------------------------------- input
def read_input(stream, how, arg):
    """The body, read the way `how` says; returns the pieces."""
    if how == "read_n":
        pieces = []
        while True:
            piece = stream.read(arg)
            if not piece:
                return pieces + [piece]
            pieces.append(piece)
    if how == "read_all":
        return [stream.read(), stream.read()]
    if how == "read_none":
        return [stream.read(None), stream.read(1)]
    if how == "read_neg":
        return [stream.read(-1)]
    if how == "readline":
        pieces = []
        while True:
            line = stream.readline()
            pieces.append(line)
            if not line:
                return pieces
    if how == "readline_n":
        pieces = []
        while True:
            line = stream.readline(arg)
            pieces.append(line)
            if not line:
                return pieces
    if how == "readlines":
        return stream.readlines()
    if how == "readlines_hint":
        return stream.readlines(arg) + [b"|"] + stream.readlines()
    if how == "iter":
        return list(stream)
    raise ValueError(how)


def input_view(environ, start_response):
    q = query(environ)
    try:
        pieces = read_input(environ["wsgi.input"], q.get("how", "read_n"), int(q.get("n", "7")))
    except OSError as e:
        return reply(start_response, {"error": type(e).__name__, "message": str(e)})
    return reply(start_response, {"pieces": [p.decode("latin-1") for p in pieces]})


# ---------------------------------------------------------------- output
def write_view(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"one,")
    write(b"")
    return [b"two,", b"three"]


def len1_view(environ, start_response):
    return text(start_response, b"hello world")


def gen_view(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        yield b"a"
        yield b""
        yield b"b"
    return body()


def empty_view(environ, start_response):
    start_response("204 No Content", [])
    return []


def errors_view(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("errors-marker caf\xe9 \u2603 \U0001F600 lone:\udc80\n")
    errors.writelines(["errors-lines-1\n", "errors-lines-2\n"])
    errors.write("partial-")
    errors.write("line\n")
    errors.flush()
    print("stdout-marker", os.getpid())
    print("stderr-marker", file=sys.stderr)
    return text(start_response, b"ok")


def exc_replace_view(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("replace me")
    except ValueError:
        start_response("500 Replaced", [("Content-Type", "text/plain")], sys.exc_info())
    return [b"replaced"]


def exc_reraise_view(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"sent;")
    try:
        raise KeyError("boom")
    except KeyError:
        try:
            start_response("500 Oops", [("Content-Type", "text/plain")], sys.exc_info())
        except KeyError:
            return [b"reraised"]
    return [b"not reraised"]


def pid_view(environ, start_response):
    return text(start_response, str(os.getpid()).encode())


VALIDATED = {
    "/env": env_view,
    "/input": input_view,
    "/write": write_view,
    "/len1": len1_view,
    "/gen": gen_view,
    "/empty": empty_view,
    "/errors": errors_view,
    "/exc-replace": exc_replace_view,
    "/exc-reraise": exc_reraise_view,
    "/pid": pid_view,
}


def view_name(path):
    """"/env/more/path" -> "/env": views take any path below their name."""
    return "/" + path[1:].split("/", 1)[0]


def validated_app(environ, start_response):
    view = VALIDATED.get(view_name(environ["PATH_INFO"][len("/v"):]))
    if view is None:
        return text(start_response, b"no such view", "404 Not Found")
    return view(environ, start_response)


# ---------------------------------------------------------------- misbehaving
def second_call(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        start_response("200 OK", [("Content-Type", "text/plain")])
    except Exception as e:
        return [("refused: %s" % type(e).__name__).encode()]
    return [b"accepted"]


def bad_status(environ, start_response):
    status = query(environ)["s"]
    try:
        start_response(status, [])
    except (TypeError, ValueError) as e:
        return text(start_response, ("refused: %s" % e).encode("ascii", "backslashreplace"))
    return [b"accepted"]


def bad_header(environ, start_response):
    """Sends the header ?name=&value= as given: the worker must refuse it."""
    q = query(environ)
    start_response("200 OK", [("Content-Type", "text/plain"), (q["name"], q.get("value", "x"))])
    return [b"should not be sent"]


def huge_headers(environ, start_response):
    headers = [("X-Filler-%d" % i, "v" * 1000) for i in range(70)]
    start_response("200 OK", headers)
    return [b"should not be sent"]


def cl_over(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"0123", b"456789", b"never asked for"]


def cl_under(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "100")])
    return [b"short"]


class LyingLen:
    """Says it has one chunk, yields two: the worker trusts len() (W7) for
    Content-Length, and then never sends more than that (W9)."""

    def __len__(self):
        return 1

    def __iter__(self):
        return iter([b"first", b"second"])


def lying_len(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return LyingLen()


def raise_before(environ, start_response):
    raise RuntimeError("raise-before-marker")


def non_bytes(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["a str, not bytes"]


def no_start(environ, start_response):
    return [b"no start_response"]


def read_unvalidated(environ, start_response):
    return input_view(environ, start_response)


def latin1_header(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Cafe", "caf\xe9")])
    return [b"ok"]


class Tracked:
    """An iterable whose close() leaves a marker file (W7). mode "wait":
    close() first waits (15 s at most) for the file named by go; "late":
    close() calls write() and notes what that raised."""

    def __init__(self, marker, mode, go=None, write=None):
        self.marker, self.mode, self.go, self.write, self.sent = marker, mode, go, write, 0

    def __iter__(self):
        return self

    def __next__(self):
        self.sent += 1
        if self.mode == "raise" and self.sent == 2:
            raise RuntimeError("iteration-failure-marker")
        if self.mode == "big":
            if self.sent > 4096:
                raise StopIteration
            return b"x" * 65536
        if self.sent > 3:
            raise StopIteration
        return b"chunk%d;" % self.sent

    def close(self):
        deadline = time.monotonic() + 15
        while self.mode == "wait" and not os.path.exists(self.go) and time.monotonic() < deadline:
            time.sleep(0.05)
        note = ""
        if self.mode == "late":
            try:
                self.write(b"late")
                note = "; write() worked"
            except Exception as e:
                note = "; %s: %s" % (type(e).__name__, e)
        with open(self.marker, "a") as f:
            f.write("closed after %d%s\n" % (self.sent, note))


def close_view(environ, start_response):
    q = query(environ)
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    return Tracked(q["marker"], q.get("mode", "ok"), q.get("go"), write)


RAW = {
    "/second-call": second_call,
    "/bad-status": bad_status,
    "/bad-header": bad_header,
    "/huge-headers": huge_headers,
    "/cl-over": cl_over,
    "/cl-under": cl_under,
    "/lying-len": lying_len,
    "/raise": raise_before,
    "/non-bytes": non_bytes,
    "/no-start": no_start,
    "/input": read_unvalidated,
    "/latin1-header": latin1_header,
    "/close": close_view,
    "/env": env_view,
    "/len1": len1_view,  # the validator's wrapper hides len(), so also here
    "/empty": empty_view,
    "/pid": pid_view,
}

_validated = validator(validated_app)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/v/"):
        return _validated(environ, start_response)
    view = RAW.get(view_name(path[len("/raw"):])) if path.startswith("/raw/") else None
    if view is None:
        return text(start_response, b"no such view", "404 Not Found")
    return view(environ, start_response)
