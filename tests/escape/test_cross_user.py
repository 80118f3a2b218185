"""One hosted user against another: what sg-alice's app cannot reach of
sg-bob's, nor of the gateway's, though both run on one host under one
gateway (system mode, so root).

The gateway serves two apps from one configuration file, each from a
directory its user owns: "alice" (sg-alice), where the attacks run, and
"bob" (sg-bob), whose files, data, processes and sockets they go after,
and who must keep answering. Each attack also runs unconfined, as plain
/usr/bin/python3 as sg-alice on the host, where it gets what it was after
(or fails differently), so a pass shows that the cell made the
difference, not file modes. The attacks are proc_app.py's.

What keeps bob's app answering while alice's app exhausts its own cell's
processes or memory (rows 30 and 31) is tested in test_resources.py, with
the same two users."""
import errno
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import (IS_ROOT, PYTHON, children_of, fields, free_port, gid_of, setpriv,
                      uid_of, user_app_dir, wait_until, zygote_of)

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="two users' apps need system mode (root)")

PROC_APP = Path(__file__).resolve().parent / "proc_app.py"
SECRET = "bob's secret\n"
# connect() to 127.0.0.1 from a cell: no interface is up ("none"), or, with
# lo up, nothing of the host listens in the cell's own namespace.
UNREACHABLE = (errno.ENETUNREACH, errno.ECONNREFUSED)


class TwoUsers:
    """The running gateway and what the tests aim at (host paths, ports)."""

    def __init__(self, sg, workdir, alice_dir, bob_dir, conf, ports, admin_sock, bob_sock,
                 control_sock):
        self.sg = sg
        self.workdir = workdir
        self.alice_dir = alice_dir
        self.bob_dir = bob_dir
        self.conf = conf
        self.http_port, self.bob_port = ports
        self.admin_sock = admin_sock
        self.bob_sock = bob_sock
        self.control_sock = control_sock

    def alice(self, name, **args):
        """The attack run in a worker of alice's cell."""
        return self.get("alice", name, **args)

    def bob(self, name, **args):
        """A request to bob's app (the test's own steps, and liveness)."""
        return self.get("bob", name, **args)

    def get(self, app, name, **args):
        resp = self.sg.get("/%s/?%s" % (app, urlencode(dict(attack=name, **args))))
        assert resp.status == 200, (app, name, resp.status, resp.body)
        return resp.json()

    def unconfined(self, name, **args):
        """The same attack run by plain python3 on the host as sg-alice."""
        argv = setpriv(uid_of("sg-alice"), gid_of("sg-alice")) + [
            PYTHON, str(self.alice_dir / "proc_app.py"), name]
        argv += ["%s=%s" % kv for kv in args.items()]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                             cwd=str(self.alice_dir))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def bob_answers(self):
        resp = self.sg.get("/bob/?attack=none", timeout=10)
        return resp.status == 404 and b"attacks" in resp.body


def bobs_file(directory, name, mode, owner="sg-bob"):
    path = directory / name
    path.write_text(SECRET)
    path.chmod(mode)
    os.chown(path, uid_of(owner), gid_of(owner))
    return path


