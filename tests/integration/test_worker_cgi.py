"""sandgate-worker --cgi on its own (no gateway, no namespaces), driven
through the descriptors of gateway/cellproto.h by worker_driver.py: CGI
dispatch messages (SG_PROTO_CGI_SCGI with the client socket,
SG_PROTO_CGI_LAUNCH with a socket standing in for mod_cgid's), scripts in
a temporary directory. Rules: protocols.md C6-C11, E1.

    cd tests/integration && /usr/bin/python3 -m pytest test_worker_cgi.py
"""
import hashlib
import json
import os
import shutil
import socket
import textwrap
import threading
import time

import pytest

from cgi_fixtures import memory_scan_py
from worker_driver import (CTL_TIMEOUT, PROTO_CGI_SCGI, SLOT_BUSY, WORKER, Worker,
                           read_all)

pytestmark = pytest.mark.skipif(not WORKER.exists(), reason="%s is not built" % WORKER)

MIB = 1 << 20


def cgi_env(script, method="GET", body_len=None, uri=None, extra=()):
    """A script's environment as the gateway's cgi_env.c leaves it."""
    name = "/~t/cgi-bin/" + os.path.basename(script)
    env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method,
           "REQUEST_URI": uri or name + "/x?q=1", "QUERY_STRING": "q=1",
           "SCRIPT_NAME": name, "PATH_INFO": "/x", "SCRIPT_FILENAME": str(script),
           "SERVER_NAME": "example.test", "SERVER_PORT": "80",
           "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "test",
           "REMOTE_ADDR": "127.0.0.1", "PATH": "/usr/local/bin:/usr/bin:/bin"}
    if body_len is not None:
        env["CONTENT_LENGTH"] = str(body_len)
    env.update(extra)
    return list(env.items())


def write_script(directory, name, text, mode=0o755):
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    path.chmod(mode)
    return path


