"""Mercurial's hgweb serving one repository.

The repository path is read from hg_repo_path.txt next to this file (the
test writes it): a hosted app gets no environment from outside. The
repository's .hg/hgrc must allow pushing over plain HTTP
([web] allow-push = *, push_ssl = false).
"""
import os

from mercurial.hgweb import hgweb

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "hg_repo_path.txt"), encoding="utf-8") as f:
    REPO_PATH = f.read().strip()

application = hgweb(REPO_PATH.encode("utf-8"))
