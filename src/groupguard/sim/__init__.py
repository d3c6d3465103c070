"""A synthetic platform with benign stand-in media, for the demo, tests and benchmarks.

`simulate(out, accounts=..., groups=..., seed=...)` writes events.jsonl, media/, banks/ and
truth.json; docs/simulator.md describes them.
"""

from groupguard.sim.config import SimConfig
from groupguard.sim.simulate import SimSummary, simulate

__all__ = ["SimConfig", "SimSummary", "simulate"]
