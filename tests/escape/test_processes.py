"""Other processes, IPC objects and the kernel behind the filter: catalogue
rows 13, 32, 33, 36 and 37 of shared/research/sandboxes.md (§2; the safe
outcome each row names is quoted in the test's docstring).

The attacks are proc_app.py's, run in a worker of a cell, in system mode
(the gateway as root, the app as nobody) and in user mode (the gateway as
sg-alice, unprivileged user namespaces), and each also runs unconfined,
as plain /usr/bin/python3 as the app's user on the host, where it gets
what it was after: so a pass shows that the cell made the difference."""
import errno
import json
import os
import random
import re
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import (IS_ROOT, Cell, app_dir, cell_tree, children_of, fields, free_port,
                      integration_conftest, mode_users, setpriv, wait_until)
from test_seccomp import copy_install, hello_app

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
POLICIES = REPO / "policies"
PROC_APP = HERE / "proc_app.py"
DOCKER_ALLOWED = 361   # Docker's default profile, base allow rule (sandboxes.md §1)
POLICY_KEYWORDS = ("allow", "errno", "deny", "include")
SECCOMP_NOTIFY_FD = "anon_inode:seccomp notify"


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def copy_proc_app(workdir):
    """workdir/procs/proc_app.py, readable by the app's user."""
    return app_dir(workdir, "procs", PROC_APP)


def ipc_names():
    """Keys and names no one else uses: a SysV segment and queue, a POSIX
    queue, a /dev/shm file."""
    tag = "%08x" % random.getrandbits(32)
    return {"shm_key": str(random.randrange(1 << 24, 1 << 30)),
            "msg_key": str(random.randrange(1 << 24, 1 << 30)),
            "mq": "/sg-escape-" + tag, "shm_file": "sg-escape-" + tag}


@pytest.fixture(params=["system", "user"])
def proc_cell(request, sandgate, workdir):
    """A cell serving proc_app.py. Before it starts, the app's user creates
    the IPC objects of ipc_names() on the host (mode 0600) and the app's
    import is told to look for them (ipc_probe.json); they are removed on
    teardown. .ipc holds their names."""
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    runner, uid, gid = mode_users(request, mode)
    directory = copy_proc_app(workdir)
    names = ipc_names()
    (directory / "ipc_probe.json").write_text(json.dumps(names))
    (directory / "ipc_probe.json").chmod(0o644)
    cell = Cell(None, mode, uid, gid, directory, script="proc_app.py")
    created = cell.unconfined("ipc_create", **names)
    request.addfinalizer(lambda: cell.unconfined("ipc_remove", **names))
    assert created["ok"], created
    cell.sg = sandgate("--http", "127.0.0.1:%d" % free_port(), directory / "proc_app.py",
                       user=runner, ready_path="/?attack=none")
    cell.ipc = names
    return cell


# ---------------------------------------------------------------- row 13

def test_host_processes_have_no_proc_entry_13(proc_cell):
    """Row 13, other users' /proc/<pid> (environ, cmdline, ...): "Not
    visible (ENOENT)". The gateway and the test runner, by their host
    pids: no /proc entry in the cell, so neither cmdline nor environ can be
    read. The cell's /proc lists its own processes only, all of its user.
    Unconfined, both entries are there and the cmdline is readable."""
    sg = proc_cell.sg
    inside = fields(proc_cell.attack("pids")["detail"])
    listed = inside["pids"].split(",")
    assert inside["uids"] == str(proc_cell.uid), inside
    assert len(listed) == len(cell_tree(sg)), (inside, cell_tree(sg))
    for pid in (sg.proc.pid, os.getpid()):
        assert str(pid) not in listed, (pid, listed)
        got = proc_cell.attack("proc_entry", pid=pid)
        seen = fields(got["detail"])
        assert not got["ok"] and got["errno"] == errno.ENOENT, (pid, got)
        assert seen["cmdline"] == "ENOENT" and seen["environ"] == "ENOENT", (pid, got)
        outside = proc_cell.unconfined("proc_entry", pid=pid)
        assert outside["ok"] and fields(outside["detail"])["cmdline"] == "ok", (pid, outside)


# ---------------------------------------------------------------- row 32

class TwoCells:
    """A gateway serving proc_app.py twice, as apps "a" (3 workers) and
    "b", both as the same user, on one HTTP listener (/a/, /b/)."""

    def __init__(self, sg, uid, gid, directory):
        self.sg = sg
        self.uid = uid
        self.gid = gid
        self.dir = directory

    def zygote(self, app):
        """The zygote of app: the gateway's child started with --name app."""
        def named():
            for pid in children_of(self.sg.proc.pid):
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
                if b"--name" in argv and argv[argv.index(b"--name") + 1] == app.encode():
                    return pid
            return None
        pid = wait_until(named)
        assert pid, "no zygote for app %s" % app
        return pid

    def attack(self, app, name, **args):
        resp = self.sg.get("/%s/?%s" % (app, urlencode(dict(attack=name, **args))))
        assert resp.status == 200, resp.body
        return resp.json()

    def answers(self, app):
        resp = self.sg.get("/%s/?attack=none" % app, timeout=10)
        return resp.status == 404 and b"attacks" in resp.body


