"""`sandgate serve` with its own HTTP listener (P1-P4): app spec forms,
workers, big bodies, recycling, Unix-socket access control, and which user
the app runs as."""
import concurrent.futures
import hashlib
import json
import os
import stat
import subprocess

import pytest

from conftest import (IS_ROOT, as_user, free_port, gid_of, needs_root, parse_http_response,
                      raw_exchange, run_sandgate, uid_of, curl)


def http_addr():
    return "127.0.0.1:%d" % free_port()


def test_hello_with_http_client_and_curl_P3(sandgate, apps):
    """The HTTP listener answers http.client and curl; P3: Connection: close;
    W13: a Date header."""
    sg = sandgate("--http", http_addr(), apps / "hello.py")
    resp = sg.get("/")
    assert resp.status == 200
    assert resp.body == b"Hello from sandgate\n"
    assert resp.header("Connection", "").lower() == "close"
    assert resp.header("Date")
    out = curl("-i", sg.url + "/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 200")
    assert out.stdout.endswith(b"Hello from sandgate\n")


@pytest.mark.parametrize("spec, expected", [
    (["{apps}/hello.py"], b"Hello from sandgate\n"),
    (["apps/hello.py"], b"Hello from sandgate\n"),
    (["{apps}/hello.py:custom"], b"Hello from the custom callable\n"),
    (["{apps}/app_only.py"], b"Hello from app\n"),
    (["--chdir", "{apps}", "--pythonpath", "{apps}", "hellopkg.wsgi:application"],
     b"Hello from hellopkg.wsgi\n"),
    (["--chdir", "{apps}", "--pythonpath", "{apps}", "hellopkg.wsgi"],
     b"Hello from hellopkg.wsgi\n"),
], ids=["file", "relative-file", "file-callable", "default-app", "module-callable",
        "module-default"])
def test_app_spec_forms(sandgate, apps, spec, expected):
    """APP is file.py[:callable] or package.module[:callable]; the callable
    defaults to `application`, then `app`."""
    args = [part.format(apps=apps) for part in spec]
    sg = sandgate("--http", http_addr(), *args)
    resp = sg.get("/")
    assert resp.status == 200, resp.body
    assert resp.body == expected


def test_processes_gives_distinct_workers(sandgate, apps):
    """--processes 3: three requests held at once are served by three workers."""
    sg = sandgate("--http", http_addr(), "--processes", "3", apps / "uid_app.py")
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: sg.get("/hold?s=2"), range(3)))
    assert all(a.status == 200 for a in answers), answers
    workers = {a.json()["worker"] for a in answers}
    pids = {a.json()["pid"] for a in answers}
    assert len(workers) == 3 and len(pids) == 3


