"""The control socket: `sandgate status [--json] [APP]`, `sandgate reload
APP`, `sandgate stop APP` (issue 5, "Status and logs").

Root sees and controls every app; another user only the apps that run as
them, and someone else's app is answered exactly like an unknown one.
Every wait is bounded (wait_until); nothing here asserts on timing.
"""
import json
import os
import socket
import stat
import subprocess
import threading

import pytest

from conftest import (IS_ROOT, free_port, http_request, needs_root, run_sandgate, uid_of,
                      wait_until)

NO_SUCH_APP = "no app named"


def write_conf(workdir, apps, control=True, extra=""):
    """A configuration with one HTTP listener and the given app groups
    (libconfig text); returns (conf path, control socket path, listener url)."""
    port = free_port()
    sock = workdir / "control.sock"
    text = ('control = "unix:%s";\n' % sock if control else "") + extra
    text += 'listeners = ( { http = "127.0.0.1:%d"; } );\n' % port
    text += "apps = (\n%s\n);\n" % ",\n".join(apps)
    conf = workdir / "sandgate.conf"
    conf.write_text(text)
    return conf, sock, "http://127.0.0.1:%d" % port


def app_group(name, module, prefix, user=None, extra=""):
    fields = ['name = "%s"' % name, 'module = "%s"' % module,
              'route = { prefix = "%s"; }' % prefix]
    if user:
        fields.append('user = "%s"' % user)
    if extra:
        fields.append(extra)
    return "  { %s; }" % "; ".join(fields)


def ctl(sock, *args, user=None):
    """Runs `sandgate ARGS -s SOCK` (as user); CompletedProcess, text output."""
    cmd, rest = args[0], list(args[1:])
    return run_sandgate(cmd, "-s", sock, *rest, user=user)


def status(sock, app=None, user=None):
    """The parsed `sandgate status --json` answer (asserting exit 0)."""
    out = ctl(sock, "status", "--json", *([app] if app else []), user=user)
    assert out.returncode == 0, (out.stdout, out.stderr)
    answer = json.loads(out.stdout)
    assert answer["ok"] is True
    return answer


def apps_by_name(answer):
    return {a["name"]: a for a in answer["apps"]}


def raw_request(sock, data):
    """Sends data on the control socket; the answer bytes, read to EOF."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(sock))
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def wait_state(sock, name, predicate, timeout=20):
    """The app's status once predicate(app) holds (bounded), else None."""
    def check():
        app = apps_by_name(status(sock)).get(name)
        return app if app is not None and predicate(app) else None
    return wait_until(check, timeout, 0.2)


@pytest.fixture
def two_users(sandgate, apps, workdir, test_users):
    """sandgate as root with app "alice" (sleepy_app, as sg-alice, /a) and
    "bob" (uid_app, as sg-bob, /b); both ready. Returns (sg, sock, url)."""
    conf, sock, url = write_conf(workdir, [
        app_group("alice", apps / "sleepy_app.py", "/a", "sg-alice"),
        app_group("bob", apps / "uid_app.py", "/b", "sg-bob"),
    ])
    sg = sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/a/")
    assert wait_state(sock, "bob", lambda a: a["state"] == "ready"), status(sock)
    return sg, sock, url


@needs_root
def test_root_sees_every_app(two_users):
    """Root sees both users' apps with their users, zygotes and workers."""
    _, sock, _ = two_users
    found = apps_by_name(status(sock))
    assert set(found) == {"alice", "bob"}
    assert found["alice"]["user"] == "sg-alice" and found["alice"]["uid"] == uid_of("sg-alice")
    assert found["bob"]["user"] == "sg-bob"
    for app in found.values():
        assert app["state"] == "ready"
        assert isinstance(app["zygote_pid"], int) and app["zygote_pid"] > 0
        assert len(app["workers"]) == 2
        assert app["restarts"] == 0 and app["last_error"] is None
    text = ctl(sock, "status")
    assert text.returncode == 0, text.stderr
    assert "alice: ready, user sg-alice" in text.stdout
    assert "bob: ready, user sg-bob" in text.stdout


@needs_root
def test_socket_mode_0666_as_root(two_users):
    """As root the socket is 0666: what a user sees is decided by
    SO_PEERCRED, not by the mode."""
    _, sock, _ = two_users
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o666


