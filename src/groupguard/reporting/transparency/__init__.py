"""Monthly transparency reports: enforcement by detection source, reports filed,
law-enforcement requests answered in time, appeals and reversals."""

from groupguard.reporting.transparency.metrics import month_metrics
from groupguard.reporting.transparency.render import write_report

__all__ = ["month_metrics", "write_report"]
