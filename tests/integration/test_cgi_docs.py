"""README's "Replacing suEXEC" shows the Apache and nginx configuration the
CGI tests use: every directive of examples/apache-cgi.conf and
examples/nginx-cgi.conf (the files cgi_fixtures.py loads) is in it."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def section(text, title):
    at = text.index("\n## %s\n" % title)
    end = text.find("\n## ", at + 1)
    return text[at:end if end >= 0 else len(text)]


def directives(path):
    """The example's lines without comments, trailing comments or blanks."""
    lines = []
    for line in path.read_text().splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


@pytest.mark.parametrize("example", ["apache-cgi.conf", "nginx-cgi.conf"])
def test_readme_shows_the_tested_configuration(example):
    readme = section((ROOT / "README.md").read_text(), "Replacing suEXEC")
    shown = {line.strip() for line in readme.splitlines()}
    missing = [line for line in directives(ROOT / "examples" / example) if line not in shown]
    assert not missing, "README lacks these lines of examples/%s: %s" % (example, missing)