@needs_root
def test_user_sees_only_own_apps(two_users):
    """sg-alice sees her app only; bob's is "no app named bob" for status,
    reload and stop alike, exactly like an app that does not exist."""
    _, sock, _ = two_users
    mine = status(sock, user="sg-alice")
    assert [a["name"] for a in mine["apps"]] == ["alice"]
    for args in (("status", "bob"), ("reload", "bob"), ("stop", "bob")):
        out = ctl(sock, *args, user="sg-alice")
        ghost = ctl(sock, args[0], "nosuchapp", user="sg-alice")
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert NO_SUCH_APP + " bob" in out.stderr
        assert out.stderr.replace("bob", "X") == ghost.stderr.replace("nosuchapp", "X")
        assert out.returncode == ghost.returncode
    out = ctl(sock, "status", "--json", "bob", user="sg-alice")
    assert out.returncode == 1
    assert json.loads(out.stdout) == {"ok": False, "error": NO_SUCH_APP + " bob"}
    # bob's app was not touched
    assert apps_by_name(status(sock))["bob"]["state"] == "ready"


@needs_root
def test_user_sees_nothing_without_apps(two_users):
    """A user with no app here gets an empty list, not an error."""
    _, sock, _ = two_users
    answer = status(sock, user="www-data")
    assert answer["apps"] == []


@needs_root
def test_reload_changes_zygote(two_users):
    """`sandgate reload APP` starts a new zygote that takes over once ready;
    the other app keeps its own."""
    _, sock, url = two_users
    before = apps_by_name(status(sock))
    out = ctl(sock, "reload", "alice", user="sg-alice")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("app alice: new cell starting")
    old = before["alice"]["zygote_pid"]
    after = wait_state(sock, "alice", lambda a: a["state"] == "ready" and a["zygote_pid"] != old)
    assert after is not None, status(sock)
    assert apps_by_name(status(sock))["bob"]["zygote_pid"] == before["bob"]["zygote_pid"]
    assert http_request(url, "/a/").status == 200


@needs_root
def test_reload_waits_for_the_previous_one(two_users):
    """While alice's previous cell still drains (a request in flight), a
    second `reload` is refused as busy: a user reloading in a loop cannot
    pile up draining cells, each with cgroup limits of its own. Once the
    request is done, reload works again."""
    _, sock, url = two_users
    slow = threading.Thread(target=http_request, args=(url, "/a/sleep?s=6"),
                            kwargs={"timeout": 60})
    slow.start()
    try:
        assert wait_state(sock, "alice",
                          lambda a: any(w["state"] == "busy" for w in a["workers"])), status(sock)
        old = apps_by_name(status(sock))["alice"]["zygote_pid"]
        assert ctl(sock, "reload", "alice", user="sg-alice").returncode == 0
        assert wait_state(sock, "alice", lambda a: a["zygote_pid"] != old), status(sock)
        again = ctl(sock, "reload", "alice", user="sg-alice")
        assert again.returncode == 1 and "still under way" in again.stderr + again.stdout, again
    finally:
        slow.join()
    assert wait_until(lambda: ctl(sock, "reload", "alice", user="sg-alice").returncode == 0, 30)


@needs_root
def test_stop_then_503_then_reload_serves(two_users):
    """`sandgate stop APP`: its cell drains and goes, requests get 503, and
    the app stays stopped (no restart) until `sandgate reload APP`."""
    _, sock, url = two_users
    out = ctl(sock, "stop", "alice")
    assert out.returncode == 0, out.stderr
    assert "requests get 503 until `sandgate reload alice`" in out.stdout
    stopped = wait_state(sock, "alice", lambda a: a["state"] == "stopped")
    assert stopped is not None, status(sock)
    assert stopped["zygote_pid"] is None and stopped["workers"] == []
    assert http_request(url, "/a/").status == 503
    assert http_request(url, "/b/").status == 200
    # still stopped a while later: nothing restarts it behind our back
    assert not wait_state(sock, "alice", lambda a: a["state"] != "stopped", timeout=2)
    out = ctl(sock, "reload", "alice")
    assert out.returncode == 0, out.stderr
    assert wait_state(sock, "alice", lambda a: a["state"] == "ready")
    assert http_request(url, "/a/").status == 200


@needs_root
def test_busy_worker_shows_request_and_seconds(two_users):
    """A worker in a slow request shows its request line and how long it
    has been busy; the app's count of requests served goes up after."""
    _, sock, url = two_users
    done = {}
    slow = threading.Thread(
        target=lambda: done.setdefault("r", http_request(url, "/a/sleep?s=4")))
    slow.start()
    try:
        def busy_worker():
            app = apps_by_name(status(sock)).get("alice")
            busy = [w for w in app["workers"] if w["state"] == "busy"]
            return busy[0] if busy and busy[0]["busy_s"] >= 1 else None
        worker = wait_until(busy_worker, 20, 0.2)
        assert worker is not None, status(sock)
        assert worker["request"] == "GET /a/sleep?s=4"
        assert isinstance(worker["pid"], int)
        text = ctl(sock, "status", "alice")
        assert "busy" in text.stdout and "GET /a/sleep?s=4" in text.stdout
    finally:
        slow.join(60)
    assert done["r"].status == 200
    served = wait_state(sock, "alice", lambda a: a["requests"] >= 1)
    assert served is not None
    assert all(w["request"] is None for w in served["workers"] if w["state"] == "idle")


