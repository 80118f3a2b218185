"""Defines only `app`, no `application`: the default-callable fallback."""


def app(environ, start_response):
    body = b"Hello from app\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
