"""A fake NCMEC CyberTipline ESP API on loopback, for end-to-end tests of the client.

It implements /status, /xsd, /submit, /upload, /fileinfo, /finish and /retract with HTTP
basic auth, validates every submitted document against the schema (the test copy in
tests/data/ncmec), and rejects what NCMEC rejects: bad XML, unknown report or file ids,
uploads or file details after finish, finishing or retracting twice. `fail` injects faults
per endpoint for crash and retry tests.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import xmlschema
from lxml import etree

XSD = Path(__file__).parents[1] / "data" / "ncmec" / "cyber_tipline.xsd"
_SCHEMA = xmlschema.XMLSchema(str(XSD))


@dataclass
class FakeReport:
    xml: str
    files: dict[str, dict] = field(default_factory=dict)
    finished: bool = False
    retracted: bool = False


class FakeNcmec:
    def __init__(self, username: str = "esp", password: str = "secret"):
        self.auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.username, self.password = username, password
        self.reports: dict[int, FakeReport] = {}
        self.calls: list[str] = []
        # endpoint -> what to do on its next calls: "ok", an HTTP status ("500"), "drop"
        self.fail: dict[str, list[str]] = {}
        self._ids = itertools.count(90001)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ispws"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                        daemon=True)

    def __enter__(self) -> FakeNcmec:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- protocol ------------------------------------------------------------------
    @staticmethod
    def response(code: int, description: str, **fields: object) -> bytes:
        root = etree.Element("reportResponse")
        etree.SubElement(root, "responseCode").text = str(code)
        etree.SubElement(root, "responseDescription").text = description
        for name in ("reportId", "fileId", "hash"):
            if fields.get(name) is not None:
                etree.SubElement(root, name).text = str(fields[name])
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        _SCHEMA.validate(body.decode())
        return body

    def _report(self, raw: str | None) -> tuple[int | None, FakeReport | None, bytes | None]:
        if raw is None or not raw.strip().isdigit() or int(raw) not in self.reports:
            return None, None, self.response(1101, f"Unknown report id {raw!r}")
        return int(raw), self.reports[int(raw)], None

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, bytes]:
        endpoint = path.split("?", 1)[0].removeprefix("/ispws")
        self.calls.append(endpoint)
        faults = self.fail.get(endpoint)
        if faults:
            fault = faults.pop(0)
            if fault == "ok":
                pass
            elif fault == "drop":
                return -1, b""
            else:
                return int(fault), b"<html>server error</html>"
        if headers.get("Authorization") != self.auth:
            return 401, b""
        if endpoint == "/status" and method == "GET":
            return 200, self.response(0, "Remote User : esp")
        if endpoint == "/xsd" and method == "GET":
            return 200, XSD.read_bytes()
        if method != "POST":
            return 405, b""
        if endpoint in ("/submit", "/fileinfo"):
            try:
                doc = body.decode("utf-8")
                _SCHEMA.validate(doc)
                root = etree.fromstring(body)
            except Exception as exc:  # noqa: BLE001 - any failure is a rejection
                return 200, self.response(4100, f"Schema validation failed: {exc}"[:500])
            if endpoint == "/submit":
                if root.tag != "report":
                    return 200, self.response(4100, "Expected a report document")
                rid = next(self._ids)
                self.reports[rid] = FakeReport(xml=doc)
                return 200, self.response(0, "Success", reportId=rid)
            if root.tag != "fileDetails":
                return 200, self.response(4100, "Expected a fileDetails document")
            rid, report, err = self._report(root.findtext("reportId"))
            if err:
                return 200, err
            if report.finished or report.retracted:
                return 200, self.response(1102, "Report is closed")
            file_id = root.findtext("fileId")
            if file_id not in report.files:
                return 200, self.response(1104, f"Unknown file id {file_id}")
            report.files[file_id]["details"] = doc
            return 200, self.response(0, "Success", reportId=rid, fileId=file_id)
        if endpoint == "/upload":
            ctype = headers.get("Content-Type", "")
            if not ctype.startswith("multipart/form-data"):
                return 200, self.response(4101, "Expected multipart/form-data")
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            form: dict[str, tuple[str | None, bytes]] = {}
            for part in msg.iter_parts():
                form[part.get_param("name", header="content-disposition")] = (
                    part.get_filename(), part.get_payload(decode=True))
            rid, report, err = self._report(form.get("id", (None, b""))[1].decode() or None)
            if err:
                return 200, err
            if report.finished or report.retracted:
                return 200, self.response(1102, "Report is closed")
            if "file" not in form:
                return 200, self.response(4101, "Missing file")
            name, data = form["file"]
            file_id = hashlib.sha1(f"{rid}:{len(report.files)}".encode()).hexdigest()
            report.files[file_id] = {"name": name, "data": data, "details": None}
            return 200, self.response(0, "Success", reportId=rid, fileId=file_id,
                                      hash=hashlib.md5(data).hexdigest())
        if endpoint in ("/finish", "/retract"):
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            rid, report, err = self._report(form.get("id"))
            if err:
                return 200, err
            if report.retracted:
                return 200, self.response(1103, "Report already retracted")
            if report.finished:
                return 200, self.response(1102, "Report already finished")
            if endpoint == "/retract":
                report.retracted = True
                return 200, self.response(0, "Success", reportId=rid)
            report.finished = True
            root = etree.Element("reportDoneResponse")
            etree.SubElement(root, "responseCode").text = "0"
            etree.SubElement(root, "reportId").text = str(rid)
            files = etree.SubElement(root, "files")
            for fid in report.files:
                etree.SubElement(files, "fileId").text = fid
            return 200, etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return 404, b""

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake._lock:
                    status, payload = fake.handle(method, self.path, self.headers, body)
                if status < 0:  # drop the connection without answering
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
