"""Bad and hostile input, broken apps: each case has its documented outcome,
and afterwards the gateway still serves the next request.

Raw SCGI goes to both the app's own socket ("direct", workers parse it) and
a routed SCGI listener ("routed", the gateway parses it)."""
import hashlib
import os
import select
import socket

import pytest

from conftest import (IS_ROOT, connect, free_port, http_request, uid_of,
                      nginx_scgi_location, parse_cgi_response, parse_http_response,
                      raw_exchange, recv_all, scgi_env, scgi_head, scgi_request, wait_until,
                      web_server_group_args)

CLOSE_TIMEOUT = 20.0   # a bad request must be closed (or answered) within this


def start_gateway(sandgate, workdir, app, *extra, for_web_server=False):
    """sandgate serving app on a direct Unix SCGI socket, a routed TCP SCGI
    listener and a TCP HTTP listener; returns (sg, {name: address}).
    for_web_server: let a front end's workers use the Unix socket too."""
    targets = {
        "direct": "unix:%s/app.sock" % workdir,
        "routed": "127.0.0.1:%d" % free_port(),
        "http": "127.0.0.1:%d" % free_port(),
    }
    if for_web_server:
        extra = tuple(web_server_group_args(targets["direct"])) + extra
    sg = sandgate("--scgi", targets["direct"], "--scgi", targets["routed"],
                  "--http", targets["http"], *extra, app)
    return sg, targets


def assert_still_serves(sg, targets, expect=b"Hello from sandgate\n"):
    """The gateway is alive and answers on every listener."""
    assert sg.proc.poll() is None, "gateway exited: %r\n%s" % (sg.proc.poll(),
                                                               sg.stderr_text()[-3000:])
    for name in ("direct", "routed"):
        resp = scgi_request(targets[name], "/")
        assert resp is not None and resp.status == 200, (name, resp)
        if expect is not None:
            assert resp.body == expect, name
    resp = http_request("http://" + targets["http"], "/")
    assert resp.status == 200
    if expect is not None:
        assert resp.body == expect


def closed_without_response(addr, data):
    """Sends data; returns what came back before the close (b"" expected).
    Fails if the peer neither answers nor closes within CLOSE_TIMEOUT."""
    try:
        return raw_exchange(addr, data, timeout=CLOSE_TIMEOUT)
    except socket.timeout:
        pytest.fail("connection neither answered nor closed within %gs" % CLOSE_TIMEOUT)


@pytest.fixture(params=["direct", "routed"])
def scgi_path(request):
    return request.param


# ---- SCGI head violations (S1, S2, S4)

def pairs_block(pairs):
    return b"".join(name + b"\0" + value + b"\0" for name, value in pairs)


GOOD_PAIRS = [(b"CONTENT_LENGTH", b"0"), (b"SCGI", b"1"), (b"REQUEST_METHOD", b"GET"),
              (b"REQUEST_URI", b"/"), (b"QUERY_STRING", b""), (b"SERVER_NAME", b"localhost"),
              (b"SERVER_PORT", b"80"), (b"SERVER_PROTOCOL", b"HTTP/1.1"),
              (b"REMOTE_ADDR", b"127.0.0.1")]


def netstring(block, length=None, end=b","):
    return (str(len(block)).encode() if length is None else length) + b":" + block + end


def with_pairs(replace=None, drop=(), first=None, extra=()):
    pairs = [(n, (replace or {}).get(n, v)) for n, v in GOOD_PAIRS if n not in drop]
    if first:
        pairs.insert(0, first)
    return pairs_block(pairs + list(extra))


GOOD_BLOCK = pairs_block(GOOD_PAIRS)

