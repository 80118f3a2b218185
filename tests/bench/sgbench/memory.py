"""Memory of a running target: PSS summed over process trees.

backend: the tree of every server started with role "backend" (for
sandgate: the gateway, the zygote and the workers; uWSGI: master and
workers; gunicorn: arbiter and workers; fcgiwrap: its processes).
apache: mod_wsgi daemon processes ("(wsgi:...)" command line) count as
backend, the rest of the Apache tree as front. front: nginx.

PSS (smaps_rollup) divides each shared page among the processes mapping it,
so a pre-forked tree is not charged N times for pages it shares. But PSS
also divides pages with anything else on the machine that maps them: the
other targets of the round, which run beside it (bench.py), and another
user's Python processes sharing libpython3.11.so, say. That lowers a
target's PSS by chance. So each sample also has the tree's footprint
("own"): the resident pages its processes map, each counted once (from
/proc/PID/pagemap), which is the tree's PSS if it ran alone on the machine;
the ratios use it.
"""
import os

from . import procs


def sample(servers, labels):
    """dict with back_kb, back_n, front_kb, front_n, parts [(label, kb)],
    users, python, seccomp (set of modes seen in backend processes below
    the top one)."""
    out = {"back_kb": 0, "back_n": 0, "front_kb": 0, "front_n": 0, "parts": [],
           "users": set(), "python": set(), "seccomp": set()}
    pages = {True: set(), False: set()}
    snap = procs.snapshot()
    for srv in servers:
        for pid, depth in procs.tree(srv.pid, snap):
            back = _is_back(srv, pid)
            kb = procs.pss_kb(pid)
            pages[back] |= procs.resident_pages(pid)
            if back:
                out["back_kb"] += kb
                out["back_n"] += 1
                name = labels[min(depth, len(labels) - 1)] if srv.role != "apache" else labels[0]
                out["parts"].append((name, kb))
                out["python"] |= procs.python_runtime(pid)
                if depth > 0:
                    out["seccomp"].add("%d (store bypass: %s)" % (
                        procs.seccomp_mode(pid),
                        procs.status_field(pid, "Speculation_Store_Bypass")))
            else:
                out["front_kb"] += kb
                out["front_n"] += 1
            out["users"].add(procs.owner(pid))
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    out["back_own_kb"] = len(pages[True]) * page_kb
    out["front_own_kb"] = len(pages[False]) * page_kb
    return out


def parts_text(parts):
    """"gateway 2.1 + zygote 9.8 + worker 8.7 + worker 8.6" (MiB)."""
    return " + ".join("%s %.1f" % (name, kb / 1024.0) for name, kb in parts)


def _is_back(srv, pid):
    if srv.role == "apache":
        return procs.cmdline(pid).startswith("(wsgi:")
    return srv.role == "backend"


def cpu_seconds(servers, labels):
    """CPU seconds (user + system, reaped children included: CGI processes
    count for fcgiwrap) used so far: {"back": s, "front": s, "back:LABEL": s}
    with LABEL the backend process names by tree depth (gateway, worker...)."""
    tick = float(os.sysconf("SC_CLK_TCK"))
    snap = procs.snapshot()
    out = {"back": 0.0, "front": 0.0}
    for srv in servers:
        for pid, depth in procs.tree(srv.pid, snap):
            secs = snap[pid].cpu / tick
            if _is_back(srv, pid):
                out["back"] += secs
                name = labels[0] if srv.role == "apache" else labels[min(depth, len(labels) - 1)]
                out["back:" + name] = out.get("back:" + name, 0.0) + secs
            else:
                out["front"] += secs
    return out


def per_request(res, cpu0, cpu1):
    """Sets res's back_cpu_us, front_cpu_us and cpu_parts (backend by process
    kind) from two cpu_seconds() readings and res["requests"]."""
    n = max(res["requests"], 1)
    per = {k: (cpu1[k] - cpu0.get(k, 0.0)) * 1e6 / n for k in cpu1}
    res["back_cpu_us"], res["front_cpu_us"] = per["back"], per["front"]
    res["cpu_parts"] = {k[5:]: v for k, v in per.items() if k.startswith("back:")}