@needs_root
def test_bad_request_lines_refused_gateway_lives(two_users):
    """Garbage, an over-long line, control bytes, an unknown command and a
    line that never ends each get an error or a close; the gateway lives on."""
    sg, sock, _ = two_users
    long_line = json.loads(raw_request(sock, b"status " + b"a" * 4000 + b"\n"))
    assert long_line["ok"] is False and "too long" in long_line["error"]
    garbage = json.loads(raw_request(sock, bytes(range(256)) * 8))
    assert garbage["ok"] is False
    control = json.loads(raw_request(sock, b"status \x1b[2Jalice\n"))
    assert control["ok"] is False and "\x1b" not in control["error"]
    unknown = json.loads(raw_request(sock, b"shutdown\n"))
    assert unknown["ok"] is False and "unknown command" in unknown["error"]
    text = raw_request(sock, b"text status nosuch\n")
    assert text == b"error\n" + NO_SUCH_APP.encode() + b" nosuch\n"
    # a client that never finishes its line is dropped at the deadline
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(sock))
        s.sendall(b"stat")
        assert s.recv(100) == b""
    # many at once: the extra ones are told to come back, none hangs
    held = []
    try:
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(30)
            s.connect(str(sock))
            held.append(s)
        busy = [s.recv(200) for s in held[16:]]
        assert all(b"busy" in b for b in busy), busy
    finally:
        for s in held:
            s.close()
    assert sg.proc.poll() is None
    # the gateway frees the held slots as it reads their ends: until then a
    # new request may still be told "busy" (or reset, its line unread)
    assert wait_until(lambda: ctl(sock, "status", "--json").returncode == 0, 10)
    assert set(apps_by_name(status(sock))) == {"alice", "bob"}


@needs_root
def test_failing_app_shows_restarts_and_last_error(sandgate, apps, workdir, test_users):
    """An app whose import fails is in backoff, counts its restarts and
    names the failure as its last error."""
    conf, sock, url = write_conf(workdir, [
        app_group("broken", apps / "import_fail_app.py", "/x", "sg-bob"),
        app_group("fine", apps / "hello.py", "/f", "sg-alice"),
    ])
    sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/f/")
    broken = wait_state(sock, "broken", lambda a: a["restarts"] >= 1 and a["last_error"])
    assert broken is not None, status(sock)
    assert broken["state"] in ("backoff", "starting", "failed")
    assert "failed to import" in broken["last_error"]
    assert isinstance(broken["last_error_age_s"], int)
    text = ctl(sock, "status", "broken")
    assert "last error" in text.stdout and "failed to import" in text.stdout


@needs_root
def test_failed_app_reload_starts_it_again(sandgate, apps, workdir, test_users):
    """After max_start_failures failed starts the app is "failed" (no
    retries); `sandgate reload` by its owner tries again."""
    conf, sock, url = write_conf(workdir, [
        app_group("broken", apps / "import_fail_app.py", "/x", "sg-bob",
                  "max_start_failures = 1"),
        app_group("fine", apps / "hello.py", "/f", "sg-alice"),
    ])
    sg = sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/f/")
    failed = wait_state(sock, "broken", lambda a: a["state"] == "failed")
    assert failed is not None, status(sock)
    assert failed["failures"] == 1 and failed["retry_in_s"] is None
    assert "failed" in failed["last_error"]
    assert "no retry until `sandgate reload broken`" in ctl(sock, "status", "broken").stdout
    starts = sg.stderr_text().count("app broken: cell starting")
    assert starts >= 1, sg.stderr_text()
    out = ctl(sock, "reload", "broken", user="sg-bob")
    assert out.returncode == 0, out.stderr
    # The new start can fail again between two status polls (it did under
    # ASan): its log line is the witness that it happened.
    assert wait_until(lambda: sg.stderr_text().count("app broken: cell starting") > starts, 20)


@needs_root
def test_memory_from_the_cells_cgroup(sandgate, apps, workdir, test_users):
    """With a memory limit the cell has a memory cgroup of its own, and
    status reports what it uses; without one, "n/a" (null)."""
    conf, sock, url = write_conf(workdir, [
        app_group("limited", apps / "hello.py", "/l", "sg-alice", 'memory = "256M"'),
        app_group("open", apps / "hello.py", "/o", "sg-alice"),
    ])
    sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/l/")
    assert wait_state(sock, "open", lambda a: a["state"] == "ready")
    found = apps_by_name(status(sock))
    assert isinstance(found["limited"]["memory_bytes"], int)
    assert 0 < found["limited"]["memory_bytes"] <= 256 << 20
    assert found["open"]["memory_bytes"] is None
    assert "memory n/a" in ctl(sock, "status", "open").stdout


