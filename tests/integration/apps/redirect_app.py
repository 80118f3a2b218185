"""The rows of protocols.md section 4.5 that a WSGI app can express.

The path's last segment picks the case (the prefix before it is ignored,
so the app works mounted anywhere):
  .../absolute      302 Found, Location: http://127.0.0.1/elsewhere
  .../absolute-200  200 OK with an absolute Location
  .../local         200 OK, Location: <SCRIPT_NAME>/target (a local redirect, C8/A6)
  .../target        200 OK, body "target reached"
  .../see-other     303, relative Location
  .../no-content    204, no body
  .../length        200 with an explicit Content-Length
  .../raise         raises before start_response (W13: 500)
  anything else     200, body "redirect_app index"
"""

ABSOLUTE = "http://127.0.0.1/elsewhere"


def respond(start_response, status, headers, body):
    start_response(status, [("Content-Type", "text/plain")] + headers)
    return [body]


def application(environ, start_response):
    script_name = environ.get("SCRIPT_NAME", "")
    case = environ.get("PATH_INFO", "").rstrip("/").rsplit("/", 1)[-1]
    if case == "absolute":
        return respond(start_response, "302 Found", [("Location", ABSOLUTE)],
                       b"moved away\n")
    if case == "absolute-200":
        return respond(start_response, "200 OK", [("Location", ABSOLUTE)],
                       b"ok with an absolute location\n")
    if case == "local":
        return respond(start_response, "200 OK",
                       [("Location", script_name + "/target")],
                       b"local redirect source\n")
    if case == "target":
        return respond(start_response, "200 OK", [], b"target reached\n")
    if case == "see-other":
        return respond(start_response, "303 See Other",
                       [("Location", script_name + "/target")], b"see other\n")
    if case == "no-content":
        start_response("204 No Content", [])
        return []
    if case == "length":
        body = b"exactly twenty bytes"
        return respond(start_response, "200 OK",
                       [("Content-Length", str(len(body)))], body)
    if case == "raise":
        raise RuntimeError("redirect_app: raised on purpose")
    return respond(start_response, "200 OK", [], b"redirect_app index\n")
