"""Errors of the NCMEC CyberTipline flow, and NCMEC's response codes mapped to them.

Every error is a `ReportError`. `retryable` tells the client whether backing off and trying
again can help (server trouble) or not (a rejected document, bad credentials, a report that
is already finished)."""

from __future__ import annotations

from groupguard.errors import ReportError


class NcmecError(ReportError):
    """NCMEC answered with a non-zero response code, or not at all."""

    retryable = False

    def __init__(self, message: str, *, code: int | None = None, endpoint: str | None = None):
        self.code = code
        self.endpoint = endpoint
        where = f"{endpoint}: " if endpoint else ""
        suffix = f" (NCMEC response code {code})" if code is not None else ""
        super().__init__(f"{where}{message}{suffix}")


class NcmecServerError(NcmecError):
    """NCMEC's side failed or is in maintenance; retry later."""

    retryable = True


class NcmecTransportError(NcmecError):
    """No answer (connection refused, timeout); retry later."""

    retryable = True


class NcmecAuthError(NcmecError):
    """Bad or missing credentials: check GROUPGUARD_NCMEC_USERNAME/PASSWORD and whether the
    account is enabled for this environment (test and production have separate accounts)."""


class NcmecRejectedError(NcmecError):
    """NCMEC rejected the document or request (schema violation, missing parameter)."""


class NcmecUnknownReportError(NcmecError):
    """The report or file id is unknown to NCMEC, or belongs to another reporter."""


class NcmecReportClosedError(NcmecError):
    """The report is already finished or retracted; it cannot change any more."""


# NCMEC's documented success code is 0; the other codes below are the failure classes this
# client distinguishes. Unknown codes are reported with NCMEC's own description.
RESPONSE_CODES: dict[int, tuple[str, type[NcmecError] | None]] = {
    0: ("success", None),
    1000: ("NCMEC server error", NcmecServerError),
    1001: ("NCMEC service is in maintenance", NcmecServerError),
    1100: ("authentication failed", NcmecAuthError),
    1101: ("unknown report id, or the report belongs to another reporter",
           NcmecUnknownReportError),
    1102: ("report is already finished", NcmecReportClosedError),
    1103: ("report is already retracted", NcmecReportClosedError),
    1104: ("unknown file id for this report", NcmecUnknownReportError),
    4100: ("document does not validate against the CyberTipline schema", NcmecRejectedError),
    4101: ("malformed request (missing parameter or file)", NcmecRejectedError),
}


def error_for(code: int, description: str | None, endpoint: str) -> NcmecError:
    meaning, cls = RESPONSE_CODES.get(code, ("unexpected response", NcmecError))
    detail = f"{meaning}: {description}" if description else meaning
    return (cls or NcmecError)(detail, code=code, endpoint=endpoint)
