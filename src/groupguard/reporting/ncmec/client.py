"""Client for NCMEC's CyberTipline ESP reporting API (https://report.cybertip.org/ispws).

Endpoints (HTTP basic auth on every call):
  GET  /status    check connectivity and credentials
  POST /submit    open a report: body is a `report` XML document -> reportId
  POST /upload    multipart form: `id` (report id) and `file` -> fileId (and NCMEC's MD5)
  POST /fileinfo  body is a `fileDetails` XML document for an uploaded file
  POST /finish    form: `id` -> the report is filed; answers with the file ids it holds
  POST /retract   form: `id` -> withdraw a report that is not finished

Answers are `reportResponse` (or `reportDoneResponse` for /finish) documents with a
`responseCode`; 0 is success and the others map to typed errors (errors.py). Transient
failures are retried with exponential backoff; /submit is retried only when the request
cannot have reached NCMEC (connection refused, 502/503), so a retry never opens a second
report.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from lxml import etree

from groupguard.reporting.config import ReportingConfig
from groupguard.reporting.ncmec.errors import (
    NcmecAuthError,
    NcmecError,
    NcmecServerError,
    NcmecTransportError,
    error_for,
)

XML_TYPE = "text/xml; charset=utf-8"


@dataclass
class NcmecResponse:
    code: int
    description: str | None = None
    report_id: int | None = None
    file_id: str | None = None
    hash: str | None = None
    files: list[str] = field(default_factory=list)


def parse_response(body: bytes, endpoint: str) -> NcmecResponse:
    try:
        root = etree.fromstring(body)
    except etree.XMLSyntaxError as exc:
        raise NcmecServerError(f"answer is not XML: {body[:200]!r}", endpoint=endpoint) from exc
    code_text = root.findtext("responseCode")
    if code_text is None or not code_text.strip().lstrip("-").isdigit():
        raise NcmecServerError(f"answer has no responseCode: {body[:200]!r}",
                               endpoint=endpoint)
    report_id = root.findtext("reportId")
    return NcmecResponse(
        code=int(code_text), description=root.findtext("responseDescription"),
        report_id=int(report_id) if report_id and report_id.strip().isdigit() else None,
        file_id=root.findtext("fileId"), hash=root.findtext("hash"),
        files=[f.text or "" for f in root.findall("files/fileId")])


class NcmecClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._http = httpx.Client(base_url=self.base_url, auth=(username, password),
                                  timeout=timeout, transport=transport)

    @classmethod
    def from_config(cls, config: ReportingConfig, **kwargs: object) -> NcmecClient:
        if not config.ncmec_username or not config.ncmec_password:
            raise NcmecAuthError("no NCMEC credentials configured: set "
                                 "GROUPGUARD_NCMEC_USERNAME and GROUPGUARD_NCMEC_PASSWORD "
                                 "(or ncmec_username/ncmec_password in reporting.yaml)")
        return cls(config.ncmec_base_url, config.ncmec_username, config.ncmec_password,
                   timeout=config.ncmec_timeout_s, retries=config.ncmec_retries,
                   backoff=config.ncmec_backoff_s, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NcmecClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, safe_to_retry: bool = True,
              **kwargs: object) -> NcmecResponse:
        attempt = 0
        while True:
            try:
                resp = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
                if resp.status_code == 401:
                    raise NcmecAuthError("NCMEC refused the credentials (HTTP 401)",
                                         endpoint=path)
                if resp.status_code in (502, 503, 504):
                    raise NcmecServerError(f"HTTP {resp.status_code}", endpoint=path)
                if resp.status_code >= 500:
                    # The request reached NCMEC: a retry of /submit could file twice.
                    err = NcmecServerError(f"HTTP {resp.status_code}", endpoint=path)
                    if not safe_to_retry:
                        err.retryable = False
                    raise err
                parsed = parse_response(resp.content, path)
                if parsed.code != 0:
                    raise error_for(parsed.code, parsed.description, path)
                return parsed
            except httpx.ConnectError as exc:
                error: NcmecError = NcmecTransportError(f"cannot connect: {exc}", endpoint=path)
                cause: Exception = exc
            except httpx.TransportError as exc:  # timeouts, resets: may have been processed
                error = NcmecTransportError(f"no answer: {exc!r}", endpoint=path)
                if not safe_to_retry:
                    error.retryable = False
                cause = exc
            except NcmecError as exc:
                error, cause = exc, exc
            if not error.retryable or attempt >= self.retries:
                if error is cause:
                    raise error
                raise error from cause
            self._sleep(self.backoff * (2 ** attempt))
            attempt += 1

    def status(self) -> NcmecResponse:
        return self._call("GET", "/status")

    def submit(self, report_xml: str) -> int:
        resp = self._call("POST", "/submit", safe_to_retry=False,
                          content=report_xml.encode("utf-8"),
                          headers={"Content-Type": XML_TYPE})
        if resp.report_id is None:
            raise NcmecServerError("success without a reportId", endpoint="/submit")
        return resp.report_id

    def upload(self, report_id: int, file_name: str, data: bytes) -> str:
        resp = self._call("POST", "/upload", data={"id": str(report_id)},
                          files={"file": (file_name, data, "application/octet-stream")})
        if not resp.file_id:
            raise NcmecServerError("success without a fileId", endpoint="/upload")
        if resp.hash and resp.hash.lower() != hashlib.md5(data).hexdigest():
            raise NcmecServerError(f"NCMEC received different bytes (MD5 {resp.hash})",
                                   endpoint="/upload")
        return resp.file_id

    def fileinfo(self, details_xml: str) -> None:
        self._call("POST", "/fileinfo", content=details_xml.encode("utf-8"),
                   headers={"Content-Type": XML_TYPE})

    def finish(self, report_id: int) -> list[str]:
        return self._call("POST", "/finish", data={"id": str(report_id)}).files

    def retract(self, report_id: int) -> None:
        self._call("POST", "/retract", data={"id": str(report_id)})
