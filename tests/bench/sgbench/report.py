"""Results: medians over rounds, the tables, bench-results/ files."""
import os
import platform
import statistics
import subprocess

from . import memory, targets

# sandgate variants compared, and the peers they are compared with
SANDGATES = ("sandgate", "sandgate-noseccomp", "sandgate-http")
PEERS = ("uwsgi", "uwsgi-scgi", "gunicorn", "mod_wsgi", "cgi")
# CGI (issue 6): Apache mod_cgid -> sandgate-cgi, compared with mod_cgid ->
# python3 (the target: at least CGI_GOAL times its req/s at 32 connections)
# and nginx -> fcgiwrap -> python3.
CGI_SANDGATE = "sandgate-cgi"
CGI_PEERS = ("cgid", "cgi")
CGI_GOAL = 20.0
CGI_FLOOR = "cgid-floor"  # mod_cgid running a C hello: no CGI backend is faster

TSV_COLS = ("target", "app", "conns", "status", "rps", "p50_ms", "p99_ms", "rps_rounds",
            "requests", "sock_errors", "non2xx", "back_cpu_us", "front_cpu_us", "back_pss_mib", "back_own_mib", "back_n",
            "front_pss_mib",
            "parts", "cpu_parts", "users", "seccomp", "python", "note")


class Results:
    def __init__(self):
        self.samples = {}        # (target, app, conns) -> [wrk result + "mem"]
        self.status = {}         # (target, app) -> "FAILED: ..." | "n/a: ..." | "skipped: ..."
        self.notes = []
        self.extras = []         # (title, markdown, rows)
        self.elapsed = 0.0

    def add(self, target, app, conns, res):
        self.samples.setdefault((target, app, conns), []).append(res)


