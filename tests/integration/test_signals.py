"""Signals: SIGTERM/SIGINT drain in-flight requests and exit 0; SIGHUP
re-reads the configuration file and replaces cells without failing a
request (DESIGN.md section 1, docs/architecture.md "Supervision")."""
import signal
import threading

import pytest

from conftest import (STOP_TIMEOUT, connect, free_port, parse_cgi_response,
                      parse_http_response, http_request, recv_all, scgi_env, scgi_head,
                      wait_until)


def stream_request(where):
    """The bytes that ask sleepy_app for /stream?s=3 over where's protocol."""
    if where == "http":
        return b"GET /stream?s=3 HTTP/1.1\r\nHost: localhost\r\n\r\n"
    return scgi_head(scgi_env("/stream", query="s=3"))


@pytest.mark.parametrize("where", ["http", "routed", "direct"])
def test_sigterm_lets_in_flight_request_finish(sandgate, workdir, apps, where):
    """SIGTERM while a request is in flight: the request still completes with
    200 and its whole body, then sandgate exits 0."""
    addrs = {
        "direct": "unix:%s/app.sock" % workdir,
        "routed": "127.0.0.1:%d" % free_port(),
        "http": "127.0.0.1:%d" % free_port(),
    }
    sg = sandgate("--scgi", addrs["direct"], "--scgi", addrs["routed"],
                  "--http", addrs["http"], apps / "sleepy_app.py")
    with connect(addrs[where]) as s:
        s.sendall(stream_request(where))
        received = b""
        while b"started\n" not in received:          # the app is now sleeping
            chunk = s.recv(65536)
            assert chunk, received
            received += chunk
        sg.signal(signal.SIGTERM)
        received += recv_all(s)
    parse = parse_http_response if where == "http" else parse_cgi_response
    resp = parse(received)
    assert resp.status == 200
    assert resp.body.endswith(b"started\ndone\n"), received
    assert sg.proc.wait(STOP_TIMEOUT) == 0


def test_sigint_stops_cleanly(sandgate, apps):
    """SIGINT is handled like SIGTERM: exit status 0."""
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), apps / "hello.py")
    sg.signal(signal.SIGINT)
    assert sg.proc.wait(STOP_TIMEOUT) == 0


def write_reload_config(workdir, apps, port):
    conf = workdir / "sandgate.conf"
    conf.write_text(
        'log_level = "info";\n'
        'listeners = ( { http = "127.0.0.1:%d"; } );\n'
        'apps = (\n'
        '  { name = "reload"; module = "%s"; processes = 2; }\n'
        ');\n' % (port, apps / "reload_app.py"))
    conf.chmod(0o644)
    return conf


class ClientLoop(threading.Thread):
    """Sequential requests until at least `minimum` were made and the new
    body was seen `settle` times, or `maximum` requests (bounded)."""

    def __init__(self, url, new_body, minimum=200, settle=20, maximum=3000):
        super().__init__(daemon=True)
        self.url, self.new_body = url, new_body
        self.minimum, self.settle, self.maximum = minimum, settle, maximum
        self.done = 0
        self.failures = []
        self.new_seen = 0

    def run(self):
        while self.done < self.maximum:
            try:
                resp = http_request(self.url, "/", timeout=30)
                if resp.status != 200:
                    self.failures.append((self.done, resp.status, resp.body[:200]))
                elif resp.body == self.new_body:
                    self.new_seen += 1
            except Exception as e:    # any failure counts
                self.failures.append((self.done, repr(e)))
            self.done += 1
            if self.done >= self.minimum and self.new_seen >= self.settle:
                break


def test_sighup_reload_switches_body_without_failures(sandgate, workdir, apps):
    """SIGHUP with -c FILE after editing the app: responses switch to the new
    body, and a client loop running across the reload sees 0 failures (the
    new zygote is ready before the old one drains)."""
    port = free_port()
    conf = write_reload_config(workdir, apps, port)
    url = "http://127.0.0.1:%d" % port
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port])
    assert sg.get("/").body == b"version 1\n"

    new_body = b"version 2 (reloaded)\n"
    loop = ClientLoop(url, new_body)
    loop.start()
    assert wait_until(lambda: loop.done >= 20 or not loop.is_alive(), 60)
    app = apps / "reload_app.py"
    app.write_text(app.read_text().replace('"version 1"', '"version 2 (reloaded)"'))
    sg.signal(signal.SIGHUP)
    loop.join(300)
    assert not loop.is_alive(), "client loop still running after 300 s"
    assert loop.failures == [], loop.failures[:10]
    assert loop.new_seen >= loop.settle, (loop.done, loop.new_seen, sg.stderr_text()[-3000:])
    assert sg.get("/").body == new_body
    assert sg.proc.poll() is None
