"""Network and cgroup namespaces (sandbox/netns.c): catalogue row 22 (a host
daemon's abstract Unix socket is out of reach), the three network modes
(`--network none|loopback|host`, the `network` key), row 9's second wall
(user.max_user_namespaces is 0 in a cell, so a nested user namespace fails
even where seccomp does not apply), and a cgroup namespace rooted at the
cell's own cgroup. Each attack runs in a cell (net_app.py), in system mode
and in user mode, and where it shows something unconfined too, as the
app's user. Last, the namespace steps are made to fail: the cell must not
start and the log must name the step."""
import errno
import os
import socket
import uuid

import pytest

from conftest import (IS_ROOT, Cell, app_dir, children_of, fields, free_port, http_request,
                      mode_users)

NET_APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "net_app.py")
EHWPOISON = 133          # a text no other failure would show
CLONE_NEWCGROUP = 0x02000000
SIOCSIFFLAGS = 0x8914


def copy_net_app(workdir):
    return app_dir(workdir, "net", NET_APP)


@pytest.fixture(params=["system", "user"])
def net_cell(request, sandgate, workdir):
    """Factory: net_cell(network) starts a cell serving net_app.py with
    that network mode (None: the default, no --network at all)."""
    mode = request.param
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    directory = copy_net_app(workdir)

    def start(network=None):
        runner, uid, gid = mode_users(request, mode)
        extra = ["--network", network] if network else []
        sg = sandgate("--http", "127.0.0.1:%d" % free_port(), *extra,
                      directory / "net_app.py", user=runner, ready_path="/?attack=cgroup")
        return Cell(sg, mode, uid, gid, directory, script="net_app.py")

    return start


@pytest.fixture
def tcp_listener():
    """A host process listening on 127.0.0.1 (this test): its port."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    yield srv.getsockname()[1]
    srv.close()


@pytest.fixture
def abstract_listener():
    """A host daemon on an abstract Unix socket: its name (without \\0)."""
    name = "sandgate-test-%s" % uuid.uuid4().hex
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("\0" + name)
    srv.listen(16)
    yield name
    srv.close()


# ---------------------------------------------------------------- row 22

@pytest.mark.parametrize("network", [None, "loopback"])
def test_abstract_socket_of_the_host_unreachable_22(net_cell, abstract_listener, network):
    """Abstract names belong to a network namespace: from the cell (default
    "none", and "loopback") connect("\\0NAME") gets ECONNREFUSED;
    unconfined, as the same user, it connects."""
    cell = net_cell(network)
    inside = cell.attack("abstract", arg=abstract_listener)
    assert not inside["ok"] and inside["errno"] == errno.ECONNREFUSED, inside
    outside = cell.unconfined("abstract", arg=abstract_listener)
    assert outside["ok"], outside


# ---------------------------------------------------------------- network modes

def test_network_none_has_no_interface_up(net_cell, tcp_listener):
    """The default: only lo, and it is down (no local route to 127.0.0.1),
    so a TCP connect to a host listener on 127.0.0.1 fails with
    ENETUNREACH; unconfined it connects."""
    cell = net_cell()
    seen = fields(cell.attack("interfaces")["detail"])
    assert seen == {"interfaces": "lo", "local_route": "0"}, seen
    inside = cell.attack("tcp", arg=tcp_listener)
    assert not inside["ok"] and inside["errno"] == errno.ENETUNREACH, inside
    outside = cell.unconfined("tcp", arg=tcp_listener)
    assert outside["ok"], outside


def test_network_loopback_is_the_cells_own(net_cell, tcp_listener):
    """"loopback": lo is up, the app can listen on 127.0.0.1 and connect to
    itself, but the host's listener is not there (ECONNREFUSED)."""
    cell = net_cell("loopback")
    seen = fields(cell.attack("interfaces")["detail"])
    assert seen == {"interfaces": "lo", "local_route": "1"}, seen
    own = cell.attack("loop_self")
    assert own["ok"], own
    inside = cell.attack("tcp", arg=tcp_listener)
    assert not inside["ok"] and inside["errno"] == errno.ECONNREFUSED, inside


def test_network_host_reaches_the_host(net_cell, tcp_listener):
    """"host": the host's network namespace, so its listener is reached."""
    cell = net_cell("host")
    inside = cell.attack("tcp", arg=tcp_listener)
    assert inside["ok"], inside


