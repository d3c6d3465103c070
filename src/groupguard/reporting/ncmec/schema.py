"""NCMEC's CyberTipline schema (cyber_tipline.xsd, shipped with the package) and validation.

Every document groupguard builds is validated here before it is stored or sent; NCMEC
rejects documents whose children are out of the schema's order, so order errors surface
here, not at NCMEC."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import xmlschema

from groupguard.errors import ReportError

XSD_PATH = Path(__file__).with_name("cyber_tipline.xsd")


class SchemaViolationError(ReportError):
    """A document does not validate against the CyberTipline schema; nothing was sent."""


@lru_cache(maxsize=1)
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD_PATH))


def validate(xml: str | bytes, *, what: str = "report") -> None:
    """Raise SchemaViolationError naming the first few violations and where they are."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    try:
        errors = list(schema().iter_errors(text))
    except xmlschema.XMLSchemaException as exc:  # not even well-formed XML
        raise SchemaViolationError(f"{what} is not well-formed XML: {exc}") from exc
    except Exception as exc:  # lxml/ElementTree parse errors
        raise SchemaViolationError(f"{what} is not well-formed XML: {exc}") from exc
    if errors:
        lines = [f"{e.path or '/'}: {e.reason}" for e in errors[:5]]
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise SchemaViolationError(
            f"{what} violates the CyberTipline schema{more}: " + "; ".join(lines))
