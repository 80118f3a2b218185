"""The CGI transport: sandgate-cgi (gateway/cgi_launcher.c) and the gateway's
launcher socket (gateway/cgi_conn.c), cgi_launch_proto.h between them.

These tests check the transport, not the decision: whatever cgi_route.c
answers (a refusal with its status and reason), the launcher must write
that status as a CGI response, print the reason to stderr and exit with the
verdict's code. The launcher runs here as the web server would run it:
a CGI environment, stdin/stdout/stderr of its own.
"""
import array
import os
import socket
import struct
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import IO_TIMEOUT, BUILD_DIR, needs_root, scgi_request, wait_until

LAUNCHER = BUILD_DIR / "sandgate-cgi"
LAUNCH_MAGIC = 0x53474331
VERDICT_MAGIC = 0x53474356
VERDICT = struct.Struct("=IIiiiI200s")
# enum sg_cgi_exit
EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_SOFTWARE, EXIT_NOPERM = 64, 69, 70, 77
CHECK_CODES = {102, 104, 107, 108, 114, 115, 116, 117, 118, 119, 120, 121, 122}

CONF = '''\
%(frontends)s
%(cgi)s
listeners = (
    { launcher = "unix:%(sock)s"; %(extra)s }
);
apps = ( { name = "hello"; module = "%(app)s"; processes = 1;
           socket = "unix:%(app_sock)s"; } );
'''

CGI_ENV = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
           "PATH_INFO": "/~sg-alice/cgi-bin/env.py/x", "SCRIPT_NAME": "/sandgate-cgi",
           "QUERY_STRING": "q=1", "SERVER_PROTOCOL": "HTTP/1.1",
           "REDIRECT_STATUS": "200", "REDIRECT_URL": "/~sg-alice/cgi-bin/env.py/x"}


def start(sandgate, workdir, apps, frontends="", extra="", cgi=""):
    sock = workdir / "cgi.sock"
    app_sock = workdir / "hello.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(CONF % {"frontends": frontends, "sock": sock, "extra": extra, "cgi": cgi,
                            "app": apps / "hello.py", "app_sock": app_sock})
    sg = sandgate("-c", conf, scgi=["unix:%s" % app_sock])
    assert sg.wait_for_log("listening for CGI launchers on unix:%s" % sock)
    return sg, sock


def run_launcher(sock, env=None, argv=(), user=None, body=None):
    full = dict(CGI_ENV if env is None else env)
    if sock is not None:
        full["SANDGATE_CGI_SOCKET"] = str(sock)
    cmd = [str(LAUNCHER)] + list(argv)
    if user:
        cmd = ["setpriv", "--reuid=%s" % user, "--regid=%s" % user, "--clear-groups"] + cmd
    if body is None:
        return subprocess.run(cmd, env=full, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=IO_TIMEOUT)
    return subprocess.run(cmd, env=full, input=body, capture_output=True, timeout=IO_TIMEOUT)


def status_written(out):
    """The NNN of a 'Status: NNN Reason' head the launcher wrote, or None."""
    head, sep, body = out.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not sep or not lines[0].startswith(b"Status: ") or \
            b"Content-Type: text/plain" not in lines[1:]:
        return None
    code = int(lines[0].split()[1])
    assert body.startswith(b"%d " % code), out
    return code


# ---------------------------------------------------------------- the launcher alone

def test_outside_cgi_is_a_usage_error(workdir):
    proc = run_launcher(workdir / "none.sock", env={})
    assert proc.returncode == EXIT_USAGE
    assert b"usage: sandgate-cgi" in proc.stderr
    assert proc.stdout == b""


def test_arguments_are_ignored(workdir):
    """Apache passes a query string without '=' as argv (CGI's ISINDEX
    search string): not a usage error."""
    proc = run_launcher(workdir / "none.sock", argv=["foo", "bar"])
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    assert status_written(proc.stdout) == 503


def test_no_gateway_answers_503(workdir):
    proc = run_launcher(workdir / "none.sock")
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    assert status_written(proc.stdout) == 503
    assert proc.stderr.startswith(b"sandgate-cgi: cannot reach the gateway at ")


