"""An app whose import starts a process, as a careless (or hostile) app
might: a helper forked at import time would run without the seccomp
filter, which the zygote loads after the import. The forked child renames
itself sg-stray and waits. The app answers the child's pid and whether it
still exists, as the cell sees it."""
import ctypes
import json
import os
import time

PR_SET_NAME = 15

STRAY = os.fork()
if STRAY == 0:
    ctypes.CDLL(None).prctl(PR_SET_NAME, b"sg-stray", 0, 0, 0)
    time.sleep(3600)
    os._exit(0)


def application(environ, start_response):
    try:
        os.kill(STRAY, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    body = json.dumps({"stray": STRAY, "alive": alive}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
