"""Says which process served the request, as JSON:
uid, gid, groups, pid, and "worker", a token unique to the serving process.

The token is made on the first request a process serves, so every forked
worker and every new zygote has its own even when pids repeat in a fresh
pid namespace. /hold?s=N holds the worker N seconds first, so that
concurrent requests must be spread over several workers.
"""
import json
import os
import time
import uuid
from urllib.parse import parse_qs

_identity = {"pid": None, "token": None}


def worker_token():
    if _identity["pid"] != os.getpid():
        _identity["pid"] = os.getpid()
        _identity["token"] = uuid.uuid4().hex
    return _identity["token"]


def application(environ, start_response):
    if environ.get("PATH_INFO", "").endswith("/hold"):
        held = parse_qs(environ.get("QUERY_STRING", "")).get("s", ["1"])[0]
        time.sleep(float(held))
    report = {
        "uid": os.getuid(),
        "euid": os.geteuid(),
        "gid": os.getgid(),
        "groups": os.getgroups(),
        "pid": os.getpid(),
        "worker": worker_token(),
    }
    body = json.dumps(report).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
