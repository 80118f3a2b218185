#!/usr/bin/python3
"""CGI: a fresh interpreter per request runs apps/hello.py through wsgiref."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from wsgiref.handlers import CGIHandler  # noqa: E402

import hello  # noqa: E402

CGIHandler().run(hello.application)