def alive(pid):
    """Running and not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_file(path, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise TimeoutError("%s never written" % path)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    d = tmp_path_factory.mktemp("cgi-bin")
    write_script(d, "env.py", """
        import json, os, sys
        body = sys.stdin.buffer.read()
        sys.stdout.write("Content-Type: application/json\\r\\n\\r\\n")
        json.dump({"argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ),
                   "stdin": body.decode("latin-1"), "name": __name__, "file": __file__,
                   "path0": sys.path[0]}, sys.stdout)
    """)
    write_script(d, "state.py", """
        import json
        json.sandgate_counter = getattr(json, "sandgate_counter", 0) + 1
        print("Content-Type: text/plain")
        print()
        print(json.sandgate_counter)
    """)
    write_script(d, "shebang-python.cgi", """
        #!/usr/bin/python3
        import sys
        print("Content-Type: text/plain\\n")
        print("argv0=" + sys.argv[0])
    """)
    write_script(d, "hello.sh", """
        #!/bin/sh
        printf 'Content-Type: text/plain\\r\\n\\r\\n'
        echo "shell says $QUERY_STRING in $(pwd)"
        cat
    """)
    write_script(d, "hello.pl", """
        #!/usr/bin/perl
        use strict;
        print "Content-Type: text/plain\\r\\n\\r\\n";
        my $body = do { local $/; <STDIN> };
        print "perl says $ENV{REQUEST_METHOD} ", length($body), "\\n";
    """)
    write_script(d, "nph-raw.sh", """
        #!/bin/sh
        printf 'HTTP/1.1 201 Made It\\r\\nContent-Type: text/plain\\r\\nX-Nph: yes\\r\\n\\r\\nnph body'
    """)
    write_script(d, "redirect.sh", """
        #!/bin/sh
        printf 'Location: https://example.test/elsewhere\\n\\n'
    """)
    write_script(d, "bad.sh", """
        #!/bin/sh
        echo "this is not a header"
        echo
    """)
    write_script(d, "fail.py", """
        import sys
        sys.stdout.write("Content-Type: text/plain\\n\\npartial")
        sys.stdout.flush()
        raise RuntimeError("boom from the script")
    """)
    write_script(d, "exit3.sh", """
        #!/bin/sh
        printf 'Status: 404 Not Here\\n\\n'
        exit 3
    """)
    write_script(d, "big.py", """
        # 1 MiB out before reading 1 MiB in: deadlocks unless the worker
        # buffers the output while the web server is still writing the body
        import hashlib, os, sys
        out = sys.stdout.buffer
        out.write(b"Content-Type: application/octet-stream\\r\\n\\r\\n")
        out.write(b"x" * (1 << 20))
        out.flush()
        body = sys.stdin.buffer.read(int(os.environ["CONTENT_LENGTH"]))
        out.write(("\\n%d %s\\n" % (len(body), hashlib.sha256(body).hexdigest())).encode())
    """)
    write_script(d, "stderr.sh", """
        #!/bin/sh
        echo "a line for the error log" >&2
        printf 'Content-Type: text/plain\\n\\nok\\n'
    """)
    return d


# A compiled seccomp program (struct sock_filter[], e.g. of
# policies/cgi-exec.policy) to run the shared worker under, with
# --seccomp-log: every call the policy denies fails the module.
SECCOMP = os.environ.get("SANDGATE_TEST_CGI_SECCOMP")


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    prog = open(SECCOMP, "rb").read() if SECCOMP else None
    w = Worker(tmp_path_factory.mktemp("cgi-worker"), None, cgi=True, processes=2,
               seccomp=prog)
    yield w
    w.stop()
    assert not w.sanitizer_reports(), w.log()
    assert "seccomp: denied" not in w.log(), w.log()


@pytest.fixture
def make_worker(tmp_path):
    made = []

    def make(**kwargs):
        w = Worker(tmp_path / ("w%d" % len(made)), None, cgi=True, **kwargs)
        made.append(w)
        return w
    yield make
    for w in made:
        w.stop()


# ---------------------------------------------------------------- Python

def test_python_hello_env_argv_stdin_stdout(worker, scripts):
    """C6, C11: the body on stdin, the env block as os.environ, argv[0] the
    script, the working directory the script's, run as __main__."""
    script = scripts / "env.py"
    body = b"name=value&x=1"
    r, done = worker.cgi_scgi(cgi_env(script, "POST", len(body)), script, body, request_id=5)
    assert r.status == 200, (r, worker.log())
    got = json.loads(r.body)
    assert got["stdin"] == body.decode()
    assert got["argv"] == [str(script)]
    assert got["cwd"] == str(scripts)
    assert got["name"] == "__main__" and got["file"] == str(script)
    assert got["path0"] == str(scripts)
    assert got["env"]["QUERY_STRING"] == "q=1" and got["env"]["CONTENT_LENGTH"] == str(len(body))
    assert "SANDGATE" not in json.dumps(got["env"]) and "ASAN_OPTIONS" not in got["env"]
    assert done == {"request_id": 5, "status": 200, "exit_status": 0}


def test_python_module_state_not_shared(worker, scripts):
    """Each request is a fresh fork of the warm interpreter."""
    script = scripts / "state.py"
    for i in range(4):
        r, done = worker.cgi_scgi(cgi_env(script), script, request_id=i + 1)
        assert r.status == 200 and r.body.strip() == b"1", r


def test_python_shebang_runs_warm(worker, scripts):
    """A "#!...python3" script without .py runs in the warm interpreter:
    argv[0] is its path, not /dev/fd/3 as after an exec."""
    script = scripts / "shebang-python.cgi"
    r, _ = worker.cgi_scgi(cgi_env(script), script)
    assert r.status == 200 and r.body.strip() == b"argv0=" + str(script).encode(), r


