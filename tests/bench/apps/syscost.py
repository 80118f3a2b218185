"""Benchmark app "syscost": the cost of a syscall from Python, to price
sandgate's seccomp filter without a switch to turn it off.

GET / answers (text/plain) one line "seccomp=M getppid_ns=X getrlimit_ns=Y":
the best of 5 loops of 100000 os.getppid() calls (a syscall the policy
allows unconditionally, which the kernel's seccomp action cache lets through
without running the filter) and of resource.getrlimit() (prlimit64, allowed
only "if arg0 == 0", so the BPF program runs on every call). Run as a script,
it prints the same line from a plain interpreter (no filter) to compare.
"""
import os
import resource
import time

LOOPS = 100000


def _best(fn, arg=None):
    best = None
    for _ in range(5):
        t0 = time.perf_counter_ns()
        if arg is None:
            for _ in range(LOOPS):
                fn()
        else:
            for _ in range(LOOPS):
                fn(arg)
        dt = (time.perf_counter_ns() - t0) / LOOPS
        best = dt if best is None else min(best, dt)
    return best


def measure():
    mode = "?"
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Seccomp:"):
                mode = line.split()[1]
    empty = _best(lambda: None)
    return "seccomp=%s getppid_ns=%.1f getrlimit_ns=%.1f call_ns=%.1f\n" % (
        mode, _best(os.getppid), _best(resource.getrlimit, resource.RLIMIT_NOFILE), empty)


def application(environ, start_response):
    body = measure().encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    print(measure(), end="")
