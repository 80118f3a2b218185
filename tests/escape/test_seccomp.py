"""The seccomp layer (policies/wsgi.policy, sandbox/seccomp_build.c,
gateway/worker/seccomp_load.c): catalogue rows 6-21, 24, 26, 38 and 39 of
shared/research/sandboxes.md.

A try-syscall matrix like bubblewrap's: every call of seccomp_app.py runs
in a worker of a cell, where it must get the errno the policy gives it (or
be killed, for a foreign ABI), and unconfined, as plain /usr/bin/python3
as the same user outside sandgate, where it must succeed or fail
differently, so that a pass shows the filter made the difference. Where
the same user gets EPERM from the kernel anyway (a capability check), the
unconfined run is as root, for calls that are harmless as root (NULL
paths, bogus arguments, wrong magic). Positive controls show the filter
allows what it should, and the fail-closed tests that a policy which does
not compile, or a program that does not load, stops the cell."""
import errno
import json
import os
import platform
import shutil
import signal
import subprocess

import pytest

from conftest import (app_dir, children_of, start_cell, IS_ROOT, PYTHON, Cell, fields, free_port, gid_of, integration_conftest,
                      setpriv, uid_of)

SECCOMP_APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seccomp_app.py")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="the matrix uses x86_64 syscall numbers")

EPERM, ENOSYS = errno.EPERM, errno.ENOSYS
SIGSYS = signal.SIGSYS

# name in seccomp_app.py -> (errno in the cell, who shows the difference
# unconfined: "user" = the app's user, "root" = root (skipped if we are
# not), None = nobody: the kernel refuses it anyway outside)
DENIED = {
    # row 7: clone3's flags are out of BPF's reach
    "clone3": (ENOSYS, "user"),
    # row 9: namespaces, a nested user namespace above all
    "clone_newuser": (EPERM, "user"),
    "clone_newuser_newns": (EPERM, "user"),
    "clone_newuser_newnet": (EPERM, "user"),
    "clone_newuser_newpid": (EPERM, "user"),
    "clone_newuser_newipc_newuts_newcgroup": (EPERM, "user"),
    "unshare_newuser": (EPERM, "user"),
    "unshare_newuser_newnet": (EPERM, "user"),
    "setns": (EPERM, "user"),
    # rows 20, 21: socket families
    "socket_alg": (EPERM, "user"),
    "socket_packet": (EPERM, "root"),
    "socket_netlink": (EPERM, "user"),
    "socket_vsock": (EPERM, "user"),
    # rows 1-3, 39: ioctl allow-list, compared on the low 32 bits
    "ioctl_tiocsti": (EPERM, "user"),
    "ioctl_tiocsti_high_bits": (EPERM, "user"),
    "ioctl_tioclinux": (EPERM, "user"),
    # row 18
    "personality_read_implies_exec": (EPERM, "user"),
    # row 6
    "io_uring_setup": (EPERM, "user"),
    # row 8: the new mount API
    "open_tree": (EPERM, "user"),
    "fsopen": (EPERM, "root"),
    "move_mount": (EPERM, "root"),
    # row 10
    "mount": (EPERM, "user"),
    "umount2": (EPERM, "user"),
    "pivot_root": (EPERM, "root"),
    "chroot": (EPERM, "user"),
    # rows 11, 12: other processes
    "ptrace_traceme": (EPERM, "user"),
    "process_vm_readv": (EPERM, "user"),
    "pidfd_getfd": (EPERM, "user"),
    "kcmp": (EPERM, "user"),
    # row 14: keyrings
    "keyctl": (EPERM, "user"),
    "add_key": (EPERM, "user"),
    "request_key": (EPERM, "user"),
    # row 15
    "userfaultfd": (EPERM, "user"),
    # row 16
    "bpf": (EPERM, "user"),
    "perf_event_open": (EPERM, "user"),
    # row 17
    "init_module": (EPERM, "user"),
    "finit_module": (EPERM, "user"),
    "kexec_load": (EPERM, "user"),
    "reboot": (EPERM, "root"),
    "swapon": (EPERM, "root"),
    # row 24
    "open_by_handle_at": (EPERM, "root"),
    "name_to_handle_at": (EPERM, "user"),
    # row 26: no programs, no anonymous executable files
    "execve": (EPERM, "user"),
    "execveat": (EPERM, "user"),
    "subprocess": (EPERM, "user"),
    "memfd_create": (EPERM, "user"),
    # row 38: no set-id bits
    "chmod_setuid": (EPERM, "user"),
}