def test_python_exception_exit_status(worker, scripts):
    """The traceback goes to stderr (the cell's log), the exit status is 1."""
    script = scripts / "fail.py"
    r, done = worker.cgi_scgi(cgi_env(script), script, request_id=8)
    assert r.status == 200 and r.body == b"partial", r
    assert done["exit_status"] == 1 << 8
    worker.wait_log("RuntimeError: boom from the script")


# ---------------------------------------------------------------- exec'd scripts

def test_shell_cgi(worker, scripts):
    script = scripts / "hello.sh"
    r, done = worker.cgi_scgi(cgi_env(script, "POST", 5), script, b"hello", request_id=3)
    assert r.status == 200, (r, worker.log())
    assert r.body == b"shell says q=1 in %s\nhello" % str(scripts).encode()
    assert done == {"request_id": 3, "status": 200, "exit_status": 0}


@pytest.mark.skipif(not shutil.which("perl"), reason="no perl")
def test_perl_cgi(worker, scripts):
    script = scripts / "hello.pl"
    r, _ = worker.cgi_scgi(cgi_env(script, "PUT", 4), script, b"abcd")
    assert r.status == 200 and r.body == b"perl says PUT 4\n", (r, worker.log())


def test_exit_status_in_done_note(worker, scripts):
    script = scripts / "exit3.sh"
    r, done = worker.cgi_scgi(cgi_env(script), script, request_id=4)
    assert r.status == 404 and r.reason == "Not Here"
    assert done == {"request_id": 4, "status": 404, "exit_status": 3 << 8}


def test_stderr_to_the_log(worker, scripts):
    script = scripts / "stderr.sh"
    r, _ = worker.cgi_scgi(cgi_env(script), script)
    assert r.status == 200
    worker.wait_log("a line for the error log")


@pytest.mark.skipif(not os.path.exists("/usr/lib/git-core/git-http-backend"), reason="no git")
def test_git_http_backend(worker, tmp_path):
    """git http-backend behind a shell wrapper, and the git upload-pack it
    runs: the refs of a bare repository."""
    import subprocess
    repo = tmp_path / "repos" / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    script = write_script(tmp_path, "git.cgi", """
        #!/bin/sh
        export GIT_PROJECT_ROOT=%s GIT_HTTP_EXPORT_ALL=1
        exec git http-backend
    """ % repo.parent)
    env = cgi_env(script, extra={"PATH_INFO": "/r.git/info/refs",
                                 "QUERY_STRING": "service=git-upload-pack"})
    r, done = worker.cgi_scgi(env, script)
    assert r.status == 200, (r, worker.log())
    assert r.header("Content-Type") == "application/x-git-upload-pack-advertisement"
    assert r.body.startswith(b"001e# service=git-upload-pack\n"), r
    assert done["exit_status"] == 0


def test_hgweb(worker, tmp_path):
    """Mercurial's hgweb as a CGI script (wsgicgi), in the warm interpreter."""
    pytest.importorskip("mercurial")
    import subprocess
    repo = tmp_path / "h"
    subprocess.run(["hg", "init", str(repo)], check=True)
    script = write_script(tmp_path, "hgweb.cgi", """
        #!/usr/bin/python3
        from mercurial import demandimport; demandimport.enable()
        from mercurial.hgweb import hgweb, wsgicgi
        wsgicgi.launch(hgweb(b"%s"))
    """ % repo)
    env = cgi_env(script, extra={"PATH_INFO": "", "QUERY_STRING": "cmd=capabilities"})
    r, done = worker.cgi_scgi(env, script)
    assert r.status == 200, (r, worker.log())
    assert b"unbundle" in r.body and done["exit_status"] == 0, r


# ---------------------------------------------------------------- output (C7-C10)

def test_nph_over_scgi(worker, scripts):
    """C10: the HTTP/1.1 status line becomes Status:, the rest passes."""
    script = scripts / "nph-raw.sh"
    r, done = worker.cgi_scgi(cgi_env(script), script, nph=True)
    assert r.raw.startswith(b"Status: 201 Made It\r\n"), r
    assert r.header("X-Nph") == "yes" and r.body == b"nph body"
    assert done["status"] == 201


