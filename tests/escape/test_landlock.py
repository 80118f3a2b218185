"""Landlock (sandbox/landlock.c, landlock_fs.c) and the per-app seccomp
settings (policy, seccomp_log, seccomp = false): catalogue rows 22, 27
and 37 of shared/research/sandboxes.md, and the layers' interplay.

Each Landlock attack runs in a cell, where Landlock must refuse it, and
unconfined, as plain /usr/bin/python3 as the same user on the host, where
it works: the cells here share the host's network (network = "host"),
abstract socket namespace and uid, so that nothing but Landlock stands in
the way. The attacks are landlock_app.py's. Whether a file outside the
rules is refused is tested at unit level (tests/unit/test_landlock.c),
since the cell's mount view hides such files anyway."""
import ctypes
import errno
import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import (IS_ROOT, Cell, app_dir, children_of, fields, free_port, gid_of, integration_conftest,
                      uid_of, wait_until, zygote_of)

LANDLOCK_APP = Path(__file__).resolve().parent / "landlock_app.py"


def landlock_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(ctypes.c_long(444), None, ctypes.c_long(0), ctypes.c_long(1))
    return max(rc, 0)


ABI = landlock_abi()


def needs_abi(version, what):
    return pytest.mark.skipif(ABI < version, reason="%s needs Landlock ABI %d (kernel: %d)"
                              % (what, version, ABI))


def landlock_app_dir(workdir):
    return app_dir(workdir, "landlock", LANDLOCK_APP)


def write_conf(workdir, mode, app, settings):
    """A configuration with one app, settings added to its group. System
    mode: the app runs as nobody; user mode: as the gateway's user."""
    addr = "127.0.0.1:%d" % free_port()
    user = 'user = "nobody"; ' if mode == "system" else ""
    conf = workdir / ("landlock-%s.conf" % uuid.uuid4().hex[:8])
    conf.write_text('listeners = ( { http = "%s"; } );\n'
                    'apps = ( { name = "ll"; module = "%s"; %s%s } );\n'
                    % (addr, app, user, settings))
    conf.chmod(0o644)
    return conf, addr


@pytest.fixture(params=["system", "user"])
def start(request, sandgate, workdir):
    """start(settings) -> Cell serving landlock_app.py with those app
    settings, in system mode (root) and user mode."""
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    directory = landlock_app_dir(workdir)
    runner = None
    if mode == "system":
        uid, gid = uid_of("nobody"), gid_of("nobody")
    elif IS_ROOT:
        request.getfixturevalue("test_users")
        runner, uid, gid = "sg-alice", uid_of("sg-alice"), gid_of("sg-alice")
    else:
        uid, gid = os.getuid(), os.getgid()

    def run(settings):
        conf, addr = write_conf(workdir, mode, directory / "landlock_app.py", settings)
        sg = sandgate("-c", conf, http=[addr], user=runner, ready_path="/?attack=status")
        return Cell(sg, mode, uid, gid, directory, script="landlock_app.py")
    return run


