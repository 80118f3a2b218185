"""`sandgate check -c FILE` (README.md ("Configuration file")): "FILE: ok" and exit 0
for a good file; one "FILE:LINE: message" line on stderr per problem,
"FILE: N problems" on stdout and exit 1 for a bad one."""
import re
from pathlib import Path

import pytest

from conftest import free_port, run_sandgate

EXAMPLE_CONF = Path(__file__).resolve().parents[2] / "examples" / "sandgate.conf"


def config_lines(apps, port, app_lines=None, listener=None):
    """A configuration as a list of lines (line N of the file is index N-1)."""
    listener = listener or '  { http = "127.0.0.1:%d"; }' % port
    app_lines = app_lines or ['  { name = "hello"; module = "%s"; }' % (apps / "hello.py")]
    return (['# written by test_check.py',
             'log_level = "info";',
             'listeners = (',
             listener,
             ');',
             'apps = ('] + app_lines + [');'])


def write_conf(workdir, lines, name="sandgate.conf"):
    path = workdir / name
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)
    return path


def check(path):
    return run_sandgate("check", "-c", path)


def problem_lines(stderr, path):
    """The `FILE:LINE: message` lines of stderr, as (line, message)."""
    found = []
    for line in stderr.splitlines():
        match = re.match(re.escape(str(path)) + r":(\d+): (.+)$", line)
        if match:
            found.append((int(match.group(1)), match.group(2)))
    return found


def assert_one_problem_at(out, path, line_no, words):
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert re.search(r"^%s: 1 problems?$" % re.escape(str(path)), out.stdout, re.M), out.stdout
    problems = problem_lines(out.stderr, path)
    assert [n for n, _ in problems] == [line_no], out.stderr
    message = problems[0][1].lower()
    for word in words:
        assert word in message, (word, out.stderr)


def test_good_config_ok(workdir, apps):
    path = write_conf(workdir, config_lines(apps, free_port()))
    out = check(path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "%s: ok" % path


def test_example_config_ok():
    """examples/sandgate.conf, which uses every setting, passes check."""
    out = check(EXAMPLE_CONF)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith(": ok")


def test_unknown_setting(workdir, apps):
    lines = config_lines(apps, free_port(), app_lines=[
        '  { name = "hello"; module = "%s";' % (apps / "hello.py"),
        '    proceses = 2; }'])
    path = write_conf(workdir, lines)
    out = check(path)
    assert_one_problem_at(out, path, 8, ["unknown setting", "proceses"])
    assert "processes" in out.stderr        # the near-miss suggestion


def test_wrong_type(workdir, apps):
    lines = config_lines(apps, free_port(), app_lines=[
        '  { name = "hello"; module = "%s";' % (apps / "hello.py"),
        '    processes = "two"; }'])
    path = write_conf(workdir, lines)
    assert_one_problem_at(check(path), path, 8, ["processes"])


@pytest.mark.parametrize("address", ["127.0.0.1:notaport", "127.0.0.1:70000",
                                     "example.com:80", "unix:/" + "x" * 120])
def test_bad_address(workdir, apps, address):
    lines = config_lines(apps, 0, listener='  { http = "%s"; }' % address)
    path = write_conf(workdir, lines)
    assert_one_problem_at(check(path), path, 4, [])


def test_duplicate_app_name(workdir, apps):
    lines = config_lines(apps, free_port(), app_lines=[
        '  { name = "twin"; module = "%s"; route = { prefix = "/a"; }; },' % (apps / "hello.py"),
        '  { name = "twin"; module = "%s"; route = { prefix = "/b"; }; }' % (apps / "hello.py")])
    path = write_conf(workdir, lines)
    assert_one_problem_at(check(path), path, 8, ["twin"])


def test_missing_module_file(workdir, apps):
    lines = config_lines(apps, free_port(), app_lines=[
        '  { name = "ghost"; module = "%s"; }' % (workdir / "no-such-app.py")])
    path = write_conf(workdir, lines)
    assert_one_problem_at(check(path), path, 7, ["no-such-app.py"])


def test_several_problems_listed_in_file_order(workdir, apps):
    """All problems at once, each with its own line, in file order."""
    lines = config_lines(apps, free_port(), app_lines=[
        '  { name = "hello"; module = "%s";' % (apps / "hello.py"),
        '    processes = "two";',
        '    proceses = 2; },',
        '  { name = "ghost"; module = "%s"; route = { prefix = "/g"; }; }'
        % (workdir / "no-such-app.py")])
    path = write_conf(workdir, lines)
    out = check(path)
    assert out.returncode == 1
    assert re.search(r"^%s: 3 problems$" % re.escape(str(path)), out.stdout, re.M), out.stdout
    assert [n for n, _ in problem_lines(out.stderr, path)] == [8, 9, 10], out.stderr


def test_syntax_error_names_line(workdir, apps):
    lines = config_lines(apps, free_port())
    lines.insert(2, "this is not libconfig")
    path = write_conf(workdir, lines)
    assert_one_problem_at(check(path), path, 3, [])