def test_head_body_dropped(worker, scripts):
    """C9: HEAD gets the head, not the body the script wrote."""
    script = scripts / "hello.sh"
    r, done = worker.cgi_scgi(cgi_env(script, "HEAD"), script)
    assert r.status == 200 and r.header("Content-Type") == "text/plain"
    assert r.body == b"", r


def test_location_becomes_302(worker, scripts):
    """C8: Location without Status is 302 Found, explicitly."""
    script = scripts / "redirect.sh"
    r, done = worker.cgi_scgi(cgi_env(script), script)
    assert r.raw.startswith(b"Status: 302 Found\r\n"), r
    assert r.header("Location") == "https://example.test/elsewhere"
    assert done["status"] == 302


def test_bad_output_502(worker, scripts):
    """C7: output that is not a CGI head is the script's fault: 502."""
    script = scripts / "bad.sh"
    r, done = worker.cgi_scgi(cgi_env(script), script, request_id=12)
    assert r.status == 502, r
    assert done == {"request_id": 12, "status": 502, "exit_status": 0}
    worker.wait_log("bad output, 502")


def test_scgi_output_held_until_the_body_is_in(worker, tmp_path):
    """nginx stops sending the request body once the response head arrives:
    over SCGI nothing goes out before the whole body has been read, even
    when the script writes first (else it waits for the rest for ever)."""
    import select
    marker = tmp_path / "wrote"
    script = write_script(tmp_path, "early.py", """
        import sys
        sys.stdout.write("Content-Type: text/plain\\n\\nearly\\n")
        sys.stdout.flush()
        open(%r, "w").write("1")
        print(len(sys.stdin.buffer.read()))
    """ % str(marker))
    client, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with client:
        worker.send_cgi(cgi_env(script, "POST", 2000), script, [server_end.fileno()], 4)
        server_end.close()
        client.sendall(b"a" * 1000)
        wait_file(marker)
        # the head is written; the worker must not pass it on yet
        assert select.select([client], [], [], 0.5)[0] == [], client.recv(100)
        client.sendall(b"b" * 1000)  # what nginx would no longer send
        out = read_all(client)
    assert out.endswith(b"\r\n\r\nearly\n2000\n"), out
    assert worker.recv_done()["status"] == 200


# ---------------------------------------------------------------- the launcher path

def test_launch_output_unmodified(worker, scripts):
    """LAUNCH: the web server parses the output, so it is copied as is;
    the done note has status 0 (something was written) and the wait
    status; the web server sees EOF when the script is done."""
    script = scripts / "redirect.sh"
    web, err_r = worker.cgi_launch(cgi_env(script), script, request_id=21)
    with web:
        out = read_all(web)
    os.close(err_r)
    assert out == b"Location: https://example.test/elsewhere\n\n"
    assert worker.recv_done(with_exit=True) == {"request_id": 21, "status": 0, "exit_status": 0}


def test_launch_nph_status_line_rewritten(worker, scripts):
    """C10 on the launcher path: the web server runs sandgate-cgi, not an
    nph- script, and would refuse "HTTP/1.1 201": it becomes Status."""
    script = scripts / "nph-raw.sh"
    web, err_r = worker.cgi_launch(cgi_env(script), script, request_id=22, nph=True)
    with web:
        out = read_all(web)
    os.close(err_r)
    assert out == b"Status: 201 Made It\r\nContent-Type: text/plain\r\nX-Nph: yes\r\n\r\nnph body"
    assert worker.recv_done(with_exit=True) == {"request_id": 22, "status": 0, "exit_status": 0}


