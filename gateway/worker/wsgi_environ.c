#include "gateway/worker/wsgi_environ.h"

#include <string.h>

#include "gateway/envblock.h"

/* Names that come in most requests: their key objects are made once, so a
 * request only decodes values. Others are decoded per request. */
static const char *const common_names[] = {
	"CONTENT_LENGTH", "CONTENT_TYPE", "DOCUMENT_ROOT", "DOCUMENT_URI", "GATEWAY_INTERFACE",
	"HTTPS", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE",
	"HTTP_AUTHORIZATION", "HTTP_CACHE_CONTROL", "HTTP_CONNECTION", "HTTP_COOKIE",
	"HTTP_DNT", "HTTP_HOST", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH", "HTTP_ORIGIN",
	"HTTP_PRAGMA", "HTTP_REFERER", "HTTP_SEC_FETCH_DEST", "HTTP_SEC_FETCH_MODE",
	"HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_USER", "HTTP_UPGRADE_INSECURE_REQUESTS",
	"HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
	"HTTP_X_REAL_IP", "HTTP_X_REQUESTED_WITH", "QUERY_STRING", "REMOTE_ADDR",
	"REMOTE_PORT", "REMOTE_USER", "REQUEST_METHOD", "REQUEST_SCHEME", "REQUEST_URI", "SCGI",
	"SERVER_ADDR", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
};

#define NAME_TABLE_SIZE 128 /* a power of two, well above the count above */

static struct {
	const char *name;
	size_t len;
	PyObject *key;
} name_table[NAME_TABLE_SIZE];

/* Keys and values that never change. */
static struct {
	PyObject *script_name, *path_info, *server_name, *server_port, *query_string;
	PyObject *wsgi_version, *wsgi_url_scheme, *wsgi_input, *wsgi_errors;
	PyObject *wsgi_multithread, *wsgi_multiprocess, *wsgi_run_once;
	PyObject *wsgi_input_terminated, *wsgi_file_wrapper;
	PyObject *version, *http, *https, *localhost, *port80, *empty, *prefix;
	PyObject *errors, *file_wrapper;
} k;

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static PyObject *lookup_key(const char *name, size_t len)
{
	for (uint32_t i = name_hash(name, len);; i++) {
		const char *n = name_table[i % NAME_TABLE_SIZE].name;
		if (n == NULL)
			return NULL;
		if (name_table[i % NAME_TABLE_SIZE].len == len && memcmp(n, name, len) == 0)
			return name_table[i % NAME_TABLE_SIZE].key;
	}
}

static int add_common_name(const char *name)
{
	size_t len = strlen(name);
	uint32_t i = name_hash(name, len);
	while (name_table[i % NAME_TABLE_SIZE].name != NULL)
		i++;
	PyObject *key = PyUnicode_InternFromString(name);
	if (key == NULL)
		return -1;
	name_table[i % NAME_TABLE_SIZE].name = name;
	name_table[i % NAME_TABLE_SIZE].len = len;
	name_table[i % NAME_TABLE_SIZE].key = key;
	return 0;
}

static PyObject *intern(const char *s)
{
	return PyUnicode_InternFromString(s);
}

int sg_environ_setup(const char *prefix, PyObject *errors, PyObject *file_wrapper,
		     struct sg_error *err)
{
	for (size_t i = 0; i < sizeof common_names / sizeof common_names[0]; i++)
		if (add_common_name(common_names[i]) < 0)
			return sg_fail(err, "cannot make environ keys");
	k.script_name = intern("SCRIPT_NAME");
	k.path_info = intern("PATH_INFO");
	k.server_name = lookup_key("SERVER_NAME", 11);
	k.server_port = lookup_key("SERVER_PORT", 11);
	k.query_string = lookup_key("QUERY_STRING", 12);
	k.wsgi_version = intern("wsgi.version");
	k.wsgi_url_scheme = intern("wsgi.url_scheme");
	k.wsgi_input = intern("wsgi.input");
	k.wsgi_errors = intern("wsgi.errors");
	k.wsgi_multithread = intern("wsgi.multithread");
	k.wsgi_multiprocess = intern("wsgi.multiprocess");
	k.wsgi_run_once = intern("wsgi.run_once");
	k.wsgi_input_terminated = intern("wsgi.input_terminated");
	k.wsgi_file_wrapper = intern("wsgi.file_wrapper");
	k.version = Py_BuildValue("(ii)", 1, 0);
	k.http = intern("http");
	k.https = intern("https");
	k.localhost = intern("localhost");
	k.port80 = intern("80");
	k.empty = intern("");
	k.prefix = PyUnicode_DecodeLatin1(prefix, (Py_ssize_t)strlen(prefix), NULL);
	k.errors = Py_NewRef(errors);
	k.file_wrapper = Py_NewRef(file_wrapper);
	if (PyErr_Occurred() || k.version == NULL || k.prefix == NULL || k.wsgi_file_wrapper == NULL)
		return sg_fail(err, "cannot make environ keys");
	return 0;
}

