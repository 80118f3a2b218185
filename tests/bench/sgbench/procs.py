"""Processes seen through the host's /proc: trees, identity, memory.

A server is measured as its whole process tree (the process the bench
started and every descendant, found through the parent pid), not by process
group or session: sandgate's cells are children of the gateway in their own
pid namespace and their own process group, and the host's /proc lists them
with host pids like any other process.
"""
import os
import pwd


class ProcInfo:
    __slots__ = ("pid", "ppid", "state", "start", "comm", "cpu")

    def __init__(self, pid, ppid, state, start, comm, cpu):
        self.pid, self.ppid, self.state, self.start, self.comm = pid, ppid, state, start, comm
        self.cpu = cpu      # clock ticks: utime + stime + cutime + cstime


def read_stat(pid):
    """ProcInfo of pid, or None if it is gone (or a zombie)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as fh:
            raw = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    close = raw.rfind(")")
    comm = raw[raw.find("(") + 1:close]
    fields = raw[close + 2:].split()
    # fields[0] is field 3 (state); utime..cstime are 14-17; starttime is 22
    state, ppid, start = fields[0], int(fields[1]), int(fields[19])
    if state in ("Z", "X"):
        return None
    cpu = sum(int(x) for x in fields[11:15])
    return ProcInfo(pid, ppid, state, start, comm, cpu)


def snapshot():
    """pid -> ProcInfo for every live process."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = read_stat(int(name))
            if info is not None:
                out[info.pid] = info
    return out


def tree(root, snap=None):
    """[(pid, depth)] for root and its live descendants, parents first."""
    snap = snapshot() if snap is None else snap
    if root not in snap:
        return []
    kids = {}
    for info in snap.values():
        kids.setdefault(info.ppid, []).append(info.pid)
    out, todo = [], [(root, 0)]
    while todo:
        pid, depth = todo.pop(0)
        out.append((pid, depth))
        todo.extend((k, depth + 1) for k in sorted(kids.get(pid, ())))
    return out


def identity(pid):
    """(pid, start time) names a process without pid-reuse mistakes."""
    info = read_stat(pid)
    return None if info is None else (pid, info.start)


def same_process(ident):
    info = read_stat(ident[0])
    return info is not None and info.start == ident[1]


def _field_kb(path, key):
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def pss_kb(pid):
    return _field_kb("/proc/%d/smaps_rollup" % pid, "Pss:")


def rss_kb(pid):
    return _field_kb("/proc/%d/status" % pid, "VmRSS:")


def status_field(pid, key):
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def seccomp_mode(pid):
    """0 none, 1 strict, 2 filter; -1 unknown."""
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith("Seccomp:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def exe_name(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return "?"


def owner(pid):
    try:
        uid = os.stat("/proc/%d" % pid).st_uid
    except OSError:
        return "?"
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def python_runtime(pid):
    """Python runtime files the process maps (proves Debian's interpreter)."""
    found = set()
    try:
        with open("/proc/%d/maps" % pid) as fh:
            for line in fh:
                path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) == 6 else ""
                base = os.path.basename(path)
                if base.startswith("libpython3") or base.startswith("python3"):
                    found.add(path)
    except OSError:
        pass
    return found


_PFN_MASK = (1 << 55) - 1
_PRESENT = 1 << 63
_CHUNK = 1 << 16          # pagemap entries read at a time


def resident_pages(pid):
    """Set of page frame numbers of pid's resident pages (root only: the
    kernel hides PFNs from others). Used for a tree's footprint: the pages
    its processes hold, each counted once, whoever else maps them."""
    import array
    page = os.sysconf("SC_PAGE_SIZE")
    out = set()
    try:
        with open("/proc/%d/maps" % pid) as fh:
            ranges = []
            for line in fh:
                lo, hi = line.split(None, 1)[0].split("-")
                ranges.append((int(lo, 16) // page, int(hi, 16) // page))
        fd = os.open("/proc/%d/pagemap" % pid, os.O_RDONLY)
    except (OSError, ValueError):
        return out
    try:
        for lo, hi in ranges:
            at = lo
            while at < hi:
                n = min(hi - at, _CHUNK)
                try:
                    raw = os.pread(fd, n * 8, at * 8)
                except OSError:
                    break
                entries = array.array("Q")
                entries.frombytes(raw[:len(raw) - len(raw) % 8])
                out.update(v & _PFN_MASK for v in entries if v & _PRESENT)
                if len(raw) < n * 8:
                    break
                at += n
    finally:
        os.close(fd)
    out.discard(0)
    return out
