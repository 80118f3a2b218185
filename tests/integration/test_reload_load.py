"""Reload under load (issue 5, "Reload without dropped requests"): several
client threads keep requests flowing through a real nginx to the app, on
the direct path (the app's own SCGI socket) and on the routed path (a
routed SCGI listener), while the app is reloaded 20 times with SIGHUP.
Every response must be a 200 with the app's body; a connection error, a
timeout or any other status counts as a failure, and the count must be 0.

No timing assertion: each reload is waited for (the gateway logs the new
zygote ready and the old one drained) before the next one."""
import http.client
import re
import signal
import threading

import pytest

from conftest import (free_port, http_request, nginx_scgi_location, scgi_request,
                      wait_until, web_server_group_args)

PREFIX = "/app"
RELOADS = 20
CLIENTS = 6
BODY = b"Hello from sandgate\n"
READY_RE = re.compile(r"app \S+ ready \(zygote pid (\d+)\)")


class Load:
    """CLIENTS threads, each sending requests one after another until stop()."""

    def __init__(self, url):
        self.url = url
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(CLIENTS)]

    def run(self):
        while not self.stopping.is_set():
            try:
                resp = http_request(self.url, PREFIX + "/", timeout=30)
                bad = None if resp.status == 200 and resp.body == BODY else \
                    (resp.status, resp.body[:200])
            except (OSError, http.client.HTTPException) as e:   # counts as a failure
                bad = repr(e)
            with self.lock:
                self.sent += 1
                if bad is not None:
                    self.failures.append(bad)

    def start(self):
        for t in self.threads:
            t.start()

    def count(self):
        with self.lock:
            return self.sent

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        return not any(t.is_alive() for t in self.threads)


def zygotes_ready(sg):
    return READY_RE.findall(sg.stderr_text())


def reload_and_wait(sg, load, n_ready):
    """SIGHUP, then wait until the new zygote is ready and the old one gone
    (its drain logged), with some requests served in between."""
    before = load.count()
    sg.signal(signal.SIGHUP)
    assert wait_until(lambda: len(zygotes_ready(sg)) > n_ready, 60), sg.stderr_text()[-3000:]
    assert wait_until(lambda: sg.stderr_text().count("all workers gone; exiting") >= n_ready,
                      60), sg.stderr_text()[-3000:]
    assert wait_until(lambda: load.count() >= before + 2 * CLIENTS, 60), "no progress"


@pytest.mark.parametrize("request_path", ["direct", "routed"])
def test_twenty_reloads_under_load_drop_nothing(sandgate, nginx, workdir, apps, request_path):
    direct = "unix:%s/app.sock" % workdir
    routed = "127.0.0.1:%d" % free_port()
    sg = sandgate("--scgi", direct, "--scgi", routed, "--prefix", PREFIX, "--processes", "2",
                  *web_server_group_args(direct), apps / "hello.py")
    ng = nginx(nginx_scgi_location(PREFIX + "/", direct if request_path == "direct" else routed))
    assert ng.get(PREFIX + "/").body == BODY

    load = Load(ng.url)
    load.start()
    try:
        assert wait_until(lambda: load.count() >= 50, 60)
        for i in range(RELOADS):
            reload_and_wait(sg, load, i + 1)
        pids = zygotes_ready(sg)
        assert len(set(pids)) == RELOADS + 1, pids
    finally:
        stopped = load.stop()
    print("\n%s path: %d requests, %d failed, %d reloads"
          % (request_path, load.sent, len(load.failures), RELOADS))
    assert stopped, "client threads still running"
    assert load.failures == [], (len(load.failures), load.failures[:10],
                                 sg.stderr_text()[-4000:], ng.error_log()[-2000:])


def test_reload_that_fails_half_way_changes_nothing(sandgate, workdir, apps):
    """A new configuration whose second app cannot be opened (its log file's
    directory does not exist): the reload is refused, and the first app,
    whose socket and log pipe the new configuration had already taken
    over, keeps them and keeps answering on both paths."""
    direct = workdir / "one.sock"
    port = free_port()
    conf = workdir / "sandgate.conf"
    template = ('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                'apps = (\n'
                '  { name = "one"; module = "%s"; socket = "unix:%s"; route = { prefix = "/one"; }; },\n'
                '  { name = "two"; module = "%s"; route = { prefix = "/two"; }; %s }\n'
                ');\n')
    conf.write_text(template % (port, apps / "hello.py", direct, apps / "hello.py", ""))
    conf.chmod(0o644)
    url = "http://127.0.0.1:%d" % port
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port], ready_path="/one/")
    conf.write_text(template % (port, apps / "hello.py", direct, apps / "hello.py",
                                'log = "%s/missing/two.log";' % workdir))
    for i in range(1, 4):    # refused, and again on top of the refused one
        sg.signal(signal.SIGHUP)
        assert wait_until(lambda: sg.stderr_text().count(
            "still serving the previous configuration") == i), sg.stderr_text()[-3000:]
    for path in ("/one/", "/two/"):
        assert http_request(url, path).body == BODY
    assert scgi_request("unix:%s" % direct, "/one/").body == BODY
    assert sg.stderr_text().count("cell starting") == 2