@pytest.fixture(params=["system", "user"])
def two_cells(request, sandgate, workdir):
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    runner, uid, gid = mode_users(request, mode)
    app = copy_proc_app(workdir) / "proc_app.py"
    addr = "127.0.0.1:%d" % free_port()
    conf = workdir / "two-cells.conf"
    conf.write_text(
        'listeners = ( { http = "%s"; } );\n'
        'apps = (\n'
        '  { name = "a"; module = "%s"; processes = 3; route = { prefix = "/a"; }; },\n'
        '  { name = "b"; module = "%s"; route = { prefix = "/b"; }; }\n'
        ');\n' % (addr, app, app))
    conf.chmod(0o644)
    sg = sandgate("-c", conf, http=[addr], user=runner, ready_path="/a/?attack=none")
    assert sg.wait_ready("/b/?attack=none"), sg.stderr_text()[-4000:]
    return TwoCells(sg, uid, gid, app.parent)


def same_user_sleeper(cells):
    """A process of the cells' user on the host, outside every cell."""
    argv = ["sleep", "600"]
    if IS_ROOT:
        argv = setpriv(cells.uid, cells.gid) + argv
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)


def test_kill_all_stays_in_the_cell_32(two_cells):
    """Row 32, kill(-1) and kill(daemon_pid): "Only jail processes die".
    A worker of cell a sends kill(-1, SIGKILL): it reaches the other
    workers of its cell only. The cell's pid 1, its zygote, is spared by
    the kernel (kill(-1) never signals the caller's pid-namespace init)
    and forks new workers; the gateway reports the killed ones. The
    gateway, cell b (same user) and a host process of the same user all
    live on, though the kernel would let that uid kill each of them
    without the pid namespace (in user mode the gateway runs as that user
    too). kill(gateway's host pid, SIGKILL) from the cell gets ESRCH."""
    sg = two_cells.sg
    a, b = two_cells.zygote("a"), two_cells.zygote("b")
    a_workers, b_workers = children_of(a), sorted(children_of(b))
    assert len(a_workers) == 3 and b_workers, (a_workers, b_workers)
    sleeper = same_user_sleeper(two_cells)
    try:
        got = two_cells.attack("a", "kill_all")
        assert got["ok"], got
        seen = fields(got["detail"])
        assert len(seen["before"].split(",")) == 1 + len(a_workers), got
        # Of cell a's first workers, only the one that attacked is left.
        assert wait_until(lambda: sum(os.path.exists("/proc/%d" % p) for p in a_workers) == 1,
                          10), a_workers

        assert sleeper.poll() is None, "a host process of the same user was killed"
        assert sg.proc.poll() is None, "the gateway was killed"
        assert two_cells.zygote("b") == b and sorted(children_of(b)) == b_workers
        assert two_cells.answers("b")
        assert two_cells.zygote("a") == a
        assert wait_until(lambda: len(re.findall(r"app a: worker \d+ killed by signal 9",
                                                 sg.stderr_text())) == 2, 10), \
            sg.stderr_text()[-4000:]
        assert sg.wait_ready("/a/?attack=none")

        got = two_cells.attack("a", "kill", pid=sg.proc.pid, sig=int(signal.SIGKILL))
        assert not got["ok"] and got["errno"] == errno.ESRCH, got
        assert sg.proc.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


# ---------------------------------------------------------------- row 33

def test_host_ipc_objects_are_invisible_33(proc_cell):
    """Row 33, SysV/POSIX IPC crossing jails: "Other jails' keys
    invisible". A SysV shared-memory segment and message queue, a POSIX
    message queue and a /dev/shm file, all made on the host by the app's
    own user: at import (before the seccomp filter, so only the IPC
    namespace and the mount view stand in the way) each gets ENOENT; in a
    serving worker they stay out of reach (the filter also refuses the
    SysV and mqueue calls). Unconfined, the same user opens all four."""
    names = proc_cell.ipc
    outside = proc_cell.unconfined("ipc_probe", **names)
    assert outside["ok"] and set(fields(outside["detail"]).values()) == {"ok"}, outside

    at_import = proc_cell.attack("ipc_at_import")
    assert not at_import["ok"], at_import
    assert set(fields(at_import["detail"]).values()) == {"ENOENT"}, at_import

    serving = proc_cell.attack("ipc_probe", **names)
    assert not serving["ok"], serving
    assert fields(serving["detail"])["devshm"] == "ENOENT", serving


# ---------------------------------------------------------------- row 36

