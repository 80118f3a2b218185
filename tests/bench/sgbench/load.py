"""Checking one reply, and driving load with wrk."""
import hashlib
import http.client
import os
import re
import socket
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POST_SCRIPT = os.path.join(HERE, "post64k.lua")
ECHO_BODY = bytes((i * 7 + 3) % 256 for i in range(65536))   # as post64k.lua


class CheckError(Exception):
    pass


def request(port, app, timeout=10.0):
    """One request as the load sends it: (status, content type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if app == "echo":
            conn.request("POST", "/", body=ECHO_BODY,
                         headers={"Content-Type": "application/octet-stream"})
        else:
            conn.request("GET", "/")
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type") or "", resp.read()
    finally:
        conn.close()


def verify(app, status, ctype, body):
    """None if the reply is what app must answer, else why not."""
    if status != 200:
        return "status %d, body %r" % (status, body[:160])
    if app == "hello":
        if body != b"Hello, World!" or not ctype.startswith("text/plain"):
            return "hello: body %r, Content-Type %r" % (body[:160], ctype)
    elif app == "flask":
        if (not ctype.startswith("text/html") or b"flask-bench-page" not in body
                or not 1800 <= len(body) <= 2400):
            return "flask: %d bytes, Content-Type %r" % (len(body), ctype)
    elif app == "echo":
        want = b"%d %s\n" % (len(ECHO_BODY), hashlib.sha256(ECHO_BODY).hexdigest().encode())
        if body != want:
            return "echo: body %r, want %r" % (body[:160], want)
    else:
        return "unknown app %r" % app
    return None


def check(port, app, timeout, alive=None):
    """Wait (bounded) for the target to answer, then verify its first final
    reply. While it starts, refused/reset connections and 502/503/504 are
    retried; any other wrong reply fails at once: it is never benchmarked."""
    deadline = time.monotonic() + timeout
    last = "no reply"
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            status, ctype, body = request(port, app)
        except (OSError, http.client.HTTPException) as exc:
            last = "%s: %s" % (type(exc).__name__, exc)
            time.sleep(0.1)
            continue
        if status in (502, 503, 504):
            last = "status %d while starting" % status
            time.sleep(0.1)
            continue
        why = verify(app, status, ctype, body)
        if why:
            raise CheckError(why)
        return "%d bytes, %s" % (len(body), ctype)
    raise CheckError("no correct reply within %ss (last: %s)" % (timeout, last))


# ---------------------------------------------------------------- wrk

def wrk_argv(port, app, conns, seconds, timeout_s=10):
    argv = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "%ds" % timeout_s,
            "--latency"]
    if app == "echo":
        argv += ["-s", POST_SCRIPT]
    return argv + ["http://127.0.0.1:%d/" % port]


def run_wrk(runner, port, app, conns, seconds, out_path):
    """Run wrk (bounded); returns the parsed numbers (see parse_wrk)."""
    with open(out_path, "wb") as fh:
        popen = runner.helper(wrk_argv(port, app, conns, seconds), stdout=fh,
                              stderr=fh, stdin=open(os.devnull, "rb"))
        rc = runner.finish_helper(popen, seconds + 40)
    with open(out_path, errors="replace") as fh:
        res = parse_wrk(fh.read())
    res["rc"] = rc
    return res


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def parse_wrk(text):
    """rps, p50_ms, p99_ms, requests, sock_errors (connect+read+write+timeout),
    sock_detail, non2xx (wrk counts non-2xx/3xx)."""
    res = {"rps": float("nan"), "p50_ms": float("nan"), "p99_ms": float("nan"),
           "requests": 0, "sock_errors": 0, "sock_detail": "", "non2xx": 0}
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if m:
        res["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(r"^\s*%s(?:\.0+)?%%\s+(\S+)" % pct, text, re.M)
        if m:
            res[key] = _ms(m.group(1))
    m = re.search(r"^\s*(\d+) requests in", text, re.M)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        nums = [int(x) for x in m.groups()]
        res["sock_errors"] = sum(nums)
        res["sock_detail"] = "connect %d read %d write %d timeout %d" % tuple(nums)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        res["non2xx"] = int(m.group(1))
    return res


def sequential(port, app, count, keepalive=True, timeout=10.0):
    """count requests one after another (for strace); returns how many
    got a correct reply. keepalive=False opens one connection per request."""
    good = 0
    conn = None
    for _ in range(count):
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            if app == "echo":
                conn.request("POST", "/", body=ECHO_BODY)
            else:
                conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read()
            if verify(app, resp.status, resp.getheader("Content-Type") or "", body) is None:
                good += 1
            if not keepalive or resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException, socket.timeout):
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()
    return good
