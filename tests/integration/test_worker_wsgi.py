"""sandgate-worker on its own (no gateway, no namespaces), driven through
the descriptors of gateway/cellproto.h by worker_driver.py. Each test
cites the rule of /work/shared/research/protocols.md it checks.

    cd tests/integration && /usr/bin/python3 -m pytest test_worker_wsgi.py
"""
import importlib.util
import io
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from worker_driver import (APPS, CTL_DRAIN, CTL_IMPORT_FAILED, CTL_TIMEOUT, CTL_WORKER_EXIT,
                           DISPATCH, DISPATCH_MAGIC, FD_DISPATCH, FD_LISTEN, PROTO_HTTP,
                           PROTO_SCGI, SLOT_BUSY, SLOT_IDLE, WORKER, Response, Worker,
                           base_env, read_all, scgi_request, sha256)

pytestmark = pytest.mark.skipif(not WORKER.exists(), reason="%s is not built" % WORKER)

CANNED_500 = b"500 Internal Server Error\n"
BODY = b"line one\nline two\n\nlast line without newline"


def _load_app_module(name):
    spec = importlib.util.spec_from_file_location("worker_test_" + name, APPS / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


validate_app = _load_app_module("validate_app")


def check_clean(worker):
    reports = worker.sanitizer_reports()
    assert not reports, "sanitizer report in the app log:\n" + worker.log()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """validate_app.py with two workers, shared by the tests that do not
    disturb it."""
    w = Worker(tmp_path_factory.mktemp("validate"), "validate_app.py", processes=2,
               args=["--timeout", "20"])
    yield w
    w.stop()
    check_clean(w)


@pytest.fixture
def make_worker(tmp_path):
    """Starts workers for one test; all are stopped (and their logs checked
    for sanitizer reports) at teardown."""
    made = []

    def make(app_spec, **kwargs):
        w = Worker(tmp_path / ("w%d" % len(made)), app_spec, **kwargs)
        made.append(w)
        return w
    yield make
    for w in made:
        w.stop()
    for w in made:
        check_clean(w)


def env_of(worker, uri="/v/env", **kwargs):
    r = worker.send_scgi(base_env(uri, **kwargs))
    assert r.status == 200, r
    return json.loads(r.body)


def wait_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and open(path).read():
            return open(path).read()
        time.sleep(0.05)
    raise AssertionError("%s never written" % path)


# ---------------------------------------------------------------- W1-W4: environ
def test_w1_environ_is_a_plain_dict(app):
    report = env_of(app)
    assert report["_is_dict"] is True
    assert "WSGIWarning" not in app.log()


def test_w2_required_keys(app):
    report = env_of(app)
    for key in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME",
                "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.version", "wsgi.url_scheme",
                "wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess",
                "wsgi.run_once"):
        assert key in report["_types"], key
    assert report["_version"] == [1, 0]
    assert report["wsgi.url_scheme"] == "http"
    assert report["wsgi.multithread"] is False
    assert report["wsgi.multiprocess"] is True
    assert report["wsgi.run_once"] is False
    assert report["wsgi.input_terminated"] is True
    assert report["_types"]["wsgi.file_wrapper"] == "type"


def test_w2_defaults_for_missing_server_name_port_query(app):
    env = [(n, v) for n, v in base_env("/v/env")
           if n not in ("SERVER_NAME", "SERVER_PORT", "QUERY_STRING")]
    r = app.send_scgi(env)
    assert r.status == 200, r
    report = json.loads(r.body)
    assert (report["SERVER_NAME"], report["SERVER_PORT"], report["QUERY_STRING"]) == \
        ("localhost", "80", "")


@pytest.mark.parametrize("extra, scheme", [
    ([("HTTPS", "on")], "https"),
    ([("HTTPS", "1")], "https"),
    ([("HTTPS", "off")], "http"),
    ([("REQUEST_SCHEME", "https")], "https"),
    ([("REQUEST_SCHEME", "gopher")], "http"),
])
def test_w2_url_scheme(app, extra, scheme):
    assert env_of(app, extra=extra)["wsgi.url_scheme"] == scheme


def test_w3_content_headers_and_httpoxy_dropped(app):
    report = env_of(app, extra=[("CONTENT_TYPE", "text/plain"),
                                ("HTTP_CONTENT_TYPE", "text/plain"),
                                ("HTTP_CONTENT_LENGTH", "0"),
                                ("HTTP_PROXY", "http://evil.test:3128")])
    assert report["CONTENT_TYPE"] == "text/plain"
    for key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_PROXY"):
        assert key not in report, key  # W3, C4 (httpoxy)


def test_w3_a3_front_end_script_name_is_the_path(app):
    """A front end that sends SCRIPT_NAME (+ PATH_INFO), as Apache does, names
    the path being served (after an internal redirect REQUEST_URI is still
    the client's original); SCRIPT_NAME in environ is the mount prefix (W3)."""
    report = env_of(app, "/original", extra=[("SCRIPT_NAME", "/v"), ("PATH_INFO", "/env")])
    assert report["SCRIPT_NAME"] == ""
    assert report["PATH_INFO"] == "/v/env"
    assert report["REQUEST_URI"] == "/original"