SCGI_VIOLATIONS = {
    # S1: the netstring length and terminator
    "S1-length-not-digit": b"1x" + b":" + GOOD_BLOCK + b",",
    "S1-length-empty": b":" + GOOD_BLOCK + b",",
    "S1-length-leading-zero": netstring(GOOD_BLOCK, b"0" + str(len(GOOD_BLOCK)).encode()),
    "S1-length-overflow": netstring(GOOD_BLOCK, b"9" * 30),
    "S1-missing-comma": netstring(GOOD_BLOCK, end=b";"),
    # S2: the header block
    "S2-content-length-not-first": netstring(with_pairs(
        drop=[b"CONTENT_LENGTH"], extra=[(b"CONTENT_LENGTH", b"0")])),
    "S2-content-length-missing": netstring(with_pairs(drop=[b"CONTENT_LENGTH"])),
    "S2-content-length-empty": netstring(with_pairs(replace={b"CONTENT_LENGTH": b""})),
    "S2-content-length-not-digits": netstring(with_pairs(replace={b"CONTENT_LENGTH": b"1a"})),
    "S2-content-length-space": netstring(with_pairs(replace={b"CONTENT_LENGTH": b" 0"})),
    "S2-content-length-negative": netstring(with_pairs(replace={b"CONTENT_LENGTH": b"-1"})),
    "S2-scgi-missing": netstring(with_pairs(drop=[b"SCGI"])),
    "S2-scgi-not-1": netstring(with_pairs(replace={b"SCGI": b"2"})),
    "S2-duplicate-name": netstring(with_pairs(extra=[(b"REQUEST_METHOD", b"POST")])),
    "S2-odd-strings": netstring(GOOD_BLOCK + b"DANGLING_NAME\0"),
    "S2-no-final-nul": netstring(GOOD_BLOCK + b"LAST\0value"),
    "S2-empty-name": netstring(GOOD_BLOCK + b"\0value\0"),
    # S4: cap the length before allocating
    "S4-huge-declared-length": b"100000000:" + b"A" * 65536,
}


@pytest.mark.parametrize("case", sorted(SCGI_VIOLATIONS))
def test_scgi_violation_closed_without_response(sandgate, workdir, apps, scgi_path, case):
    """S1/S2/S4: a malformed SCGI head is closed without a response, and the
    gateway keeps serving."""
    sg, targets = start_gateway(sandgate, workdir, apps / "hello.py")
    got = closed_without_response(targets[scgi_path], SCGI_VIOLATIONS[case])
    assert got == b"", got[:200]
    assert_still_serves(sg, targets)


def test_scgi_oversized_real_head_closed_S4(sandgate, workdir, apps, scgi_path):
    """S4: a well-formed head over the 64 KiB cap is closed without a response."""
    sg, targets = start_gateway(sandgate, workdir, apps / "hello.py")
    env = scgi_env("/", headers={"X-Big": "b" * (70 * 1024)})
    got = closed_without_response(targets[scgi_path], scgi_head(env))
    assert got == b"", got[:200]
    assert_still_serves(sg, targets)


def test_scgi_empty_values_accepted_S3(sandgate, workdir, apps, scgi_path):
    """S3: empty values (QUERY_STRING "", as nginx and Apache send) are fine."""
    sg, targets = start_gateway(sandgate, workdir, apps / "env_app.py")
    resp = scgi_request(targets[scgi_path], "/x", query="", headers={"X-Empty": ""})
    assert resp is not None and resp.status == 200
    env = resp.json()
    assert env["QUERY_STRING"] == ""
    assert env.get("HTTP_X_EMPTY", "") == ""


def test_scgi_response_has_status_line_S6(sandgate, workdir, apps, scgi_path):
    """S6/F2: the SCGI response starts with `Status:`, never `HTTP/1.x`."""
    _, targets = start_gateway(sandgate, workdir, apps / "hello.py")
    raw = raw_exchange(targets[scgi_path], scgi_head(scgi_env("/")))
    assert raw.startswith(b"Status: 200"), raw[:200]


def test_scgi_one_request_per_connection_S7(sandgate, workdir, apps, scgi_path):
    """S7: two requests sent back to back on one connection get one response,
    then the connection is closed."""
    sg, targets = start_gateway(sandgate, workdir, apps / "hello.py")
    one = scgi_head(scgi_env("/"))
    raw = closed_without_response(targets[scgi_path], one + one)
    assert raw.count(b"Status:") == 1, raw
    assert raw.count(b"Hello from sandgate") == 1, raw
    assert_still_serves(sg, targets)


