/* The process a CGI script runs in, forked from the worker for one request.
 *
 * Python scripts run in it from the warm interpreter (no exec): the
 * source is read from the verified descriptor and run as __main__, the way
 * runpy.run_path would run the file, but without opening the path again.
 * Everything else is execveat(2)'d from the same descriptor, left open
 * (not close-on-exec) as fd 3, so that the interpreter of a "#!" script
 * can open it as /dev/fd/3. */
#include "gateway/worker/py.h" /* before any system header */

#include "gateway/worker/cgi_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/envblock.h"
#include "gateway/log.h"
#include "gateway/worker/log_stream.h"
#include "gateway/worker/scoreboard.h"

#define SCRIPT_FD 3

/* run(fd, path, directory, env) -> exit status. Compiled in the zygote,
 * where compile() also runs once: its first call readies the ast module's
 * types, 2-3 ms that every script's process would otherwise spend. The
 * imports are what Python CGI scripts commonly use beyond pyinit.c's list
 * (wsgiref.handlers runs a WSGI application as a CGI script). */
static const char runner_source[] =
	"import builtins, io, os, sys, traceback, types\n"
	"compile('', '<sandgate warm-up>', 'exec', dont_inherit=True)\n"
	"import warnings\n"
	"with warnings.catch_warnings():\n"
	"    warnings.simplefilter('ignore', DeprecationWarning)\n"
	"    import cgi  # deprecated in 3.11, still what Python CGI scripts use\n"
	"import wsgiref.handlers  # CGIHandler: a WSGI app as a CGI script, 1.5 ms\n"
	"def _stream(fd, mode, **kw):\n"
	"    raw = io.FileIO(fd, mode, closefd=False)\n"
	"    buf = io.BufferedReader(raw) if mode == 'r' else io.BufferedWriter(raw)\n"
	"    return io.TextIOWrapper(buf, 'utf-8', **kw)\n"
	"def run(fd, path, directory, env):\n"
	"    chunks = []\n"
	"    while True:\n"
	"        chunk = os.read(fd, 1 << 20)\n"
	"        if not chunk:\n"
	"            break\n"
	"        chunks.append(chunk)\n"
	"    os.close(fd)\n"
	"    os.environ.clear()\n"
	"    os.environ.update(env)\n"
	"    sys.argv = [path]\n"
	"    sys.stdin = sys.__stdin__ = _stream(0, 'r')\n"
	"    sys.stdout = sys.__stdout__ = _stream(1, 'w')\n"
	"    sys.stderr = sys.__stderr__ = _stream(2, 'w', errors='backslashreplace',\n"
	"                                          line_buffering=True)\n"
	"    sys.path.insert(0, directory)\n"
	"    main = types.ModuleType('__main__')\n"
	"    main.__file__ = path\n"
	"    main.__builtins__ = builtins\n"
	"    sys.modules['__main__'] = main\n"
	"    status = 0\n"
	"    try:\n"
	"        exec(compile(b''.join(chunks), path, 'exec', dont_inherit=True), main.__dict__)\n"
	"    except SystemExit as e:\n"
	"        if e.code is None:\n"
	"            status = 0\n"
	"        elif isinstance(e.code, int):\n"
	"            status = e.code & 0xff\n"
	"        else:\n"
	"            print(e.code, file=sys.stderr)\n"
	"            status = 1\n"
	"    except BaseException:\n"
	"        traceback.print_exc()\n"
	"        status = 1\n"
	"    for s in (sys.stdout, sys.stderr):\n"
	"        try:\n"
	"            s.flush()\n"
	"        except BaseException:\n"
	"            pass\n"
	"    return status\n";

PyObject *sg_cgi_python_setup(struct sg_error *err)
{
	PyObject *globals = PyDict_New();
	PyObject *r = NULL, *run = NULL;
	if (globals != NULL &&
	    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0)
		r = PyRun_String(runner_source, Py_file_input, globals, globals);
	if (r != NULL)
		run = PyDict_GetItemString(globals, "run"); /* borrowed */
	Py_XINCREF(run);
	Py_XDECREF(r);
	Py_XDECREF(globals);
	if (run == NULL) {
		PyErr_Print();
		sg_fail(err, "cannot compile the CGI script runner");
	}
	return run;
}

