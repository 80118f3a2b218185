"""Fails while being imported: requests must get 503, with this traceback
in the app log."""

raise RuntimeError("import_error_app: failing at import on purpose")


def application(environ, start_response):  # never reached
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"unreachable\n"]
