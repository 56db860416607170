"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app`` (README, "Running in
production"). Every value can be changed with gunicorn's own command-line options, which win.

Threaded workers (``gthread``): a client that sends its request slowly holds one thread, not a whole
worker process, so slow or stalled phones do not starve other users. Each worker accepts at most as
many connections as it has threads (``worker_connections``), so a busy worker leaves new clients to
the others instead of queueing them behind slow ones. There are at least 128 threads in all, and a
buffering proxy in front (nginx, README) holds slow clients before they ever reach a thread.
Each worker's database pool stays SQLAlchemy's default (5 + 10 overflow connections): threads
waiting on a slow client hold no connection.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, min(2 * multiprocessing.cpu_count(), 8)))
threads = int(os.environ.get("GUNICORN_THREADS") or max(16, 128 // workers))
worker_connections = threads  # no queue behind busy threads; no keep-alive (the proxy connects anew)
timeout = 30             # a worker whose main loop is silent this long is restarted
graceful_timeout = 30    # on a reload or stop, requests under way get this long to finish
keepalive = 2

# Request limits, matching the proxy's (README): a request line of at most 8190 bytes (nginx:
# large_client_header_buffers 4 8k), at most 100 header fields of at most 8190 bytes each. The body
# limit is the app's own MAX_CONTENT_LENGTH (UPLOAD_MAX_FILES × UPLOAD_MAX_FILE_MB + 1 MB; nginx:
# client_max_body_size 51m), answered 413 by the app.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = None         # the proxy logs requests; the app logs what matters to stderr
errorlog = "-"
control_socket_disable = True