/* Moves fd above the three standard descriptors and SCRIPT_FD. */
static int lift(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* fds 0-2 the pipes, 3 the script (inheritable), nothing else open. */
static int place_descriptors(const struct sg_cgi_child *c)
{
	int in = lift(c->in_fd), out = lift(c->out_fd), errfd = lift(c->err_fd);
	int script = lift(c->script_fd), dir = lift(c->dir_fd);
	if (in < 0 || out < 0 || errfd < 0 || script < 0 || dir < 0)
		return -1;
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0 ||
	    dup2(script, SCRIPT_FD) < 0 || fchdir(dir) < 0)
		return -1;
	/* The dispatch socket, the access log, the other requests' nothing:
	 * the script gets only what CGI gives it. */
	return close_range(SCRIPT_FD + 1, ~0u, 0);
}

/* "NAME=VALUE" strings for execveat, from the env block. */
static char **make_envp(const char *env, size_t env_len)
{
	size_t count = 0, pos = 0, nlen, vlen;
	const char *name, *value;
	while (sg_envblock_next(env, env_len, &pos, &name, &nlen, &value, &vlen))
		count++;
	char **envp = calloc(count + 1, sizeof *envp);
	pos = 0;
	for (size_t i = 0; envp != NULL && i < count; i++) {
		sg_envblock_next(env, env_len, &pos, &name, &nlen, &value, &vlen);
		if (asprintf(&envp[i], "%.*s=%.*s", (int)nlen, name, (int)vlen, value) < 0)
			return NULL;
	}
	return envp;
}

static PyObject *make_env_dict(const char *env, size_t env_len)
{
	PyObject *d = PyDict_New();
	size_t pos = 0, nlen, vlen;
	const char *name, *value;
	while (d != NULL && sg_envblock_next(env, env_len, &pos, &name, &nlen, &value, &vlen)) {
		PyObject *k = PyUnicode_DecodeFSDefaultAndSize(name, (Py_ssize_t)nlen);
		PyObject *v = PyUnicode_DecodeFSDefaultAndSize(value, (Py_ssize_t)vlen);
		if (k == NULL || v == NULL || PyDict_SetItem(d, k, v) < 0)
			Py_CLEAR(d);
		Py_XDECREF(k);
		Py_XDECREF(v);
	}
	return d;
}

_Noreturn static void run_python(const struct sg_cgi_child *c)
{
	PyOS_AfterFork_Child();
	/* The scoreboard is the worker's to write, not the script's. */
	sg_scoreboard_unmap();
	PyObject *env = make_env_dict(c->env, c->env_len);
	PyObject *r = env ? PyObject_CallFunction(c->runner, "issO", SCRIPT_FD, c->path, c->dir,
						  env)
			  : NULL;
	long status = r != NULL && PyLong_Check(r) ? PyLong_AsLong(r) : 1;
	if (r == NULL)
		PyErr_Print();
	_exit((int)(status & 0xff));
}

_Noreturn static void run_program(const struct sg_cgi_child *c)
{
	char **envp = make_envp(c->env, c->env_len);
	char *argv[] = { (char *)c->path, NULL };
	if (envp != NULL)
		execveat(SCRIPT_FD, "", argv, envp, AT_EMPTY_PATH);
	dprintf(2, "sandgate: cannot run %s: %s\n", c->path,
		envp == NULL ? "out of memory" : strerror(errno));
	_exit(127);
}

/* In the child: its own group, default signals, the descriptors, then
 * Python or exec. */
_Noreturn static void child(const struct sg_cgi_child *c)
{
	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (place_descriptors(c) < 0) {
		dprintf(c->err_fd, "sandgate: cannot set up %s: %s\n", c->path, strerror(errno));
		_exit(127);
	}
	if (c->python) {
		/* As in any Python program: a closed pipe is an exception. */
		signal(SIGPIPE, SIG_IGN);
		run_python(c);
	}
	run_program(c);
}

pid_t sg_cgi_spawn(const struct sg_cgi_child *c, struct sg_error *err)
{
	sg_log_stream_flush_all();
	PyOS_BeforeFork();
	pid_t pid = fork();
	if (pid == 0)
		child(c);
	PyOS_AfterFork_Parent();
	if (pid < 0)
		return sg_fail_errno(err, "fork");
	/* Also here, so that a kill of the group cannot come before the
	 * child's own setpgid. */
	setpgid(pid, pid);
	return pid;
}