def test_scgi_body_read_exactly_content_length_S5(sandgate, workdir, apps, scgi_path):
    """S5/W10: the app gets exactly CONTENT_LENGTH bytes; bytes after them
    (the front end's end stays open) are not part of the body."""
    _, targets = start_gateway(sandgate, workdir, apps / "env_app.py")
    body = b"0123456789"
    env = scgi_env("/", method="POST", CONTENT_TYPE="text/plain")
    with connect(targets[scgi_path]) as s:
        s.sendall(scgi_head(env, body) + body + b"EXTRA BYTES")
        raw = recv_all(s)     # no EOF from our side: S5 "do not rely on EOF"
    resp = parse_cgi_response(raw)
    assert resp.status == 200
    assert resp.json()["_body"] == "0123456789"


def test_scgi_head_and_big_body_in_one_write_S5(sandgate, workdir, apps, scgi_path):
    """S5/W10: head and a 10 MiB body arriving together (as nginx sends them
    with scgi_request_buffering on) reach the app whole: the gateway may read
    past the head, but must hand the body on, not refuse the request."""
    _, targets = start_gateway(sandgate, workdir, apps / "big_app.py")
    body = os.urandom(10 << 20)
    resp = scgi_request(targets[scgi_path], "/upload", method="POST", body=body)
    assert resp is not None and resp.status == 200, resp and resp.body[:200]
    assert resp.body.decode().split() == [hashlib.sha256(body).hexdigest(), str(len(body))]


def test_scgi_body_shorter_than_content_length_S5(sandgate, workdir, apps, scgi_path):
    """S5: the client sends 10 of 1000 announced body bytes, then closes: the
    request is aborted and the next one is served."""
    sg, targets = start_gateway(sandgate, workdir, apps / "env_app.py")
    env = scgi_env("/", method="POST", CONTENT_TYPE="text/plain")
    head = scgi_head(dict(env), b"x" * 1000)          # announces 1000 bytes
    with connect(targets[scgi_path]) as s:
        s.sendall(head + b"x" * 10)
        s.shutdown(socket.SHUT_WR)
    assert_still_serves(sg, targets, expect=None)


def test_http_body_shorter_than_content_length(sandgate, workdir, apps):
    """The same over HTTP: announced 1000 bytes, sent 10, closed."""
    sg, targets = start_gateway(sandgate, workdir, apps / "env_app.py")
    with connect(targets["http"]) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 1000\r\n\r\n" + b"y" * 10)
    assert_still_serves(sg, targets, expect=None)


# ---- slow senders (S8)

SLOW_HEAD = {
    "http": b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"s" * 200,
    "routed": b"900:CONTENT_LENGTH\0000\0SCGI\0001\0X_SLOW\0" + b"s" * 200,
    "direct": b"900:CONTENT_LENGTH\0000\0SCGI\0001\0X_SLOW\0" + b"s" * 200,
}


@pytest.mark.parametrize("where", ["http", "routed", "direct"])
def test_slow_sender_is_cut_off_S8(sandgate, workdir, apps, where):
    """S8: a client sending its head one byte per second is cut off (with
    --timeout 2); meanwhile other clients are served. Bounded: at most 60
    bytes are tried; what is asserted is that the cut happens, not when."""
    sg, targets = start_gateway(sandgate, workdir, apps / "hello.py", "--timeout", "2")
    cut = False
    with connect(targets[where], timeout=10) as s:
        for i, byte in enumerate(SLOW_HEAD[where][:60]):
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            readable, _, _ = select.select([s], [], [], 1.0)
            if readable:
                try:
                    s.recv(65536)    # EOF, or an error answer such as 408
                except ConnectionResetError:
                    pass
                cut = True
                break
            if i == 2:
                assert_still_serves(sg, targets)   # others are served meanwhile
    assert cut, "a slow sender was never cut off"
    assert_still_serves(sg, targets)


