"""An app that attacks the gateway through what a cell holds (security
review findings): the scoreboard memfd (fd 5), the control socket (fd 3)
and the dispatch socket (fd 4) are reachable from app code at import."""
import json
import os
import sys

# Copies made at import survive into every forked worker.
SCOREBOARD = os.dup(5)
CONTROL = os.dup(3)


def shrink_scoreboard():
    """A shrunk scoreboard would SIGBUS the gateway on its next scan."""
    try:
        os.ftruncate(SCOREBOARD, 0)
        return "shrunk"
    except OSError as e:
        return "refused: %s" % e.strerror


def flood_control(n=200000):
    """Junk control messages: the gateway must stay responsive."""
    sent = 0
    for _ in range(n):
        try:
            os.write(CONTROL, b"x" * 32)
            sent += 1
        except OSError:
            break
    return "sent %d" % sent


def stdio_is_a_terminal():
    return "tty" if os.isatty(1) or os.isatty(2) else "no tty"


def application(environ, start_response):
    action = environ.get("PATH_INFO", "/").strip("/")
    if action == "shrink":
        result = shrink_scoreboard()
    elif action == "flood":
        result = flood_control()
    elif action == "stdio":
        result = stdio_is_a_terminal() + " " + os.readlink("/proc/self/fd/2")
    else:
        result = "ok"
    print("hostile_app: %s -> %s" % (action, result), file=sys.stderr)
    body = json.dumps({"result": result}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
