"""Fixtures for the escape suite: the integration suite's (a running
sandgate, a work directory, test users), loaded under the module name
integration_conftest so that it does not clash with this conftest, plus a
cell serving attack_app.py and the same attacks run unconfined."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

_INTEGRATION = Path(__file__).resolve().parent.parent / "integration" / "conftest.py"
_spec = importlib.util.spec_from_file_location("integration_conftest", _INTEGRATION)
integration_conftest = importlib.util.module_from_spec(_spec)
sys.modules["integration_conftest"] = integration_conftest
_spec.loader.exec_module(integration_conftest)

from integration_conftest import (IS_ROOT, SANDGATE, free_port, gid_of,  # noqa: E402,F401
                                  http_request, sandgate, test_users, uid_of, wait_until,
                                  workdir)

PYTHON = "/usr/bin/python3"
HERE = Path(__file__).resolve().parent
ATTACK_APP = HERE / "attack_app.py"
ATTACK_WSGI = HERE / "attack_wsgi.py"
DENY_SYSCALL = HERE / "deny_syscall.py"


def children_of(pid):
    """Pids whose parent is pid (scans /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def cell_tree(sg):
    """[zygote, its workers] of a gateway that has one cell."""
    zygotes = children_of(sg.proc.pid)
    assert len(zygotes) == 1, zygotes
    return zygotes + children_of(zygotes[0])


def uid_of_pid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def zygote_of(sg, user):
    """The gateway's child (a cell's zygote) that runs as user."""
    uid = uid_of(user)
    found = wait_until(lambda: [p for p in children_of(sg.proc.pid) if uid_of_pid(p) == uid])
    assert found and len(found) == 1, (user, found)
    return found[0]


def app_dir(workdir, name, script):
    """workdir/NAME (0755) with a copy of the attack app script and of
    attack_wsgi.py, which it imports (0644 each): readable by the app's
    user. A directory that exists already gets fresh copies."""
    directory = workdir / name
    directory.mkdir(mode=0o755, exist_ok=True)
    directory.chmod(0o755)
    for source in (Path(script), ATTACK_WSGI):
        shutil.copy(source, directory / source.name)
        (directory / source.name).chmod(0o644)
    return directory


def user_app_dir(workdir, user, script):
    """workdir/USER: app_dir's directory and files, owned by the user, as a
    hosted user keeps an app."""
    directory = app_dir(workdir, user, script)
    for path in (directory, directory / Path(script).name, directory / ATTACK_WSGI.name):
        os.chown(path, uid_of(user), gid_of(user))
    return directory


def setpriv(uid, gid):
    """argv prefix that runs a command with these ids and no other groups."""
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups"]


def fields(detail):
    """The key=value words of an attack's detail, as a dict."""
    return dict(word.split("=", 1) for word in detail.split())


class Cell:
    """A sandgate serving attack_app.py, and the same attacks unconfined.

    .mode       "system" (sandgate as root, app as nobody) or "user" (sandgate
                as a normal user: sg-alice when we are root, else ourselves)
    .uid, .gid  who the app runs as
    .dir        the directory holding attack_app.py (and fcap-cat, if made)
    .script     the app's file in .dir: attack_app.py, or another attack app
    """

    def __init__(self, sg, mode, uid, gid, directory, script="attack_app.py"):
        self.sg = sg
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.dir = directory
        self.script = script

    def attack(self, name, **args):
        """The attack run in a worker of the cell (args: its query string)."""
        resp = self.sg.get("/?" + urlencode(dict(attack=name, **args)))
        assert resp.status == 200, resp.body
        return resp.json()

    def unconfined(self, name, as_root=False, **args):
        """The attack run by plain python3 outside sandgate, as the app's
        user (or, with as_root, as root: only when we are root)."""
        argv = [PYTHON, str(self.dir / self.script), name]
        argv += ["%s=%s" % item for item in args.items()]
        if IS_ROOT and not as_root:
            argv = setpriv(self.uid, self.gid) + argv
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                             cwd=str(self.dir))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


def copy_attack_app(workdir):
    """workdir/attack/attack_app.py, readable by the app's user."""
    return app_dir(workdir, "attack", ATTACK_APP)


def make_file_caps_binary(directory):
    """fcap-cat: a copy of cat with cap_net_bind_service+p (root only;
    harmless: a cat that may bind low ports)."""
    target = directory / "fcap-cat"
    shutil.copy("/usr/bin/cat", target)
    target.chmod(0o755)
    subprocess.run(["setcap", "cap_net_bind_service+p", str(target)], check=True,
                   capture_output=True, timeout=30)


def mode_users(request, mode):
    """(who runs sandgate: None for us, the app's uid, its gid) in a mode:
    system, root and nobody; user, sg-alice when we are root, else us."""
    if mode == "system":
        return None, uid_of("nobody"), gid_of("nobody")
    if IS_ROOT:
        request.getfixturevalue("test_users")
        return "sg-alice", uid_of("sg-alice"), gid_of("sg-alice")
    return None, os.getuid(), os.getgid()


def start_cell(request, sandgate, mode, app, ready_path):
    """sandgate serving app over HTTP: in system mode as root (the app runs
    as nobody), in user mode as sg-alice when we are root, else as us.
    Returns (Sandgate, the app's uid, its gid)."""
    runner, uid, gid = mode_users(request, mode)
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), app, user=runner,
                  ready_path=ready_path)
    return sg, uid, gid


@pytest.fixture(params=["system", "user"])
def cell(request, sandgate, workdir):
    """A running cell with attack_app.py, in system mode (needs root) and in
    user mode (unprivileged user namespaces)."""
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    directory = copy_attack_app(workdir)
    if IS_ROOT and shutil.which("setcap"):
        make_file_caps_binary(directory)
    sg, uid, gid = start_cell(request, sandgate, mode, directory / "attack_app.py",
                              "/?attack=none")
    return Cell(sg, mode, uid, gid, directory)


class DeniedGateway:
    """`sandgate serve ARGS` under deny_syscall.py: one system call (with
    argument matches) fails with errno err, in the gateway and its cells."""

    def __init__(self, workdir, err, rule, args):
        self.stderr_path = workdir / "denied.stderr"
        argv = [PYTHON, str(DENY_SYSCALL), str(err)] + rule + ["--", str(SANDGATE)] + args
        with open(self.stderr_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=out, cwd=str(workdir), start_new_session=True)

    def stderr_text(self):
        return self.stderr_path.read_text(errors="replace")

    def wait_for_log(self, text, timeout=20):
        return bool(wait_until(lambda: text in self.stderr_text() or
                               self.proc.poll() is not None, timeout)) \
            and text in self.stderr_text()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        return self.proc.wait(10)


@pytest.fixture
def denied_gateway(workdir):
    """Factory: denied_gateway(err, rule, args) starts a DeniedGateway;
    every one is stopped on teardown."""
    started = []

    def start(err, rule, args):
        gw = DeniedGateway(workdir, err, rule, [str(a) for a in args])
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