def test_w3_without_script_name_request_uri_is_the_path(app):
    """nginx sends no SCRIPT_NAME: the path comes from REQUEST_URI (F1)."""
    report = env_of(app, "/v/env", extra=[("PATH_INFO", "/forged")])
    assert report["SCRIPT_NAME"] == ""
    assert report["PATH_INFO"] == "/v/env"


def test_f1_prefix_split(make_worker):
    w = make_worker("validate_app.py", processes=1, args=["--prefix", "/app"])
    report = env_of(w, "/app/v/env/x%20y?q=1")
    assert report["SCRIPT_NAME"] == "/app"
    assert report["PATH_INFO"] == "/v/env/x y"
    assert report["QUERY_STRING"] == "q=1"
    r = w.send_scgi("/apple/v/env")
    assert r.status == 404 and r.body == b"404 Not Found\n"


def test_w4_latin1_environ(app):
    report = env_of(app, "/v/env/caf%C3%A9",
                    extra=[("HTTP_X_NAME", b"caf\xe9 \xff"), ("QUERY_STRING", b"a=\xe9")])
    assert report["HTTP_X_NAME"] == "caf\xe9 \xff"
    assert report["QUERY_STRING"] == "a=\xe9"
    assert report["PATH_INFO"] == "/v/env/caf\xc3\xa9"
    assert report["PATH_INFO"].encode("latin-1").decode("utf-8") == "/v/env/café"
    assert all(t == "str" for k, t in report["_types"].items() if "." not in k)


# ---------------------------------------------------------------- W5, W6: start_response
def test_w5_head_waits_for_the_first_nonempty_chunk(make_worker):
    w = make_worker("body_raise_app.py", processes=1)
    r = w.send_scgi("/?before")  # the generator raised before yielding: nothing was sent
    assert r.status == 500 and r.body == CANNED_500
    w.wait_log("body-raise-marker")


def test_w5_empty_chunks_skipped(app):
    r = app.send_scgi("/v/gen")
    assert (r.status, r.body) == (200, b"ab")
    assert r.header("Content-Length") is None


def test_w5_exc_info_replaces_unsent_headers(app):
    r = app.send_scgi("/v/exc-replace")
    assert (r.status, r.reason, r.body) == (500, "Replaced", b"replaced")


def test_w5_exc_info_reraised_once_headers_are_sent(app):
    r = app.send_scgi("/v/exc-reraise")
    assert (r.status, r.body) == (200, b"sent;reraised")


def test_w5_second_call_without_exc_info_refused(app):
    r = app.send_scgi("/raw/second-call")
    assert (r.status, r.body) == (200, b"refused: RuntimeError")


@pytest.mark.parametrize("status", ["200OK", "20 OK", "2000 OK", "abc OK", "099 Low", "",
                                    "200 OK\r\nX-Evil: 1", "200 OK\n", "200 \x00",
                                    "200 snow\u2603man"])
def test_w5_malformed_status_refused(app, status):
    r = app.send_scgi(base_env("/raw/bad-status?" + _q(s=status)))
    assert r.status == 200 and r.body.startswith(b"refused: "), r
    assert b"X-Evil" not in r.raw.split(b"\r\n\r\n")[0]


def test_w5_latin1_header_value_sent_as_latin1(app):
    r = app.send_scgi("/raw/latin1-header")
    assert b"\r\nX-Cafe: caf\xe9\r\n" in r.raw


@pytest.mark.parametrize("name", ["Connection", "keep-alive", "Proxy-Authenticate",
                                  "proxy-authorization", "TE", "Trailers",
                                  "Transfer-Encoding", "UPGRADE"])
def test_w6_hop_by_hop_refused(app, name):
    r = app.send_scgi(base_env("/raw/bad-header?" + _q(name=name, value="close")))
    assert (r.status, r.body) == (500, CANNED_500)
    assert name.lower() not in r.header_names()


@pytest.mark.parametrize("name, value", [
    ("X-Evil", "a\r\nSet-Cookie: pwned=1"), ("X-Evil", "a\nSet-Cookie: pwned=1"),
    ("X-Evil", "a\rb"), ("X-Evil", "a\x00b"), ("X-Evil", "a\x01b"), ("X-Evil", "a\x7fb"),
    ("X Evil", "v"), ("X-Evil:", "v"), ("", "v"), ("X-Evil\r\nSet-Cookie", "v"),
    ("X-Snow", "\u2603"), ("Status", "200 OK"),
])
def test_header_injection_refused(app, name, value):
    r = app.send_scgi(base_env("/raw/bad-header?" + _q(name=name, value=value)))
    assert (r.status, r.body) == (500, CANNED_500)
    assert b"pwned" not in r.raw and b"Evil" not in r.raw


def test_response_headers_over_64k_refused(app):
    r = app.send_scgi("/raw/huge-headers")
    assert (r.status, r.body) == (500, CANNED_500)
    assert "larger than 64 KiB" in app.log()


# ---------------------------------------------------------------- W7-W9: the iterable
def test_w7_close_called(app, tmp_path):
    marker = tmp_path / "closed"
    r = app.send_scgi(base_env("/raw/close?" + _q(marker=marker)))
    assert r.body == b"chunk1;chunk2;chunk3;"
    assert wait_file(marker) == "closed after 4\n"