def test_head_has_no_body_C9(sandgate, apps):
    """C9: HEAD gets the head and no body."""
    sg = sandgate("--http", http_addr(), apps / "hello.py")
    port = int(sg.url.rsplit(":", 1)[1])
    raw = raw_exchange(("tcp", ("127.0.0.1", port)),
                       b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    resp = parse_http_response(raw)
    assert resp.status == 200
    assert resp.body == b""


def write_big_file(path, mib):
    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(block)
            digest.update(block)
    os.chmod(path, 0o644)
    return digest.hexdigest()


def test_body_cut_off_by_the_app_resets_the_connection_W13(sandgate, apps):
    """W13: an exception after the head aborts the connection. The answer
    has no Content-Length and ends at the close, so only a reset tells the
    client that its body is not whole: curl fails (56) instead of exiting 0."""
    sg = sandgate("--http", http_addr(), apps / "body_raise_app.py")
    out = curl("-i", sg.url + "/?after")
    assert out.returncode == 56, (out.returncode, out.stdout, out.stderr)
    assert b"Connection reset by peer" in out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 200") and out.stdout.endswith(b"\r\n\r\nfirst chunk\n")
    assert sg.get("/?before").status == 500   # the worker serves on


def test_download_50MiB_W12(sandgate, apps):
    """W12: 50 MiB through wsgi.file_wrapper, checksum intact."""
    expected = write_big_file(apps / "big.bin", 50)
    sg = sandgate("--http", http_addr(), apps / "big_app.py")
    digest, count = hashlib.sha256(), [0]

    def sink(chunk):
        digest.update(chunk)
        count[0] += len(chunk)
    resp = sg.get("/download", sink=sink)
    assert resp.status == 200
    assert count[0] == 50 << 20
    assert digest.hexdigest() == expected


def test_upload_10MiB_W10(sandgate, apps):
    """W10: a 10 MiB body reaches the app whole, wsgi.input stops at its end."""
    body = os.urandom(10 << 20)
    sg = sandgate("--http", http_addr(), apps / "big_app.py")
    resp = sg.get("/upload", method="POST", body=body,
                  headers={"Content-Type": "application/octet-stream"})
    assert resp.status == 200, resp.body
    assert resp.body.decode().split() == [hashlib.sha256(body).hexdigest(), str(len(body))]


def test_upload_with_curl(sandgate, apps, workdir):
    """curl --data-binary @file (with its Expect: 100-continue, W13)."""
    path = workdir / "upload.bin"
    path.write_bytes(os.urandom(3 << 20))
    sg = sandgate("--http", http_addr(), apps / "big_app.py")
    out = curl("--data-binary", "@%s" % path, "-H", "Content-Type: application/octet-stream",
               sg.url + "/upload")
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == [hashlib.sha256(path.read_bytes()).hexdigest(),
                                          str(3 << 20)]


def test_max_body_413_B5(sandgate, apps):
    """B5: a body over --max-body is refused with 413 before the app runs."""
    sg = sandgate("--http", http_addr(), "--max-body", "1000", apps / "big_app.py")
    assert sg.get("/upload", method="POST", body=b"x" * 2000).status == 413
    small = sg.get("/upload", method="POST", body=b"x" * 500)
    assert small.status == 200
    assert small.body.split()[1] == b"500"


def test_max_requests_recycles_worker(sandgate, apps):
    """--max-requests 2 with one process: after two requests a fresh worker
    (another process) serves."""
    sg = sandgate("--http", http_addr(), "--processes", "1", "--max-requests", "2",
                  apps / "uid_app.py")
    answers = [sg.get("/") for _ in range(6)]
    assert all(a.status == 200 for a in answers), answers
    workers = [a.json()["worker"] for a in answers]
    assert len(set(workers)) >= 2, workers


def test_access_log(sandgate, apps, workdir):
    """--access-log FILE gets a line for a served request."""
    log = workdir / "access.log"
    if IS_ROOT:  # opened as the app's user, nobody, who cannot create it here
        log.touch()
        os.chown(log, uid_of("nobody"), -1)
    sg = sandgate("--http", http_addr(), "--access-log", log, apps / "hello.py")
    assert sg.get("/logged-path").status == 200
    sg.stop()
    assert "/logged-path" in log.read_text()


# ---- HTTP on a Unix socket: SO_PEERCRED allow-list (P4)

PEER_SCRIPT = r"""
import errno, json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
try:
    s.connect(sys.argv[1])
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(json.dumps({"response": data.decode("latin-1")}))
except OSError as e:
    print(json.dumps({"error": errno.errorcode.get(e.errno, str(e))}))
"""


def request_as(user, sock_path):
    """GET / over the Unix socket from a process running as user; returns
    {"response": raw text} or {"error": errno name}."""
    out = subprocess.run(as_user(user) + ["/usr/bin/python3", "-c", PEER_SCRIPT, sock_path],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def served(result):
    return result.get("response", "").startswith("HTTP/1.1 200")


def test_unix_http_default_mode_0600_owner_allowed_P4(sandgate, apps, workdir):
    """P4: the HTTP socket is created 0600 and its owner is served."""
    sock = workdir / "admin.sock"
    sg = sandgate("--http", "unix:%s" % sock, apps / "hello.py")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    assert os.stat(sock).st_uid == os.geteuid()
    resp = sg.get("/")
    assert resp.status == 200 and resp.body == b"Hello from sandgate\n"


@needs_root
def test_unix_http_other_user_cannot_connect_0600_P4(sandgate, apps, workdir, test_users):
    """P4: with the default 0600 mode another user cannot even connect."""
    sock = workdir / "admin.sock"
    sandgate("--http", "unix:%s" % sock, apps / "hello.py")
    result = request_as("sg-bob", str(sock))
    assert not served(result), result


@needs_root
def test_unix_http_peer_not_on_list_refused_P4(sandgate, apps, workdir, test_users):
    """P4: socket mode 0666 lets sg-bob connect, but SO_PEERCRED says he is
    not the owner nor on the allow-list: refused (closed, or 403), never a 200."""
    sock = workdir / "admin.sock"
    sg = sandgate("--http", "unix:%s" % sock, "--socket-mode", "0666", apps / "hello.py")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o666
    result = request_as("sg-bob", str(sock))
    assert result.get("error") != "EACCES", result   # the mode let him connect...
    assert not served(result), result                 # ...SO_PEERCRED kept him out
    assert sg.get("/").status == 200                  # the owner still is served


@needs_root
def test_unix_http_allow_uid_lets_peer_in_P4(sandgate, apps, workdir, test_users):
    """P4: --allow-uid sg-bob puts sg-bob on the list; sg-alice stays out."""
    sock = workdir / "admin.sock"
    sandgate("--http", "unix:%s" % sock, "--socket-mode", "0666", "--allow-uid", "sg-bob",
             apps / "hello.py")
    assert served(request_as("sg-bob", str(sock)))
    assert not served(request_as("sg-alice", str(sock)))


# ---- SCGI socket modes (S8)

def test_scgi_socket_default_mode_0660_S8(sandgate, apps, workdir):
    """S8: the app's SCGI socket is created 0660 by default."""
    sock = workdir / "app.sock"
    sandgate("--scgi", "unix:%s" % sock, apps / "hello.py")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o660


def test_socket_mode_option_S8(sandgate, apps, workdir):
    """--socket-mode sets the mode of every Unix socket the command creates."""
    direct, routed = workdir / "app.sock", workdir / "routed.sock"
    sandgate("--scgi", "unix:%s" % direct, "--scgi", "unix:%s" % routed,
             "--socket-mode", "0640", apps / "hello.py")
    assert stat.S_IMODE(os.stat(direct).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(routed).st_mode) == 0o640


@needs_root
def test_socket_group_option_S8(sandgate, apps, workdir):
    """--socket-group www-data gives the sockets to the front end's group
    (mode stays 0660), the way nginx/Apache workers get in."""
    sock = workdir / "app.sock"
    sandgate("--scgi", "unix:%s" % sock, "--socket-group", "www-data", apps / "hello.py")
    assert os.stat(sock).st_gid == gid_of("www-data")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o660


def test_world_writable_scgi_socket_refused_S8(apps, workdir):
    """S8: a mode that lets any local user write an SCGI socket (and forge
    REMOTE_USER) is refused at start-up."""
    out = run_sandgate("serve", "--scgi", "unix:%s/app.sock" % workdir,
                       "--socket-mode", "0666", apps / "hello.py")
    assert out.returncode != 0
    assert "0666" in out.stderr or "mode" in out.stderr.lower()


# ---- who the app runs as

@needs_root
def test_root_runs_app_as_nobody_by_default(sandgate, apps):
    """As root without --user the app runs as nobody (and the gateway says so)."""
    sg = sandgate("--http", http_addr(), apps / "uid_app.py")
    who = sg.get("/").json()
    assert who["uid"] == uid_of("nobody") and who["euid"] == uid_of("nobody")
    assert who["gid"] == gid_of("nobody")
    assert "nobody" in sg.stderr_text()


@needs_root
def test_user_option_runs_app_as_that_user(sandgate, apps, test_users):
    """--user sg-alice: uid, gid and no supplementary groups of root's."""
    sg = sandgate("--http", http_addr(), "--user", "sg-alice", apps / "uid_app.py")
    who = sg.get("/").json()
    assert who["uid"] == uid_of("sg-alice") and who["euid"] == uid_of("sg-alice")
    assert who["gid"] == gid_of("sg-alice")
    assert set(who["groups"]) <= {gid_of("sg-alice")}


@needs_root
def test_user_root_refused(apps):
    """--user root is refused: non-zero exit and a message naming root."""
    out = run_sandgate("serve", "--http", http_addr(), "--user", "root", apps / "hello.py")
    assert out.returncode != 0
    assert "root" in out.stderr.lower()


@needs_root
def test_unprivileged_mode_runs_app_as_caller(sandgate, apps, test_users):
    """Run by a normal user (sg-alice), sandgate builds cells with user
    namespaces and the app runs as sg-alice."""
    sg = sandgate("--http", http_addr(), apps / "uid_app.py", user="sg-alice")
    who = sg.get("/").json()
    assert who["uid"] == uid_of("sg-alice")


@pytest.mark.skipif(IS_ROOT, reason="covered as sg-alice by test_unprivileged_mode_runs_app_as_caller")
def test_unprivileged_mode_as_current_user(sandgate, apps):
    """Run by a normal user directly: the app runs as that user."""
    sg = sandgate("--http", http_addr(), apps / "uid_app.py")
    assert sg.get("/").json()["uid"] == os.getuid()