def test_launch_stderr_to_web_server(worker, scripts):
    script = scripts / "stderr.sh"
    web, err_r = worker.cgi_launch(cgi_env(script), script)
    with web:
        out = read_all(web)
    with os.fdopen(err_r, "rb") as f:
        err = f.read()
    assert out == b"Content-Type: text/plain\n\nok\n"
    assert err == b"a line for the error log\n"
    worker.recv_done()


def test_launch_one_mib_each_way(worker, scripts):
    """Like mod_cgid: fd 0 and fd 1 one socket, the whole 1 MiB body written
    before any output is read, while the script writes 1 MiB before it
    reads. The worker must buffer the output and keep reading the body."""
    script = scripts / "big.py"
    body = os.urandom(MIB)
    web, err_r = worker.cgi_launch(cgi_env(script, "POST", len(body)), script, request_id=31)
    with web:
        web.sendall(body)  # all of it before reading, as mod_cgid does
        out = read_all(web)
    os.close(err_r)
    head, _, rest = out.partition(b"\r\n\r\n")
    assert head == b"Content-Type: application/octet-stream"
    assert rest[:MIB] == b"x" * MIB
    assert rest[MIB:] == b"\n%d %s\n" % (MIB, hashlib.sha256(body).hexdigest().encode())
    assert worker.recv_done(with_exit=True) == {"request_id": 31, "status": 0, "exit_status": 0}


def test_launch_with_pipes(worker, scripts):
    """A web server that gives its CGI programs pipes (mod_cgi, lighttpd):
    the pipes are the web server's, their flags untouched; the worker reads
    once after POLLIN and writes at most PIPE_BUF after POLLOUT."""
    script = scripts / "big.py"
    body = os.urandom(MIB)
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    worker.send_cgi(cgi_env(script, "POST", len(body)), script, [in_r, out_w, err_w], 3,
                    request_id=32)
    for fd in (in_r, out_w, err_w):
        os.close(fd)

    def feed():
        with open(in_w, "wb") as f:
            f.write(body)
    writer = threading.Thread(target=feed)
    writer.start()
    with open(out_r, "rb") as f:
        out = f.read()
    writer.join(30)
    os.close(err_r)
    tail = b"\n%d %s\n" % (MIB, hashlib.sha256(body).hexdigest().encode())
    assert out == b"Content-Type: application/octet-stream\r\n\r\n" + b"x" * MIB + tail
    assert worker.recv_done(with_exit=True) == {"request_id": 32, "status": 0, "exit_status": 0}


def test_launch_body_to_eof_without_content_length(worker, scripts):
    """E1: no CONTENT_LENGTH on the launcher path: the body ends at EOF."""
    script = scripts / "hello.sh"
    web, err_r = worker.cgi_launch(cgi_env(script, "POST"), script)
    with web:
        web.sendall(b"until eof")
        web.shutdown(socket.SHUT_WR)
        out = read_all(web)
    os.close(err_r)
    assert out.endswith(b"\r\n\r\nshell says q=1 in %s\nuntil eof" % str(scripts).encode())
    worker.recv_done()


# ---------------------------------------------------------------- the script's identity

def test_swapped_script_refused(worker, scripts, tmp_path):
    """The gateway checked one file; the path now names another (same
    name, new inode): refused, nothing runs, the reason is logged."""
    script = scripts / "env.py"
    other = tmp_path / "other.py"
    other.write_text("print('never')\n")
    st = os.stat(other)
    r, done = worker.cgi_scgi(cgi_env(script), script, request_id=41,
                              dev_ino=(st.st_dev, st.st_ino))
    assert r.status == 403, r
    assert done == {"request_id": 41, "status": 403, "exit_status": -1}
    worker.wait_log("not the file the gateway checked")
    # the launcher path: the worker writes the 403 to the web server's
    # stdout (the launcher let go of it once the job was queued)
    web, err_r = worker.cgi_launch(cgi_env(script), script, request_id=42,
                                   dev_ino=(st.st_dev, st.st_ino))
    with web:
        assert read_all(web).startswith(b"Status: 403 Forbidden\r\n")
    os.close(err_r)
    assert worker.recv_done(with_exit=True) == {"request_id": 42, "status": 403,
                                                "exit_status": -1}


