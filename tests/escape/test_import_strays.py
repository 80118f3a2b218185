"""Processes started during the app's import: the zygote loads the seccomp
filter after the import, and the filter reaches only the zygote's own
threads, so a process forked at import time would run unfiltered. The
zygote, pid 1 of the cell's pid namespace, kills every other process of
the cell once the filter is on and before it forks the workers
(gateway/worker/zygote.c kill_import_strays)."""
from pathlib import Path

import pytest

from conftest import IS_ROOT, app_dir, start_cell

STRAY_APP = Path(__file__).resolve().parent / "stray_app.py"


def strays_on_host():
    """Pids of processes named sg-stray, anywhere on the host."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "sg-stray":
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.parametrize("mode", ["system", "user"])
def test_process_forked_at_import_is_killed(request, sandgate, workdir, mode):
    if mode == "system" and not IS_ROOT:
        pytest.skip("system mode needs root")
    directory = app_dir(workdir, "stray", STRAY_APP)
    sg, _, _ = start_cell(request, sandgate, mode, directory / "stray_app.py", "/")
    resp = sg.get("/")
    assert resp.status == 200, resp.body
    assert resp.json()["alive"] is False
    assert strays_on_host() == []
    assert sg.wait_for_log("killed the processes the app's import started")