@pytest.fixture
def bob_home(test_users):
    """sg-bob's home directory (0755, his), with a 0644 file in it. The
    test users have none, so it is made and then removed again."""
    home = Path(test_users["sg-bob"].pw_dir)
    made = not home.exists()
    if made:
        home.mkdir(mode=0o755, parents=True)
        os.chown(home, uid_of("sg-bob"), gid_of("sg-bob"))
    plan = bobs_file(home, ".plan-%s" % uuid.uuid4().hex[:8], 0o644)
    yield plan
    plan.unlink()
    if made:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def two_users(sandgate, workdir, test_users):
    """One gateway as root: alice's app and bob's, each from a directory of
    its user's own. Bob's app also has its own Unix socket in his directory
    (given to alice's group, so that only the cell stands in the way), a
    TCP listener on 127.0.0.1 that only reaches him, and a data directory;
    the gateway also has a Unix HTTP listener that admits sg-alice, and
    its control socket (0666, as root's default is)."""
    alice_dir = user_app_dir(workdir, "sg-alice", PROC_APP)
    bob_dir = user_app_dir(workdir, "sg-bob", PROC_APP)
    data = bob_dir / "data"
    data.mkdir(mode=0o755)
    os.chown(data, uid_of("sg-bob"), gid_of("sg-bob"))
    gw_dir = workdir / "gateway"
    gw_dir.mkdir(mode=0o755)
    admin_sock, bob_sock = gw_dir / "admin.sock", bob_dir / "bob.sock"
    control_sock = gw_dir / "control.sock"
    ports = free_port(), free_port()
    conf = workdir / "two-users.conf"
    conf.write_text(
        'control = "unix:%s";\n'
        'listeners = (\n'
        '  { name = "main"; http = "127.0.0.1:%d"; },\n'
        '  { name = "bobs"; http = "127.0.0.1:%d"; },\n'
        '  { name = "admin"; http = "unix:%s"; socket_mode = "0666"; allow_uids = "sg-alice"; }\n'
        ');\n'
        'apps = (\n'
        '  { name = "alice"; module = "%s"; user = "sg-alice";\n'
        '    route = { prefix = "/alice"; listeners = ["main", "admin"]; }; },\n'
        '  { name = "bob"; module = "%s"; user = "sg-bob"; writable = "%s";\n'
        '    socket = "unix:%s"; socket_group = "sg-alice";\n'
        '    route = { prefix = "/bob"; listeners = ["main", "bobs"]; }; }\n'
        ');\n' % (control_sock, ports[0], ports[1], admin_sock, alice_dir / "proc_app.py",
                  bob_dir / "proc_app.py", data, bob_sock))
    conf.chmod(0o644)
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % ports[0]], ready_path="/alice/?attack=none")
    assert sg.wait_ready("/bob/?attack=none"), sg.stderr_text()[-4000:]
    return TwoUsers(sg, workdir, alice_dir, bob_dir, conf, ports, admin_sock, bob_sock,
                    control_sock)


# ---------------------------------------------------------------- files

def test_bobs_files_are_not_there(two_users, bob_home):
    """A 0644 and a 0600 file in bob's app directory and a 0644 file in his
    home: ENOENT from alice's cell, whose mount view has neither his
    directory nor any home. Unconfined, sg-alice reads both 0644 files
    (plain Unix modes allow it) and gets EACCES for the 0600 one."""
    shared = bobs_file(two_users.bob_dir, "notes-0644.txt", 0o644)
    private = bobs_file(two_users.bob_dir, "notes-0600.txt", 0o600)
    for path, outside_ok in [(shared, True), (private, False), (bob_home, True)]:
        inside = two_users.alice("read", path=path)
        assert not inside["ok"] and inside["errno"] == errno.ENOENT, (path, inside)
        outside = two_users.unconfined("read", path=path)
        if outside_ok:
            assert outside["ok"], (path, outside)
        else:
            assert outside["errno"] == errno.EACCES, (path, outside)
    assert two_users.bob_answers()


def test_bobs_app_data_is_not_there(two_users):
    """What bob's app writes, in his writable data directory and in his
    cell's /tmp: alice's cell finds neither (ENOENT); her /tmp is her own.
    Unconfined, sg-alice reads the data file on the host (it is 0644 in a
    0755 directory, as bob's app left it)."""
    name = "data-%s.txt" % uuid.uuid4().hex[:8]
    data = two_users.bob_dir / "data" / name
    wrote = two_users.bob("write", path=data, text="orders")
    assert wrote["ok"], wrote
    assert data.read_text() == "orders"
    assert two_users.bob("write", path="/tmp/" + name, text="session")["ok"]
    assert two_users.bob("read", path="/tmp/" + name)["ok"]

    for path in (data, "/tmp/" + name):
        inside = two_users.alice("read", path=path)
        assert not inside["ok"] and inside["errno"] == errno.ENOENT, (path, inside)
    assert two_users.unconfined("read", path=data)["ok"]
    assert two_users.bob_answers()


# ---------------------------------------------------------------- processes

