"""Runs a program with one system call made to fail, to check that the
sandbox fails closed: `deny_syscall.py ERRNO SYSCALL [ARG=VALUE ...] --
PROGRAM ARGS...` loads a seccomp filter (libseccomp, through ctypes) under
which SYSCALL fails with ERRNO when its arguments equal the given values
(ARG!=VALUE: differ), then execs PROGRAM. The filter is inherited by every
process the program starts, cells included. libseccomp sets no_new_privs
first, as an unprivileged process must."""
import ctypes
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE = 1
SCMP_CMP_EQ = 4


def scmp_act_errno(err):
    return 0x00050000 | (err & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def parse_cmp(text):
    for op, code in (("!=", SCMP_CMP_NE), ("=", SCMP_CMP_EQ)):
        if op in text:
            arg, value = text.split(op, 1)
            return ArgCmp(int(arg), code, int(value, 0), 0)
    raise SystemExit("bad argument comparison: %r" % text)


def load_filter(err, syscall, cmps):
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    nr = lib.seccomp_syscall_resolve_name(syscall.encode())
    if not ctx or nr < 0:
        raise SystemExit("seccomp_init or unknown syscall %r" % syscall)
    array = (ArgCmp * max(len(cmps), 1))(*cmps)
    rc = lib.seccomp_rule_add_array(ctypes.c_void_p(ctx), scmp_act_errno(err), nr,
                                    len(cmps), array)
    if rc < 0 or lib.seccomp_load(ctypes.c_void_p(ctx)) < 0:
        raise SystemExit("seccomp rule/load failed: %d" % rc)


def main(argv):
    if "--" not in argv or argv.index("--") < 3:
        raise SystemExit(__doc__)
    split = argv.index("--")
    err, syscall, cmps = int(argv[1]), argv[2], [parse_cmp(a) for a in argv[3:split]]
    program = argv[split + 1:]
    load_filter(err, syscall, cmps)
    os.execv(program[0], program)


if __name__ == "__main__":
    main(sys.argv)