def test_w7_eof_comes_before_close(app, tmp_path):
    """The response ends when its last byte is out, not after close(): a
    slow teardown (a framework's, a connection pool's) does not hold back a
    response that only EOF ends (no Content-Length here), nor the front
    end's upstream connection. close() waits for the go file, which the
    client writes once it has seen EOF; had EOF waited for close(), it
    would come after close() gave up waiting and wrote its marker."""
    marker, go = tmp_path / "closed", tmp_path / "go"
    with app.connect() as s:  # the fixture's --timeout 20 outlasts close()'s 15 s
        s.sendall(scgi_request(base_env("/raw/close?" + _q(marker=marker, mode="wait", go=go))))
        raw = read_all(s)
        closed_at_eof = marker.exists()
    go.write_text("go")
    assert raw.endswith(b"chunk1;chunk2;chunk3;") and b"Content-Length" not in raw
    assert not closed_at_eof
    assert wait_file(marker) == "closed after 4\n"


def test_w7_write_from_close_raises_and_the_response_stands(app, tmp_path):
    """The peer has had its EOF when close() runs: write() there raises,
    and leaves the response as it went out."""
    marker = tmp_path / "closed"
    r = app.send_scgi(base_env("/raw/close?" + _q(marker=marker, mode="late")))
    assert (r.status, r.body) == (200, b"chunk1;chunk2;chunk3;")
    assert wait_file(marker) == "closed after 4; RuntimeError: write() after the response ended\n"


def test_w7_close_called_after_an_error(app, tmp_path):
    marker = tmp_path / "closed"
    r = app.send_scgi(base_env("/raw/close?" + _q(marker=marker, mode="raise")))
    assert r.status == 200 and r.body == b"chunk1;"  # W13: cut off after the head
    assert wait_file(marker) == "closed after 2\n"
    app.wait_log("iteration-failure-marker")


def test_w7_close_called_after_client_disconnect(app, tmp_path):
    marker = tmp_path / "closed"
    with app.connect() as s:
        s.sendall(scgi_request(base_env("/raw/close?" + _q(marker=marker, mode="big"))))
        s.recv(1000)
    text = wait_file(marker)
    assert text.startswith("closed after ") and int(text.split()[2]) < 4096


def test_w7_len_one_sets_content_length(app):
    r = app.send_scgi("/raw/len1")
    assert (r.body, r.header("Content-Length")) == (b"hello world", "11")


def test_w7_no_content_length_on_204(app):
    r = app.send_scgi("/raw/empty")
    assert r.status == 204 and r.header("Content-Length") is None and r.body == b""


def test_w8_write_then_iterable(app):
    r = app.send_scgi("/v/write")
    assert (r.status, r.body) == (200, b"one,two,three")


def test_w9_content_length_cuts_longer_output(app):
    r = app.send_scgi("/raw/cl-over")
    assert (r.header("Content-Length"), r.body) == ("5", b"01234")
    app.wait_log("more than its Content-Length 5")


def test_w9_length_from_len_is_enforced_too(app):
    r = app.send_scgi("/raw/lying-len")
    assert (r.header("Content-Length"), r.body) == ("5", b"first")


def test_w9_shorter_output_logged(app):
    r = app.send_scgi("/raw/cl-under")
    assert r.body == b"short"
    app.wait_log("sent 5 bytes of its Content-Length 100")


# ---------------------------------------------------------------- W10: wsgi.input
def _q(**params):
    from urllib.parse import urlencode
    return urlencode({k: str(v) for k, v in params.items()})


def _expected_pieces(how, n):
    return [p.decode("latin-1") for p in validate_app.read_input(io.BytesIO(BODY), how, n)]


INPUT_CASES = [("v", "read_n", 7), ("v", "read_n", 1000), ("v", "readline", 0),
               ("v", "readline_n", 4), ("v", "readlines", 0), ("v", "readlines_hint", 10),
               ("v", "iter", 0), ("raw", "read_all", 0), ("raw", "read_none", 0),
               ("raw", "read_neg", 0)]


@pytest.mark.parametrize("where, how, n", INPUT_CASES)
def test_w10_input_methods_direct(app, where, how, n):
    r = app.send_scgi(base_env("/%s/input?%s" % (where, _q(how=how, n=n)), method="POST",
                               body_len=len(BODY)), BODY)
    assert r.status == 200, r
    assert json.loads(r.body)["pieces"] == _expected_pieces(how, n)


@pytest.mark.parametrize("where, how, n", INPUT_CASES)
def test_w10_input_methods_routed_with_prefix(app, where, how, n):
    env = base_env("/%s/input?%s" % (where, _q(how=how, n=n)), method="POST",
                   body_len=len(BODY))
    r, done = app.dispatch(env, BODY, prefix_len=13, request_id=7)
    assert r.status == 200, r
    assert json.loads(r.body)["pieces"] == _expected_pieces(how, n)
    assert done == {"request_id": 7, "status": 200}


def test_w10_head_of_many_reads_then_body(app):
    """The direct path reads the head 4 KiB at a time (conn_direct.c), so
    the body goes straight from the socket into wsgi.input's result: a
    40 KiB head takes many reads, and the body after it arrives whole."""
    env = base_env("/raw/input?how=read_all", method="POST", body_len=len(BODY),
                   extra=[("HTTP_X_BIG", "b" * 40000)])
    r = app.send_scgi(env, BODY)
    assert r.status == 200, r
    assert json.loads(r.body)["pieces"] == _expected_pieces("read_all", 0)


