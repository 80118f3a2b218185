"""On-demand cells (issue 5, "Lifecycle"): with idle_timeout > 0 an app has
no cell until its first request, which starts one and waits for it; a cell
that served nothing for idle_timeout seconds stops completely (zero
processes) and the next request starts a new one. queue_timeout bounds how
long a routed request waits for the cell to start or for a free worker.

Process counts come from /proc: the gateway's descendants (of the app's uid,
in system mode). Every wait is bounded (wait_until); no timing assertions.
"""
import json
import os
import threading

import pytest

from conftest import (IS_ROOT, free_port, needs_root, nginx_scgi_location, run_sandgate,
                      scgi_request,
                      uid_of, wait_until, web_server_group_args)

HELLO = b"Hello from sandgate\n"
IDLE_LOG = "(idle_timeout); stopping its cell"
DEMAND_LOG = "a request came; starting its cell (on demand)"


def proc_table():
    """{pid: (ppid, uid)} of every process now."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/status" % name) as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            table[int(name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]))
        except (OSError, KeyError, ValueError):
            pass
    return table


def descendants(pid):
    table = proc_table()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in table.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def procs_of_uid(uid, under):
    """The processes of uid among the descendants of pid under (other tests
    on the host may run processes as the same test users)."""
    table = proc_table()
    return [pid for pid in descendants(under) if pid in table and table[pid][1] == uid]


def app_state(sock):
    out = run_sandgate("status", "--json", "-s", sock)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["apps"][0]["state"]


def wait_no_cell(sg):
    """True once the gateway has stopped the idle cell and no process of it
    is left."""
    return (wait_until(lambda: IDLE_LOG in sg.stderr_text(), 30)
            and wait_until(lambda: not descendants(sg.proc.pid), 30))


def test_direct_path_cell_on_demand_and_idle_to_zero(sandgate, workdir, apps):
    """Direct path: the gateway watches the app's socket without accepting;
    the connection waits in the backlog for the workers of the cell its
    arrival started."""
    direct = "unix:%s/app.sock" % workdir
    sg = sandgate("--scgi", direct, "--idle-timeout", "2", apps / "hello.py", ready=False)
    assert sg.wait_for_log("started: 1 app"), sg.stderr_text()
    assert not descendants(sg.proc.pid), "a cell before any request"
    resp = scgi_request(direct, "/")
    assert resp is not None and resp.status == 200 and resp.body == HELLO, sg.stderr_text()
    assert DEMAND_LOG in sg.stderr_text()
    assert wait_no_cell(sg), sg.stderr_text()[-3000:]
    resp = scgi_request(direct, "/")
    assert resp is not None and resp.status == 200 and resp.body == HELLO
    assert sg.stderr_text().count(DEMAND_LOG) == 2


def test_routed_path_cell_on_demand_and_idle_to_zero(sandgate, apps):
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, "--idle-timeout", "2", apps / "hello.py", ready=False)
    assert sg.wait_for_log("started: 1 app"), sg.stderr_text()
    assert not descendants(sg.proc.pid)
    resp = sg.get("/")
    assert resp.status == 200 and resp.body == HELLO, sg.stderr_text()[-3000:]
    assert wait_no_cell(sg), sg.stderr_text()[-3000:]
    resp = sg.get("/")
    assert resp.status == 200 and resp.body == HELLO
    assert sg.stderr_text().count(DEMAND_LOG) == 2


def test_without_idle_timeout_the_cell_runs_from_the_start(sandgate, apps):
    """Today's behaviour stays the default: a cell at once, never stopped."""
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, apps / "hello.py", ready=False)
    assert wait_until(lambda: descendants(sg.proc.pid), 20), sg.stderr_text()
    assert sg.get("/").status == 200
    assert DEMAND_LOG not in sg.stderr_text()


def test_reload_of_an_idle_app_starts_no_cell(sandgate, apps):
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, "--idle-timeout", "60", apps / "hello.py", ready=False)
    assert sg.wait_for_log("listening for HTTP")
    sg.signal(1)  # SIGHUP
    assert sg.wait_for_log("on demand: its next request starts a new cell"), sg.stderr_text()
    assert not descendants(sg.proc.pid)
    assert sg.get("/").status == 200


def test_queue_timeout_while_the_cell_starts(sandgate, workdir):
    """A cell slower to start than queue_timeout: the waiting request gets
    503 from the gateway; the cell still comes up and serves later ones."""
    app = workdir / "slow_import.py"
    app.write_text("import time\ntime.sleep(4)\n"
                   "def application(environ, start_response):\n"
                   "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                   "    return [b'late but here']\n")
    app.chmod(0o644)
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, "--idle-timeout", "60", "--queue-timeout", "1", app,
                  ready=False)
    assert sg.wait_for_log("listening for HTTP")
    assert sg.get("/").status == 503
    assert "did not start within queue_timeout (1 s)" in sg.stderr_text()
    assert sg.wait_for_log("ready (zygote pid"), sg.stderr_text()
    resp = sg.get("/")
    assert resp.status == 200 and resp.body == b"late but here"


def test_queue_timeout_waiting_for_a_worker(sandgate, apps):
    """One worker, busy for longer than queue_timeout: the request queued
    behind it gets 503 from the worker that finally takes it."""
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, "--processes", "1", "--queue-timeout", "1",
                  apps / "slow_app.py", ready_path="/?seconds=0")
    first = {}
    t = threading.Thread(target=lambda: first.update(r=sg.get("/?seconds=4", timeout=30)))
    t.start()
    try:
        assert sg.wait_for_log("slow_app: sleeping 4"), sg.stderr_text()
        assert sg.get("/?seconds=0", timeout=30).status == 503
    finally:
        t.join(30)
    assert first["r"].status == 200 and first["r"].body == b"done"
    assert sg.wait_for_log("past its queue_timeout; 503"), sg.stderr_text()


