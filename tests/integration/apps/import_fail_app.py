"""Fails while being imported: the zygote must report SG_CTL_IMPORT_FAILED
and put this traceback in the app log."""


def load_settings():
    raise RuntimeError("import-failure-marker: settings are missing")


load_settings()


def application(environ, start_response):  # never reached
    start_response("200 OK", [])
    return [b""]
