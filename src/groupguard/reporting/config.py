"""Reporting configuration: who we are as a reporter, NCMEC endpoints and credentials,
retention per jurisdiction, law-enforcement answer deadlines, evidence keys.

Read from `<data home>/reporting.yaml` (optional) and GROUPGUARD_* variables, on top of
defaults that follow US law (18 USC 2258A: one year after a CyberTip) and India's IT Rules
2021 (180 days of preservation, 72 hours to answer law enforcement).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from groupguard.config import Settings
from groupguard.errors import ConfigError

NCMEC_ENDPOINTS = {
    "test": "https://exttest.cybertip.org/ispws",
    "production": "https://report.cybertip.org/ispws",
}


class Reporter(BaseModel):
    """The ESP as NCMEC sees it: the reporting person and the company's details."""

    first_name: str = "Trust"
    last_name: str = "Safety"
    email: str = "trust-safety@example.invalid"
    phone: str | None = None
    company_template: str | None = None
    terms_of_service: str | None = None
    legal_url: str | None = None
    # The service the reported accounts belong to (espService, chatClient).
    service: str = "groupguard-platform"


class Jurisdiction(BaseModel):
    """Retention and deadlines one jurisdiction's law asks for."""

    preservation_days: int = 365  # evidence preserved before (or without) any report
    cybertip_days: int = 365  # after a CyberTip is filed
    le_preservation_days: int = 180  # after a law-enforcement preservation request
    le_answer_hours: int = 30 * 24  # time to answer a law-enforcement request
    le_emergency_hours: int = 24


def _default_jurisdictions() -> dict[str, Jurisdiction]:
    return {
        "US": Jurisdiction(),
        "IN": Jurisdiction(preservation_days=180, cybertip_days=365, le_preservation_days=180,
                           le_answer_hours=72, le_emergency_hours=24),
    }


class ReportingConfig(BaseModel):
    reporter: Reporter = Field(default_factory=Reporter)
    jurisdictions: dict[str, Jurisdiction] = Field(default_factory=_default_jurisdictions)
    # May files nobody at the ESP viewed be reported when they are exact matches against
    # an NCMEC-verified list? The report says so either way.
    report_unviewed_verified: bool = True
    ncmec_environment: str = "test"  # test | production
    ncmec_url: str | None = None  # overrides the environment's endpoint (tests, proxies)
    ncmec_username: str | None = None
    ncmec_password: str | None = None
    ncmec_timeout_s: float = 30.0
    ncmec_retries: int = 4
    ncmec_backoff_s: float = 1.0
    evidence_key_file: Path | None = None  # default <home>/keys/evidence.key
    evidence_key_env: str = "GROUPGUARD_EVIDENCE_KEY"  # base64 of 32 bytes; wins if set
    # Old master keys, still able to unwrap data keys until `evidence rewrap` has run.
    evidence_retired_key_files: list[Path] = Field(default_factory=list)
    signing_key_file: Path | None = None  # default <home>/keys/disclosure-ed25519.pem

    def jurisdiction(self, code: str) -> Jurisdiction:
        code = code.upper()
        if code not in self.jurisdictions:
            known = ", ".join(sorted(self.jurisdictions))
            raise ConfigError(f"unknown jurisdiction {code!r}; configure it in reporting.yaml "
                              f"(known: {known})")
        return self.jurisdictions[code]

    @property
    def ncmec_base_url(self) -> str:
        if self.ncmec_url:
            return self.ncmec_url.rstrip("/")
        if self.ncmec_environment not in NCMEC_ENDPOINTS:
            raise ConfigError(f"ncmec_environment must be 'test' or 'production', "
                              f"not {self.ncmec_environment!r}")
        return NCMEC_ENDPOINTS[self.ncmec_environment]


_ENV = {
    "ncmec_environment": "GROUPGUARD_NCMEC_ENVIRONMENT",
    "ncmec_url": "GROUPGUARD_NCMEC_URL",
    "ncmec_username": "GROUPGUARD_NCMEC_USERNAME",
    "ncmec_password": "GROUPGUARD_NCMEC_PASSWORD",
}


def load_config(settings: Settings, **overrides: object) -> ReportingConfig:
    """The reporting configuration for this data home; explicit overrides win."""
    values: dict[str, object] = {}
    path = settings.home / "reporting.yaml"
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        values.update(loaded)
    for name, env in _ENV.items():
        if os.environ.get(env):
            values[name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "jurisdictions" in values and isinstance(values["jurisdictions"], dict):
        merged = {k: v.model_dump() for k, v in _default_jurisdictions().items()}
        for code, conf in values["jurisdictions"].items():
            if isinstance(conf, Jurisdiction):
                conf = conf.model_dump()
            merged[str(code).upper()] = {**merged.get(str(code).upper(), {}), **(conf or {})}
        values["jurisdictions"] = merged
    try:
        return ReportingConfig(**values)
    except ValidationError as exc:
        raise ConfigError(f"reporting configuration is invalid: {exc}") from exc
