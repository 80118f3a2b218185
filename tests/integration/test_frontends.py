"""frontends = [ "www-data" ]: who may connect to a shared Unix listener
(gateway/peer_check.c), checked with SO_PEERCRED.

A shared SCGI socket whose group lets www-data and sg-bob in (bob gets the
group here, so that the file permissions would admit him): nginx running
as www-data reaches the app through it, sg-bob connecting directly is
refused (403, or a reset if his request was not read yet; logged once however often he retries), root always gets in.
A listener's own allow_uids overrides frontends there. Without frontends
the socket's mode alone decides, as before: sg-bob gets in.
"""
import subprocess

import pytest

from conftest import (IO_TIMEOUT, WEB_USER, gid_of, needs_root, nginx_scgi_location,
                      parse_cgi_response, scgi_request, wait_until)

pytestmark = needs_root

CONF = '''\
%(frontends)s
listeners = ( { scgi = "unix:%(sock)s"; socket_group = "%(web)s"; %(extra)s } );
apps = ( { name = "hello"; module = "%(app)s"; processes = 1; } );
'''

# sg-bob with www-data's group: the socket's 0660 lets him connect.
BOB_CLIENT = '''\
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(%d)
s.connect(sys.argv[1])
body = b"CONTENT_LENGTH\\0" + b"0\\0" + b"SCGI\\0" + b"1\\0" + b"REQUEST_METHOD\\0GET\\0" \\
    + b"REQUEST_URI\\0/\\0PATH_INFO\\0/\\0SCRIPT_NAME\\0\\0QUERY_STRING\\0\\0" \\
    + b"SERVER_NAME\\0x\\0SERVER_PORT\\080\\0SERVER_PROTOCOL\\0HTTP/1.1\\0"
data = b""
try:
    s.sendall(str(len(body)).encode() + b":" + body + b",")
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except (BrokenPipeError, ConnectionResetError):
    # Refused before the request was read: the close resets it.
    data = data or b"RESET"
sys.stdout.buffer.write(data)
''' % IO_TIMEOUT


def as_bob_in_web_group(sock):
    argv = ["setpriv", "--reuid=sg-bob", "--regid=sg-bob",
            "--groups=%d" % gid_of(WEB_USER), "/usr/bin/python3", "-c", BOB_CLIENT, str(sock)]
    proc = subprocess.run(argv, capture_output=True, timeout=IO_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def refused(out):
    return out == b"RESET" or parse_cgi_response(out).status == 403


def served(out):
    resp = parse_cgi_response(out)
    return resp is not None and resp.status == 200 and resp.body == b"Hello from sandgate\n"


def start(sandgate, workdir, apps, frontends, extra=""):
    sock = workdir / "shared.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(CONF % {"frontends": frontends, "sock": sock, "web": WEB_USER,
                            "extra": extra, "app": apps / "hello.py"})
    sg = sandgate("-c", conf, scgi=["unix:%s" % sock])
    return sg, sock


def test_nginx_in_bob_out(sandgate, nginx, workdir, apps, test_users):
    sg, sock = start(sandgate, workdir, apps, 'frontends = [ "%s" ];' % WEB_USER)
    ng = nginx(nginx_scgi_location("/", "unix:%s" % sock))
    resp = ng.get("/")
    assert resp.status == 200, resp.body
    assert resp.body == b"Hello from sandgate\n"
    for _ in range(3):
        assert refused(as_bob_in_web_group(sock))
    uid = test_users["sg-bob"].pw_uid
    line = "refused a connection to unix:%s from uid %d" % (sock, uid)
    assert sg.wait_for_log(line)
    assert sg.stderr_text().count(line) == 1
    assert "refused" not in sg.stderr_text().replace(line, "")
    # Root always gets in.
    assert scgi_request("unix:%s" % sock, "/").status == 200
    assert ng.get("/").status == 200


def test_allow_uids_override_frontends(sandgate, workdir, apps, test_users):
    _, sock = start(sandgate, workdir, apps, 'frontends = [ "%s" ];' % WEB_USER,
                    'allow_uids = [ "sg-bob" ];')
    assert served(as_bob_in_web_group(sock))


def test_without_frontends_the_socket_mode_decides(sandgate, workdir, apps, test_users):
    _, sock = start(sandgate, workdir, apps, "")
    assert served(as_bob_in_web_group(sock))
