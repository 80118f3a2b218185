"""The two fronts every attack app of the escape suite shares: a WSGI app
(GET /?attack=NAME&ARG=VALUE..., answered as JSON) for the cell, and a
command line (APP.py NAME ARG=VALUE...) for the same attack run unconfined.
run(name, args) returns the attack's answer, or None for an unknown name;
names lists the attacks for that case. conftest.app_dir copies this file
next to each app."""
import json
import sys
from urllib.parse import parse_qs


def _unknown(names):
    return {"attacks": sorted(names)}


def wsgi(run, names):
    def application(environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        answer = run(query.pop("attack", ""), query)
        status = "200 OK" if answer is not None else "404 Not Found"
        body = json.dumps(answer if answer is not None else _unknown(names)).encode("ascii")
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(body)))])
        return [body]
    return application


def main(run, names):
    args = dict(word.split("=", 1) for word in sys.argv[2:])
    answer = run(sys.argv[1] if len(sys.argv) > 1 else "", args)
    print(json.dumps(answer if answer is not None else _unknown(names)))
    sys.exit(0 if answer is not None else 2)