def test_w10_input_stops_at_content_length(app):
    env = base_env("/raw/input?how=read_all", method="POST", body_len=5)
    with app.connect() as s:
        s.sendall(scgi_request(env, b"12345EXTRA-BYTES"))  # and keep the socket open (S5)
        r = Response(read_all(s))
    assert json.loads(r.body)["pieces"] == ["12345", ""]


def test_w10_early_eof_raises(app):
    env = base_env("/raw/input?how=read_all", method="POST", body_len=100)
    with app.connect() as s:
        s.sendall(scgi_request(env, b"only ten b"))
        s.shutdown(socket.SHUT_WR)
        r = Response(read_all(s))
    report = json.loads(r.body)
    assert report == {"error": "OSError",
                      "message": "client closed the connection before sending the whole body"}


def test_w10_100_continue_over_http(app):
    env = base_env("/raw/input?how=read_all", method="POST", body_len=len(BODY),
                   extra=[("HTTP_EXPECT", "100-continue")])
    with app.open_dispatch(env, b"", proto=PROTO_HTTP, request_id=9) as client:
        first = client.recv(100)
        assert first == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(BODY)
        r = Response(read_all(client))
    assert r.status == 200 and json.loads(r.body)["pieces"] == [BODY.decode(), ""]
    assert app.recv_done() == {"request_id": 9, "status": 200}


def test_w10_no_100_continue_over_scgi(app):
    env = base_env("/raw/input?how=read_all", method="POST", body_len=len(BODY),
                   extra=[("HTTP_EXPECT", "100-continue")])
    r = app.send_scgi(env, BODY)
    assert b"100 Continue" not in r.raw and r.status == 200


def test_s8_slow_body_times_out(make_worker):
    w = make_worker("validate_app.py", processes=1, args=["--timeout", "2"])
    env = base_env("/raw/input?how=read_all", method="POST", body_len=100)
    start = time.monotonic()
    with w.connect() as s:
        s.sendall(scgi_request(env, b"slow"))
        r = Response(read_all(s))
    assert json.loads(r.body)["error"] == "TimeoutError"
    assert 1.5 < time.monotonic() - start < 10


def test_s8_slow_head_closed(make_worker):
    w = make_worker("validate_app.py", processes=1, args=["--timeout", "2"])
    start = time.monotonic()
    with w.connect() as s:
        s.sendall(b"70:CONTENT_LENGTH\0")
        assert read_all(s) == b""
    assert 1.5 < time.monotonic() - start < 10
    w.wait_log("no complete SCGI head")


# ---------------------------------------------------------------- W11: wsgi.errors
def test_w11_errors_stream_takes_any_unicode(app):
    r = app.send_scgi("/v/errors")
    assert r.status == 200
    app.wait_log("stderr-marker")
    log = app.log()
    assert re.search(r"^\[t \d+\] errors-marker caf\xe9 \u2603 \U0001F600 lone:\\udc80$", log,
                     re.M), log
    assert re.search(r"^\[t \d+\] errors-lines-1$", log, re.M)
    assert re.search(r"^\[t \d+\] errors-lines-2$", log, re.M)
    assert re.search(r"^\[t \d+\] partial-line$", log, re.M)
    assert re.search(r"^\[t \d+\] stdout-marker \d+$", log, re.M)
    assert re.search(r"^\[t \d+\] stderr-marker$", log, re.M)


# ---------------------------------------------------------------- W12: file_wrapper
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    w = Worker(d / "worker", "filewrap_app.py", processes=2)
    data = os.urandom(1 << 20)
    (d / "one.bin").write_bytes(data)
    yield w, d, data
    w.stop()
    check_clean(w)


@pytest.mark.parametrize("params, part", [
    ({}, slice(None)),
    ({"offset": 1000}, slice(1000, None)),
    ({"readahead": 100}, slice(100, None)),  # tell(), not the raw fd's read-ahead position
    ({"cl": 5000}, slice(0, 5000)),
    ({"cl": 5000, "offset": 7}, slice(7, 5007)),
    ({"mode": "fallback"}, slice(None)),
    ({"mode": "fallback", "cl": 300}, slice(0, 300)),
])
def test_w12_file_wrapper(files, params, part):
    w, d, data = files
    r = w.send_scgi("/?" + _q(path=d / "one.bin", **params))
    assert r.status == 200
    assert r.body == data[part]
    if params.get("mode") == "fallback" and "cl" not in params:
        assert r.header("Content-Length") is None  # a plain iterable: length unknown
    else:
        assert r.header("Content-Length") == str(len(data[part]))


def test_w12_file_wrapper_close_calls_filelike_close(files, tmp_path):
    w, d, data = files
    marker = tmp_path / "closed"
    r, done = w.dispatch("/?" + _q(path=d / "one.bin", marker=marker), request_id=3)
    assert r.body == data and done == {"request_id": 3, "status": 200}
    assert wait_file(marker) == "closed\n"