# Allowed by the policy: must work in the cell (positive controls).
ALLOWED = ["clone_plain", "thread", "unshare_files", "socket_inet", "socket_inet6",
           "socket_unix_high_bits", "ioctl_fionread", "ioctl_fionread_high_bits",
           "personality_query", "chmod_plain"]

# row 19: a foreign ABI is killed (SIGSYS), never answered.
KILLED = ["x32_getpid", "int80_getpid"]


class SeccompCell(Cell):
    """A cell serving seccomp_app.py; unconfined() runs the same calls with
    plain python3 outside sandgate."""

    def unconfined(self, name, as_root=False):
        argv = [PYTHON, str(self.dir / "seccomp_app.py"), name]
        if IS_ROOT and not as_root:
            argv = setpriv(self.uid, self.gid) + argv
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=str(self.dir))
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


@pytest.fixture(params=["system", "user"])
def seccomp_cell(request, sandgate, workdir):
    """A running cell with seccomp_app.py, in system mode (root) and user
    mode (unprivileged user namespaces)."""
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    directory = app_dir(workdir, "seccomp", SECCOMP_APP)
    sg, uid, gid = start_cell(request, sandgate, mode, directory / "seccomp_app.py",
                              "/?attack=status")
    return SeccompCell(sg, mode, uid, gid, directory)


def table(rows):
    return "\n".join("  %-40s %s" % row for row in rows)


# ---------------------------------------------------------------- the matrix

def test_denied_syscalls_get_their_errno(seccomp_cell):
    """Every denied call gets its errno in the cell; unconfined the same
    call succeeds or fails with another errno."""
    wrong, same_outside = [], []
    for name, (want, who) in DENIED.items():
        inside = seccomp_cell.attack(name)
        if inside["ok"] or inside["errno"] != want:
            wrong.append((name, "cell: %r, want errno %d" % (inside, want)))
            continue
        if who is None or (who == "root" and not IS_ROOT):
            continue
        outside = seccomp_cell.unconfined(name, as_root=(who == "root"))
        if not outside["ok"] and outside["errno"] == want:
            same_outside.append((name, "unconfined as %s: %r" % (who, outside)))
    assert not wrong, "calls the filter did not refuse as it should:\n" + table(wrong)
    assert not same_outside, ("calls that fail the same way unconfined, so the test "
                              "proves nothing:\n" + table(same_outside))


def test_allowed_calls_work(seccomp_cell):
    """What the policy allows works in the cell: a plain clone, a thread
    (clone3 gets ENOSYS, glibc falls back to clone), unshare
    without a namespace, AF_INET/AF_INET6 sockets, AF_UNIX even with bits
    above 32 (the rule compares the low 32 bits, as the kernel reads an
    int), FIONREAD even with such bits, the personality query, chmod
    without set-id bits."""
    failed = [(name, repr(r)) for name in ALLOWED for r in [seccomp_cell.attack(name)] if not r["ok"]]
    assert not failed, "allowed calls that failed in the cell:\n" + table(failed)


def test_foreign_abi_is_killed_19(seccomp_cell):
    """x32 (the 0x40000000 bit) and i386 (int 0x80) system calls kill the
    process (SIGSYS), in a child of the worker. Unconfined, int 0x80 works
    (IA32 emulation) and x32 gets an errno at most: never a signal."""
    for name in KILLED:
        inside = seccomp_cell.attack(name)
        assert fields(inside["detail"]).get("signal") == str(int(SIGSYS)), (name, inside)
        outside = seccomp_cell.unconfined(name)
        assert "signal" not in fields(outside["detail"]), (name, outside)


