"""Sleeps on request: for the request timeout (504, with this stack in the
app log) and for requests still in flight during SIGTERM.

  /sleep?s=N   sleeps N seconds in sleepy_request(), then answers "slept N"
  /stream?s=N  sends "started\n" at once, sleeps N seconds, then "done\n"
  anything else answers "awake" at once
"""
import time
from urllib.parse import parse_qs


def seconds(environ, default=30.0):
    values = parse_qs(environ.get("QUERY_STRING", "")).get("s")
    return float(values[0]) if values else default


def sleepy_request(delay):
    time.sleep(delay)


def streamed(delay):
    yield b"started\n"
    sleepy_request(delay)
    yield b"done\n"


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.endswith("/sleep"):
        delay = seconds(environ)
        sleepy_request(delay)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [("slept %g\n" % delay).encode("ascii")]
    if path.endswith("/stream"):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return streamed(seconds(environ))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"awake\n"]
