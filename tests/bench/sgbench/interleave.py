"""One round of the WSGI targets of an app, measured in interleaved slices.

The 2 shared CPUs of this kind of machine (a VM with steal time) change
speed by up to 3x within tens of seconds, so two targets measured a minute
apart are not comparable. Every target of the round is therefore started
and checked first (the others idle meanwhile), warmed up, and then each
measured run is cut into slices of a second: slice 1 of every target,
slice 2 in the reverse order, and so on. A target's measured run is the sum
of its slices, so it holds the same seconds of load as a plain run, spread
over the same minute as every other target's.

CGI targets are not interleaved (see bench.py): their requests take up to
a second at 32 connections and would spill into the next target's slice.
Each runs alone, as a round of one target whose only slice is the whole
measured run.
"""
import os
import time

from . import load, memory, report, runner


class Started:
    """A target of the round with the servers it started and its port."""

    def __init__(self, target, port, tdir, servers):
        self.target, self.port, self.tdir, self.servers = target, port, tdir, servers

    def alive(self):
        for srv in self.servers:
            if not srv.alive():
                raise runner.StartError("%s exited: %s" % (srv.name, srv.log_tail()))


def combine(slices):
    """One measured run from its slices (each a parse_wrk result): req/s over
    the summed slice time, p50/p99 the median of the slices', counts summed."""
    secs = sum(s["requests"] / s["rps"] for s in slices if s["rps"] > 0)
    reqs = sum(s["requests"] for s in slices)
    errs = [s["sock_detail"] for s in slices if s["sock_errors"]]
    return {
        "rps": reqs / secs if secs > 0 else float("nan"),
        "p50_ms": report.median([s["p50_ms"] for s in slices]),
        "p99_ms": report.median([s["p99_ms"] for s in slices]),
        "requests": reqs,
        "sock_errors": sum(s["sock_errors"] for s in slices),
        "sock_detail": "; ".join(errs),
        "non2xx": sum(s["non2xx"] for s in slices),
        "rc": max((s["rc"] or 0 for s in slices), default=0),
        "slices": [s["rps"] for s in slices],
    }


def start_all(ctx, app, rnd, chosen, results, log):
    """Start and check each (target, port); the ones that answer correctly."""
    up = []
    for target, port in chosen:
        tdir = os.path.join(ctx.run_dir, "t", "%s-%s-r%d" % (target.name, app, rnd))
        os.makedirs(tdir)
        os.chmod(tdir, 0o755)
        first = len(ctx.runner.servers)
        st = Started(target, port, tdir, [])
        try:
            if not runner.port_free(port):
                raise runner.StartError("port %d is in use" % port)
            try:
                target.start(ctx, app, tdir, port)
            finally:
                st.servers = ctx.runner.servers[first:]
            info = load.check(port, app, ctx.start_timeout, st.alive)
            log("%s/%s round %d: check ok (%s)" % (target.name, app, rnd, info))
            up.append(st)
        except (runner.StartError, load.CheckError) as exc:
            results.status[(target.name, app)] = "FAILED: %s" % exc
            log("%s/%s round %d: FAILED: %s" % (target.name, app, rnd, exc))
            for srv in reversed(st.servers):
                ctx.runner.stop(srv)
    return up


def measure(ctx, args, up, app, conns, rnd, results, log, slice_s):
    """Warm-up of each target, then the measured slices, interleaved."""
    n = max(1, round(args.duration / slice_s))
    for st in up:
        if args.warmup > 0:
            load.run_wrk(ctx.runner, st.port, app, conns, args.warmup,
                         os.path.join(st.tdir, "wrk-warmup-c%d.txt" % conns))
    slices = {st.target.name: [] for st in up}
    cpu0 = {st.target.name: memory.cpu_seconds(st.servers, st.target.labels) for st in up}
    for i in range(n):
        for st in (up if i % 2 == 0 else list(reversed(up))):
            slices[st.target.name].append(load.run_wrk(
                ctx.runner, st.port, app, conns, slice_s,
                os.path.join(st.tdir, "wrk-c%d-s%d.txt" % (conns, i + 1))))
    time.sleep(0.5)        # let in-flight requests finish before the CPU reading
    for st in up:
        name = st.target.name
        res = combine(slices[name])
        memory.per_request(res, cpu0[name], memory.cpu_seconds(st.servers, st.target.labels))
        res["mem"] = memory.sample(st.servers, st.target.labels)
        res["round"] = rnd
        results.add(name, app, conns, res)
        log("%s/%s c=%d round %d: %.0f req/s (slices %s), p50 %.2f ms, p99 %.2f ms, "
            "errors %d, non-2xx %d, backend own %.1f MiB, CPU/request %.0f us backend + "
            "%.0f us front" % (
                name, app, conns, rnd, res["rps"], " ".join("%.0f" % x for x in res["slices"]),
                res["p50_ms"], res["p99_ms"], res["sock_errors"], res["non2xx"],
                res["mem"]["back_own_kb"] / 1024.0, res["back_cpu_us"], res["front_cpu_us"]))


def run_round(ctx, args, chosen, app, rnd, results, t_end, log, slice_s):
    """chosen: [(target, port)] in this round's order; slice_s: seconds per
    slice of a measured run."""
    try:
        up = start_all(ctx, app, rnd, chosen, results, log)
        for conns in args.conns:
            if time.monotonic() > t_end:
                for st in up:
                    results.status.setdefault((st.target.name, app),
                                              "skipped: --max-runtime reached")
                break
            measure(ctx, args, up, app, conns, rnd, results, log, slice_s)
    finally:
        if not ctx.runner.stop_all():
            results.notes.append("%s round %d: some processes could not be stopped" % (app, rnd))

