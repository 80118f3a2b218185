"""Measurements beside the load matrix: cold start, per-worker memory with
and without gc.freeze(), the cost of a network namespace, syscalls per
request. Each adds a section to results.extras: (title, markdown, rows),
rows being (name, value, unit, note) for the extras TSV.
"""
import http.client
import os
import re
import statistics
import subprocess
import time

from . import load, memory, procs, targets
from .runner import StartError

COLD_RUNS = 5
NETNS_RUNS = 40
NETNS_BURST = 50
STRACE_REQUESTS = 2000
STRACE_REQUESTS_ECHO = 500


def run_all(ctx, args, results, log, t_end):
    steps = [("cold", cold_start), ("memory", freeze_memory), ("netns", netns_cost),
             ("seccomp", seccomp_cost), ("strace", strace_requests)]
    for name, fn in steps:
        if args.extras not in ("all", name):
            continue
        if time.monotonic() > t_end:
            results.notes.append("extra %s skipped: --max-runtime reached" % name)
            continue
        try:
            fn(ctx, args, results, log)
        except (StartError, load.CheckError, OSError, subprocess.SubprocessError) as exc:
            results.notes.append("extra %s failed: %s" % (name, exc))
            log("extra %s failed: %s" % (name, exc))
        finally:
            ctx.runner.kill_helpers()
            ctx.runner.stop_all()


def _tdir(ctx, name):
    path = os.path.join(ctx.run_dir, "t", name)
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o755)
    return path


def _med(xs):
    return statistics.median(xs) if xs else float("nan")


# ---------------------------------------------------------------- cold start

def _first_200(port, app, t0, deadline, srv):
    """Poll 127.0.0.1:port until a request gets a correct 200; returns
    (time the port first accepted, time of the 200), relative to t0, in ms."""
    t_listen = None
    while time.monotonic() < deadline:
        if not srv.alive():
            raise StartError("%s exited: %s" % (srv.name, srv.log_tail()))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.connect()
        except OSError:
            time.sleep(0.001)
            continue
        if t_listen is None:
            t_listen = time.monotonic()
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.001)
            continue
        finally:
            conn.close()
        if resp.status in (502, 503, 504):
            time.sleep(0.001)
            continue
        why = load.verify(app, resp.status, resp.getheader("Content-Type") or "", body)
        if why:
            raise load.CheckError(why)
        return (t_listen - t0) * 1e3, (time.monotonic() - t0) * 1e3
    raise StartError("no 200 within the start timeout")


def _line_time(srv, pattern, t0):
    rx = re.compile(pattern)
    for t, line in list(srv.lines):
        if rx.search(line):
            return (t - t0) * 1e3
    return float("nan")