@pytest.mark.parametrize("request_path", ["direct", "routed"])
def test_through_nginx(sandgate, nginx, workdir, apps, request_path):
    """A real front end on both paths: the first request waits for the
    cell, the idle cell goes, the next request brings it back."""
    direct = "unix:%s/app.sock" % workdir
    routed = "127.0.0.1:%d" % free_port()
    sg = sandgate("--scgi", direct, "--scgi", routed, "--prefix", "/od", "--idle-timeout", "2",
                  *web_server_group_args(direct), apps / "hello.py", ready=False)
    assert sg.wait_for_log("started: 1 app"), sg.stderr_text()
    ng = nginx(nginx_scgi_location("/od/", direct if request_path == "direct" else routed))
    assert not descendants(sg.proc.pid)
    resp = ng.get("/od/")
    assert resp.status == 200 and resp.body == HELLO, sg.stderr_text()[-3000:]
    assert wait_no_cell(sg), sg.stderr_text()[-3000:]
    resp = ng.get("/od/")
    assert resp.status == 200 and resp.body == HELLO


@needs_root
def test_system_mode_user_app_reaches_zero_processes(sandgate, workdir, apps, test_users):
    """System mode, the app as sg-bob from a configuration file: no process
    of sg-bob before the first request, some after, none once idle."""
    port = free_port()
    conf = workdir / "sandgate.conf"
    sock = workdir / "control.sock"
    conf.write_text('control = "unix:%s";\n' % sock +
                    'listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "bob"; module = "%s"; user = "sg-bob";\n'
                    '  route = { prefix = "/b"; }; idle_timeout = 2; queue_timeout = 20; } );\n'
                    % (port, apps / "uid_app.py"))
    bob = uid_of("sg-bob")
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port], ready=False)
    assert sg.wait_for_log("started: 1 app"), sg.stderr_text()
    assert not procs_of_uid(bob, sg.proc.pid)
    assert app_state(sock) == "idle"
    out = run_sandgate("reload", "-s", sock, "bob")
    assert out.returncode == 0 and "idle (on demand)" in out.stdout, (out.stdout, out.stderr)
    assert not procs_of_uid(bob, sg.proc.pid)
    resp = sg.get("/b/")
    assert resp.status == 200 and resp.json()["uid"] == bob, sg.stderr_text()[-3000:]
    assert procs_of_uid(bob, sg.proc.pid)
    assert wait_until(lambda: IDLE_LOG in sg.stderr_text(), 30)
    assert wait_until(lambda: not procs_of_uid(bob, sg.proc.pid), 30), procs_of_uid(bob, sg.proc.pid)
    assert wait_until(lambda: app_state(sock) == "idle", 10)
    assert sg.get("/b/").json()["uid"] == bob


@pytest.mark.skipif(not IS_ROOT, reason="runs sandgate as sg-alice")
def test_user_mode(sandgate, workdir, apps, test_users):
    """sandgate run by a normal user: on demand and idle stop work the same,
    both paths."""
    run = workdir / "run"
    run.mkdir()
    os.chown(run, uid_of("sg-alice"), -1)
    direct = "unix:%s/app.sock" % run
    url = "127.0.0.1:%d" % free_port()
    sg = sandgate("--http", url, "--scgi", direct, "--idle-timeout", "2", apps / "uid_app.py",
                  user="sg-alice", ready=False)
    assert sg.wait_for_log("started: 1 app"), sg.stderr_text()
    assert not descendants(sg.proc.pid)
    resp = sg.get("/")
    assert resp.status == 200 and resp.json()["uid"] == uid_of("sg-alice"), sg.stderr_text()
    assert wait_no_cell(sg), sg.stderr_text()[-3000:]
    resp = scgi_request(direct, "/")
    assert resp is not None and resp.status == 200


def worker_count(sg):
    """Workers of the gateway's cell(s): its descendants but the zygote(s)
    (its direct children)."""
    table = proc_table()
    return len([p for p in descendants(sg.proc.pid) if table.get(p, (0,))[0] != sg.proc.pid])


@pytest.mark.parametrize("request_path", ["direct", "routed"])
def test_workers_added_while_requests_wait_and_retired_when_idle(sandgate, workdir, apps,
                                                                 request_path):
    """min_workers 1, max_workers 3: three slow requests at once bring the
    cell to three workers; idle again, it goes back to one."""
    port = free_port()
    direct = "unix:%s/app.sock" % workdir
    conf = workdir / "sandgate.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "slow"; module = "%s"; socket = "%s";\n'
                    '  min_workers = 1; max_workers = 3; } );\n'
                    % (port, apps / "slow_app.py", direct))
    sg = sandgate("-c", conf, http=["127.0.0.1:%d" % port], ready_path="/?seconds=0")
    assert wait_until(lambda: worker_count(sg) == 1, 20), worker_count(sg)

    def one():
        if request_path == "direct":
            return scgi_request(direct, "/", query="seconds=6")
        return sg.get("/?seconds=6", timeout=60)
    results = []
    threads = [threading.Thread(target=lambda: results.append(one())) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        assert wait_until(lambda: worker_count(sg) == 3, 20), (worker_count(sg),
                                                               sg.stderr_text()[-3000:])
    finally:
        for t in threads:
            t.join(60)
    assert [r.status for r in results] == [200, 200, 200]
    assert sg.stderr_text().count("busy and work waiting: one more") == 2
    assert wait_until(lambda: worker_count(sg) == 1, 30), worker_count(sg)
    assert "retiring it (1 kept at least)" in sg.stderr_text()
    assert sg.get("/?seconds=0").status == 200
