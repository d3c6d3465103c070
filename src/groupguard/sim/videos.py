"""Short benign clips: a synthetic image panned across a few seconds, encoded as MP4.

Encoded bit-exactly (no timestamps or encoder tags), so the same seed gives the same bytes.
"""

from __future__ import annotations

import io

import av
import numpy as np

from groupguard.sim import images


def clip(
    seed: int,
    family: str,
    index: int,
    *,
    size: int = 192,
    frames: int = 16,
    fps: int = 8,
    qscale: int = 4,
) -> bytes:
    """A pan across one image; `qscale` (2 best .. 31 worst) changes the bytes but not what
    the frames show, as a re-encode does."""
    draw = images.pattern if family == "known" else images.scene
    base = np.asarray(draw(seed, family, index, size))
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4", options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream("mpeg4", rate=fps, options={"flags": "+bitexact"})
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.thread_count = 1
        stream.codec_context.qmin = stream.codec_context.qmax = qscale
        step = max(1, size // (4 * frames))
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i * step, axis=1), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