def median(xs):
    """The median of the numbers that are not NaN; NaN if none."""
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def rows(args, results):
    out = []
    for t in targets.ALL:
        if t.name not in args.targets:
            continue
        for app in args.apps:
            if app not in t.apps:
                continue
            status = results.status.get((t.name, app), "ok")
            for conns in args.conns:
                ss = results.samples.get((t.name, app, conns), [])
                r = {"target": t.name, "label": t.label, "app": app, "conns": conns,
                     "status": status, "n": len(ss)}
                if ss:
                    mem_sorted = sorted(ss, key=lambda s: s["mem"]["back_kb"])
                    mid = mem_sorted[(len(mem_sorted) - 1) // 2]["mem"]
                    r.update(
                        rps=median([s["rps"] for s in ss]),
                        p50_ms=median([s["p50_ms"] for s in ss]),
                        p99_ms=median([s["p99_ms"] for s in ss]),
                        rps_rounds=",".join("%.0f" % s["rps"] for s in sorted(ss, key=lambda s: s["round"])),
                        requests=sum(s["requests"] for s in ss),
                        back_cpu_us=median([s["back_cpu_us"] for s in ss]),
                        front_cpu_us=median([s["front_cpu_us"] for s in ss]),
                        sock_errors=sum(s["sock_errors"] for s in ss),
                        non2xx=sum(s["non2xx"] for s in ss),
                        back_pss_mib=median([s["mem"]["back_kb"] / 1024 for s in ss]) if mid["back_n"] else float("nan"),
                        back_own_mib=median([s["mem"]["back_own_kb"] / 1024 for s in ss]) if mid["back_n"] else float("nan"),
                        back_n=mid["back_n"],
                        front_pss_mib=median([s["mem"]["front_kb"] / 1024 for s in ss]) if mid["front_n"] else float("nan"),
                        parts=memory.parts_text(mid["parts"]),
                        cpu_parts=" + ".join("%s %.0f" % (k, median([s["cpu_parts"].get(k, 0.0) for s in ss]))
                                             for k in ss[0]["cpu_parts"]),
                        users=",".join(sorted(set().union(*(s["mem"]["users"] for s in ss)))),
                        seccomp=",".join(str(m) for m in sorted(set().union(*(s["mem"]["seccomp"] for s in ss)))),
                        python=",".join(sorted(set().union(*(s["mem"]["python"] for s in ss)))),
                        note="; ".join(sorted({s["sock_detail"] for s in ss if s["sock_errors"]})),
                    )
                    if t.kind == "cgi":
                        # fcgiwrap lets the kernel reap its CGI children (SIGCHLD
                        # ignored), so their CPU time is never added to it
                        r["back_cpu_us"] = float("nan")
                        r["cpu_parts"] = ""
                    if status == "ok" and len(ss) < args.rounds:
                        r["status"] = "ok (%d of %d rounds)" % (len(ss), args.rounds)
                out.append(r)
    return out


def _f(x, kind):
    if x is None or x != x:
        return "-"
    if kind == "rps":
        return "%.0f" % x if x >= 100 else "%.1f" % x
    if kind == "ms":
        return "%.2f" % x if x < 10 else ("%.1f" % x if x < 100 else "%.0f" % x)
    if kind == "mib":
        return "%.1f" % x
    return str(x)


def results_table(rs):
    lines = ["| Target | App | Conns | Req/s | p50 ms | p99 ms | Sock errors | Non-2xx | "
             "CPU µs/req back + front | Backend PSS MiB (procs) | Backend own MiB | "
             "Front PSS MiB | Status |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rs:
        if "rps" not in r:
            lines.append("| %s | %s | %d | - | - | - | - | - | - | - | - | - | %s |" % (
                r["label"], r["app"], r["conns"], r["status"].replace("|", "/")))
            continue
        back = "-" if r["back_pss_mib"] != r["back_pss_mib"] else "%s (%d)" % (
            _f(r["back_pss_mib"], "mib"), r["back_n"])
        cpu = "%s + %.0f" % (_f(r["back_cpu_us"], "rps"), r["front_cpu_us"])
        lines.append("| %s | %s | %d | %s | %s | %s | %d | %d | %s | %s | %s | %s | %s |" % (
            r["label"], r["app"], r["conns"], _f(r["rps"], "rps"), _f(r["p50_ms"], "ms"),
            _f(r["p99_ms"], "ms"), r["sock_errors"], r["non2xx"], cpu, back,
            _f(r["back_own_mib"], "mib"),
            _f(r["front_pss_mib"], "mib"), r["status"].replace("|", "/")))
    return "\n".join(lines)


def _ratio(a, b):
    if a is None or b is None or a != a or b != b or b == 0:
        return None
    return a / b


def ratio_table(args, rs):
    """sandgate / peer, for req/s and for backend memory: the own footprint,
    which is the tree's PSS as if it ran alone (the round's other targets run
    beside it and share library pages, which lowers the kernel's PSS)."""
    idx = {(r["target"], r["app"], r["conns"]): r for r in rs}
    peers = [p for p in PEERS if p in args.targets]
    sgs = [s for s in SANDGATES if s in args.targets]
    if not peers or not sgs:
        return ""
    head = "| sandgate | App | Conns | " + " | ".join(
        "vs %s" % targets.by_name(p).label for p in peers) + " |"
    lines = [head, "|---|---|---:|" + "---:|" * len(peers)]
    absent = []
    for sg in list(sgs):
        mine = [r for r in rs if r["target"] == sg]
        if mine and not any("rps" in r for r in mine):
            absent.append("%s: %s" % (targets.by_name(sg).label, mine[0]["status"]))
            sgs.remove(sg)
    for sg in sgs:
        for app in args.apps:
            for conns in args.conns:
                me = idx.get((sg, app, conns))
                if me is None:
                    continue
                cells = []
                for p in peers:
                    other = idx.get((p, app, conns))
                    if me.get("rps") is None:
                        cells.append(me["status"].split(":")[0] if ":" in me["status"] else "-")
                        continue
                    if other is None or other.get("rps") is None:
                        cells.append("-")
                        continue
                    rr = _ratio(me["rps"], other["rps"])
                    pr = _ratio(me.get("back_own_mib"), other.get("back_own_mib"))
                    cells.append("%s / %s" % ("-" if rr is None else "%.2f×" % rr,
                                              "-" if pr is None else "%.2f×" % pr))
                lines.append("| %s | %s | %d | %s |" % (targets.by_name(sg).label, app, conns,
                                                        " | ".join(cells)))
    if absent:
        lines += [""] + ["Not measured: %s." % a for a in absent]
    return "\n".join(lines)


def cgi_ratio_table(args, rs):
    """sandgate-cgi / each CGI peer, req/s, for the hello script."""
    peers = [p for p in CGI_PEERS if p in args.targets]
    if CGI_SANDGATE not in args.targets or not peers or "hello" not in args.apps:
        return ""
    idx = {(r["target"], r["conns"]): r for r in rs if r["app"] == "hello"}
    lines = ["| Conns | " + " | ".join("vs %s" % targets.by_name(p).label for p in peers) +
             " | Goal (≥ %.0f× mod_cgid at 32) |" % CGI_GOAL,
             "|---:|" + "---:|" * len(peers) + "---|"]
    for conns in args.conns:
        me = idx.get((CGI_SANDGATE, conns), {})
        cells = []
        for p in peers:
            r = _ratio(me.get("rps"), idx.get((p, conns), {}).get("rps"))
            cells.append("-" if r is None else "%.1f×" % r)
        goal = ""
        if conns == 32 and "cgid" in peers:
            r = _ratio(me.get("rps"), idx.get(("cgid", conns), {}).get("rps"))
            goal = "-" if r is None else ("met" if r >= CGI_GOAL else "not met")
        lines.append("| %d | %s | %s |" % (conns, " | ".join(cells), goal))
    floor = [(c, _ratio(idx.get((CGI_FLOOR, c), {}).get("rps"),
                        idx.get(("cgid", c), {}).get("rps"))) for c in args.conns]
    floor = ["%.1f× at %d" % (r, c) for c, r in floor if r is not None]
    if floor:
        lines += ["", "Ceiling of any backend behind mod_cgid (%s / %s): %s." % (
            targets.by_name(CGI_FLOOR).label, targets.by_name("cgid").label, ", ".join(floor))]
    return "\n".join(lines)


def parts_table(rs):
    lines = ["| Target | App | Conns | Backend processes, PSS MiB each | Backend CPU µs/req by process kind |",
             "|---|---|---:|---|---|"]
    for r in rs:
        if r.get("parts"):
            lines.append("| %s | %s | %d | %s | %s |" % (r["label"], r["app"], r["conns"], r["parts"],
                                                         r.get("cpu_parts", "")))
    return "\n".join(lines)


# ---------------------------------------------------------------- environment

def _run(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _ver(pkg):
    return _run(["dpkg-query", "-W", "-f=${Version}", pkg]) or "?"


def build_info(ctx, repo):
    """(commit, files changed in gateway/ sandbox/ policies/, version) of the
    tree the snapshot of the build was taken from, at the time it was taken."""
    commit = _run(["git", "-C", repo, "rev-parse", "--short", "HEAD"]) or "?"
    dirty = _run(["git", "-C", repo, "status", "--porcelain", "--", "gateway", "sandbox",
                  "policies"])
    return commit, len([ln for ln in dirty.splitlines() if ln.strip()]), \
        _run([ctx.sandgate, "version"]) or "?"


def environment(ctx, args):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(open("/proc/meminfo").readline().split()[1]) / 1048576
    except (OSError, ValueError):
        mem = float("nan")
    osname = "?"
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    commit, ndirty, sg_ver = ctx.build_info
    return [
        "Host: %s, kernel %s, %d CPUs (%s), %.1f GiB RAM" % (osname, platform.release(),
                                                            os.cpu_count() or 0, cpu, mem),
        "sandgate: %s, build of commit %s%s" % (
            sg_ver, commit, " with uncommitted changes in %d files of gateway/, sandbox/ and policies/" % ndirty
            if ndirty else ""),
        "Python: %s (Debian's /usr/bin/python3; uWSGI, mod_wsgi and sandgate-worker embed "
        "libpython3.11, gunicorn and CGI run /usr/bin/python3)" % _run([ctx.python, "-V"]),
        "Versions: nginx %s, apache2 %s, mod_wsgi %s, uwsgi %s, gunicorn %s, flask %s, "
        "jinja2 %s, fcgiwrap %s, wrk %s" % tuple(_ver(p) for p in (
            "nginx", "apache2", "libapache2-mod-wsgi-py3", "uwsgi-core", "gunicorn",
            "python3-flask", "python3-jinja2", "fcgiwrap", "wrk")),
        "Load: wrk -t1 at %s connections; per run %d s warm-up (discarded) + %d s measured; "
        "%d rounds per row, targets in alternating order; medians shown; wrk shares the %d "
        "CPUs with the servers. The WSGI targets of an app run side by side in each round and "
        "their measured runs are cut into %d-s slices taken in turn (forward, then backward), "
        "so that the machine's drift falls on all of them alike; the CGI targets run alone, "
        "one after another" % (", ".join(map(str, args.conns)), args.warmup, args.duration,
                               args.rounds, os.cpu_count() or 0, args.slice),
        "Users: nginx, Apache, uWSGI, gunicorn and fcgiwrap run as %s (setpriv); sandgate runs "
        "as root (system mode) and its apps as nobody, its sockets given to group %s"
        % (args.run_as, ctx.run_group),
    ]


# ---------------------------------------------------------------- output

RESULTS_LEGEND = (
    "Req/s, p50 and p99 are medians over the rounds; Sock errors (wrk's connect + read + "
    "write + timeout) and Non-2xx (replies other than 2xx/3xx) are summed over them. "
    "A sliced run's req/s is its requests over the summed time of its slices, its p50 and "
    "p99 the median of its slices' values. "
    "CPU µs/req = user + system CPU time of the backend's and the front end's processes "
    "from the start of the measured run to 0.5 s after its end (from /proc/PID/stat, "
    "children included), divided by the requests wrk completed. Backend PSS = sum of `Pss` "
    "(/proc/PID/smaps_rollup) over the backend's process tree 0.5 s after the measured run "
    "- sandgate: gateway + zygote + workers; uWSGI: master + workers; gunicorn: arbiter + "
    "workers; mod_wsgi: its daemon processes; CGI: fcgiwrap. PSS divides each shared page "
    "among all processes mapping it, those of the round's other targets too. Backend own = "
    "the resident pages of that tree, each counted once (/proc/PID/pagemap): its PSS if "
    "nothing else on the machine shared its pages, the figure the ratios use. Front = "
    "nginx, or the rest of Apache. The CGI row has no backend CPU: fcgiwrap "
    "leaves its children to be reaped by the kernel, so their CPU time is not accounted to it.")

def markdown(ctx, args, results, rs):
    out = ["# sandgate benchmark", ""]
    out += ["- " + line for line in environment(ctx, args)]
    out += ["- Whole run: %.0f s" % results.elapsed, "", "## Targets", ""]
    for i, t in enumerate(targets.ALL):
        if t.name in args.targets:
            out.append("- **%s** (`%s`, port %d): %s" % (t.label, t.name, args.base_port + i, t.desc))
    if not results.samples:
        rs = []
    if rs:
        out += ["", "## Results (median of %d rounds)" % args.rounds, "", results_table(rs), "",
                RESULTS_LEGEND]
    rt = ratio_table(args, rs) if rs else ""
    if rt:
        out += ["", "## sandgate / peer", "",
                "Each cell: req/s ratio / backend memory ratio, the own footprint (sandgate "
                "divided by the peer: above 1× is more requests, or more memory).", "", rt]
    ct = cgi_ratio_table(args, rs) if rs else ""
    if ct:
        out += ["", "## CGI: sandgate-cgi / peer", "",
                "req/s of Apache mod_cgid → sandgate-cgi divided by each CGI peer's, the same "
                "Python CGI script (apps/hello.cgi) everywhere.", "", ct]
    seen = {r["seccomp"] for r in rs if r["target"].startswith("sandgate") and r.get("seccomp")}
    if seen:
        out += ["", "Seccomp mode seen in sandgate's cell processes (/proc/PID/status): %s "
                "(0 = none, 2 = filter; the speculative-store-bypass state shows whether the "
                "filter also switched on that mitigation, which costs time)."
                % ", ".join(sorted(seen))]
    if rs:
        out += ["", "## Per-process memory", "", parts_table(rs)]
    for title, text, _ in results.extras:
        out += ["", "## " + title, "", text]
    out += ["", "## Notes and failures", ""]
    notes = ["%s / %s: %s" % (k[0], k[1], v) for k, v in sorted(results.status.items())]
    notes += results.notes
    notes += ["%s / %s / %d: %s" % (r["target"], r["app"], r["conns"], r["note"])
              for r in rs if r.get("note")]
    out += ["- " + n for n in notes] if notes else ["- none"]
    return "\n".join(out) + "\n"


def tsv(rs):
    lines = ["\t".join(TSV_COLS)]
    for r in rs:
        vals = []
        for c in TSV_COLS:
            v = r.get(c, "")
            if isinstance(v, float):
                v = "" if v != v else ("%.3f" % v)
            vals.append(str(v).replace("\t", " ").replace("\n", " "))
        lines.append("\t".join(vals))
    return "\n".join(lines) + "\n"


def write(ctx, args, results, stamp):
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, "%s-%s" % ("bench-quick" if args.quick else "bench", stamp))
    rs = rows(args, results)
    with open(base + ".md", "w") as fh:
        fh.write(markdown(ctx, args, results, rs))
    with open(base + ".tsv", "w") as fh:
        fh.write(tsv(rs))
    if results.extras:
        with open(base + "-extras.tsv", "w") as fh:
            fh.write("section\tname\tvalue\tunit\tnote\n")
            for title, _, erows in results.extras:
                for row in erows:
                    fh.write("\t".join([title] + [str(x) for x in row]) + "\n")
    return base + ".md", base + ".tsv"


def console(ctx, args, results):
    rs = rows(args, results) if results.samples else []
    out = ["", results_table(rs)] if rs else []
    rt = ratio_table(args, rs) if rs else ""
    if rt:
        out += ["", "sandgate / peer (req/s ratio / backend memory ratio, own footprint):", rt]
    ct = cgi_ratio_table(args, rs) if rs else ""
    if ct:
        out += ["", "CGI: sandgate-cgi / peer (req/s ratio):", ct]
    for title, text, _ in results.extras:
        out += ["", "## " + title, text]
    notes = ["%s / %s: %s" % (k[0], k[1], v) for k, v in sorted(results.status.items())]
    notes += results.notes
    if notes:
        out += ["", "Notes and failures:"] + ["  - " + n for n in notes]
    out.append("Whole run: %.0f s" % results.elapsed)
    return "\n".join(out) + "\n"