# ---- clients that leave, workers that die, apps that fail

def test_client_disconnects_mid_response(sandgate, workdir, apps):
    """A client that reads 1 MiB of a 50 MiB download and closes does not
    wedge a worker: after three such clients on two workers, all is served."""
    block = b"z" * (1 << 20)
    with open(apps / "big.bin", "wb") as f:
        for _ in range(50):
            f.write(block)
    (apps / "big.bin").chmod(0o644)
    sg, targets = start_gateway(sandgate, workdir, apps / "big_app.py", "--processes", "2")
    requests = [
        ("http", b"GET /download HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("routed", scgi_head(scgi_env("/download"))),
        ("direct", scgi_head(scgi_env("/download"))),
    ]
    for name, data in requests:
        with connect(targets[name]) as s:
            s.sendall(data)
            got = 0
            while got < (1 << 20):
                chunk = s.recv(65536)
                assert chunk, "%s: closed after %d bytes" % (name, got)
                got += len(chunk)
    for name in ("direct", "routed"):
        assert scgi_request(targets[name], "/upload", method="POST", body=b"a").status == 200
    assert http_request("http://" + targets["http"], "/upload", method="POST",
                        body=b"abc").status == 200


def test_worker_killed_mid_request_502(sandgate, workdir, apps):
    """A worker SIGKILLed while it holds a routed request: the gateway answers
    502, and the next request is served by a fresh worker."""
    sg, targets = start_gateway(sandgate, workdir, apps / "crash_app.py")
    assert http_request("http://" + targets["http"], "/crash").status == 502
    assert http_request("http://" + targets["http"], "/").status == 200
    resp = scgi_request(targets["routed"], "/crash")
    assert resp is not None and resp.status == 502
    assert scgi_request(targets["routed"], "/").status == 200
    assert_still_serves(sg, targets, expect=None)


def test_worker_killed_on_direct_path_502_via_nginx(sandgate, nginx, workdir, apps):
    """Direct path: the worker owns the connection; when it dies nginx sees the
    upstream close early and answers 502 (N8); the next request is served."""
    sg, targets = start_gateway(sandgate, workdir, apps / "crash_app.py",
                                for_web_server=True)
    ng = nginx(nginx_scgi_location("/", targets["direct"]))
    assert ng.get("/crash").status == 502
    assert ng.get("/").status == 200


def test_worker_killed_after_response_started(sandgate, workdir, apps):
    """Killed after part of the body went out: the client sees a cut body
    (no 502 can follow a sent head), and the next request is served."""
    sg, targets = start_gateway(sandgate, workdir, apps / "crash_app.py")
    raw = raw_exchange(targets["http"], b"GET /crash-late HTTP/1.1\r\nHost: x\r\n\r\n")
    resp = parse_http_response(raw)
    assert resp is not None and resp.status == 200
    assert b"never sent" not in resp.body
    assert_still_serves(sg, targets, expect=None)


def start_failing_app(sandgate, workdir, app, *extra):
    """Like start_gateway, for an app that never becomes ready: waits only
    until the gateway answers at all (a 503 counts)."""
    targets = {
        "direct": "unix:%s/app.sock" % workdir,
        "routed": "127.0.0.1:%d" % free_port(),
        "http": "127.0.0.1:%d" % free_port(),
    }
    sg = sandgate("--scgi", targets["direct"], "--scgi", targets["routed"],
                  "--http", targets["http"], *extra, app, ready=False)
    assert sg.wait_listening(), sg.stderr_text()[-3000:]
    return sg, targets


IMPORT_ERROR_TEXT = "import_error_app: failing at import on purpose"


def test_import_error_503_traceback_in_log(sandgate, workdir, apps):
    """An app that raises during import: requests get a short 503 page (no
    traceback to the client), the traceback goes to the app log (the
    gateway's stderr by default), and the gateway stays up."""
    sg, targets = start_failing_app(sandgate, workdir, apps / "import_error_app.py")
    resp = http_request("http://" + targets["http"], "/")
    assert resp.status == 503
    assert len(resp.body) < 4096 and b"Traceback" not in resp.body
    routed = scgi_request(targets["routed"], "/")
    assert routed is not None and routed.status == 503
    assert sg.wait_for_log(IMPORT_ERROR_TEXT), sg.stderr_text()[-3000:]
    assert "Traceback" in sg.stderr_text()
    assert sg.proc.poll() is None
    assert http_request("http://" + targets["http"], "/").status == 503


def test_import_error_traceback_goes_to_log_option(sandgate, workdir, apps):
    """With --log FILE the traceback goes to FILE."""
    log = workdir / "app.log"
    if IS_ROOT:  # opened as the app's user, nobody, who cannot create it here
        log.touch()
        os.chown(log, uid_of("nobody"), -1)
    sg, targets = start_failing_app(sandgate, workdir, apps / "import_error_app.py",
                                    "--log", log)
    assert http_request("http://" + targets["http"], "/").status == 503
    found = wait_until(lambda: log.exists() and IMPORT_ERROR_TEXT in log.read_text())
    assert found, sg.stderr_text()[-3000:]
    assert "Traceback" in log.read_text()


@pytest.mark.parametrize("where", ["http", "routed", "direct"])
def test_request_timeout_504_stack_in_log_C11(sandgate, workdir, apps, where):
    """C11: a request running past --timeout gets 504, the worker's Python
    stack (naming sleepy_request) lands in the app log, and the next request
    is served."""
    sg, targets = start_gateway(sandgate, workdir, apps / "sleepy_app.py", "--timeout", "2")
    if where == "http":
        status = http_request("http://" + targets["http"], "/sleep?s=60").status
    else:
        resp = scgi_request(targets[where], "/sleep", query="s=60")
        status = resp.status if resp else None
    assert status == 504
    assert sg.wait_for_log("sleepy_request"), sg.stderr_text()[-3000:]
    assert "sleepy_app.py" in sg.stderr_text()
    assert_still_serves(sg, targets, expect=b"awake\n")


def test_app_exception_500_W13(sandgate, workdir, apps, scgi_path):
    """W13: an exception before start_response is a 500, logged, and the
    worker serves on."""
    sg, targets = start_gateway(sandgate, workdir, apps / "redirect_app.py")
    resp = scgi_request(targets[scgi_path], "/raise")
    assert resp is not None and resp.status == 500
    assert sg.wait_for_log("redirect_app: raised on purpose")
    assert scgi_request(targets[scgi_path], "/target").body == b"target reached\n"


# ---- the HTTP listener is strict (P2)

def oversized_head():
    return b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 * 1024) + b"\r\n\r\n"


