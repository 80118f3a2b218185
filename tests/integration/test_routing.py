"""Routing on listeners and on the path the worker serves.

One configuration file: a public TCP HTTP listener and a Unix HTTP
listener named "admin" (0600, the SSH-tunnel case). The app "admin" at
/admin has route.listeners = [ "admin" ]; the app "public" takes the
whole site from every listener.

- An app with route.listeners is not reachable from any other listener,
  whatever the path.
- The gateway routes on the path the worker serves (decoded, absolute-form
  authority dropped), so "/%61dmin/x" and "http://h/admin/x" reach the same
  app as "/admin/x", and a dot segment is refused (400) rather than routed
  one way and served another (protocols.md F1, C2).
"""
import pytest

from conftest import free_port, parse_http_response, raw_exchange

WHO_APP = '''\
import json

NAME = %r


def application(environ, start_response):
    body = json.dumps({"app": NAME, "SCRIPT_NAME": environ["SCRIPT_NAME"],
                       "PATH_INFO": environ["PATH_INFO"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''

CONF = '''\
listeners = (
  { http = "127.0.0.1:%(port)d"; },
  { name = "admin"; http = "unix:%(sock)s"; }
);
apps = (
  { name = "admin"; module = "%(dir)s/admin_app.py"; processes = 1;
    route = { prefix = "/admin"; listeners = [ "admin" ]; }; },
  { name = "public"; module = "%(dir)s/public_app.py"; processes = 1; }
);
'''


@pytest.fixture
def gateway(sandgate, workdir):
    """The running gateway: (TCP address, Unix socket address)."""
    for name in ("admin", "public"):
        path = workdir / ("%s_app.py" % name)
        path.write_text(WHO_APP % name)
        path.chmod(0o644)
    port = free_port()
    sock = workdir / "admin.sock"
    conf = workdir / "sandgate.conf"
    conf.write_text(CONF % {"port": port, "sock": sock, "dir": workdir})
    conf.chmod(0o644)
    tcp, unix = "127.0.0.1:%d" % port, "unix:%s" % sock
    sandgate("-c", conf, http=[tcp, unix])
    return tcp, unix


def get(addr, target):
    """GET target (sent as written) on addr; the parsed response."""
    raw = raw_exchange(addr, b"GET " + target.encode() +
                       b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    resp = parse_http_response(raw)
    assert resp is not None, raw
    return resp


def served_by(addr, target):
    """(app, SCRIPT_NAME, PATH_INFO) of a request that got a 200."""
    resp = get(addr, target)
    assert resp.status == 200, (target, resp, resp.body[:300])
    who = resp.json()
    return who["app"], who["SCRIPT_NAME"], who["PATH_INFO"]


def test_listener_scoped_app_only_on_its_listener(gateway):
    tcp, unix = gateway
    assert served_by(unix, "/admin/x") == ("admin", "/admin", "/x")
    assert served_by(unix, "/admin") == ("admin", "/admin", "")
    # Over TCP the admin app does not exist: the catch-all takes the path.
    assert served_by(tcp, "/admin/x") == ("public", "", "/admin/x")
    assert served_by(tcp, "/admin") == ("public", "", "/admin")
    # An app without route.listeners is routed from every listener.
    assert served_by(tcp, "/other") == ("public", "", "/other")
    assert served_by(unix, "/other") == ("public", "", "/other")


def test_routes_on_the_decoded_path(gateway):
    tcp, unix = gateway
    # Served as /admin/x, so routed as /admin/x: to the admin app on its
    # listener, never to it over TCP.
    assert served_by(unix, "/%61dmin/x") == ("admin", "/admin", "/x")
    assert served_by(unix, "/%61%64%6D%69%6E/%78") == ("admin", "/admin", "/x")
    assert served_by(tcp, "/%61dmin/x") == ("public", "", "/admin/x")


def test_routes_absolute_form_on_its_path(gateway):
    tcp, unix = gateway
    assert served_by(unix, "http://localhost/admin/x") == ("admin", "/admin", "/x")
    assert served_by(unix, "http://other.example/%61dmin/x?q=1") == ("admin", "/admin", "/x")
    assert served_by(tcp, "http://localhost/admin/x") == ("public", "", "/admin/x")
    assert served_by(tcp, "http://localhost") == ("public", "", "/")


@pytest.mark.parametrize("target", [
    "/admin/../x",
    "/admin/./x",
    "/admin/..",
    "/x/../admin/y",
    "/admin/%2e%2e/x",
    "/admin/.%2E",
    "http://localhost/admin/../x",
])
def test_dot_segments_refused(gateway, target):
    tcp, unix = gateway
    for addr in (tcp, unix):
        resp = get(addr, target)
        assert resp.status == 400, (addr, target, resp, resp.body[:300])
        assert b'"app"' not in resp.body


def test_dots_inside_a_segment_are_a_name(gateway):
    tcp, unix = gateway
    assert served_by(unix, "/admin/..x/.well-known") == ("admin", "/admin", "/..x/.well-known")
    assert served_by(tcp, "/a.b/c.") == ("public", "", "/a.b/c.")


SCGI_CONF = '''\
listeners = ( { scgi = "127.0.0.1:%(port)d"; } );
apps = (
  { name = "admin"; module = "%(dir)s/admin_app.py"; processes = 1;
    route = { prefix = "/admin"; }; },
  { name = "public"; module = "%(dir)s/public_app.py"; processes = 1; }
);
'''


def test_shared_scgi_listener_routes_on_script_name_like_the_worker(sandgate, workdir):
    """Behind Apache a request may arrive with SCRIPT_NAME naming the path
    being served (after an internal redirect) and REQUEST_URI the client's
    original: the gateway routes on the same path the worker serves (A3)."""
    from conftest import scgi_request
    for name in ("admin", "public"):
        path = workdir / ("%s_app.py" % name)
        path.write_text(WHO_APP % name)
        path.chmod(0o644)
    port = free_port()
    conf = workdir / "scgi.conf"
    conf.write_text(SCGI_CONF % {"port": port, "dir": workdir})
    conf.chmod(0o644)
    addr = "127.0.0.1:%d" % port
    sandgate("-c", conf, scgi=[addr])
    resp = scgi_request(addr, "/public-page", SCRIPT_NAME="/admin/target", PATH_INFO="")
    assert resp is not None and resp.status == 200, resp
    assert b'"app": "admin"' in resp.body and b'"PATH_INFO": "/target"' in resp.body
    resp = scgi_request(addr, "/admin/x", SCRIPT_NAME="/elsewhere", PATH_INFO="/y")
    assert resp is not None and b'"app": "public"' in resp.body
    assert b'"PATH_INFO": "/elsewhere/y"' in resp.body