def test_w12_file_wrapper_head(files):
    w, d, data = files
    r = w.send_scgi(base_env("/?" + _q(path=d / "one.bin"), method="HEAD"))
    assert r.status == 200 and r.body == b"" and r.header("Content-Length") == str(len(data))


def test_download_50mib_file_wrapper(files):
    w, d, _ = files
    data = os.urandom(50 << 20)
    (d / "big.bin").write_bytes(data)
    r = w.send_scgi("/?" + _q(path=d / "big.bin"), timeout=120)
    assert len(r.body) == len(data) and sha256(r.body) == sha256(data)
    r, done = w.dispatch("/?" + _q(path=d / "big.bin"), proto=PROTO_HTTP, timeout=120)
    assert r.status == 200 and sha256(r.body) == sha256(data)
    assert done["status"] == 200


# ---------------------------------------------------------------- W13: errors
def test_w13_exception_gives_500_and_traceback(app):
    r = app.send_scgi("/raw/raise")
    assert (r.status, r.body) == (500, CANNED_500)
    app.wait_log("raise-before-marker")
    log = app.log()
    assert re.search(r"^\[t \d+\] Traceback \(most recent call last\):$", log, re.M)
    assert re.search(r"^\[t \d+\] RuntimeError: raise-before-marker$", log, re.M)


def test_w13_exception_after_head_cuts_the_response(make_worker):
    w = make_worker("body_raise_app.py", processes=1)
    r, done = w.dispatch("/?after", proto=PROTO_HTTP, request_id=11)
    assert r.status == 200 and r.body == b"first chunk\n"
    assert done == {"request_id": 11, "status": 200}
    w.wait_log("body-raise-marker")


@pytest.mark.parametrize("view", ["non-bytes", "no-start"])
def test_w13_broken_results_give_500(app, view):
    r = app.send_scgi("/raw/" + view)
    assert (r.status, r.body) == (500, CANNED_500)


# ---------------------------------------------------------------- requests refused
def test_c9_head_drops_body(app):
    r = app.send_scgi(base_env("/raw/len1", method="HEAD"))
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"", "11")
    r, _ = app.dispatch(base_env("/raw/len1", method="HEAD"), proto=PROTO_HTTP)
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"", "11")


def test_b5_413_over_max_body(make_worker):
    w = make_worker("upload_app.py", processes=1, args=["--max-body", "1000"])
    r = w.send_scgi(base_env("/", method="POST", body_len=1001), b"x" * 1001)
    assert (r.status, r.body) == (413, b"413 Content Too Large\n")
    r = w.send_scgi(base_env("/", method="POST", body_len=1000), b"x" * 1000)
    assert r.status == 200 and json.loads(r.body)["length"] == 1000


@pytest.mark.parametrize("uri", ["/v/env/a%2Fb", "/v/env/a%00b", "/v/env/%zz", "v/env"])
def test_f1_400_on_bad_paths(app, uri):
    r = app.send_scgi(uri)
    assert (r.status, r.body) == (400, b"400 Bad Request\n")


def test_400_without_request_uri_or_with_bad_length(app):
    env = [(n, v) for n, v in base_env("/v/env") if n != "REQUEST_URI"]
    r, done = app.dispatch(env, request_id=5)
    assert r.status == 400 and done == {"request_id": 5, "status": 400}
    r, done = app.dispatch(base_env("/v/env", extra=[("CONTENT_LENGTH", "12x")]), request_id=6)
    assert r.status == 400 and done == {"request_id": 6, "status": 400}


@pytest.mark.parametrize("raw", [
    b"abc:xyz,", b"01:a,", b"5:CONTENT_LENGTH\0", b"99999999999999999999:",
    scgi_request([("SCGI", "1"), ("CONTENT_LENGTH", "0")]),  # CONTENT_LENGTH not first (S2)
    b"24:CONTENT_LENGTH\x000\x00SCGI\x001\x00;",  # no ','
])
def test_s1_malformed_scgi_closed_without_response(app, raw):
    with app.connect() as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        assert read_all(s) == b""
    assert app.send_scgi("/raw/len1").status == 200


def test_s4_head_over_64k_closed(app):
    with app.connect() as s:
        s.sendall(b"70000:CONTENT_LENGTH\0000\0")
        assert read_all(s) == b""


# ---------------------------------------------------------------- the routed path
def test_routed_http_head(app):
    r, done = app.dispatch("/raw/len1", proto=PROTO_HTTP, request_id=123)
    assert r.status_line == "HTTP/1.1 200 OK"
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",
                        r.header("Date"))
    assert r.header("Connection") == "close" and r.header("Server") == "sandgate"
    assert done == {"request_id": 123, "status": 200}
    r = app.send_scgi("/raw/len1")
    assert r.raw.startswith(b"Status: 200 OK\r\n")  # S6, F2
    assert r.header("Date") is None and r.header("Connection") is None


