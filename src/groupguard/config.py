"""One settings object, read once from the environment and command line.

Every stage receives the `Settings` it needs; nothing reads the environment later.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field


class Settings(BaseModel):
    home: Path = Field(default=Path(".groupguard"), description="Data home: database, media, keys")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite under the data home"
    )
    media_root: Path | None = Field(
        default=None, description="Media referenced by path must lie under this folder"
    )
    allow_media_urls: bool = True
    max_inline_media_bytes: int = 512 * 1024
    max_media_bytes: int = 64 * 1024 * 1024
    max_image_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600
    pdq_threshold: int = 31
    pdq_min_quality: int = 50
    policy_path: Path | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    batch_size: int = 500
    # A trusted reporter: at least this many reports decided by reviewers, and at least
    # this share of them confirmed (policy fact `trusted_reporters`).
    trusted_reporter_min: int = 3
    trusted_reporter_precision: float = 0.8

    model_config = {"frozen": False}

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'groupguard.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Read GROUPGUARD_* variables; explicit overrides (from the CLI) win."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            env = os.environ.get(f"GROUPGUARD_{name.upper()}")
            if env is not None and env != "":
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
