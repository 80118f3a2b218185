"""Served as `hellopkg.wsgi` or `hellopkg.wsgi:application` (with
--chdir/--pythonpath pointing at the directory holding hellopkg/)."""


def application(environ, start_response):
    body = b"Hello from hellopkg.wsgi\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
