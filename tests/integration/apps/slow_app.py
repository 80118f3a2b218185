"""Takes its time, for the timeout path (SG_CTL_TIMEOUT -> SIGUSR1).
?partial sends part of the response before sleeping; ?seconds=N."""
import time
from urllib.parse import parse_qs


def sleep_in_slow_app(seconds):
    print("slow_app: sleeping %g s" % seconds, flush=True)  # tests wait for this line
    time.sleep(seconds)


def application(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"], keep_blank_values=True).items()}
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    if "partial" in q:
        write(b"partial;")
    sleep_in_slow_app(float(q.get("seconds", "60")))
    return [b"done"]
