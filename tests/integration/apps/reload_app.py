"""Answers with VERSION. The reload test rewrites VERSION, sends SIGHUP,
and expects the new text from the new cell."""

VERSION = "version 1"


def application(environ, start_response):
    body = (VERSION + "\n").encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
