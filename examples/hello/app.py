"""The demo app `make demo` serves: a small HTML page saying who served it.

Run it with:  sandgate serve --http 127.0.0.1:8080 examples/hello/app.py
"""
import html
import os
import pwd

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>sandgate</title></head>
<body>
<h1>Hello from sandgate</h1>
<p>Served by uid {uid} ({user}), pid {pid}.</p>
<p>You asked for <code>{path}</code>.</p>
</body>
</html>
"""


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "no name"


def application(environ, start_response):
    uid = os.getuid()
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    body = PAGE.format(
        uid=uid,
        user=html.escape(user_name(uid)),
        pid=os.getpid(),
        path=html.escape(path or "/"),
    ).encode("utf-8")
    start_response("200 OK", [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ])
    return [body]