# ---------------------------------------------------------------- through the gateway

def test_refusal_comes_back_as_a_response(sandgate, workdir, apps):
    """The gateway's decision (today: cgi_route.c's) travels back intact:
    its status written on stdout, its reason on stderr, its exit code."""
    sg, sock = start(sandgate, workdir, apps)
    proc = run_launcher(sock)
    status = status_written(proc.stdout)
    assert status in (400, 403, 404, 500, 503), proc.stdout
    assert proc.returncode in CHECK_CODES | {EXIT_UNAVAILABLE, EXIT_SOFTWARE}
    assert proc.returncode != EXIT_UNAVAILABLE or status == 503
    line = proc.stderr.decode()
    assert line.startswith("sandgate-cgi: ") and line.endswith("\n"), line
    assert "cannot reach" not in line and "without a verdict" not in line
    assert sg.wait_for_log("cgi: refused")


@needs_root
def test_peer_not_in_frontends_refused(sandgate, workdir, apps, test_users):
    """sg-bob can open the socket (its group is his) but is no front end:
    403 and exit 77, logged once. allow_uids on the listener lets him in."""
    sg, sock = start(sandgate, workdir, apps, frontends='frontends = [ "www-data" ];',
                     extra='socket_group = "sg-bob";')
    proc = run_launcher(sock, user="sg-bob")
    assert proc.returncode == EXIT_NOPERM, proc.stderr
    assert status_written(proc.stdout) == 403
    assert b"may not use the launcher socket" in proc.stderr
    assert sg.wait_for_log("refused a connection to unix:%s from uid %d"
                           % (sock, int(subprocess.check_output(["id", "-u", "sg-bob"]))))
    # root is always a front end
    proc = run_launcher(sock)
    assert proc.returncode != EXIT_NOPERM


@needs_root
def test_allow_uids_lets_a_launcher_in(sandgate, workdir, apps, test_users):
    sg, sock = start(sandgate, workdir, apps, frontends='frontends = [ "www-data" ];',
                     extra='socket_group = "sg-bob"; allow_uids = [ "sg-bob" ];')
    proc = run_launcher(sock, user="sg-bob")
    assert proc.returncode != EXIT_NOPERM, proc.stderr
    assert b"may not use the launcher socket" not in proc.stderr
    assert b"cannot reach" not in proc.stderr
    assert status_written(proc.stdout) is not None


