"""Which classifiers run, read once when the runner builds its services.

Sources, first found wins:
1. GROUPGUARD_CLASSIFIERS: a path to a YAML/JSON file, or the YAML/JSON text itself;
2. `classifiers.yaml` in the data home;
3. the built-in open_nsfw model alone.

File shape (a list under `classifiers`, or the list itself):

    classifiers:
      - name: open_nsfw            # the bundled model
        kind: builtin
        threshold: 0.7             # signals are emitted from this score up
      - name: house_model
        kind: onnx
        path: /models/explicit.onnx
        size: 224
        layout: nchw               # or nhwc
        channels: rgb              # or bgr
        mean: [0.485, 0.456, 0.406]
        std: [0.229, 0.224, 0.225]
        output_index: 1
        softmax: false
      - name: vendor
        kind: callable
        target: "vendor_pkg.scoring:score_images"
        applies_to: [group_icon]   # default: group_icon and profile_photo
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from groupguard.signals.classifier.base import ClassifierConfigError, ImageClassifier

ENV_VAR = "GROUPGUARD_CLASSIFIERS"
FILE_NAME = "classifiers.yaml"
ROLES = ("group_icon", "profile_photo")
DEFAULT_THRESHOLD = 0.7
BUILTIN = {"open_nsfw"}

_ONNX_KEYS = {
    "size", "layout", "channels", "scale", "mean", "std", "output_index", "softmax", "threads",
}


@dataclass(frozen=True)
class ClassifierSpec:
    name: str
    kind: str  # builtin | onnx | callable
    threshold: float = DEFAULT_THRESHOLD
    applies_to: tuple[str, ...] = ROLES
    path: str | None = None
    target: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> ImageClassifier:
        from groupguard.signals.classifier import models

        if self.kind == "builtin":
            return models.OpenNsfwClassifier(self.name, threads=self.options.get("threads"))
        if self.kind == "onnx":
            assert self.path is not None
            return models.OnnxFileClassifier(self.name, self.path, **dict(self.options))
        assert self.target is not None
        return models.CallableClassifier(self.name, self.target)


DEFAULT_SPECS = (ClassifierSpec(name="open_nsfw", kind="builtin"),)


def _spec(entry: Any, index: int, base: Path | None) -> ClassifierSpec:
    where = f"classifier #{index + 1}"
    if not isinstance(entry, Mapping):
        raise ClassifierConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ClassifierConfigError(f"{where}: needs a name")
    kind = entry.get("kind", "builtin" if name in BUILTIN else None)
    if kind not in ("builtin", "onnx", "callable"):
        raise ClassifierConfigError(f"classifier {name!r}: kind must be builtin|onnx|callable")
    threshold = entry.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or not 0.0 <= float(threshold) <= 1.0:
        raise ClassifierConfigError(f"classifier {name!r}: threshold must be in [0, 1]")
    applies = entry.get("applies_to", list(ROLES))
    if isinstance(applies, str):
        applies = [applies]
    if not applies or any(r not in ROLES for r in applies):
        raise ClassifierConfigError(f"classifier {name!r}: applies_to must be among {ROLES}")
    path = target = None
    options = {k: v for k, v in entry.items() if k in _ONNX_KEYS}
    unknown = set(entry) - _ONNX_KEYS - {"name", "kind", "threshold", "applies_to", "path",
                                          "target"}
    if unknown:
        raise ClassifierConfigError(f"classifier {name!r}: unknown keys {sorted(unknown)}")
    if kind == "builtin" and name not in BUILTIN:
        raise ClassifierConfigError(f"classifier {name!r}: built-in models are {sorted(BUILTIN)}")
    if kind == "onnx":
        raw = entry.get("path")
        if not isinstance(raw, str) or not raw:
            raise ClassifierConfigError(f"classifier {name!r}: kind onnx needs a path")
        p = Path(raw).expanduser()
        if not p.is_absolute() and base is not None:
            p = base / p  # relative to the configuration file, like most tools do
        path = str(p)
    if kind == "callable":
        target = entry.get("target")
        if not isinstance(target, str) or ":" not in target:
            raise ClassifierConfigError(
                f"classifier {name!r}: kind callable needs target 'module:function'"
            )
    return ClassifierSpec(
        name=name, kind=kind, threshold=float(threshold), applies_to=tuple(applies),
        path=path, target=target, options=options,
    )


def parse_specs(data: Any, *, base: Path | None = None) -> tuple[ClassifierSpec, ...]:
    if isinstance(data, Mapping):
        data = data.get("classifiers")
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise ClassifierConfigError("classifier configuration needs a list under 'classifiers'")
    specs = tuple(_spec(e, i, base) for i, e in enumerate(data))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ClassifierConfigError(f"classifier names must be unique: {names}")
    return specs


def _read_text(text: str, origin: str) -> Any:
    try:
        return yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise ClassifierConfigError(f"{origin}: not valid YAML/JSON: {exc}") from exc


def load_specs(
    home: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[ClassifierSpec, ...]:
    env = os.environ if env is None else env
    raw = env.get(ENV_VAR, "").strip()
    if raw:
        candidate = Path(raw).expanduser()
        if not raw.lstrip().startswith(("{", "[")) and candidate.is_file():
            return parse_specs(_read_text(candidate.read_text(), str(candidate)),
                               base=candidate.parent)
        if raw.lstrip().startswith(("{", "[")) or "\n" in raw:
            return parse_specs(_read_text(raw, ENV_VAR))
        raise ClassifierConfigError(f"{ENV_VAR}={raw!r} is neither a file nor YAML/JSON text")
    if home is not None and (home / FILE_NAME).is_file():
        path = home / FILE_NAME
        return parse_specs(_read_text(path.read_text(), str(path)), base=home)
    return DEFAULT_SPECS


def dump_json(specs: Sequence[ClassifierSpec]) -> str:
    return json.dumps(
        {"classifiers": [{"name": s.name, "kind": s.kind, "threshold": s.threshold,
                          "applies_to": list(s.applies_to)} for s in specs]}
    )
