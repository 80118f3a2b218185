"""`make install` and `make demo` (issue: build and first contact)."""
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD_DIR, http_request, wait_until

REPO = Path(__file__).resolve().parents[2]


def make(*args, **kwargs):
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO),
                           "BUILD=%s" % BUILD_DIR, *args],
                          capture_output=True, text=True, timeout=600, **kwargs)


def test_install_honours_prefix_and_destdir(tmp_path):
    dest = tmp_path / "dest"
    r = make("install", "DESTDIR=%s" % dest, "PREFIX=/opt/sg")
    assert r.returncode == 0, r.stderr
    root = dest / "opt/sg"
    for path in ["bin/sandgate", "libexec/sandgate/sandgate-worker",
                 "libexec/sandgate/sandgate-cgi", "share/man/man1/sandgate-cgi.1",
                 "share/man/man1/sandgate.1", "share/doc/sandgate/examples/sandgate.conf",
                 "share/doc/sandgate/examples/hello/app.py"]:
        assert (root / path).is_file(), path
    # the CGI launcher replaces suEXEC without being setuid
    for path in ["bin/sandgate", "libexec/sandgate/sandgate-worker",
                 "libexec/sandgate/sandgate-cgi"]:
        mode = (root / path).stat().st_mode
        assert mode & 0o111 and not mode & 0o6000, "%s must be executable, never setuid" % path
    out = subprocess.run([str(root / "bin/sandgate"), "version"], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.startswith("sandgate ")


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_make_demo_serves_hello_on_8080():
    if not port_free(8080):
        pytest.skip("port 8080 is in use on this machine")
    proc = subprocess.Popen(["make", "--no-print-directory", "-C", str(REPO),
                             "BUILD=%s" % BUILD_DIR, "demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    def hello_page():
        try:
            resp = http_request("http://127.0.0.1:8080", "/", timeout=5)
        except OSError:
            return None
        return resp if resp.status == 200 else None

    try:
        resp = wait_until(hello_page, timeout=120)
        assert resp, "make demo never answered on 127.0.0.1:8080"
        assert b"Hello from sandgate" in resp.body
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