def test_every_process_of_the_cell_is_filtered(seccomp_cell):
    """/proc/<pid>/status from the host: the zygote and every worker are
    in seccomp filter mode (2) with one filter; the worker says so too."""
    inside = fields(seccomp_cell.attack("status")["detail"])
    assert inside["seccomp"] == "2" and inside["filters"] == "1", inside
    zygotes = children_of(seccomp_cell.sg.proc.pid)
    assert len(zygotes) == 1, zygotes
    workers = children_of(zygotes[0])
    assert workers, "the zygote has no workers"
    for pid in zygotes + workers:
        status = proc_status(pid)
        assert status["Seccomp"] == "2" and status["Seccomp_filters"] == "1", (pid, status)
    assert "seccomp filter loaded" in seccomp_cell.sg.stderr_text()


def test_filter_comes_after_the_import(sandgate, workdir):
    """The app's import runs before the filter (it may need more than
    serving does): an app that runs a program at import starts, and the
    same program is refused once it serves."""
    directory = workdir / "importexec"
    directory.mkdir(mode=0o755)
    app = directory / "app.py"
    app.write_text(
        "import subprocess\n"
        "AT_IMPORT = subprocess.run(['/bin/true']).returncode\n"
        "def application(environ, start_response):\n"
        "    try:\n"
        "        subprocess.run(['/bin/true'])\n"
        "        now = 'ran'\n"
        "    except OSError as e:\n"
        "        now = 'errno=%d' % e.errno\n"
        "    body = ('import=%d serve=%s' % (AT_IMPORT, now)).encode()\n"
        "    start_response('200 OK', [('Content-Length', str(len(body)))])\n"
        "    return [body]\n")
    app.chmod(0o644)
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), app)
    assert sg.get("/").body == b"import=0 serve=errno=1"


def test_file_wrapper_under_the_filter(sandgate, workdir):
    """wsgi.file_wrapper through the gateway with the filter on: the worker
    sends a file with sendfile(2), from an offset, and through the read()
    fallback (the integration suite drives the worker without a cell)."""
    import hashlib
    directory = workdir / "filewrap"
    directory.mkdir(mode=0o755)
    shutil.copy(os.path.join(REPO, "tests", "integration", "apps", "filewrap_app.py"),
                directory / "filewrap_app.py")
    (directory / "filewrap_app.py").chmod(0o644)
    data = os.urandom(3 << 20)
    (directory / "blob").write_bytes(data)
    (directory / "blob").chmod(0o644)
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), directory / "filewrap_app.py",
                  ready_path="/?path=%s" % (directory / "blob"))
    whole = sg.get("/?path=%s" % (directory / "blob"))
    assert whole.status == 200
    assert hashlib.sha256(whole.body).digest() == hashlib.sha256(data).digest()
    part = sg.get("/?path=%s&offset=1000" % (directory / "blob"))
    assert part.status == 200 and part.body == data[1000:]
    fallback = sg.get("/?path=%s&mode=fallback" % (directory / "blob"))
    assert fallback.status == 200 and fallback.body == data
    assert "seccomp filter loaded" in sg.stderr_text()


# ---------------------------------------------------------------- fail closed

def copy_install(workdir, policy_text):
    """bin/sandgate and bin/sandgate-worker copied from the build, with
    policy_text as policies/wsgi.policy (None: no policies directory)."""
    root = workdir / "install"
    (root / "bin").mkdir(parents=True)
    for name in ("sandgate", "sandgate-worker"):
        shutil.copy2(integration_conftest.BUILD_DIR / name, root / "bin" / name)
    if policy_text is not None:
        (root / "policies").mkdir()
        (root / "policies" / "wsgi.policy").write_text(policy_text)
    for path in [root] + list(root.rglob("*")):
        path.chmod(0o755 if path.is_dir() or path.parent.name == "bin" else 0o644)
    return root


def hello_app(workdir):
    app = workdir / "hello.py"
    app.write_text("def application(environ, start_response):\n"
                   "    start_response('200 OK', [('Content-Length', '2')])\n"
                   "    return [b'hi']\n")
    app.chmod(0o644)
    return app


BROKEN_POLICY = ("# a policy with two mistakes\n"
                 "allow read           # reading\n"
                 "allow opn            # a typo\n"
                 "allow write\n")