def test_control_none_and_env(sandgate, apps, workdir, monkeypatch):
    """control = "none" opens no socket; without the key, SANDGATE_CONTROL
    names the socket for serve and for status alike."""
    conf, sock, url = write_conf(workdir, [app_group("a", apps / "hello.py", "/a")],
                                 control=False, extra='control = "none";\n')
    sg = sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/a/")
    assert not sock.exists()
    sg.stop()
    conf, sock, url = write_conf(workdir, [app_group("a", apps / "hello.py", "/a")],
                                 control=False)
    monkeypatch.setenv("SANDGATE_CONTROL", str(workdir / "env.sock"))
    sandgate("-c", conf, http=[url.split("//")[1]], ready_path="/a/")
    out = run_sandgate("status", "--json")
    assert out.returncode == 0, out.stderr
    assert [a["name"] for a in json.loads(out.stdout)["apps"]] == ["a"]


def test_unreachable_gateway_exit_3(workdir):
    """No gateway at the socket: exit status 3 and a message naming it."""
    out = run_sandgate("status", "-s", workdir / "nothing.sock")
    assert out.returncode == 3
    assert "nothing.sock" in out.stderr
    assert run_sandgate("reload").returncode == 2
    assert run_sandgate("status", "a", "b").returncode == 2


def test_config_key_checked(workdir):
    """`control` must be a Unix socket path or "none"."""
    conf, _, _ = write_conf(workdir, ['  { name = "a"; module = "app.py"; }'],
                            control=False, extra='control = "127.0.0.1:9";\n')
    out = run_sandgate("check", "-c", conf)
    assert out.returncode != 0
    assert "control must be" in out.stderr


@needs_root
def test_user_mode_default_socket(sandgate, apps, workdir, test_users, monkeypatch):
    """User mode: sandgate run by sg-alice puts its socket, mode 0600, in
    $XDG_RUNTIME_DIR/sandgate/; `sandgate status` run by her finds it there
    by default, and sees her app."""
    xdg = workdir / "xdg"
    xdg.mkdir()
    os.chown(xdg, uid_of("sg-alice"), -1)
    xdg.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    monkeypatch.delenv("SANDGATE_CONTROL", raising=False)
    port = free_port()
    sandgate("--http", "127.0.0.1:%d" % port, apps / "uid_app.py", user="sg-alice")
    sock = xdg / "sandgate" / "control.sock"
    assert wait_until(sock.exists, 10)
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(sock.parent).st_mode) == 0o700
    out = run_sandgate("status", "--json", user="sg-alice")
    assert out.returncode == 0, out.stderr
    (app,) = json.loads(out.stdout)["apps"]
    assert app["uid"] == uid_of("sg-alice") and app["state"] == "ready"
    out = run_sandgate("status", user="sg-bob")   # 0600: bob cannot even connect
    assert out.returncode == 3


HOLD_SCRIPT = r'''
import socket
import sys
held = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sys.argv[1])
    held.append(s)
for s in held:
    s.setblocking(False)
print("held", flush=True)
sys.stdin.readline()          # hold them until told
got = []
for s in held:
    try:
        got.append("busy" if b"busy" in s.recv(200) else "open")
    except BlockingIOError:
        got.append("open")
print(" ".join(got), flush=True)
'''


def hold_connections(sock, user, n):
    """A process running as user that opens n control connections and
    keeps them open (sends nothing) until its stdin gets a line."""
    proc = subprocess.Popen(["/usr/bin/python3", "-c", HOLD_SCRIPT, str(sock), str(n)],
                            user=user, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def release(proc):
    proc.stdin.write("\n")
    proc.stdin.flush()
    out = proc.stdout.readline().split()
    proc.wait(30)
    return out


def test_users_cannot_take_every_slot(two_users):
    """At most 4 control connections at once per user, and 2 slots that only
    root may take: two users holding all they can neither lock out root
    nor each other's first connections."""
    _, sock, _ = two_users
    alice = hold_connections(sock, "sg-alice", 6)
    bob = hold_connections(sock, "sg-bob", 6)
    try:
        # root's connection queues behind the users' 12, so when it is
        # answered the gateway has taken (or refused) all of theirs
        assert set(apps_by_name(status(sock))) == {"alice", "bob"}
    finally:
        a, b = release(alice), release(bob)
    assert a.count("busy") == 2 and b.count("busy") == 2, (a, b)