def listener(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    return s


# ---------------------------------------------------------------- TCP ports

@needs_abi(4, "TCP port rules")
def test_bind_to_an_unlisted_port_is_refused(start):
    """bind_ports = [A]: a listener on A works, on B it gets EACCES; the
    same user binds B on the host."""
    allowed, other = free_port(), free_port()
    cell = start('network = "host"; bind_ports = [%d];' % allowed)
    assert cell.attack("bind", port=allowed)["ok"]
    got = cell.attack("bind", port=other)
    assert got["errno"] == errno.EACCES, got
    assert cell.unconfined("bind", port=other)["ok"]


@needs_abi(4, "TCP port rules")
def test_connect_to_an_unlisted_port_is_refused(start):
    """connect_ports = [A]: with host listeners on A and B, the cell
    reaches A and gets EACCES for B; the same user reaches B on the host."""
    allowed, other = listener(), listener()
    try:
        a, b = allowed.getsockname()[1], other.getsockname()[1]
        cell = start('network = "host"; connect_ports = [%d];' % a)
        assert cell.attack("connect", port=a)["ok"]
        got = cell.attack("connect", port=b)
        assert got["errno"] == errno.EACCES, got
        assert cell.unconfined("connect", port=b)["ok"]
    finally:
        allowed.close()
        other.close()


@needs_abi(4, "TCP port rules")
def test_without_port_lists_tcp_is_not_restricted(start):
    """network = "host" without bind_ports/connect_ports: no port rule."""
    cell = start('network = "host";')
    assert cell.attack("bind", port=free_port())["ok"]


# ---------------------------------------------------------------- scopes

@needs_abi(6, "abstract Unix socket scoping")
def test_abstract_unix_socket_outside_the_cell_is_refused(start):
    """Row 22: network = "host" shares the abstract socket namespace; a
    host process listens on @name. The cell's connect() gets EPERM, the
    same user on the host connects."""
    name = "sandgate-landlock-%s" % uuid.uuid4().hex
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("\0" + name)
    server.listen(8)
    try:
        cell = start('network = "host";')
        got = cell.attack("abstract", sock=name)
        assert got["errno"] == errno.EPERM, got
        assert cell.unconfined("abstract", sock=name)["ok"]
    finally:
        server.close()


def ns_pid(pid):
    """pid as the innermost pid namespace of the process sees it."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    return None


@needs_abi(6, "signal scoping")
@pytest.mark.skipif(not IS_ROOT, reason="putting a host process in a cell's pid namespace needs root")
def test_signal_to_a_process_outside_the_cell_is_refused(start):
    """A host process of the app's own uid, started by the test inside the
    cell's pid namespace (nsenter), is visible to the cell, so only
    Landlock's signal scope stands between them: kill(pid, 0) from the
    cell gets EPERM, while the cell may signal itself and the same user
    on the host may signal the process."""
    cell = start("")
    zygote = zygote_of(cell.sg, "nobody" if cell.mode == "system" else "sg-alice")
    sleeper = subprocess.Popen(["nsenter", "-t", str(zygote), "-p", "--",
                                "setpriv", "--reuid=%d" % cell.uid, "--regid=%d" % cell.gid,
                                "--clear-groups", "sleep", "60"])
    try:
        inner = wait_until(lambda: children_of(sleeper.pid))
        assert inner, "nsenter started nothing"
        pid_inside = wait_until(lambda: ns_pid(inner[0]) if open(
            "/proc/%d/comm" % inner[0]).read().strip() == "sleep" else None)
        assert pid_inside and pid_inside != inner[0], pid_inside
        got = cell.attack("kill", pid=pid_inside)
        assert got["errno"] == errno.EPERM, got
        assert cell.attack("kill_self")["ok"]
        assert cell.unconfined("kill", pid=inner[0])["ok"]
    finally:
        sleeper.kill()
        for child in children_of(sleeper.pid):
            try:
                os.kill(child, 9)
            except ProcessLookupError:
                pass
        sleeper.wait(10)


# ---------------------------------------------------------------- filesystem

@needs_abi(1, "filesystem rules")
def test_proc_self_mem_cannot_be_opened_for_writing_37(start):
    """Row 37: Dirty COW wrote through /proc/self/mem. Two walls refuse
    opening it for writing in the cell: the read-only /proc mount (EROFS,
    checked first by the kernel) and Landlock's read-only /proc rule
    (EACCES; tests/unit/test_landlock.c shows the rule on its own). The
    same user opens it on the host."""
    cell = start("")
    got = cell.attack("proc_mem_write")
    assert got["errno"] in (errno.EROFS, errno.EACCES), got
    assert cell.unconfined("proc_mem_write")["ok"]


# ---------------------------------------------------------------- seccomp settings

def test_seccomp_log_names_the_denied_call(start):
    """seccomp_log = true: keyctl (denied by wsgi.policy, row 14) still
    fails with EPERM, the app log names it, and the worker goes on."""
    cell = start("seccomp_log = true;")
    got = cell.attack("keyctl")
    assert got["errno"] == errno.EPERM, got
    assert cell.sg.wait_for_log("seccomp: denied keyctl (nr 250)", timeout=10), \
        cell.sg.stderr_text()[-4000:]
    assert cell.attack("status")["ok"]
    assert cell.unconfined("keyctl")["ok"]


def test_seccomp_log_keeps_workers_alive_through_subprocess(start):
    """seccomp_log = true and subprocess under wsgi.policy: CPython calls
    vfork with every signal blocked, where a trap would kill the worker
    (the kernel resets a blocked SIGSYS handler), so vfork keeps its plain
    EPERM and CPython falls back to fork. The forked child resets its
    signal handlers before exec, so its denied execve kills it with SIGSYS
    (no log line from it); the worker goes on serving."""
    cell = start("seccomp_log = true;")
    got = cell.attack("subprocess")
    assert not got["ok"], got
    assert got["detail"] == "signal=%d" % signal.SIGSYS, got
    assert cell.attack("status")["ok"]


def test_seccomp_false_runs_without_a_filter(start):
    """seccomp = false (for make bench only): the cell has no filter, and
    every cell start says so in the gateway log."""
    cell = start("seccomp = false;")
    status = fields(cell.attack("status")["detail"])
    assert status["seccomp"] == "0", status
    assert "app ll: seccomp is off (seccomp = false): the cell has no syscall filter" \
        in cell.sg.stderr_text()


def test_policy_selects_the_policy_file(start):
    """policy = "wsgi-exec": programs run (row 26's denial is wsgi.policy's);
    the default cell refuses them."""
    assert start('policy = "wsgi-exec";').attack("subprocess")["ok"]


def test_default_policy_refuses_programs_26(start):
    got = start("").attack("subprocess")
    assert got["errno"] == errno.EPERM, got


def test_check_reports_an_unknown_policy_and_warns_without_seccomp(workdir):
    """`sandgate check`: a policy with no file is a problem at the app's
    line; seccomp = false is a warning, not a problem."""
    directory = landlock_app_dir(workdir)
    conf = workdir / "policies.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = (\n'
                    '  { name = "a"; module = "%s"; policy = "nosuch"; },\n'
                    '  { name = "b"; module = "%s"; seccomp = false;\n'
                    '    route = { prefix = "/b"; }; }\n'
                    ');\n' % (free_port(), directory / "landlock_app.py",
                              directory / "landlock_app.py"))
    conf.chmod(0o644)
    out = integration_conftest.run_sandgate("check", "-c", conf)
    assert out.returncode == 1, out
    assert '%s:3: app "a": policy "nosuch": there is no ' % conf in out.stderr, out.stderr
    assert "nosuch.policy" in out.stderr
    assert '%s:4: warning: app "b": seccomp is off' % conf in out.stderr, out.stderr
    assert out.stdout.strip() == "%s: 1 problem" % conf


def test_unknown_policy_stops_the_cell(sandgate, workdir):
    """At serve time an unknown policy stops the cell (fail closed): 503,
    and the log names the policy and where it was set."""
    directory = landlock_app_dir(workdir)
    conf, addr = write_conf(workdir, "system" if IS_ROOT else "user",
                            directory / "landlock_app.py", 'policy = "nosuch";')
    sg = sandgate("-c", conf, http=[addr], ready=False)
    assert sg.wait_for_log('policy "nosuch" (%s:2): there is no ' % conf), sg.stderr_text()
    assert sg.wait_listening()
    assert sg.get("/").status == 503


# ---------------------------------------------------------------- row 27: W^X

def test_ctypes_callbacks_work_so_wx_is_not_enforced_27(start):
    """Row 27 (W^X) is a decision, not an enforcement: Debian 12's libffi
    (3.4.4, as CPython 3.11's ctypes and cffi use it) allocates each
    closure, such as a CFUNCTYPE callback, with one anonymous mmap that is
    PROT_READ|PROT_WRITE|PROT_EXEC. If that fails its only fallback is a
    double mapping of a file, from memfd_create (denied by wsgi.policy, row
    26) or from a writable directory that allows exec (none in a cell: /tmp
    and writable binds are noexec). So denying W+X mappings would break
    every ctypes callback; wsgi.policy allows them, and this test keeps
    that true: a callback works, and a W+X mapping is allowed."""
    cell = start("")
    got = cell.attack("ctypes_callback")
    assert got["ok"], got
    assert fields(got["detail"])["sorted"] == "1,2,3,4,5"
    assert cell.attack("rwx_mmap")["ok"]