@pytest.mark.parametrize("policy, message", [
    (BROKEN_POLICY, 'seccomp: %(dir)s/wsgi.policy:3: unknown syscall "opn" (and 1 more problem)'),
    (None, "seccomp: no policy directory at"),
])
def test_policy_that_does_not_compile_stops_the_cell(sandgate, workdir, monkeypatch, policy,
                                                     message):
    """Fail closed: the cell does not start, requests get 503, and the log
    names the layer, the file and line (or the missing directory)."""
    root = copy_install(workdir, policy)
    monkeypatch.setattr(integration_conftest, "SANDGATE", root / "bin" / "sandgate")
    sg = sandgate("--http", "127.0.0.1:%d" % free_port(), hello_app(workdir), ready=False)
    want = message % {"dir": root / "policies"}
    assert sg.wait_for_log(want), sg.stderr_text()
    assert "cannot start its cell: " + want in sg.stderr_text()
    assert sg.wait_listening()
    assert sg.get("/").status == 503
    assert not children_of(sg.proc.pid), "a cell started without its filter"


def test_check_reports_policy_problems(workdir, monkeypatch):
    """`sandgate check` compiles the default policy and lists its problems
    as FILE:LINE: message, counted with the configuration's."""
    root = copy_install(workdir, BROKEN_POLICY)
    conf = workdir / "sandgate.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "hello"; module = "%s"; } );\n'
                    % (free_port(), hello_app(workdir)))
    conf.chmod(0o644)
    monkeypatch.setattr(integration_conftest, "SANDGATE", root / "bin" / "sandgate")
    out = integration_conftest.run_sandgate("check", "-c", conf)
    policy = root / "policies" / "wsgi.policy"
    assert out.returncode == 1, out
    assert '%s:3: unknown syscall "opn"' % policy in out.stderr
    assert '%s:4: "allow write" has no reason' % policy in out.stderr
    assert out.stdout.strip() == "%s: 2 problems" % conf


def run_worker(workdir, fd8=None):
    """sandgate-worker --seccomp with descriptor 8 = fd8 (or none) and no
    other descriptor but 0-2: it must refuse before anything else.
    Returns (exit status, its stderr)."""
    argv = [str(integration_conftest.BUILD_DIR / "sandgate-worker"), "--name", "t",
            "--app", str(hello_app(workdir)), "--processes", "1", "--seccomp"]
    log = workdir / "worker.log"
    log_fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    actions = [(os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)]
    if fd8 is not None:
        actions.append((os.POSIX_SPAWN_DUP2, fd8, 8))
    try:
        pid = os.posix_spawn(argv[0], argv, {"ASAN_OPTIONS": "detect_leaks=0"},
                             file_actions=actions)
    finally:
        os.close(log_fd)
        if fd8 is not None:
            os.close(fd8)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), log.read_text()


def unsealed_program():
    fd = os.memfd_create("sandgate-test", os.MFD_CLOEXEC)
    os.write(fd, b"\x06\x00\x00\x00\x00\x00\xff\x7f")  # one instruction: RET ALLOW
    return fd


def odd_sized_program():
    fd = os.memfd_create("sandgate-test", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, b"\x06\x00\x00\x00\x00\x00\xff")
    return fd


@pytest.mark.parametrize("make_fd8, message", [
    (unsealed_program, "seccomp: fd 8 is not sealed against changes"),
    (odd_sized_program, "seccomp: fd 8 holds 7 bytes, not 1..4096 instructions"),
])
def test_worker_refuses_a_program_it_cannot_trust(workdir, make_fd8, message):
    """The zygote checks descriptor 8 before anything else: a whole number
    of instructions, and sealed, so nobody could have rewritten it."""
    rc, log = run_worker(workdir, make_fd8())
    assert rc != 0 and message in log, (rc, log)


def test_worker_without_its_program_fails(workdir):
    """--seccomp and no descriptor 8: the cell does not start."""
    rc, log = run_worker(workdir)
    assert rc != 0 and "seccomp: fstat(fd 8): Bad file descriptor" in log, (rc, log)


# ---------------------------------------------------------------- helpers

def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
