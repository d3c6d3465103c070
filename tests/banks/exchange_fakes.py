"""Tiny loopback servers speaking just the endpoints the threatexchange clients call."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NS = "https://hashsharing.ncmec.org/hashsharing/v2"


class FakeServer:
    def __init__(self, handler_cls):
        self.requests: list[tuple[str, dict, dict]] = []
        outer = self

        class Handler(handler_cls):
            server_state = outer

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _entry(kind: str, member: int, ident: str, fingerprints: dict[str, str],
           classification: str | None = "A1") -> str:
    fps = "".join(f"<{k}>{v}</{k}>" for k, v in fingerprints.items())
    cls = f"<classification>{classification}</classification>" if classification else ""
    return (f"<{kind}><member id=\"{member}\">Member {member}</member>"
            f"<timestamp>2024-01-01T00:00:00Z</timestamp><id>{ident}</id>{cls}"
            f"<fingerprints>{fps}</fingerprints></{kind}>")


def _deleted(kind: str, member: int, ident: str) -> str:
    tag = "deleted" + kind[0].upper() + kind[1:]
    return (f"<{tag}><member id=\"{member}\">Member {member}</member><id>{ident}</id>"
            f"<timestamp>2024-01-02T00:00:00Z</timestamp></{tag}>")


class NcmecHandler(BaseHTTPRequestHandler):
    """GET {base}/v2/entries?from=&to= (Basic auth), two pages joined by paging/next."""

    server_state: FakeServer
    user, password = "esp-user", "esp-pass"
    pages: list[tuple[list[str], list[str]]] = []  # (images xml, videos xml) per page

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server_state.requests.append((url.path, query, dict(self.headers)))
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if auth != want:
            self.send_response(401)
            self.end_headers()
            return
        if not url.path.endswith("/v2/entries"):
            self.send_response(404)
            self.end_headers()
            return
        page = int(query.get("start", "1")) - 1
        images, videos = self.pages[page] if page < len(self.pages) else ([], [])
        nxt = ""
        if page + 1 < len(self.pages):
            nxt = (f"<paging><next>/hashsharing/v2/entries?from={query['from']}&amp;"
                   f"to={query['to']}&amp;start={page + 2}&amp;size=1&amp;"
                   f"max={len(self.pages)}</next></paging>")
        body = (f'<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="{NS}">'
                f'<images count="{len(images)}" maxTimestamp="2024-01-02T00:00:00Z">'
                f'{"".join(images)}</images>'
                f'<videos count="{len(videos)}" maxTimestamp="2024-01-02T00:00:00Z">'
                f'{"".join(videos)}</videos>{nxt}</queryResult>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StopNciiHandler(BaseHTTPRequestHandler):
    """GET {base}/FetchHashes?startTimestamp=&pageSize=[&nextPageToken=] with the
    subscription and function keys in headers."""

    server_state: FakeServer
    key, fetch_key = "sub-key", "fn-key"
    pages: list[list[dict]] = []

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server_state.requests.append((url.path, query, dict(self.headers)))
        if (self.headers.get("Ocp-Apim-Subscription-Key") != self.key
                or self.headers.get("x-functions-key") != self.fetch_key):
            self.send_response(401)
            self.end_headers()
            return
        page = int(query.get("nextPageToken", "0"))
        records = self.pages[page] if page < len(self.pages) else []
        more = page + 1 < len(self.pages)
        body = json.dumps({"count": len(records), "nextPageToken": str(page + 1) if more else None,
                           "nextSetTimestamp": 1700000000 + page, "hasMoreRecords": more,
                           "hashRecords": records}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def stopncii_record(signal_type: str, value: str, status: str = "Active") -> dict:
    return {"lastModtimestamp": 1700000000, "signalType": signal_type, "hashValue": value,
            "hashStatus": status, "caseNumbers": {"case-1": status}, "CSPFeedbacks": []}


ncmec_entry = _entry
ncmec_deleted = _deleted