def policy_statements(path):
    """(line number, words) of each statement of a policy file."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if words:
            yield number, words


def test_no_policy_leaves_a_decision_to_user_space_36(workdir, monkeypatch):
    """Row 36, trusting SECCOMP_RET_USER_NOTIF: "Do not use unotify
    CONTINUE for policy". Every statement of every file in policies/ is
    allow, errno, deny, include or a @group: each verdict is the kernel's,
    and the project's own parser (`sandgate check`, one app per policy)
    compiles each of them. It has no other action: a policy asking for a
    notification is refused, naming the line."""
    files = sorted(POLICIES.glob("*.policy"))
    assert files
    others = [(f.name, n, words[0]) for f in files for n, words in policy_statements(f)
              if words[0] not in POLICY_KEYWORDS and not words[0].startswith("@")]
    assert not others, others
    app = hello_app(workdir)
    conf = workdir / "policies.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\napps = (\n%s\n);\n' % (
        free_port(), ",\n".join(
            '  { name = "p%d"; module = "%s"; policy = "%s"; route = { prefix = "/p%d"; }; }'
            % (i, app, f.stem, i) for i, f in enumerate(files))))
    out = integration_conftest.run_sandgate("check", "-c", conf)
    assert out.returncode == 0 and out.stdout.strip() == "%s: ok" % conf, out

    root = copy_install(workdir, "allow read           # reading\n"
                                 "notify write         # a supervisor would decide\n")
    monkeypatch.setattr(integration_conftest, "SANDGATE", root / "bin" / "sandgate")
    conf = workdir / "notify.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "hello"; module = "%s"; } );\n'
                    % (free_port(), hello_app(workdir)))
    out = integration_conftest.run_sandgate("check", "-c", conf)
    assert out.returncode == 1, out
    assert '%s:2: unknown statement "notify"' % (root / "policies" / "wsgi.policy") \
        in out.stderr, out.stderr


def fd_targets(pid):
    targets = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            targets.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            pass
    return targets


def test_the_cell_has_one_filter_and_no_supervisor_36(proc_cell):
    """Row 36 at run time: the zygote and every worker are in seccomp
    filter mode with exactly one filter (so no other, notifying one was
    stacked), the worker sees the same, and no process of the gateway or
    the cell holds a seccomp notification descriptor (a user-space
    supervisor would need one)."""
    tree = cell_tree(proc_cell.sg)
    for pid in tree:
        status = proc_status(pid)
        assert (status["Seccomp"], status["Seccomp_filters"]) == ("2", "1"), (pid, status)
    inside = fields(proc_cell.attack("seccomp_status")["detail"])
    assert (inside["seccomp"], inside["filters"]) == ("2", "1"), inside
    for pid in [proc_cell.sg.proc.pid] + tree:
        assert SECCOMP_NOTIFY_FD not in fd_targets(pid), pid
    outside = fields(proc_cell.unconfined("seccomp_status")["detail"])
    assert outside["seccomp"] == "0", outside


# ---------------------------------------------------------------- row 37

def allowed_syscalls(path, groups=None):
    """The syscall names a policy file allows (outright or on conditions),
    its includes first, a later rule for a syscall replacing an earlier."""
    groups = {} if groups is None else groups
    verdict = {}
    for _, words in policy_statements(path):
        if words[0] == "include":
            verdict.update((name, "allow") for name in allowed_syscalls(path.parent / words[1],
                                                                         groups))
        elif words[0].startswith("@") and len(words) > 1 and words[1] == "=":
            groups[words[0]] = words[2:]
        elif words[0] in ("allow", "deny", "errno"):
            target = words[1] if words[0] != "errno" else words[2]
            for name in groups.get(target, [target]):
                verdict[name] = words[0]
    return {name for name, action in verdict.items() if action == "allow"}


@pytest.mark.parametrize("policy", sorted(p.name for p in POLICIES.glob("*.policy")))
def test_allow_list_is_far_smaller_than_dockers_37(policy):
    """Row 37, kernel bugs behind allowed syscalls: "Only a smaller
    allow-list and a patched kernel help". Each policy allows at most
    half as many syscalls as Docker's default profile (about 361)."""
    allowed = allowed_syscalls(POLICIES / policy)
    assert "read" in allowed and "ptrace" not in allowed, sorted(allowed)
    assert len(allowed) <= DOCKER_ALLOWED // 2, (policy, len(allowed))


@pytest.mark.parametrize("attack", ["ptrace_attach", "process_vm_writev", "proc_self_mem"])
def test_dirty_cow_entry_points_fail_37(proc_cell, attack):
    """Row 37: the ways Dirty COW (CVE-2016-5195) wrote to memory it could
    only read fail in the cell: ptrace (PTRACE_ATTACH to a child of the
    worker), process_vm_writev, and a forced write through
    /proc/self/mem into a private read-only mapping. Unconfined, the same
    user does all three (the kernel allows them to a process's own user)."""
    inside = proc_cell.attack(attack)
    assert not inside["ok"], inside
    outside = proc_cell.unconfined(attack)
    assert outside["ok"], outside
