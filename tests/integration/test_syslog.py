"""`syslog = true`: the gateway logs through syslog(3) instead of stderr.
glibc's syslog writes to /dev/log; the test runs sandgate in a private
mount namespace where /dev/log is the test's own datagram socket."""
import os
import signal
import socket
import subprocess

import pytest

from conftest import BUILD_DIR, IS_ROOT, free_port, http_request, wait_until

SETUP = """
set -e
mkdir -p "$W/hostdev"
mount --rbind /dev "$W/hostdev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for n in null zero full random urandom; do
    touch "/dev/$n"; mount --bind "$W/hostdev/$n" "/dev/$n"
done
touch /dev/log; mount --bind "$W/log.sock" /dev/log
exec "$SANDGATE" serve -c "$W/sandgate.conf"
"""


@pytest.mark.skipif(not IS_ROOT, reason="needs root for a private mount namespace")
def test_syslog_setting_sends_the_gateway_log_to_syslog(workdir, apps):
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(str(workdir / "log.sock"))
    os.chmod(workdir / "log.sock", 0o666)
    sink.settimeout(1)
    port = free_port()
    (workdir / "sandgate.conf").write_text(
        'syslog = true;\n'
        'listeners = ( { http = "127.0.0.1:%d"; } );\n'
        'apps = ( { name = "hello"; module = "%s"; } );\n' % (port, apps / "hello.py"))
    env = dict(os.environ, W=str(workdir), SANDGATE=str(BUILD_DIR / "sandgate"))
    proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", SETUP],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        def served():
            try:
                return http_request("http://127.0.0.1:%d" % port, "/", timeout=2).status == 200
            except OSError:
                return False
        assert wait_until(served), proc.stderr.read1().decode(errors="replace") if proc.poll() else ""
        lines = []
        for _ in range(20):
            try:
                lines.append(sink.recv(4096).decode(errors="replace"))
            except socket.timeout:
                break
            if any("app hello ready" in line for line in lines):
                break
        assert any("sandgate" in l and "app hello ready" in l for l in lines), lines
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        sink.close()
    assert proc.returncode == 0, err
    assert b"app hello ready" not in err  # it went to syslog, not stderr
