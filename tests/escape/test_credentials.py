"""Credentials and limits of a cell: catalogue rows 34 (setuid and file
capabilities give nothing) and 35 (no capabilities left, securebits
locked), the rlimits a cell starts with (sandbox/rlimits.c) and its scheduling
policy (sandbox/spawn.c).

Every attack runs twice with the same code (attack_app.py): in a worker of
a cell, where it must fail, and unconfined, as the same user outside
sandgate (or as root, where that is what shows the difference), where it
must succeed. So a pass shows that the sandbox made the difference.

Last, each step of sandbox/rlimits.c and sandbox/creds.c is made to fail
(a seccomp filter around the gateway): the cell must not start, and the
log must name the step and its errno."""
import os
import resource

import pytest

from conftest import cell_tree, IS_ROOT, copy_attack_app, fields, free_port, http_request

NOFILE_MAX = 4096        # sandbox/rlimits.h
CELL_SECUREBITS = 0xef   # sandbox/creds.c: all but KEEP_CAPS, every bit locked


def runner_has_no_new_privs():
    with open("/proc/self/status") as f:
        return "NoNewPrivs:\t1" in f.read()


# ---------------------------------------------------------------- row 35

def test_no_capabilities_left_35(cell):
    """Inside: all five sets empty, in /proc/self/status, capget(2),
    PR_CAPBSET_READ and PR_CAP_AMBIENT_IS_SET. Unconfined as the same user
    the bounding set is full; as root, permitted and effective are too."""
    inside = cell.attack("caps")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert seen[name] == "0", inside
    assert seen["capget"] == "0/0/0" and seen["bounding"] == "0" and seen["ambient"] == "0"
    outside = cell.unconfined("caps")
    assert outside["ok"] and fields(outside["detail"])["CapBnd"] != "0", outside
    if IS_ROOT:
        as_root = fields(cell.unconfined("caps", as_root=True)["detail"])
        assert as_root["CapEff"] != "0" and as_root["CapPrm"] != "0", as_root


def test_securebits_locked_35(cell):
    """Inside: NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE set, KEEP_CAPS
    off, all four locked, and clearing them is refused (EPERM). Unconfined
    they are all off (and root may clear them)."""
    inside = cell.attack("securebits")
    assert not inside["ok"], inside
    assert int(fields(inside["detail"])["securebits"], 16) == CELL_SECUREBITS, inside
    assert inside["errno"] == 1, inside
    outside = cell.unconfined("securebits")
    assert outside["ok"] and fields(outside["detail"])["securebits"] == "0x0", outside
    if IS_ROOT:
        as_root = cell.unconfined("securebits", as_root=True)
        assert as_root["ok"] and as_root["errno"] is None, as_root


# ---------------------------------------------------------------- row 34

def test_no_new_privs_34(cell):
    """Inside: PR_GET_NO_NEW_PRIVS is 1 and /proc/self/status says so."""
    inside = cell.attack("no_new_privs")
    assert not inside["ok"], inside
    assert fields(inside["detail"]) == {"prctl": "1", "status": "1"}, inside
    if runner_has_no_new_privs():
        pytest.skip("in-cell checks passed; this test runner itself has no_new_privs, "
                    "so the unconfined run cannot differ")
    outside = cell.unconfined("no_new_privs")
    assert outside["ok"] and fields(outside["detail"])["prctl"] == "0", outside


def test_setuid_binary_gives_nothing_34(cell):
    """Inside: su (setuid root) runs, if exec is allowed at all, with the
    app's euid. Unconfined as the same user it gets euid 0."""
    inside = cell.attack("setuid_exec")
    assert not inside["ok"], inside
    if inside["errno"] is None:  # exec worked: the new program was seen
        seen = fields(inside["detail"])
        assert seen["exec"] == "ok" and seen["euid"] == str(cell.uid), inside
        assert seen["CapPrm"] == "0" and seen["CapEff"] == "0", inside
    if runner_has_no_new_privs():
        pytest.skip("in-cell checks passed; this test runner itself has no_new_privs")
    outside = cell.unconfined("setuid_exec")
    assert outside["ok"] and fields(outside["detail"])["euid"] == "0", outside


@pytest.mark.skipif(not IS_ROOT, reason="setting file capabilities needs root")
def test_file_capabilities_give_nothing_34(cell):
    """Inside: a binary with cap_net_bind_service+p runs, if exec is
    allowed at all, with no capability. Unconfined as the same user it gets
    cap_net_bind_service (bit 10) in its permitted set."""
    inside = cell.attack("file_caps")
    assert not inside["ok"], inside
    if inside["errno"] is None:
        seen = fields(inside["detail"])
        assert seen["exec"] == "ok" and seen["CapPrm"] == "0" and seen["CapEff"] == "0", inside
    if runner_has_no_new_privs():
        pytest.skip("in-cell checks passed; this test runner itself has no_new_privs")
    outside = cell.unconfined("file_caps")
    seen = fields(outside["detail"])
    assert outside["ok"] and seen["CapPrm"] == "400", outside


# ---------------------------------------------------------------- rlimits

def test_core_dumps_stay_off(cell):
    """Inside: RLIMIT_CORE is 0/0 and cannot be raised (EPERM). Unconfined
    the soft limit goes up to the inherited hard limit."""
    inside = cell.attack("core_limit")
    assert not inside["ok"], inside
    assert fields(inside["detail"])["before"] == "0/0", inside
    assert fields(inside["detail"])["after"] == "0/0" and inside["errno"] == 1, inside
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        pytest.skip("in-cell checks passed; the hard core limit is already 0 here")
    outside = cell.unconfined("core_limit")
    assert outside["ok"], outside