def test_symlinked_script_refused(worker, scripts, tmp_path):
    """openat2 RESOLVE_NO_SYMLINKS: a link to the checked file is refused."""
    link = tmp_path / "link.py"
    link.symlink_to(scripts / "env.py")
    st = os.stat(scripts / "env.py")
    r, done = worker.cgi_scgi(cgi_env(link), link, dev_ino=(st.st_dev, st.st_ino))
    assert r.status == 403 and done["exit_status"] == -1, r


# ---------------------------------------------------------------- killing

def test_background_child_killed_when_script_exits(worker, scripts, tmp_path):
    """A child the script leaves running, even in a session of its own,
    is killed once the script's main process exits."""
    pidfile = tmp_path / "bg.pid"
    script = write_script(tmp_path, "bg.sh", """
        #!/bin/sh
        setsid sleep 1000 </dev/null >/dev/null 2>&1 &
        echo $! > %s
        printf 'Content-Type: text/plain\\n\\nleft a child\\n'
    """ % pidfile)
    r, done = worker.cgi_scgi(cgi_env(script), script)
    assert r.status == 200 and r.body == b"left a child\n", r
    pid = int(wait_file(pidfile))
    assert not alive(pid), "the background child %d is still running" % pid


def test_hanging_script_killed_at_timeout(make_worker, tmp_path):
    """The gateway's TIMEOUT (SIGUSR1 through the zygote) kills the script's
    group and every descendant, even one in a session of its own; nothing
    was sent, so the answer is 504, and the done note says so."""
    w = make_worker(processes=1)
    pidfile = tmp_path / "pids"
    script = write_script(tmp_path, "hang.sh", """
        #!/bin/sh
        setsid sleep 1000 </dev/null >/dev/null 2>&1 &
        sleep 1000 &
        echo "$$ $!" > %s
        sleep 1000
    """ % pidfile)
    result = {}

    def run():
        result["r"], result["done"] = w.cgi_scgi(cgi_env(script), script, request_id=51)
    t = threading.Thread(target=run)
    t.start()
    pids = [int(p) for p in wait_file(pidfile).split()]
    slot = w.wait_slots(lambda ss: ss[0]["state"] == SLOT_BUSY)[0]
    assert all(alive(p) for p in pids)
    w.send_ctl(CTL_TIMEOUT, 0, slot["pid"])
    t.join(30)
    assert result["r"].status == 504, result
    assert result["done"]["status"] == 504 and result["done"]["request_id"] == 51
    assert result["done"]["exit_status"] == 9  # the script's sh, SIGKILL
    for p in pids:
        assert not alive(p), "process %d survived the timeout" % p
    w.wait_log("timed out: killed it and its descendants")
    # the worker carries on (a new one is forked)
    script2 = write_script(tmp_path, "ok.sh", """
        #!/bin/sh
        printf 'Content-Type: text/plain\\n\\nstill here\\n'
    """)
    r, _ = w.cgi_scgi(cgi_env(script2), script2)
    assert r.body == b"still here\n", (r, w.log())


def test_script_that_kills_its_worker_does_not_outlive_it(make_worker, tmp_path):
    """A script may kill its own worker (same uid): the worker's subreaper
    then dies with it, and the script with what it started is reparented to
    the zygote, which kills every child that is not a worker in CGI mode
    (review finding 4: they used to run as long as the cell)."""
    w = make_worker(processes=1)
    pidfile = tmp_path / "pids"
    script = write_script(tmp_path, "killer.sh", """
        #!/bin/sh
        setsid sleep 1000 </dev/null >/dev/null 2>&1 &
        echo "$$ $!" > %s
        kill -9 $PPID
        exec sleep 1000
    """ % pidfile)
    client, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with client:
        w.send_cgi(cgi_env(script), script, [server_end.fileno()], PROTO_CGI_SCGI, 71)
        server_end.close()
        pids = [int(p) for p in wait_file(pidfile).split()]
        assert read_all(client) == b""  # the worker died: nothing was sent
    w.wait_log("killed by signal 9")
    deadline = time.monotonic() + 20
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in pids if alive(p)], w.log()
    # the zygote forks a new worker, which serves the next script
    script2 = write_script(tmp_path, "ok2.sh", """
        #!/bin/sh
        printf 'Content-Type: text/plain\\n\\nstill here\\n'
    """)
    r, _ = w.cgi_scgi(cgi_env(script2), script2)
    assert r.body == b"still here\n", (r, w.log())