def test_bobs_processes_are_not_there(two_users):
    """/proc in alice's cell lists her cell's processes only: all sg-alice's,
    as many as the host sees in her cell. Bob's zygote and workers, by
    their host pids: signal 0 and SIGKILL get ESRCH. Unconfined, /proc
    shows every user's processes and the same signals get EPERM. Bob's
    processes are the same ones afterwards, and he answers."""
    alice_zygote = zygote_of(two_users.sg, "sg-alice")
    bob_zygote = zygote_of(two_users.sg, "sg-bob")
    bob_workers = children_of(bob_zygote)
    assert bob_workers, "bob's zygote has no workers"

    inside = fields(two_users.alice("pids")["detail"])
    assert inside["uids"] == str(uid_of("sg-alice")), inside
    host_view = [alice_zygote] + children_of(alice_zygote)
    assert len(inside["pids"].split(",")) == len(host_view), (inside, host_view)
    outside = two_users.unconfined("pids")
    assert outside["ok"] and str(uid_of("sg-bob")) in fields(outside["detail"])["uids"]

    for pid in [bob_zygote] + bob_workers:
        for sig in (0, 9):
            got = two_users.alice("kill", pid=pid, sig=sig)
            assert not got["ok"] and got["errno"] == errno.ESRCH, (pid, sig, got)
            got = two_users.unconfined("kill", pid=pid, sig=sig)
            assert not got["ok"] and got["errno"] == errno.EPERM, (pid, sig, got)
    assert zygote_of(two_users.sg, "sg-bob") == bob_zygote
    assert sorted(children_of(bob_zygote)) == sorted(bob_workers)
    assert two_users.bob_answers()


# ---------------------------------------------------------------- sockets

def test_bobs_sockets_are_out_of_reach(two_users):
    """Bob's own SCGI socket, a Unix socket in his directory (its group is
    sg-alice's, so file modes would let her in): ENOENT from her cell.
    The TCP listener that reaches only bob, on 127.0.0.1: unreachable from
    her cell's network namespace (network "none"). Unconfined, sg-alice
    gets an answer from bob's app through both."""
    inside = two_users.alice("connect_unix", path=two_users.bob_sock, scgi=1)
    assert not inside["ok"] and inside["errno"] == errno.ENOENT, inside
    outside = two_users.unconfined("connect_unix", path=two_users.bob_sock, scgi=1)
    assert outside["ok"] and fields(outside["detail"])["answer"] == "Status:", outside

    inside = two_users.alice("connect_tcp", host="127.0.0.1", port=two_users.bob_port, http=1)
    assert not inside["ok"] and inside["errno"] in UNREACHABLE, inside
    outside = two_users.unconfined("connect_tcp", host="127.0.0.1", port=two_users.bob_port,
                                   http=1)
    assert outside["ok"] and fields(outside["detail"])["answer"] == "HTTP/1.1", outside
    assert two_users.bob_answers()


# ---------------------------------------------------------------- the gateway

def test_the_gateway_is_out_of_reach(two_users):
    """The gateway's configuration file (0644): ENOENT in alice's cell. Its
    control socket (0666: the gateway tells users apart by SO_PEERCRED)
    and its Unix HTTP listener, which admits sg-alice: ENOENT. Its TCP
    listener on 127.0.0.1: unreachable. The gateway process (root) by its
    host pid: ESRCH. Unconfined, sg-alice reads the file, gets a status
    answer on the control socket, HTTP answers through both listeners and
    EPERM from the signal."""
    conf = two_users.conf
    inside = two_users.alice("read", path=conf)
    assert not inside["ok"] and inside["errno"] == errno.ENOENT, inside
    assert two_users.unconfined("read", path=conf)["ok"]

    inside = two_users.alice("connect_unix", path=two_users.control_sock, line="status")
    assert not inside["ok"] and inside["errno"] == errno.ENOENT, inside
    outside = two_users.unconfined("connect_unix", path=two_users.control_sock, line="status")
    assert outside["ok"] and fields(outside["detail"])["answer"].startswith('{"ok":'), outside

    inside = two_users.alice("connect_unix", path=two_users.admin_sock, http=1)
    assert not inside["ok"] and inside["errno"] == errno.ENOENT, inside
    outside = two_users.unconfined("connect_unix", path=two_users.admin_sock, http=1)
    assert outside["ok"] and fields(outside["detail"])["answer"] == "HTTP/1.1", outside

    inside = two_users.alice("connect_tcp", host="127.0.0.1", port=two_users.http_port, http=1)
    assert not inside["ok"] and inside["errno"] in UNREACHABLE, inside
    outside = two_users.unconfined("connect_tcp", host="127.0.0.1", port=two_users.http_port,
                                   http=1)
    assert outside["ok"] and fields(outside["detail"])["answer"] == "HTTP/1.1", outside

    gateway = two_users.sg.proc.pid
    inside = two_users.alice("kill", pid=gateway, sig=0)
    assert not inside["ok"] and inside["errno"] == errno.ESRCH, inside
    outside = two_users.unconfined("kill", pid=gateway, sig=0)
    assert not outside["ok"] and outside["errno"] == errno.EPERM, outside
    assert wait_until(two_users.bob_answers, 10)
    assert two_users.sg.proc.poll() is None
