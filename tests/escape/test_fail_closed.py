"""Fail closed, for the filesystem layer and Landlock: each step's system
call is made to fail (seccomp from deny_syscall.py, errno EHWPOISON, whose
text no other failure shows) in the gateway and its cells. The cell does
not start, the app answers 503, and the log names the layer, the step and
the errno. The other layers have the same test next to their own:
test_credentials.py (rlimits, capabilities, ids), test_network.py
(namespaces), test_resources.py (cgroups), test_seccomp.py."""
import os

import pytest

from conftest import copy_attack_app, free_port, http_request

EHWPOISON = 133  # Linux; Python's errno module does not name it

# (system call to make fail, the step the log names), in the order
# sandbox/fs_root.c and sandbox/landlock.c take them.
STEPS = [
    (["fsopen"], "filesystem: tmpfs for the new root"),
    (["move_mount"], "filesystem: attach the new root"),
    (["open_tree"], "filesystem: bind /usr"),
    (["mount_setattr"], "filesystem: bind /usr"),
    (["pivot_root"], "filesystem: pivot_root"),
    (["landlock_create_ruleset"], "landlock: asking the kernel for its ABI"),
    (["landlock_add_rule"], "landlock_add_rule(path)"),
    (["landlock_restrict_self"], "landlock_restrict_self"),
]


@pytest.mark.parametrize("rule, step", STEPS, ids=[r[0] for r, _ in STEPS])
def test_a_step_that_fails_stops_the_cell(workdir, denied_gateway, rule, step):
    app = copy_attack_app(workdir) / "attack_app.py"
    addr = "127.0.0.1:%d" % free_port()
    gw = denied_gateway(EHWPOISON, rule, ["serve", "--http", addr, app])
    expected = "%s: %s" % (step, os.strerror(EHWPOISON))
    assert gw.wait_for_log(expected), gw.stderr_text()[-4000:]
    assert http_request("http://" + addr, "/?attack=caps", timeout=10).status == 503
    assert gw.stop() == 0, gw.stderr_text()[-4000:]
