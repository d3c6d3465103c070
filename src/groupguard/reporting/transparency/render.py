"""Write the month's transparency report as JSON, CSV and a self-contained HTML page whose
charts are inline SVG (no scripts, no fonts or styles fetched from anywhere)."""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path
from typing import Any

PALETTE = ("#2f6690", "#3a7ca5", "#5b9bb8", "#16425b", "#c97b63", "#7a9e7e")


def _rows(metrics: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for label, data in metrics["enforcement"].items():
        rows.append((label, "total", data["total"]))
        rows += [(label, f"source: {src}", n) for src, n in data["by_source"].items()]
    rows += [("enforcement", k, v) for k, v in metrics["proactive_vs_reactive"].items()]
    rows.append(("median hours from first signal to action", "",
                 metrics["median_hours_first_signal_to_action"]))
    rows += [("NCMEC CyberTipline", k, v) for k, v in metrics["ncmec_reports_filed"].items()]
    rows += [("law-enforcement requests", k, v)
             for k, v in metrics["law_enforcement_requests"].items()]
    rows += [("appeals", k, v) for k, v in metrics["appeals"].items()]
    return rows


def bar_chart(title: str, series: list[tuple[str, float]], *, width: int = 520) -> str:
    """A horizontal bar chart as an SVG element, labelled with its values."""
    bar, gap, label_w, top = 22, 8, 150, 34
    height = top + len(series) * (bar + gap) + 10
    peak = max((v for _, v in series), default=0) or 1
    span = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<text x="0" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(series):
        y = top + i * (bar + gap)
        w = 0 if not value else max(2, round(span * value / peak))
        parts += [
            f'<text x="{label_w - 8}" y="{y + bar * 0.7:.0f}" font-size="13" '
            f'text-anchor="end">{escape(label)}</text>',
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" rx="3" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {value}</title></rect>',
            f'<text x="{label_w + w + 6}" y="{y + bar * 0.7:.0f}" font-size="13">'
            f'{value:g}</text>']
    parts.append("</svg>")
    return "".join(parts)


def render_html(metrics: dict[str, Any]) -> str:
    enf = metrics["enforcement"]
    charts = [bar_chart(f"{label.capitalize()} by detection source",
                        [(src, n) for src, n in data["by_source"].items()])
              for label, data in enf.items()]
    charts.append(bar_chart("Proactive vs reactive enforcement",
                            list(metrics["proactive_vs_reactive"].items())))
    le = metrics["law_enforcement_requests"]
    charts.append(bar_chart("Law-enforcement requests",
                            [("received", le["received"]), ("answered in time",
                             le["answered_in_time"]), ("answered late", le["answered_late"]),
                             ("still open", le["open"])]))
    charts.append(bar_chart("Appeals", [("received", metrics["appeals"]["received"]),
                                        ("reversals", metrics["appeals"]["reversals"])]))
    median = metrics["median_hours_first_signal_to_action"]
    tiles = [("Accounts banned", enf["accounts banned"]["total"]),
             ("Groups removed", enf["groups removed"]["total"]),
             ("CyberTipline reports", metrics["ncmec_reports_filed"]["reports"]),
             ("Median hours to action", "n/a" if median is None else median)]
    rows = "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td><td>{escape(str(c))}</td></tr>"
                   for a, b, c in _rows(metrics))
    tile_html = "".join(f'<div class="tile"><div class="n">{escape(str(v))}</div>'
                        f'<div>{escape(k)}</div></div>' for k, v in tiles)
    chart_html = "".join(f'<figure>{c}</figure>' for c in charts)
    month = escape(metrics["month"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transparency report {month}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; max-width: 1150px; }}
h1 {{ margin-bottom: .2rem; }} .sub {{ color: #555; margin-top: 0; }}
.tiles {{ display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.5rem 0; }}
.tile {{ background: #eef3f7; border-radius: 8px; padding: .8rem 1.2rem; min-width: 180px; }}
.tile .n {{ font-size: 2rem; font-weight: bold; color: #16425b; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1rem 2rem; }}
figure {{ margin: 0; }}
table {{ border-collapse: collapse; margin-top: 1.5rem; }}
td {{ border-bottom: 1px solid #ddd; padding: .25rem .8rem; }}
</style></head>
<body>
<h1>Transparency report: {month}</h1>
<p class="sub">Period {escape(metrics['period']['start'])} to {escape(metrics['period']['end'])}
(UTC). Detection source is what first found each account or group; proactive means found
by automated detection rather than a user report.</p>
<div class="tiles">{tile_html}</div>
<div class="charts">{chart_html}</div>
<table><thead><tr><td><b>metric</b></td><td><b>dimension</b></td><td><b>value</b></td></tr>
</thead><tbody>{rows}</tbody></table>
</body></html>
"""


def write_report(metrics: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"transparency-{metrics['month']}"
    paths = {"json": out_dir / f"{stem}.json", "csv": out_dir / f"{stem}.csv",
             "html": out_dir / f"{stem}.html"}
    paths["json"].write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    with paths["csv"].open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["metric", "dimension", "value"])
        writer.writerows(_rows(metrics))
    paths["html"].write_text(render_html(metrics), encoding="utf-8")
    return paths