def cold_start(ctx, args, results, log):
    port = args.base_port + 40
    rows, table = [], []
    for app in ("hello", "flask"):
        samples = {k: [] for k in ("listen", "cell", "imported", "ready", "first")}
        for i in range(COLD_RUNS):
            tdir = _tdir(ctx, "cold-sandgate-%s-%d" % (app, i))
            argv = [ctx.sandgate, "serve", "--http", "127.0.0.1:%d" % port, "--processes", "2",
                    "--log-level", "debug", ctx.app_file(app)]
            t0 = time.monotonic()
            srv = ctx.runner.start("sandgate", argv, "backend", tdir, as_root=True, capture=True)
            _, first = _first_200(port, app, t0, t0 + ctx.start_timeout, srv)
            time.sleep(0.05)                     # let the last log lines arrive
            samples["first"].append(first)
            samples["listen"].append(_line_time(srv, r"listening for HTTP", t0))
            samples["cell"].append(_line_time(srv, r"cell starting", t0))
            samples["imported"].append(_line_time(srv, r"imported; \d+ workers", t0))
            samples["ready"].append(_line_time(srv, r"app \S+ ready", t0))
            ctx.runner.stop_all()
        m = {k: _med(v) for k, v in samples.items()}
        table.append((app, "sandgate (HTTP listener)", m["first"], m["listen"],
                      m["cell"] - m["listen"], m["imported"] - m["cell"],
                      m["ready"] - m["imported"], m["first"] - m["ready"]))
        rows += [("cold/%s/sandgate/%s" % (app, k), "%.1f" % v, "ms", "median of %d" % COLD_RUNS)
                 for k, v in m.items()]
        log("cold start %s: sandgate first 200 after %.0f ms (median of %d)" % (app, m["first"], COLD_RUNS))
        for peer in ("uwsgi", "gunicorn"):
            firsts = []
            for i in range(3):
                tdir = _tdir(ctx, "cold-%s-%s-%d" % (peer, app, i))
                if peer == "uwsgi":
                    argv = ["/usr/bin/uwsgi-core", "--plugin", "python3", "--master", "--processes",
                            "2", "--http-socket", "127.0.0.1:%d" % port, "--chdir", ctx.app_dir,
                            "--module", ctx.app_module(app), "--need-app", "--die-on-term",
                            "--disable-logging"]
                else:
                    argv = [ctx.python, "/usr/bin/gunicorn", "--workers", "2", "--bind",
                            "127.0.0.1:%d" % port, "--chdir", ctx.app_dir, "--log-level",
                            "warning", ctx.app_module(app)]
                t0 = time.monotonic()
                srv = ctx.runner.start(peer, argv, "backend", tdir)
                _, first = _first_200(port, app, t0, t0 + ctx.start_timeout, srv)
                firsts.append(first)
                ctx.runner.stop_all()
            table.append((app, "%s (HTTP, for comparison)" % peer, _med(firsts)) + (float("nan"),) * 5)
            rows.append(("cold/%s/%s/first" % (app, peer), "%.1f" % _med(firsts), "ms", "median of 3"))
    # The same imports in a plain interpreter, for the split.
    py = {}
    for label, code in (("python3 -c pass", "pass"),
                        ("python3 + import hello", "import hello"),
                        ("python3 + import flask_app", "import flask_app")):
        times = []
        for _ in range(5):
            t0 = time.monotonic()
            subprocess.run([ctx.python, "-c", "import sys; sys.path.insert(0, %r); %s"
                            % (ctx.app_dir, code)], check=True, env=ctx.runner.env(), timeout=60)
            times.append((time.monotonic() - t0) * 1e3)
        py[label] = _med(times)
        rows.append(("cold/plain/%s" % label, "%.1f" % py[label], "ms", "median of 5"))

    md = ["Time from starting the server to the first correct 200 on its HTTP port, the "
          "client polling every millisecond (median of %d starts for sandgate, 3 for the "
          "others). sandgate is split with the arrival time of its log lines on a pipe "
          "(the lines carry whole seconds only): *gateway* = start to `listening for HTTP`; "
          "*cell* = to `cell starting` (namespaces, id maps, exec of sandgate-worker); "
          "*Python + import* = to the zygote's `imported` line (interpreter start, app import, "
          "gc.freeze(), fork of the workers); *ready* = to the gateway's `ready`; *reply* = to "
          "the 200." % COLD_RUNS, "",
          "| App | Server | First 200 ms | gateway | cell | Python + import | ready | reply |",
          "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in table:
        md.append("| %s | %s | %s |" % (r[0], r[1], " | ".join(_fmt_ms(x) for x in r[2:])))
    md += ["", "The same imports in a plain `/usr/bin/python3` (median of 5): "
           + "; ".join("%s %.0f ms" % kv for kv in py.items()) + "."]
    results.extras.append(("Cold start", "\n".join(md), rows))


def _fmt_ms(x):
    return "-" if x != x else ("%.1f" % x if x < 100 else "%.0f" % x)


# ---------------------------------------------------------------- gc.freeze

def freeze_memory(ctx, args, results, log):
    target = targets.by_name("sandgate")
    port = args.base_port + 41
    rows, table = [], []
    for app, variants in (("hello", ("hello.py", "hello_unfrozen.py")),
                          ("flask", ("flask_app.py", "flask_unfrozen.py"))):
        for variant in variants:
            tdir = _tdir(ctx, "freeze-%s" % variant)
            target.start(ctx, variant, tdir, port)
            load.check(port, app, ctx.start_timeout)
            load.run_wrk(ctx.runner, port, app, 32, args.warmup + args.duration,
                         os.path.join(tdir, "wrk.txt"))
            time.sleep(0.5)
            mem = memory.sample(ctx.runner.servers, target.labels)
            ctx.runner.stop_all()
            parts = mem["parts"]
            workers = [kb for name, kb in parts if name == "worker"]
            by = {name: kb for name, kb in parts if name != "worker"}
            frozen = "unfrozen" not in variant
            table.append((app, "gc.freeze() (as shipped)" if frozen else
                          "freeze undone (gc.unfreeze + gc.collect per worker)",
                          by.get("gateway", 0), by.get("zygote", 0),
                          _med(workers), mem["back_kb"]))
            rows.append(("pss/%s/%s/worker" % (app, "frozen" if frozen else "unfrozen"),
                         "%.2f" % (_med(workers) / 1024), "MiB", memory.parts_text(parts)))
            log("per-worker PSS %s %s: %s" % (app, variant, memory.parts_text(parts)))
    md = ["nginx → sandgate (direct path), 2 workers, sampled after %d s at 32 connections. "
          "sandgate always runs gc.collect() and gc.freeze() in the zygote after the import and "
          "has no switch to skip it; to price it, `apps/*_unfrozen.py` wrap the app and, on "
          "each worker's first request, call gc.unfreeze() and one full gc.collect() - what a "
          "full collection in a worker would do to pages shared with the zygote without the "
          "freeze." % (args.warmup + args.duration), "",
          "| App | Variant | gateway MiB | zygote MiB | per worker MiB | total PSS MiB |",
          "|---|---|---:|---:|---:|---:|"]
    for r in table:
        md.append("| %s | %s | %.1f | %.1f | %.1f | %.1f |" % (r[0], r[1], r[2] / 1024, r[3] / 1024,
                                                            r[4] / 1024, r[5] / 1024))
    md += ["", "Per-process PSS of every target after its load is in the TSV (`parts`) and in "
           "the section *Per-process memory*."]
    results.extras.append(("Per-worker memory and gc.freeze()", "\n".join(md), rows))


# ---------------------------------------------------------------- netns

def netns_cost(ctx, args, results, log):
    base = ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--ipc", "--uts",
            "--fork", "--mount-proc"]
    variants = [("fork+exec /bin/true (baseline)", ["/bin/true"]),
                ("user+mnt+pid+ipc+uts (sandgate's set)", base + ["/bin/true"]),
                ("the same + net", base + ["--net", "/bin/true"])]
    times = {label: [] for label, _ in variants}
    for i in range(NETNS_RUNS):
        order = variants if i % 2 == 0 else list(reversed(variants))
        for label, argv in order:
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, env=ctx.runner.env(), timeout=30,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[label].append((time.perf_counter() - t0) * 1e3)
    # a burst: many network namespaces in a row (their teardown is deferred work)
    t0 = time.perf_counter()
    for _ in range(NETNS_BURST):
        subprocess.run(["unshare", "--net", "/bin/true"], check=True, timeout=30)
    burst = (time.perf_counter() - t0) * 1e3 / NETNS_BURST
    t0 = time.perf_counter()
    for _ in range(NETNS_BURST):
        subprocess.run(["unshare", "--ipc", "/bin/true"], check=True, timeout=30)
    burst_ref = (time.perf_counter() - t0) * 1e3 / NETNS_BURST
    rows, md = [], [
        "sandgate has no network-namespace option yet, so util-linux `unshare` stands in: "
        "the time to create the namespaces, run /bin/true in them and exit, run %d times "
        "each in alternating order, as root (like the gateway in system mode)." % NETNS_RUNS, "",
        "| Namespaces | median ms | p90 ms |", "|---|---:|---:|"]
    for label, _ in variants:
        xs = sorted(times[label])
        p90 = xs[int(0.9 * (len(xs) - 1))]
        md.append("| %s | %.2f | %.2f |" % (label, _med(xs), p90))
        rows.append(("netns/%s" % label, "%.2f" % _med(xs), "ms", "p90 %.2f" % p90))
    extra = _med(times[variants[2][0]]) - _med(times[variants[1][0]])
    md += ["", "A network namespace adds **%.2f ms** to a cell's creation here. %d "
           "`unshare --net /bin/true` in a row: %.2f ms each (`unshare --ipc`: %.2f ms); "
           "the kernel tears network namespaces down in deferred work, so a burst of cell "
           "rebuilds (a reload of many apps) pays more than one." % (extra, NETNS_BURST, burst,
                                                                   burst_ref)]
    rows += [("netns/added", "%.2f" % extra, "ms", ""),
             ("netns/burst-net", "%.2f" % burst, "ms", "%d in a row" % NETNS_BURST),
             ("netns/burst-ipc", "%.2f" % burst_ref, "ms", "%d in a row" % NETNS_BURST)]
    log("netns: +%.2f ms per cell" % extra)
    results.extras.append(("Cell creation with and without a network namespace", "\n".join(md), rows))


