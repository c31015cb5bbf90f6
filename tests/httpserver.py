"""A small real HTTP server on 127.0.0.1 for tests that fetch.

Usage (through the ``http_server`` fixture in conftest.py)::

    srv.add("/feed.xml", "<rss>…</rss>", content_type="application/rss+xml")
    srv.add("/page", b"...", etag='"v1"', last_modified="Sat, 01 Jan 2000 00:00:00 GMT")
    srv.add("/gone", "nope", status=404)
    srv.add("/moved", "", status=301, headers={"Location": "/feed.xml"})
    srv.add_handler("/slow", lambda h: ...)   # h is the BaseHTTPRequestHandler
    url = srv.url("/feed.xml")
    srv.requests   # [(method, path_with_query, headers), ...]
    srv.paths()    # just the paths, in order

A route added with ``etag`` or ``last_modified`` answers ``304 Not Modified``
when the request's ``If-None-Match`` / ``If-Modified-Since`` matches.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes
    content_type: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _handle(self) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path or "/"
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > 0:
            self.rfile.read(int(length))  # consume a request body to keep the connection usable
        with owner._lock:
            owner.requests.append((self.command, self.path, {k: v for k, v in self.headers.items()}))
            handler = owner._handlers.get(path)
            route = owner._routes.get(path)
        try:
            if handler is not None:
                handler(self)
            elif route is not None:
                self._serve_route(route)
            else:
                self._send(404, b"not found", "text/plain", {})
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _not_modified(self, route: Route) -> bool:
        inm = self.headers.get("If-None-Match")
        if route.etag is not None and inm is not None:
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or route.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if route.last_modified is not None and ims is not None:
            if ims == route.last_modified:
                return True
            try:
                return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _serve_route(self, route: Route) -> None:
        extra = dict(route.headers)
        if route.etag is not None:
            extra.setdefault("ETag", route.etag)
        if route.last_modified is not None:
            extra.setdefault("Last-Modified", route.last_modified)
        if self._not_modified(route):
            self._send(304, b"", None, extra)
            return
        self._send(route.status, route.body, route.content_type, extra)

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str]) -> None:
        self.send_response(status)
        lower = {k.lower() for k in headers}
        if content_type and "content-type" not in lower:
            self.send_header("Content-Type", content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        if "content-length" not in lower:
            self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    do_GET = _handle
    do_HEAD = _handle
    do_POST = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog is 5: more connections at once than that may
    # lose their SYN and come a second later, after the kernel's retry.
    request_queue_size = 128
    owner: "HTTPTestServer"

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up early (as broadsheet does on a 404 or a size
        # cap) is normal here; socketserver would print a traceback to stderr,
        # into the output of the command under test.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class HTTPTestServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._handlers: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "HTTPTestServer":
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "HTTPTestServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- API -------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base + path

    def add(
        self,
        path: str,
        body: bytes | str | Path = b"",
        content_type: str | None = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> str:
        """Serve ``body`` (bytes, text, or a file's contents) at ``path``; returns the full URL."""
        if isinstance(body, Path):
            body = body.read_bytes()
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._handlers.pop(path, None)
            self._routes[path] = Route(body, content_type, status, dict(headers or {}), etag, last_modified)
        return self.url(path)

    def add_handler(self, path: str, fn: Callable[[BaseHTTPRequestHandler], None]) -> str:
        """Let ``fn(handler)`` answer requests for ``path`` (send_response, wfile…)."""
        with self._lock:
            self._routes.pop(path, None)
            self._handlers[path] = fn
        return self.url(path)

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        with self._lock:
            return [p for _, p, _ in self.requests]