def test_descriptor_limit(cell):
    """Inside: RLIMIT_NOFILE soft = hard = min(inherited hard, 4096), and
    it cannot be raised. Unconfined the inherited limits apply."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    want = NOFILE_MAX if hard == resource.RLIM_INFINITY else min(hard, NOFILE_MAX)
    inside = cell.attack("nofile_limit")
    assert not inside["ok"], inside
    seen = fields(inside["detail"])
    assert seen["before"] == seen["after"] == "%d/%d" % (want, want), inside
    if want == hard:
        pytest.skip("in-cell checks passed; the inherited hard limit is already <= %d"
                    % NOFILE_MAX)
    outside = cell.unconfined("nofile_limit")
    assert outside["ok"], outside


# ---------------------------------------------------------------- from outside

def status_and_limits(pid):
    with open("/proc/%d/status" % pid) as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    with open("/proc/%d/limits" % pid) as f:
        limits = {line[:26].strip(): line[26:].split()[:2] for line in f}
    return status, limits


def test_zygote_and_workers_seen_from_the_host(cell):
    """From outside the cell, /proc of the zygote (pid 1 in the cell, the
    gateway's child) and of its workers: no capability in any set,
    no_new_privs, core dumps off, at most 4096 descriptors."""
    cell.attack("caps")  # a worker has surely been forked
    tree = cell_tree(cell.sg)
    assert len(tree) > 1, "the zygote has no workers"
    for pid in tree:
        status, limits = status_and_limits(pid)
        assert status["Uid"].split() == [str(cell.uid)] * 4, (pid, status["Uid"])
        for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(status[name], 16) == 0, (pid, name, status[name])
        assert status["NoNewPrivs"] == "1", pid
        assert limits["Max core file size"] == ["0", "0"], (pid, limits)
        soft, hard = (int(v) for v in limits["Max open files"])
        assert soft == hard <= NOFILE_MAX, (pid, limits)


def test_cell_runs_sched_batch(cell):
    """Every process of the cell is SCHED_BATCH (sandbox/spawn.c), so a
    woken worker does not preempt the front end on its CPU; the gateway,
    the cell's parent, keeps the default policy."""
    cell.attack("caps")  # a worker has surely been forked
    tree = cell_tree(cell.sg)
    assert len(tree) > 1, "the zygote has no workers"
    for pid in tree:
        assert os.sched_getscheduler(pid) == os.SCHED_BATCH, pid
    assert os.sched_getscheduler(cell.sg.proc.pid) == os.SCHED_OTHER


# ---------------------------------------------------------------- fail closed

EHWPOISON = 133  # Linux; Python's errno module does not name it

# (system call and argument matches to make fail, the step the cell names)
# in the order sandbox/rlimits.c and sandbox/creds.c take them. RLIMIT_CORE
# is left out: the sanitizer runtime sets it itself when the gateway starts.
# The root gateway drops its own capabilities too (gateway/privs.c): the
# matches leave its calls alone where they can (the cell's securebits are
# 239, the gateway's 235; the gateway keeps CAP_SETUID, 7, in its bounding
# set); capset cannot be told apart (its arguments are pointers), so there
# the gateway itself refuses to start, naming its own step.
LAYER_STEPS = [
    (["prlimit64", "1=%d" % resource.RLIMIT_NOFILE, "2!=0"], "setrlimit(RLIMIT_NOFILE)"),
    (["prctl", "0=28", "1=239"], "prctl(PR_SET_SECUREBITS)"),
    (["prctl", "0=24", "1=7"], "cap_drop_bound"),
    (["setgroups"], "setgroups(0)"),
    (["setresgid"], "setresgid"),
    (["setresuid"], "setresuid"),
    (["prctl", "0=47", "1=4"], "prctl(PR_CAP_AMBIENT_CLEAR_ALL)"),
    (["capset"], "cap_set_proc (clear permitted/effective/inheritable)"),
    (["prctl", "0=38"], "prctl(PR_SET_NO_NEW_PRIVS)"),
    (["sched_setscheduler"], "sched_setscheduler(SCHED_BATCH)"),   # sandbox/spawn.c
]


@pytest.mark.parametrize("rule, step", LAYER_STEPS, ids=[step for _, step in LAYER_STEPS])
def test_a_layer_that_cannot_be_applied_stops_the_cell(workdir, denied_gateway, rule, step):
    """With the step's system call failing (seccomp, errno EHWPOISON, whose
    text no other failure would show), the cell does not start: the log
    names the step and the errno, and the app answers 503."""
    if step == "setgroups(0)" and not IS_ROOT:
        pytest.skip("setgroups is only called when the gateway runs as root")
    app = copy_attack_app(workdir) / "attack_app.py"
    addr = "127.0.0.1:%d" % free_port()
    gw = denied_gateway(EHWPOISON, rule, ["serve", "--http", addr, app])
    if rule == ["capset"] and IS_ROOT:
        expected = "setting the kept capabilities: %s" % os.strerror(EHWPOISON)
        assert gw.wait_for_log(expected), gw.stderr_text()[-4000:]
        assert gw.proc.wait(20) == 1
        return
    expected = "%s: %s" % (step, os.strerror(EHWPOISON))
    assert gw.wait_for_log(expected), gw.stderr_text()[-4000:]
    assert http_request("http://" + addr, "/?attack=caps", timeout=10).status == 503
    assert gw.stop() == 0, gw.stderr_text()[-4000:]