# ---------------------------------------------------------------- seccomp

def _syscost_line(text):
    return {k: float(v) if k != "seccomp" else v
            for k, v in (kv.split("=", 1) for kv in text.split())}


def seccomp_cost(ctx, args, results, log):
    """apps/syscost.py inside a sandgate cell (filter on) and in a plain
    /usr/bin/python3 as nobody (no filter), alternately, 3 times each."""
    port = args.base_port + 43
    cell, plain = [], []
    for i in range(3):
        tdir = _tdir(ctx, "seccomp-%d" % i)
        srv = ctx.runner.start("sandgate", [ctx.sandgate, "serve", "--http", "127.0.0.1:%d" % port,
                                            "--processes", "1", ctx.app_file("syscost.py")],
                               "backend", tdir, as_root=True)
        ctx.runner.wait_tcp(srv, port, ctx.start_timeout)
        deadline = time.monotonic() + ctx.start_timeout
        while True:
            status, _, body = load.request(port, "hello", timeout=60)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        ctx.runner.stop_all()
        if status != 200:
            raise StartError("syscost under sandgate: status %d" % status)
        cell.append(_syscost_line(body.decode()))
        out = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              "--", ctx.python, ctx.app_file("syscost.py")], capture_output=True,
                             text=True, env=ctx.runner.env(), timeout=120, check=True).stdout
        plain.append(_syscost_line(out))
    keys = ("getppid_ns", "getrlimit_ns", "call_ns")
    mc = {k: _med([x[k] for x in cell]) for k in keys}
    mp = {k: _med([x[k] for x in plain]) for k in keys}
    modes = sorted({x["seccomp"] for x in cell})
    md = ["sandgate has no switch to turn the filter off yet, so `apps/syscost.py` prices it "
          "from inside: the time of one syscall made from Python, best of 5 loops of 100000, "
          "in a sandgate worker (Seccomp mode %s in /proc/self/status) and in a plain "
          "`/usr/bin/python3` run as nobody (no filter); median of 3 of each, alternating." %
          "/".join(modes), "",
          "| Call | in a sandgate cell ns | plain python3 ns | difference ns |", "|---|---:|---:|---:|",
          "| os.getppid() (allowed unconditionally: the kernel's seccomp action cache answers) "
          "| %.0f | %.0f | %+.0f |" % (mc["getppid_ns"], mp["getppid_ns"],
                                       mc["getppid_ns"] - mp["getppid_ns"]),
          "| resource.getrlimit() (prlimit64, allowed `if arg0 == 0`: the BPF program runs) "
          "| %.0f | %.0f | %+.0f |" % (mc["getrlimit_ns"], mp["getrlimit_ns"],
                                       mc["getrlimit_ns"] - mp["getrlimit_ns"]),
          "| an empty Python call (the loop's own cost) | %.0f | %.0f | %+.0f |" % (
              mc["call_ns"], mp["call_ns"], mc["call_ns"] - mp["call_ns"])]
    rows = [("seccomp/cell/%s" % k, "%.1f" % mc[k], "ns", "") for k in keys]
    rows += [("seccomp/plain/%s" % k, "%.1f" % mp[k], "ns", "") for k in keys]
    log("seccomp: getppid %+.0f ns, getrlimit %+.0f ns in a cell" % (
        mc["getppid_ns"] - mp["getppid_ns"], mc["getrlimit_ns"] - mp["getrlimit_ns"]))
    results.extras.append(("Price of the seccomp filter per syscall", "\n".join(md), rows))


