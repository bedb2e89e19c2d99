"""gunicorn settings; each can be overridden from the environment (GUNICORN_*) or the command line.
Run: .venv/bin/gunicorn diseasemaps.wsgi"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# Recycle workers now and then, bounding any slow leak; not too often, since a new worker warms up
# again (templates, the search dictionaries: its first search took 0.21 s, its first condition page
# 0.05 s). At 2,000 a busy worker restarted every few seconds, about 0.1 ms of every search request.
max_requests = 20000
max_requests_jitter = 2000
preload_app = True
# Requests are logged by the application (JSON, with their time); gunicorn logs only errors.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket at one fixed path ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl),
# which every instance on the machine would share (the benchmark and the tests start several). Off
# unless GUNICORN_CONTROL_SOCKET gives this instance a path of its own.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