def test_network_key_in_a_configuration_file(request, sandgate, workdir, tcp_listener):
    """`network = "loopback";` in the app's group of a file does what
    --network loopback does; an app without the key gets "none"."""
    directory = copy_net_app(workdir)
    runner, _, _ = mode_users(request, "user")
    port = free_port()
    conf = workdir / "net.conf"
    conf.write_text('listeners = ( { http = "127.0.0.1:%d"; } );\n'
                    'apps = ( { name = "lo"; module = "%s"; route = { prefix = "/lo"; };'
                    ' network = "loopback"; },\n'
                    '         { name = "none"; module = "%s";'
                    ' route = { prefix = "/none"; }; } );\n'
                    % (port, directory / "net_app.py", directory / "net_app.py"))
    conf.chmod(0o644)
    sg = sandgate("-c", conf, user=runner, http=["127.0.0.1:%d" % port],
                  ready_path="/lo/?attack=cgroup")
    assert sg.wait_ready("/none/?attack=cgroup")
    for prefix, route in (("/lo", "1"), ("/none", "0")):
        resp = sg.get(prefix + "/?attack=interfaces")
        assert resp.status == 200, resp.body
        assert fields(resp.json()["detail"])["local_route"] == route, (prefix, resp.json())


# ---------------------------------------------------------------- row 9

def test_nested_user_namespace_second_wall_9(net_cell):
    """user.max_user_namespaces reads 0 in the cell. At import, before the
    seccomp filter, unshare(CLONE_NEWUSER) fails with ENOSPC (the sysctl);
    while serving it fails with EPERM (the filter). Unconfined, as the
    same user, it works."""
    cell = net_cell()
    inside = cell.attack("nested_userns")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert seen == {"max_user_namespaces": "0", "at_import": "ENOSPC", "now": "EPERM"}, seen
    outside = cell.unconfined("nested_userns")
    assert outside["ok"], outside
    assert fields(outside["detail"])["max_user_namespaces"] != "0", outside


# ---------------------------------------------------------------- cgroup namespace

def test_cgroup_namespace_rooted_at_the_cell(net_cell):
    """/proc/self/cgroup in the cell shows "/" in every hierarchy (v1 lines
    and "0::/"), in a cgroup namespace other than the host's. In system
    mode the host sees the cell in its own cgroup (pids: sandgate/...)."""
    cell = net_cell()
    inside = cell.attack("cgroup")
    seen = fields(inside["detail"])
    assert not inside["ok"], inside
    assert set(seen["paths"].split(",")) == {"/"}, seen
    assert seen["ns"] != os.readlink("/proc/self/ns/cgroup"), seen
    if cell.mode == "system":
        zygotes = children_of(cell.sg.proc.pid)
        assert len(zygotes) == 1, zygotes
        with open("/proc/%d/cgroup" % zygotes[0]) as f:
            host_view = f.read()
        assert "/sandgate/" in host_view, host_view


# ---------------------------------------------------------------- failing closed

@pytest.mark.skipif(not IS_ROOT, reason="the seccomp wrapper runs the gateway as root")
@pytest.mark.parametrize("network,rule,step", [
    (None, ["unshare", "0=%d" % CLONE_NEWCGROUP],
     "cgroup namespace: unshare(CLONE_NEWCGROUP)"),
    ("loopback", ["ioctl", "1=%d" % SIOCSIFFLAGS],
     "network loopback: ioctl(lo, SIOCSIFFLAGS)"),
])
def test_a_namespace_step_that_fails_stops_the_cell(workdir, denied_gateway, network, rule,
                                                    step):
    """The step's system call fails (EHWPOISON): no cell, 503, and the log
    names the step and the errno."""
    app = copy_net_app(workdir) / "net_app.py"
    addr = "127.0.0.1:%d" % free_port()
    extra = ["--network", network] if network else []
    gw = denied_gateway(EHWPOISON, rule, ["serve", "--http", addr] + extra + [app])
    assert gw.wait_for_log("%s: %s" % (step, os.strerror(EHWPOISON))), gw.stderr_text()[-4000:]
    assert http_request("http://" + addr, "/?attack=cgroup", timeout=10).status == 503
    assert gw.stop() == 0, gw.stderr_text()[-4000:]
