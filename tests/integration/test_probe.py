"""`sandgate check --probe` (sandgate(1), check): one line per sandbox layer,
found by trying it, and exit status 0 when every default layer is there;
as root (system mode) and as a normal user (user mode). This host (kernel
6.18, cgroup v1/v2 hybrid, Landlock ABI 7) has them all. A layer made to
fail (deny_syscall.py) is named and the status is 1."""
import re
import subprocess
from pathlib import Path

import pytest

from conftest import IS_ROOT, SANDGATE, free_port, run_sandgate

DENY_SYSCALL = Path(__file__).resolve().parents[1] / "escape" / "deny_syscall.py"
PYTHON = "/usr/bin/python3"
CLONE_NEWNET = 0x40000000
EPERM = 1

# Every line and what it must say on this host.
EXPECTED = {
    "user namespaces": r"yes \(unprivileged: yes\)",
    "mount namespace": r"yes",
    "pid namespace": r"yes",
    "ipc namespace": r"yes",
    "uts namespace": r"yes",
    "net namespace": r"yes \(lo up for \"loopback\": yes\)",
    "cgroup namespace": r"yes",
    "nested user namespaces": r"denied \(.*ENOSPC\)",
    "tmpfs": r"yes",
    "fresh /proc": r"yes",
    "pivot_root": r"yes",
    "mount_setattr": r"yes",
    "cgroup v2": r"yes \(.*controllers: .*\)",
    "cgroup v1": r"yes \(memory, pids, cpu\)",
    "cell limits": r"memory v[12].*, pids v[12].*, cpu v[12].*",
    "seccomp": r"yes \(filter flags: tsync, log\b.*; actions: kill_process, errno, log\b.*\)",
    "landlock": r"ABI [1-9]\d* \(filesystem\b.*\)",
    "openat2": r"yes\b.*",
}


def probe_lines(stdout):
    """{name: text} of the "name: text" lines."""
    return dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)


def assert_all_layers(out):
    assert out.returncode == 0, (out.stdout, out.stderr)
    lines = probe_lines(out.stdout)
    for name, pattern in EXPECTED.items():
        assert name in lines, (name, out.stdout)
        assert re.fullmatch(pattern, lines[name]), (name, lines[name])
    assert out.stdout.splitlines()[-1] == "probe: ok"


@pytest.mark.skipif(not IS_ROOT, reason="system mode needs root")
def test_probe_as_root():
    out = run_sandgate("check", "--probe")
    assert_all_layers(out)
    # As root the pids cgroup is a default: it must be writable.
    assert "pids v1 (not writable)" not in out.stdout
    assert "pids v2 (not writable)" not in out.stdout


def test_probe_as_normal_user(request):
    user = None
    if IS_ROOT:
        request.getfixturevalue("test_users")
        user = "sg-alice"
    out = run_sandgate("check", "--probe", user=user)
    assert_all_layers(out)
    assert "without root a limit needs a delegated cgroup" in out.stdout


def test_probe_with_config_checks_both(workdir, apps):
    """--probe -c FILE: the layers, then the file's verdict."""
    conf = workdir / "probe.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "hello"; module = "%s"; } );\n'
                    % (free_port(), apps / "hello.py"))
    out = run_sandgate("check", "--probe", "-c", conf)
    assert out.returncode == 0, (out.stdout, out.stderr)
    assert "probe: ok" in out.stdout
    assert out.stdout.strip().endswith("%s: ok" % conf)


def test_probe_names_a_missing_layer():
    """unshare(CLONE_NEWNET) denied: the net namespace is named, status 1."""
    argv = [PYTHON, str(DENY_SYSCALL), str(EPERM), "unshare", "0=%d" % CLONE_NEWNET, "--",
            str(SANDGATE), "check", "--probe"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 1, (out.stdout, out.stderr)
    lines = probe_lines(out.stdout)
    assert lines["net namespace"] == "no (unshare(CLONE_NEWNET) EPERM)"
    assert lines["mount namespace"] == "yes"
    assert "probe: missing: net namespace" in out.stdout
    assert "missing net namespace" in out.stderr