# ---------------------------------------------------------------- strace

def _parse_strace(path):
    """{syscall: (calls, errors)} from an `strace -c` summary."""
    out = {}
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or not re.match(r"^[0-9.]+$", parts[0]) or parts[-1] == "total":
            continue
        try:
            calls = int(parts[3])
            errors = int(parts[4]) if len(parts) == 6 else 0
        except ValueError:
            continue
        out[parts[-1]] = (calls, errors)
    return out


def _strace_case(ctx, args, log, label, target, app, nreq, keepalive, watch, nproc):
    """Start target with nproc workers, attach strace -c -f to every process
    of the kinds in watch (tree labels), send nreq sequential requests,
    detach. Returns ({kind: {syscall: (calls, errors)}} summed over the
    processes of that kind, correct replies)."""
    port = args.base_port + 42
    tdir = _tdir(ctx, "strace-%s-%s-%d" % (target.name, app, nproc))
    target.processes = nproc
    try:
        target.start(ctx, app, tdir, port)
    finally:
        target.processes = 2
    load.check(port, app, ctx.start_timeout)
    load.sequential(port, app, 50, keepalive)                 # warm
    backend = [s for s in ctx.runner.servers if s.role == "backend"][0]
    tracers = []
    for pid, depth in procs.tree(backend.pid):
        name = target.labels[min(depth, len(target.labels) - 1)]
        if name not in watch:
            continue
        out = os.path.join(tdir, "strace-%s-%d.txt" % (name, pid))
        p = ctx.runner.helper(["strace", "-c", "-f", "-q", "-o", out, "-p", str(pid)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        tracers.append((name, p, out))
    missing = set(watch) - {name for name, _, _ in tracers}
    if missing:
        raise StartError("strace: no %s process in %s" % (", ".join(sorted(missing)), target.name))
    time.sleep(0.5)
    t0 = time.monotonic()
    good = load.sequential(port, app, nreq, keepalive)
    wall = time.monotonic() - t0
    for name, p, out in tracers:
        p.send_signal(2)
        ctx.runner.finish_helper(p, 10)
    ctx.runner.stop_all()
    res = {}
    for name, _, out in tracers:
        acc = res.setdefault(name, {})
        for sc, (c, e) in _parse_strace(out).items():
            c0, e0 = acc.get(sc, (0, 0))
            acc[sc] = (c0 + c, e0 + e)
    log("strace %s: %d/%d good replies in %.1f s" % (label, good, nreq, wall))
    return res, good


def strace_requests(ctx, args, results, log):
    cases = [
        ("nginx → sandgate (direct), hello", "sandgate", "hello", STRACE_REQUESTS, True,
         ("worker",), 1),
        ("nginx → uWSGI (uwsgi), hello", "uwsgi", "hello", STRACE_REQUESTS, True, ("worker",), 1),
        ("sandgate HTTP listener, hello", "sandgate-http", "hello", STRACE_REQUESTS, False,
         ("gateway", "worker"), 1),
        ("nginx → sandgate (direct), echo 64 KiB", "sandgate", "echo", STRACE_REQUESTS_ECHO, True,
         ("worker",), 1),
        ("nginx → uWSGI (uwsgi), echo 64 KiB", "uwsgi", "echo", STRACE_REQUESTS_ECHO, True,
         ("worker",), 1),
        # two workers waiting on one socket: how often both wake for one connection
        ("nginx → sandgate (direct), hello, 2 workers", "sandgate", "hello", STRACE_REQUESTS, True,
         ("worker",), 2),
        ("nginx → uWSGI (uwsgi), hello, 2 workers", "uwsgi", "hello", STRACE_REQUESTS, True,
         ("worker",), 2),
    ]
    rows, md = [], [
        "Each server started with one worker process (two where the case says so: then the "
        "counts are summed over both workers); `strace -c -f -p PID` attached to the "
        "processes named, then N requests sent one after another (through nginx with keep-alive "
        "where there is nginx; one connection per request to sandgate's HTTP listener, which "
        "closes every connection). Counts are syscalls per request (calls / N); strace itself "
        "slows every syscall, so only the counts mean anything.", ""]
    for label, tname, app, n, keepalive, watch, nproc in cases:
        res, good = _strace_case(ctx, args, log, label, targets.by_name(tname), app, n,
                                 keepalive, watch, nproc)
        for proc_name in watch:
            counts = res.get(proc_name, {})
            total = sum(c for c, _ in counts.values())
            top = sorted(counts.items(), key=lambda kv: -kv[1][0])[:14]
            md.append("**%s - %s**: %.1f syscalls per request (N = %d, %d correct replies): %s" % (
                label, proc_name, total / n, n, good,
                ", ".join("%s %.2g%s" % (sc, c / n, " (%.2g failed)" % (e / n) if e else "")
                          for sc, (c, e) in top)))
            md.append("")
            key = "strace/%s/%s/%dw/%s" % (tname, app, nproc, proc_name)
            rows.append((key + "/total", "%.2f" % (total / n), "syscalls/request", "N=%d" % n))
            for sc, (c, e) in top:
                rows.append((key + "/" + sc, "%.3f" % (c / n),
                             "calls/request", "errors %.3f" % (e / n) if e else ""))
    results.extras.append(("Syscalls per request", "\n".join(md), rows))

