"""Benchmark app "hello": the smallest WSGI app, 13 bytes of text/plain."""

PAYLOAD = b"Hello, World!"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(PAYLOAD)))]


def application(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [PAYLOAD]