/* Variables the environ does not take from the env block: the Content-*
 * duplicates wsgiref rejects (W3), httpoxy (C4), and the ones the worker
 * computes itself (F1). */
#define NAME_IS(name, len, want) ((len) == sizeof(want) - 1 && memcmp((name), (want), (len)) == 0)

static bool dropped(const char *name, size_t len, size_t value_len)
{
	if (NAME_IS(name, len, "HTTP_CONTENT_TYPE") || NAME_IS(name, len, "HTTP_CONTENT_LENGTH") ||
	    NAME_IS(name, len, "HTTP_PROXY") || NAME_IS(name, len, "SCRIPT_NAME") ||
	    NAME_IS(name, len, "PATH_INFO"))
		return true;
	/* Empty values that W2/W3 do not allow: they are defaulted or left out. */
	return value_len == 0 &&
	       (NAME_IS(name, len, "CONTENT_LENGTH") || NAME_IS(name, len, "SERVER_NAME") ||
		NAME_IS(name, len, "SERVER_PORT"));
}

/* Steals value. */
static int set_item(PyObject *env, PyObject *key, PyObject *value)
{
	if (value == NULL)
		return -1;
	int r = PyDict_SetItem(env, key, value);
	Py_DECREF(value);
	return r;
}

static int add_block(PyObject *env, const char *block, size_t block_len)
{
	size_t pos = 0;
	const char *name, *value;
	size_t name_len, value_len;
	while (sg_envblock_next(block, block_len, &pos, &name, &name_len, &value, &value_len)) {
		if (dropped(name, name_len, value_len))
			continue;
		PyObject *key = lookup_key(name, name_len);
		if (key != NULL) {
			Py_INCREF(key);
		} else if ((key = PyUnicode_DecodeLatin1(name, (Py_ssize_t)name_len, NULL)) == NULL) {
			return -1;
		}
		int r = set_item(env, key,
				 PyUnicode_DecodeLatin1(value, (Py_ssize_t)value_len, NULL));
		Py_DECREF(key);
		if (r < 0)
			return -1;
	}
	return 0;
}

static PyObject *url_scheme(const struct sg_reqinfo *info)
{
	if (info->https || info->request_scheme == SG_SCHEME_HTTPS)
		return k.https;
	return k.http;
}

static int add_defaults(PyObject *env, const struct sg_reqinfo *info)
{
	if (info->server_name.len == 0 && PyDict_SetItem(env, k.server_name, k.localhost) < 0)
		return -1;
	if (info->server_port.len == 0 && PyDict_SetItem(env, k.server_port, k.port80) < 0)
		return -1;
	if (info->query.s == NULL && PyDict_SetItem(env, k.query_string, k.empty) < 0)
		return -1;
	return 0;
}

static int add_wsgi(PyObject *env, const struct sg_reqinfo *info, PyObject *input)
{
	if (PyDict_SetItem(env, k.wsgi_version, k.version) < 0 ||
	    PyDict_SetItem(env, k.wsgi_url_scheme, url_scheme(info)) < 0 ||
	    PyDict_SetItem(env, k.wsgi_input, input) < 0 ||
	    PyDict_SetItem(env, k.wsgi_errors, k.errors) < 0 ||
	    PyDict_SetItem(env, k.wsgi_multithread, Py_False) < 0 ||
	    PyDict_SetItem(env, k.wsgi_multiprocess, Py_True) < 0 ||
	    PyDict_SetItem(env, k.wsgi_run_once, Py_False) < 0 ||
	    PyDict_SetItem(env, k.wsgi_input_terminated, Py_True) < 0 ||
	    PyDict_SetItem(env, k.wsgi_file_wrapper, k.file_wrapper) < 0)
		return -1;
	return 0;
}

PyObject *sg_environ_build(const char *env_block, size_t env_len, const struct sg_reqinfo *info,
			   const char *path_info, size_t path_info_len, PyObject *input)
{
	PyObject *env = PyDict_New();
	if (env == NULL)
		return NULL;
	if (add_block(env, env_block, env_len) < 0 || add_defaults(env, info) < 0 ||
	    PyDict_SetItem(env, k.script_name, k.prefix) < 0 ||
	    set_item(env, k.path_info,
		     PyUnicode_DecodeLatin1(path_info, (Py_ssize_t)path_info_len, NULL)) < 0 ||
	    add_wsgi(env, info, input) < 0) {
		Py_DECREF(env);
		return NULL;
	}
	return env;
}