HTTP_VIOLATIONS = {
    "P2-bare-LF": (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    "P2-bare-CR": (b"GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400),
    "P2-obs-fold": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n", 400),
    "P2-space-before-colon": (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    "P2-CL-and-TE": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "P2-two-CL-equal": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        b"Content-Length: 5\r\n\r\nhello", 400),
    "P2-two-CL-unequal": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          b"Content-Length: 6\r\n\r\nhello!", 400),
    "P2-transfer-encoding": (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                             b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411),
    "P2-oversized-head": (oversized_head(), 431),
    "P2-version-2.0": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    "P2-version-3.0": (b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
}


@pytest.mark.parametrize("case", sorted(HTTP_VIOLATIONS))
def test_http_violation_answered_and_closed_P2(sandgate, workdir, apps, case):
    """P2/P3: each malformed head gets its 4xx/5xx, Connection: close, and the
    connection is closed; the next request is served."""
    data, expected = HTTP_VIOLATIONS[case]
    sg, targets = start_gateway(sandgate, workdir, apps / "hello.py")
    raw = closed_without_response(targets["http"], data)
    resp = parse_http_response(raw)
    assert resp is not None, raw[:300]
    assert resp.status == expected, raw[:300]
    assert resp.header("Connection", "").lower() == "close"
    assert_still_serves(sg, targets)
