"""Reload on touch (issue 5): when an app's entry file is touched, written or
replaced, the gateway starts a new cell for it as SIGHUP would (one reload
per burst of changes), requests keep succeeding throughout, and an app
marked failed after a crash loop is tried again.

No timing assertion: the new zygote is waited for in the gateway's log."""
import os
import re
import threading

from conftest import free_port, http_request, scgi_request, wait_until

READY_RE = re.compile(r"app \S+ ready \(zygote pid (\d+)\)")
CHANGED = "its file changed; starting a new cell"
FIXED_APP = ("def application(environ, start_response):\n"
             "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
             "    return [b'fixed\\n']\n")


def ready_pids(sg):
    return READY_RE.findall(sg.stderr_text())


class Requests(threading.Thread):
    """Requests one after another until stopped; every answer must be a 200
    with one of the accepted bodies."""

    def __init__(self, url, bodies):
        super().__init__(daemon=True)
        self.url, self.bodies = url, bodies
        self.stopping = threading.Event()
        self.done = 0
        self.failures = []

    def run(self):
        while not self.stopping.is_set():
            try:
                resp = http_request(self.url, "/", timeout=30)
                if resp.status != 200 or resp.body not in self.bodies:
                    self.failures.append((resp.status, resp.body[:200]))
            except Exception as e:    # any failure counts
                self.failures.append(repr(e))
            self.done += 1

    def stop(self):
        self.stopping.set()
        self.join(60)


def test_touching_the_entry_file_reloads_the_app(sandgate, workdir, apps):
    app = apps / "reload_app.py"
    http = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", http, app)
    assert wait_until(lambda: len(ready_pids(sg)) == 1)
    load = Requests("http://" + http, (b"version 1\n", b"version 2\n"))
    load.start()
    try:
        # A burst: touched five times, then rewritten in place: one reload.
        for _ in range(5):
            os.utime(app)
        app.write_text(app.read_text().replace('"version 1"', '"version 2"'))
        assert wait_until(lambda: len(ready_pids(sg)) == 2, 60), sg.stderr_text()[-3000:]
        assert wait_until(lambda: http_request("http://" + http, "/").body == b"version 2\n")
        # Replaced by a rename, as editors and deploy tools do: one more.
        tmp = apps / ".reload_app.py.tmp"
        tmp.write_text(app.read_text())
        tmp.chmod(0o644)
        os.rename(tmp, app)
        assert wait_until(lambda: len(ready_pids(sg)) == 3, 60), sg.stderr_text()[-3000:]
        seen = load.done
        assert wait_until(lambda: load.done >= seen + 20, 60)
    finally:
        load.stop()
    pids = ready_pids(sg)
    assert len(set(pids)) == 3, pids
    assert sg.stderr_text().count(CHANGED) == 2, sg.stderr_text()[-3000:]
    print("\ntouch reloads: %d requests, %d failed" % (load.done, len(load.failures)))
    assert load.done > 0 and load.failures == [], load.failures[:10]


def test_other_files_in_the_directory_do_not_reload(sandgate, workdir, apps):
    http = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", http, apps / "hello.py")
    assert wait_until(lambda: len(ready_pids(sg)) == 1)
    (apps / "hello.py.bak").write_text("x\n")
    os.utime(apps / "reload_app.py")
    # Past the debounce delay (0.3 s), so that a reload they caused would
    # be one of its own; then the app's own file: the only reload.
    wait_until(lambda: False, timeout=2)
    os.utime(apps / "hello.py")
    assert wait_until(lambda: len(ready_pids(sg)) == 2, 60), sg.stderr_text()[-3000:]
    assert sg.stderr_text().count(CHANGED) == 1
    assert http_request("http://" + http, "/").status == 200


def test_touching_a_failed_app_tries_it_again(sandgate, workdir):
    app = workdir / "broken_app.py"
    app.write_text("raise RuntimeError('broken_app: not yet')\n")
    app.chmod(0o644)
    http = "127.0.0.1:%d" % free_port()
    direct = "unix:%s/broken.sock" % workdir
    sg = sandgate("--scgi", direct, "--http", http, "--max-start-failures", "1", app,
                  ready=False)
    assert sg.wait_for_log("app broken_app: failed: 1 failed start in a row"), \
        sg.stderr_text()[-3000:]
    assert http_request("http://" + http, "/").status == 503
    assert scgi_request(direct, "/").status == 503       # the direct path too
    assert sg.wait_for_log("app broken_app: 503 on its socket: the app failed to start 1 "
                           "time in a row (last error: the app failed to import")
    app.write_text(FIXED_APP)
    assert wait_until(lambda: http_request("http://" + http, "/").status == 200, 60), \
        sg.stderr_text()[-3000:]
    assert http_request("http://" + http, "/").body == b"fixed\n"