def test_concurrent_launchers_each_get_their_verdict(sandgate, workdir, apps):
    """64 launchers at once: each one gets the same answer as one alone,
    none is left without a verdict."""
    sg, sock = start(sandgate, workdir, apps)
    alone = run_launcher(sock)
    env = dict(CGI_ENV, SANDGATE_CGI_SOCKET=str(sock))
    procs = [subprocess.Popen([str(LAUNCHER)], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(64)]
    for p in procs:
        out, err = p.communicate(timeout=IO_TIMEOUT)
        assert p.returncode == alone.returncode, err
        assert status_written(out) == status_written(alone.stdout)
        assert err == alone.stderr


HOLDER = """
import socket, sys
held = []
for _ in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(sys.argv[1])
    except OSError:
        break
    held.append(s)
print(len(held), flush=True)
sys.stdin.read()
"""


@needs_root
def test_refused_uid_cannot_fill_the_table(sandgate, workdir, apps, test_users):
    """A uid that is no front end holding 300 connections takes at most an
    eighth of the 256 places: root's launcher still gets through."""
    sg, sock = start(sandgate, workdir, apps, frontends='frontends = [ "www-data" ];',
                     extra='socket_group = "sg-bob";')
    alone = run_launcher(sock)
    for _ in range(3):
        holder = subprocess.Popen(
            ["setpriv", "--reuid=sg-bob", "--regid=sg-bob", "--clear-groups",
             "/usr/bin/python3", "-c", HOLDER, str(sock)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert int(holder.stdout.readline()) == 300
            proc = run_launcher(sock)
        finally:
            holder.stdin.close()
            holder.wait(IO_TIMEOUT)
        if proc.stderr == alone.stderr:
            break
    assert (proc.returncode, proc.stderr) == (alone.returncode, alone.stderr)


def test_scgi_cgi_listener_never_routes(sandgate, workdir, apps):
    """An scgi listener with cgi = true hands every head to the CGI decision:
    the hello app, which a plain listener routes "/" to, never answers;
    the refusal comes back as an SCGI response, and a plain scgi listener
    beside it still routes."""
    cgi_sock, plain_sock = workdir / "cgi-scgi.sock", workdir / "plain.sock"
    sg, sock = start(sandgate, workdir, apps,
                     extra='}, { scgi = "unix:%s"; cgi = true; }, '
                           '{ scgi = "unix:%s";' % (cgi_sock, plain_sock))
    assert sg.wait_for_log("listening for SCGI (CGI) on unix:%s" % cgi_sock)
    resp = scgi_request("unix:%s" % cgi_sock, "/",
                        SCRIPT_FILENAME="/home/sg-alice/public_html/cgi-bin/env.py",
                        SCRIPT_NAME="/~sg-alice/cgi-bin/env.py")
    assert resp.status in (400, 403, 404, 500, 503), resp
    assert b"Hello" not in resp.body
    assert sg.wait_for_log("cgi: refused")
    resp = scgi_request("unix:%s" % plain_sock, "/")
    assert resp.status == 200 and resp.body == b"Hello from sandgate\n"


# ---------------------------------------------------------------- scripts that run

SCRIPTS = {
    "exits.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nexiting %s\\n' "
                "\"$QUERY_STRING\"\necho to-stderr >&2\nexit \"$QUERY_STRING\"\n",
    "killed.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nbye\\n'\n"
                 "kill -KILL $$\n",
    "echo.sh": "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\n"
               "exec cat\n",
    "whoami.py": "import os, sys\nsys.stdout.write('Content-Type: text/plain\\r\\n\\r\\n%d\\n'"
                 " % os.getuid())\n",
}


@pytest.fixture
def cgi_gateway(sandgate, workdir, apps, test_users):
    """A gateway whose cgi group runs sg-alice's scripts from
    WORKDIR/cgi/sg-alice (an absolute CGI root, so no home is touched)."""
    user = test_users["sg-alice"]
    top = workdir / "cgi"
    top.mkdir(mode=0o755)
    mine = top / "sg-alice"
    mine.mkdir(mode=0o755)
    for name, text in SCRIPTS.items():
        (mine / name).write_text(text)
        os.chmod(mine / name, 0o755)
        os.chown(mine / name, user.pw_uid, user.pw_gid)
    os.chown(mine, user.pw_uid, user.pw_gid)
    cgi = ('cgi = { allow = [ "sg-alice" ]; min_uid = 100; min_gid = 100; '
           'roots = [ "%s/%%u" ]; extensions = [ ".sh", ".py" ]; timeout = 30; };' % top)
    sg, sock = start(sandgate, workdir, apps, cgi=cgi,
                     extra='}, { scgi = "unix:%s/cgi-scgi.sock"; cgi = true;' % workdir)
    return sg, sock, mine, user


def script_env(directory, name, query="", method="GET"):
    return dict(CGI_ENV, REQUEST_METHOD=method, QUERY_STRING=query,
                PATH_INFO="/~sg-alice/%s" % name, PATH_TRANSLATED=str(directory / name),
                REDIRECT_URL="/~sg-alice/%s" % name,
                REQUEST_URI="/~sg-alice/%s" % name)


@needs_root
def test_script_output_status_and_stderr_pass_through(cgi_gateway):
    """The script's stdout reaches the web server unparsed, its stderr the
    web server's error log, its exit status becomes the launcher's."""
    sg, sock, mine, user = cgi_gateway
    proc = run_launcher(sock, env=script_env(mine, "exits.sh", "7"))
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == b"Content-Type: text/plain\r\n\r\nexiting 7\n"
    assert b"to-stderr" in proc.stderr and b"sandgate-cgi:" not in proc.stderr
    proc = run_launcher(sock, env=script_env(mine, "exits.sh", "0"))
    assert proc.returncode == 0 and proc.stdout.endswith(b"exiting 0\n")


@needs_root
def test_script_killed_by_a_signal(cgi_gateway):
    sg, sock, mine, user = cgi_gateway
    proc = run_launcher(sock, env=script_env(mine, "killed.sh"))
    assert proc.returncode == 128 + 9, proc.stderr
    assert proc.stdout.endswith(b"bye\n")


@needs_root
def test_body_read_to_eof_and_echoed(cgi_gateway):
    """Without CONTENT_LENGTH the body is the web server's stdin to its end
    (E1); 256 KiB each way through the passed descriptors."""
    sg, sock, mine, user = cgi_gateway
    body = os.urandom(256 << 10)
    proc = run_launcher(sock, env=script_env(mine, "echo.sh", method="POST"), body=body)
    assert proc.returncode == 0, proc.stderr
    head, _, echoed = proc.stdout.partition(b"\r\n\r\n")
    assert head == b"Content-Type: application/octet-stream"
    assert echoed == body


@needs_root
def test_script_runs_as_its_owner(cgi_gateway):
    sg, sock, mine, user = cgi_gateway
    proc = run_launcher(sock, env=script_env(mine, "whoami.py"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(b"\r\n\r\n", 1)[1] == b"%d\n" % user.pw_uid


@needs_root
def test_scgi_cgi_listener_runs_the_script(cgi_gateway, workdir):
    """The same script over an scgi listener with cgi = true: the client
    socket goes to the cell, the output comes back as an SCGI answer."""
    sg, sock, mine, user = cgi_gateway
    resp = scgi_request("unix:%s/cgi-scgi.sock" % workdir, "/~sg-alice/whoami.py",
                        SCRIPT_FILENAME=str(mine / "whoami.py"),
                        SCRIPT_NAME="/~sg-alice/whoami.py")
    assert resp.status == 200, resp
    assert resp.body == b"%d\n" % user.pw_uid


# ---------------------------------------------------------------- malformed messages

def raw_launch(sock, data, fds):
    """Sends one message as a launcher would and returns the verdict."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(IO_TIMEOUT)
    s.connect(str(sock))
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([data], anc)
    raw = s.recv(VERDICT.size + 16)
    s.close()
    assert len(raw) == VERDICT.size, raw
    magic, outcome, wait_status, http, code, _, reason = VERDICT.unpack(raw)
    assert magic == VERDICT_MAGIC
    return outcome, http, code, reason.split(b"\0")[0].decode()


def env_block(pairs):
    return b"".join(k + b"\0" + v + b"\0" for k, v in pairs)


GOOD_ENV = env_block([(b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"PATH_INFO", b"/~sg-alice/x.py")])


def message(env=GOOD_ENV, magic=LAUNCH_MAGIC, env_len=None):
    return struct.pack("=II", magic, len(env) if env_len is None else env_len) + env


@pytest.mark.parametrize("case,data,nfds,logged", [
    ("wrong magic", message(magic=VERDICT_MAGIC), 3, "wrong magic"),
    ("truncated env", message(env_len=len(GOOD_ENV) + 40), 3, "carries"),
    ("unterminated env", message(env=b"PATH_INFO\0/x"), 3, "without its NUL"),
    ("too many fds", message(), 4, "more than 3 descriptors"),
    ("too few fds", message(), 1, "fewer than 3 descriptors"),
    ("far too many fds", message(), 12, "more descriptors than it may send"),
])
def test_bad_message_refused_and_logged(sandgate, workdir, apps, case, data, nfds, logged):
    sg, sock = start(sandgate, workdir, apps)
    null = os.open("/dev/null", os.O_RDWR)
    try:
        outcome, http, code, reason = raw_launch(sock, data, [null] * nfds)
    finally:
        os.close(null)
    assert (outcome, http, code) == (3, 500, EXIT_SOFTWARE), (case, reason)
    assert logged in reason
    assert sg.wait_for_log("launcher on unix:%s: refused a message from uid 0: " % sock)
    assert logged in sg.stderr_text()


def test_directory_descriptor_refused(sandgate, workdir, apps):
    """A directory passed as stdin would reach the host's tree from the cell."""
    sg, sock = start(sandgate, workdir, apps)
    d = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    null = os.open("/dev/null", os.O_RDWR)
    try:
        outcome, http, code, reason = raw_launch(sock, message(), [d, null, null])
    finally:
        os.close(d)
        os.close(null)
    assert (outcome, http) == (3, 500) and "a directory" in reason
    assert sg.wait_for_log("a directory")


def test_empty_messages_with_descriptors_are_closed(sandgate, workdir, apps):
    """A message of 0 bytes may still carry descriptors (review finding 2):
    the gateway closes them, whether the message is the first one or comes
    after, so 50 such connections leave its descriptor count where it was."""
    sg, sock = start(sandgate, workdir, apps)
    fd_dir = "/proc/%d/fd" % sg.proc.pid
    null = os.open("/dev/null", os.O_RDWR)
    try:
        raw_launch(sock, message(), [null] * 3)          # warm up: one real exchange
        before = len(os.listdir(fd_dir))
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [null] * 8))]
        for i in range(50):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(str(sock))
            # odd: a real message first, so that the empty one is drained
            # after the refusal; the gateway may have closed by then (a
            # send that fails delivered nothing)
            for data in ([message(), b""] if i % 2 else [b""]):
                try:
                    s.sendmsg([data], anc)
                except (BrokenPipeError, ConnectionResetError):
                    break
            s.close()
        assert wait_until(lambda: len(os.listdir(fd_dir)) <= before + 2), \
            (before, len(os.listdir(fd_dir)))
    finally:
        os.close(null)
    assert sg.proc.poll() is None


# ---------------------------------------------------------------- bounded

def test_many_launchers_bounded(sandgate, workdir, apps):
    """Connections still sending their message are capped (256): past it a
    launcher gets 503 at once. Idle ones are dropped after 2 s, so the
    held ones are opened again on each attempt."""
    sg, sock = start(sandgate, workdir, apps)

    def attempt():
        held = []
        try:
            for _ in range(256):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.connect(str(sock))
                held.append(s)
            return run_launcher(sock)
        finally:
            for s in held:
                s.close()

    for _ in range(3):
        proc = attempt()
        if b"too many launchers" in proc.stderr:
            break
    assert b"too many launchers at once" in proc.stderr, proc.stderr
    assert proc.returncode == EXIT_UNAVAILABLE
    assert status_written(proc.stdout) == 503
    # and once they are gone, launchers are served again
    assert wait_until(lambda: b"too many" not in run_launcher(sock).stderr)


PEER_SERVER = r'''
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
import os; os.chmod(sys.argv[1], 0o666)
print("ready", flush=True)
c, _ = s.accept(); c.settimeout(10)
try:
    data = c.recv(1 << 17)
except OSError:
    data = b""
print("got %d" % len(data), flush=True)
'''


@needs_root
@pytest.mark.parametrize("runner", [None, "sg-bob"])
def test_launcher_checks_who_runs_the_socket(test_users, runner):
    """SANDGATE_CGI_SOCKET can come from a user's .htaccess: a listener run
    by sg-bob gets nothing from a launcher run by root (69, 503, a line
    naming the path and uid); a launcher run by sg-bob (user mode) sends."""
    d = Path(tempfile.mkdtemp(prefix="sg-peer-"))
    os.chmod(d, 0o777)
    sock = d / "evil.sock"
    server = subprocess.Popen(["setpriv", "--reuid=sg-bob", "--regid=sg-bob", "--clear-groups",
                               "/usr/bin/python3", "-c", PEER_SERVER, str(sock)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        proc = run_launcher(sock, user=runner)
        got = server.stdout.readline().strip()
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(d, ignore_errors=True)
    if runner is None:
        assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
        assert status_written(proc.stdout) == 503
        line = proc.stderr.decode()
        assert str(sock) in line and "uid %d" % test_users["sg-bob"].pw_uid in line, line
        assert got == "got 0", got
    else:
        assert got not in ("got 0", ""), (got, proc.stderr)
