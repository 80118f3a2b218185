"""Crash loops (issue 5, "Lifecycle"): an app that dies at start is retried
with an exponential backoff and, after max_start_failures failed starts in
a row, marked failed: no more retries until a reload, and its requests get
503 with a log line naming the app and the last error. Meanwhile another
user's app in the same gateway keeps answering: a crash loop neither spins
nor starves anyone else.

No timing assertion: start attempts are counted in the gateway's log."""
import json
import pwd
import signal
import threading
from pathlib import Path

from conftest import free_port, http_request, needs_root, wait_until

MAX_FAILURES = 3


def write_config(workdir, apps, port, broken_user):
    conf = workdir / "sandgate.conf"
    conf.write_text(
        'listeners = ( { http = "127.0.0.1:%d"; } );\n'
        'apps = (\n'
        '  { name = "broken"; module = "%s"; %s max_start_failures = %d;\n'
        '    route = { prefix = "/broken"; }; },\n'
        '  { name = "bob"; module = "%s"; %s route = { prefix = "/bob"; }; }\n'
        ');\n' % (port, apps / "import_fail_app.py",
                  'user = "%s";' % broken_user if broken_user else "", MAX_FAILURES,
                  apps / "uid_app.py", 'user = "sg-bob";' if broken_user else ""))
    conf.chmod(0o644)
    return conf


def start_attempts(sg):
    return sg.stderr_text().count("app broken: cell starting")


class BobLoop(threading.Thread):
    """Requests to the other app, one after another, until stopped."""

    def __init__(self, url, uid):
        super().__init__(daemon=True)
        self.url, self.uid = url, uid
        self.stopping = threading.Event()
        self.done = 0
        self.failures = []

    def run(self):
        while not self.stopping.is_set():
            try:
                resp = http_request(self.url, "/bob/", timeout=30)
                if resp.status != 200 or (self.uid is not None
                                          and json.loads(resp.body)["uid"] != self.uid):
                    self.failures.append((resp.status, resp.body[:200]))
            except Exception as e:    # any failure counts
                self.failures.append(repr(e))
            self.done += 1


def user_app_log(user, app):
    if not user:
        return ""
    path = Path(pwd.getpwnam(user).pw_dir) / ".local/state/sandgate" / (app + ".log")
    return path.read_text(errors="replace") if path.exists() else ""


def run_crash_loop(sandgate, workdir, apps, broken_user, bob_uid):
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    conf = write_config(workdir, apps, port, broken_user)
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port], ready_path="/bob/")
    bob = BobLoop(url, bob_uid)
    bob.start()
    try:
        assert sg.wait_for_log("app broken: failed: %d failed starts in a row" % MAX_FAILURES,
                               timeout=120), sg.stderr_text()[-4000:]
        log = sg.stderr_text()
        assert "last error: the app failed to import" in log
        # The traceback, in the app log: the gateway's, or the user's file
        # when the user has a home (README "Logs").
        assert "import-failure-marker" in log + user_app_log(broken_user, "broken")
        assert log.count("app broken: restarting its cell in") == MAX_FAILURES - 1
        # Failed: no more attempts. Wait out what the next backoff would
        # have been (4 s), with requests coming in all along.
        attempts = start_attempts(sg)
        assert attempts == MAX_FAILURES
        seen = bob.done
        assert wait_until(lambda: bob.done >= seen + 20, 60)
        resp = http_request(url, "/broken/")
        assert resp.status == 503
        assert sg.wait_for_log("app broken: 503 for a request: the app failed to start 3 "
                               "times in a row (last error: the app failed to import")
        wait_until(lambda: False, timeout=5)
        assert start_attempts(sg) == MAX_FAILURES, sg.stderr_text()[-3000:]
        assert http_request(url, "/broken/").status == 503

        # A reload (the app fixed) starts it again.
        (apps / "import_fail_app.py").write_text(
            "def application(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
            "    return [b'fixed\\n']\n")
        sg.signal(signal.SIGHUP)
        assert wait_until(lambda: http_request(url, "/broken/").status == 200, 60), \
            sg.stderr_text()[-3000:]
        assert start_attempts(sg) == MAX_FAILURES + 1
    finally:
        bob.stopping.set()
        bob.join(60)
    print("\ncrash loop: %d start attempts (max_start_failures %d); other app: %d requests, "
          "%d failed" % (start_attempts(sg), MAX_FAILURES, bob.done, len(bob.failures)))
    assert bob.done > 0 and bob.failures == [], bob.failures[:10]


@needs_root
def test_crash_loop_is_bounded_and_spares_other_users(sandgate, workdir, apps, test_users):
    """System mode: the broken app runs as sg-alice, the other as sg-bob."""
    run_crash_loop(sandgate, workdir, apps, "sg-alice", test_users["sg-bob"].pw_uid)