def test_routed_bad_messages_dropped(app):
    block = b"REQUEST_METHOD\0GET\0REQUEST_URI\0/\0"
    cases = [
        DISPATCH.pack(0xdeadbeef, PROTO_SCGI, 1, len(block), 0, 0),       # magic
        DISPATCH.pack(DISPATCH_MAGIC, 9, 1, len(block), 0, 0),             # protocol
        DISPATCH.pack(DISPATCH_MAGIC, PROTO_SCGI, 1, len(block) + 1, 0, 0),  # lengths
    ]
    for head in cases:
        with app.open_dispatch([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/")],
                               header=head) as client:
            assert read_all(client, 10) == b""  # its descriptor was closed
    a, b = socket.socketpair()
    with a, b:  # two descriptors: both closed, nothing served
        with app.open_dispatch("/raw/len1", fds=[a.fileno(), b.fileno()]) as client:
            assert read_all(client, 10) == b""
    app.wait_log("dropped a dispatch message: not exactly one descriptor")
    r, done = app.dispatch("/raw/len1", request_id=99)
    assert r.status == 200 and done == {"request_id": 99, "status": 200}


def test_access_log_combined_format(app):
    app.send_scgi(base_env("/raw/len1?x=\"y\"", extra=[("HTTP_REFERER", "http://r.test/"),
                                                      ("HTTP_USER_AGENT", "agent \"007\"")]))
    pattern = (r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
               r'"GET /raw/len1\?x=\\x22y\\x22 HTTP/1\.1" 200 11 "http://r\.test/" '
               r'"agent \\x22007\\x22"$')
    deadline = time.monotonic() + 5
    while not re.search(pattern, app.access_log(), re.M) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert re.search(pattern, app.access_log(), re.M), app.access_log()


def test_scoreboard_after_requests(app):
    before = sum(s["requests"] for s in app.slots())
    for _ in range(4):
        assert app.send_scgi("/raw/len1").status == 200
    slots = app.wait_all_idle()
    assert sum(s["requests"] for s in slots) >= before + 4
    assert all(s["started_ms"] == 0 and s["request_id"] == 0 for s in slots)


# ---------------------------------------------------------------- the zygote
def test_max_requests_recycles(make_worker):
    w = make_worker("validate_app.py", processes=1, args=["--max-requests", "3"])
    pids = [int(w.send_scgi("/raw/pid").body) for _ in range(4)]
    assert pids[0] == pids[1] == pids[2] != pids[3]
    msg = w.recv_ctl(types=(CTL_WORKER_EXIT,))
    assert (msg["slot"], msg["pid"], msg["status"]) == (0, pids[0], 0)
    # the slot's total (`sandgate status`'s requests) outlives the worker
    slot = w.wait_slots(lambda ss: ss[0]["served"] == 4 and ss[0]["state"] == SLOT_IDLE)[0]
    assert slot["requests"] == 1


EPOLLEXCLUSIVE = 1 << 28


def _waits_on(pid):
    """{descriptor: epoll events} of the one epoll set of process pid,
    from /proc/PID/fdinfo."""
    sets = [fd for fd in os.listdir("/proc/%d/fd" % pid)
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[eventpoll]"]
    assert len(sets) == 1, sets
    with open("/proc/%d/fdinfo/%s" % (pid, sets[0])) as fh:
        return {int(m.group(1)): int(m.group(2), 16)
                for m in re.finditer(r"^tfd:\s+(\d+)\s+events:\s+([0-9a-f]+)", fh.read(), re.M)}


def test_one_worker_races_the_others(make_worker):
    """The worker of slot 0 waits without EPOLLEXCLUSIVE, so each event
    wakes it and at most one other idle worker (worker.c, wait_setup)."""
    w = make_worker("validate_app.py", processes=3)
    slots = w.wait_all_idle()
    waits = [_waits_on(s["pid"]) for s in slots]
    assert all(sorted(ws) == [FD_DISPATCH, FD_LISTEN] for ws in waits), waits
    assert [[bool(ev & EPOLLEXCLUSIVE) for ev in ws.values()] for ws in waits] == \
        [[False, False], [True, True], [True, True]], waits
    # a recycled worker of slot 0 races again
    w2 = make_worker("validate_app.py", processes=1, args=["--max-requests", "1"])
    first = int(w2.send_scgi("/raw/pid").body)
    w2.recv_ctl(types=(CTL_WORKER_EXIT,))
    slot = w2.wait_slots(lambda ss: ss[0]["pid"] not in (0, first) and ss[0]["state"] == SLOT_IDLE)[0]
    assert not any(ev & EPOLLEXCLUSIVE for ev in _waits_on(slot["pid"]).values())


def test_timeout_504_and_python_stack(make_worker):
    w = make_worker("slow_app.py", processes=1, args=["--timeout", "3"])
    result = {}
    t = threading.Thread(target=lambda: result.update(r=w.send_scgi("/?seconds=60")))
    t.start()
    # The slot turns busy at accept and names the request once its head is read.
    slot = w.wait_slots(lambda ss: ss[0]["state"] == SLOT_BUSY and ss[0]["request"])[0]
    assert slot["request"] == "GET /?seconds=60"
    w.wait_log("slow_app: sleeping 60 s")  # so the stack dump has the app's frames
    w.send_ctl(CTL_TIMEOUT, 0, slot["pid"])
    t.join(20)
    assert (result["r"].status, result["r"].body) == (504, b"504 Gateway Timeout\n")
    msg = w.recv_ctl(types=(CTL_WORKER_EXIT,))
    assert msg["pid"] == slot["pid"] and os.WIFSIGNALED(msg["status"])
    assert os.WTERMSIG(msg["status"]) == signal.SIGABRT
    assert msg["response_started"] == 1
    w.wait_log("in sleep_in_slow_app")
    log = w.log()
    assert re.search(r"^\[t \d+\] request timed out after 3 s: GET /\?seconds=60; "
                     r"Python stack follows:$", log, re.M), log
    assert "slow_app.py" in log
    w.wait_all_idle()  # respawned


def test_timeout_after_partial_response_just_cuts(make_worker):
    w = make_worker("slow_app.py", processes=1)
    client = w.open_dispatch(base_env("/?partial&seconds=60"), proto=PROTO_HTTP, request_id=21)
    slot = w.wait_slots(lambda ss: ss[0]["response_started"] == 1)[0]
    w.send_ctl(CTL_TIMEOUT, 0, slot["pid"])
    with client:
        r = Response(read_all(client))
    assert r.status == 200 and r.body == b"partial;"
    msg = w.recv_ctl(types=(CTL_WORKER_EXIT,))
    assert (msg["request_id"], msg["response_started"]) == (21, 1)


def test_timeout_for_a_stale_pid_ignored(make_worker):
    w = make_worker("slow_app.py", processes=1)
    pid = w.wait_all_idle()[0]["pid"]
    w.send_ctl(CTL_TIMEOUT, 0, pid + 100000)
    w.send_ctl(CTL_TIMEOUT, 5, pid)
    w.send_ctl(CTL_TIMEOUT, 0, pid)  # idle: nothing to time out
    time.sleep(2.5)
    assert w.slot(0)["pid"] == pid


def test_sigkill_reports_worker_exit(make_worker):
    w = make_worker("slow_app.py", processes=1)
    client = w.open_dispatch(base_env("/?seconds=60"), request_id=77)
    slot = w.wait_slots(lambda ss: ss[0]["state"] == SLOT_BUSY)[0]
    assert slot["request_id"] == 77
    os.kill(slot["pid"], signal.SIGKILL)
    msg = w.recv_ctl(types=(CTL_WORKER_EXIT,))
    assert (msg["slot"], msg["pid"], msg["request_id"], msg["response_started"]) == \
        (0, slot["pid"], 77, 0)
    assert os.WIFSIGNALED(msg["status"]) and os.WTERMSIG(msg["status"]) == signal.SIGKILL
    with client:
        assert read_all(client) == b""
    new = w.wait_all_idle()[0]
    assert new["pid"] != slot["pid"] and new["requests"] == 0


def test_drain_lets_requests_finish(make_worker):
    w = make_worker("slow_app.py", processes=2)
    result = {}
    t = threading.Thread(target=lambda: result.update(r=w.send_scgi("/?seconds=1")))
    t.start()
    w.wait_slots(lambda ss: any(s["state"] == SLOT_BUSY for s in ss))
    w.send_ctl(CTL_DRAIN)
    t.join(20)
    assert result["r"].body == b"done"
    assert w.wait_exit() == 0
    exits = [w.recv_ctl(types=(CTL_WORKER_EXIT,)) for _ in range(2)]
    assert all(os.WIFEXITED(m["status"]) and os.WEXITSTATUS(m["status"]) == 0 for m in exits)


def test_sigterm_drains(make_worker):
    w = make_worker("validate_app.py", processes=2)
    os.kill(w.pid, signal.SIGTERM)
    assert w.wait_exit() == 0


def test_gateway_gone_kills_workers(make_worker):
    w = make_worker("slow_app.py", processes=2)
    pids = [s["pid"] for s in w.wait_all_idle()]
    w.ctl.close()
    w.ctl = None
    assert w.wait_exit() == 1
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_do_not_hold_the_zygotes_descriptors(app):
    links = set(env_of(app)["_fd_links"].values())
    zygote = {fd: os.readlink("/proc/%d/fd/%d" % (app.pid, fd)) for fd in (3, 4, 5, 6, 7)}
    assert zygote[3] not in links and zygote[5] not in links  # control socket, scoreboard
    assert {zygote[4], zygote[6], zygote[7]} <= links  # dispatch, listener, access log


def test_app_closing_the_listening_socket_replaces_the_worker(make_worker, tmp_path):
    """A worker waits on fd 6 through its own epoll set, which goes on
    watching the socket after the app closes fd 6 (the zygote still holds
    it): the next connection must make the worker leave (exit 3) for a new
    one, not spin on accept4 failing with EBADF."""
    app_file = tmp_path / "close6_app.py"
    app_file.write_text("import os\n"
                        "def application(environ, start_response):\n"
                        "    if environ['REQUEST_URI'] == '/close':\n"
                        "        os.close(6)\n"
                        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                        "    return [str(os.getpid()).encode()]\n")
    w = make_worker(str(app_file), processes=1)
    first = w.send_scgi("/close")
    assert first.status == 200, first
    second = w.send_scgi("/", timeout=10)
    assert second.status == 200 and second.body != first.body, (first, second)
    msg = w.recv_ctl(types=(CTL_WORKER_EXIT,))
    assert os.WIFEXITED(msg["status"]) and os.WEXITSTATUS(msg["status"]) == 3
    assert "descriptor 6 is not the listening socket" in w.log()


def test_workers_dying_at_once_are_respawned_with_backoff(make_worker, tmp_path):
    app_file = tmp_path / "dying_app.py"
    app_file.write_text("import os\n"
                        "os.register_at_fork(after_in_child=lambda: os._exit(3))\n"
                        "def application(environ, start_response):\n"
                        "    return []\n")
    w = make_worker(str(app_file), processes=1)
    deaths = []
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        try:
            deaths.append(w.recv_ctl(max(0.01, deadline - time.monotonic()),
                                     types=(CTL_WORKER_EXIT,)))
        except TimeoutError:
            break
    assert 3 <= len(deaths) <= 10, deaths
    assert all(os.WEXITSTATUS(m["status"]) == 3 for m in deaths)
    assert "workers keep dying at once" in w.log()


def test_import_failure(make_worker):
    w = make_worker("import_fail_app.py", processes=1, wait=False)
    assert w.wait_ready()["type"] == CTL_IMPORT_FAILED
    assert w.wait_exit() == 2
    log = w.log()
    assert re.search(r"^\[t \d+\] Traceback \(most recent call last\):$", log, re.M), log
    assert "in load_settings" in log and "import-failure-marker" in log


@pytest.mark.parametrize("spec, why", [
    ("validate_app.py:nope", "AttributeError"),
    ("validate_app.py:VALIDATED", "not callable"),
    ("no_such_file.py", "app file"),
    ("no_such_module_sandgate", "ModuleNotFoundError"),
])
def test_bad_app_specs(make_worker, spec, why):
    w = make_worker(spec, processes=1, wait=False, args=["--chdir", str(APPS)])
    assert w.wait_ready()["type"] == CTL_IMPORT_FAILED
    assert w.wait_exit() == 2
    assert why in w.log()


def test_module_spec_with_pythonpath(make_worker):
    w = make_worker("validate_app:application", processes=1, args=["--pythonpath", str(APPS)])
    assert w.send_scgi("/raw/len1").body == b"hello world"


def test_venv_site_packages_on_sys_path(make_worker, tmp_path):
    site = tmp_path / "venv/lib/python3.11/site-packages"
    site.mkdir(parents=True)
    (site / "worker_venv_mod.py").write_text("GREETING = b'from the venv'\n")
    app_file = tmp_path / "venv_app.py"
    app_file.write_text(
        "import sys, worker_venv_mod\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [worker_venv_mod.GREETING + b' ' + sys.path[0].encode()]\n")
    w = make_worker(str(app_file), processes=1, args=["--venv", str(tmp_path / "venv")])
    assert w.send_scgi("/").body == b"from the venv " + str(tmp_path).encode()


def test_app_file_through_a_symlink(make_worker, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "target_without_suffix").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [__name__.encode()]\n")
    (tmp_path / "linked_app.py").symlink_to(real / "target_without_suffix")
    w = make_worker(str(tmp_path / "linked_app.py"), processes=1)
    assert w.send_scgi("/").body == b"linked_app"


def test_venv_without_site_packages_fails(make_worker, tmp_path):
    w = make_worker("validate_app.py", processes=1, wait=False,
                    args=["--venv", str(tmp_path / "empty-venv")])
    assert w.wait_ready()["type"] == CTL_IMPORT_FAILED
    assert "has no lib/python3.*/site-packages" in w.log()


def test_upload_10mib_checksum(make_worker):
    w = make_worker("upload_app.py", processes=2)
    data = os.urandom(10 << 20)
    want = {"sha256": sha256(data), "length": len(data)}
    r = w.send_scgi(base_env("/", method="POST", body_len=len(data)), data, timeout=120)
    assert json.loads(r.body) == want
    r, done = w.dispatch(base_env("/?all", method="POST", body_len=len(data)), data,
                         request_id=10, timeout=120)
    assert json.loads(r.body) == want and done == {"request_id": 10, "status": 200}


# ---------------------------------------------------------------- command line
def test_help():
    out = subprocess.run([str(WORKER), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("usage: sandgate-worker")


@pytest.mark.parametrize("args, why", [
    ([], "--name is required"),
    (["--name", "x", "--app", "a.py", "--processes", "0"], "--processes"),
    (["--name", "x", "--app", "a.py", "--processes", "257"], "--processes"),
    (["--name", "x y", "--app", "a.py", "--processes", "1"], "--name"),
    (["--name", "x", "--app", "a.py", "--processes", "1", "--prefix", "/app/"], "--prefix"),
    (["--name", "x", "--app", "a.py", "--processes", "1", "--timeout", "-1"], "--timeout"),
    (["--name", "x", "--app", "a.py", "--processes", "1", "--max-body", "1k"], "--max-body"),
    (["--name", "x", "--app", "a.py", "--processes", "1", "--bogus"], "bad option"),
])
def test_bad_arguments(args, why):
    out = subprocess.run([str(WORKER)] + args, capture_output=True, text=True, timeout=10)
    assert out.returncode == 2 and why in out.stderr, out.stderr


def test_scoreboard_too_small_refused(make_worker):
    w = make_worker("validate_app.py", processes=2, nslots=1, wait=False)
    assert w.wait_ready()["type"] == CTL_IMPORT_FAILED
    assert "scoreboard" in w.log()