def test_python_script_cannot_read_earlier_requests(make_worker, tmp_path):
    """A Python script's process is a fork of the worker: it must not find
    in its own memory, nor in the worker's, what earlier requests to the
    worker carried: their bodies, their output, their stderr, their
    environment (review findings 5 and 2.1). Script A is sent tokens that B
    never sees; B scans both for the marker and lists what follows it."""
    w = make_worker(processes=1)
    token = os.urandom(12).hex()
    a = write_script(tmp_path, "a.py", """
        import sys
        body = sys.stdin.buffer.read()
        sys.stderr.write("err SGLEAK-E" + body.decode()[8:] + "\\n")
        sys.stdout.write("Content-Type: text/plain\\n\\nout SGLEAK-O" + body.decode()[8:])
    """)
    # Its own memory and its parent's, the worker's (readable here: the
    # tests run as root; in a cell the worker is not dumpable,
    # test_cgi_escape.py).
    b = write_script(tmp_path, "b.py", memory_scan_py('("self", str(os.getppid()))'))
    body = ("SGLEAK-B" + token).encode()
    env_a = cgi_env(a, "POST", len(body), extra=[("HTTP_X_SECRET", "y" * 2000 + "SGLEAK-H" + token)])
    r, _ = w.cgi_scgi(env_a, a, body)
    assert r.status == 200 and token in r.body.decode(), (r, w.log())
    r, _ = w.cgi_scgi(cgi_env(b), b)
    assert r.status == 200, (r, w.log())
    assert token not in r.body.decode(), "B read A's data in its memory: %s" % r.body


def test_launch_timeout_504_in_done_note(make_worker, tmp_path):
    """LAUNCH: nothing was written, so the worker writes the 504 to the web
    server's stdout itself, and the done note says so."""
    w = make_worker(processes=1)
    script = write_script(tmp_path, "hang2.sh", """
        #!/bin/sh
        exec sleep 1000
    """)
    web, err_r = w.cgi_launch(cgi_env(script), script, request_id=61)
    slot = w.wait_slots(lambda ss: ss[0]["state"] == SLOT_BUSY)[0]
    w.send_ctl(CTL_TIMEOUT, 0, slot["pid"])
    with web:
        out = read_all(web)
    os.close(err_r)
    assert out.startswith(b"Status: 504 Gateway Timeout\r\n")
    assert out.endswith(b"\r\n\r\n504 Gateway Timeout\n")
    assert w.recv_done(with_exit=True) == {"request_id": 61, "status": 504, "exit_status": 9}


# ---------------------------------------------------------------- the worker itself

def test_wsgi_message_refused_by_cgi_worker(worker, scripts):
    """A --cgi worker takes CGI messages only (and an app worker none)."""
    client = worker.open_dispatch("/x", request_id=71)
    with client:
        assert read_all(client) == b""
    worker.wait_log("not a CGI request, and this is a CGI worker")


def test_cgi_and_app_exclusive(tmp_path):
    import subprocess
    r = subprocess.run([str(WORKER), "--name", "t", "--cgi", "--app", "x.py", "--processes",
                        "1"], capture_output=True, text=True)
    assert r.returncode == 2 and "not with --app" in r.stderr
