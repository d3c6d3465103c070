"""Small event builders for pipeline tests."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class Events:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.n = 0

    def add(self, type_: str, actor: str | None, **fields: Any) -> dict[str, Any]:
        self.n += 1
        ev = {"id": f"ev{self.n}", "type": type_, "actor": actor,
              "ts": (T0 + timedelta(minutes=self.n)).isoformat(), **fields}
        self.items.append(ev)
        return ev

    def account(self, account_id: str) -> None:
        digits = f"{abs(hash(account_id)) % 10**7:07d}"
        self.add("account.registered", account_id, account_id=account_id, phone=f"+1555{digits}")

    def lines(self) -> list[str]:
        return [json.dumps(e) for e in self.items]

    def write(self, path: Path) -> Path:
        path.write_text("\n".join(self.lines()) + "\n")
        return path


def benign_image(seed: int, size: int = 256) -> Image.Image:
    """A smooth, textured, photo-like benign image; distinct seeds give distinct PDQs."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    channels = []
    for _ in range(3):
        a, b, c, d = rng.uniform(0.5, 6.0, 4)
        ph = rng.uniform(0, 6.28, 2)
        channels.append(127 + 60 * np.sin(a * x * 6.28 + ph[0]) * np.cos(b * y * 6.28 + ph[1])
                        + 40 * np.sin((c * x + d * y) * 6.28))
    arr = np.clip(np.stack(channels, axis=-1), 0, 255).astype("uint8")
    return Image.fromarray(arr, "RGB")


def jpeg_bytes(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def inline(data: bytes) -> dict[str, str]:
    return {"data_base64": base64.b64encode(data).decode()}
