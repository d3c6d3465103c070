"""Detection measured against the simulator's truth, through the real pipeline.

For a few world sizes: simulate (groupguard.sim), load the simulated banks, ingest every
event and run the pipeline (groupguard.runner), then compare what was cased and actioned
with truth.json. A simulated reviewer (groupguard.sim.reviewer, `--reviewer oracle`, the
default) decides open cases and report-triage items from truth after `--review-delay`
processed events, through the real review API: confirmed cases remove and ban through the
outbox, and the graph's propagation (ban evasion, recreated groups, invite links from
removed groups) fires on later events. `--reviewer none` keeps the measurement without a
reviewer in the loop. Printed:

- cases (groupguard's own assertion of likely abuse), report-triage items (user reports
  nothing corroborated; every one is read by a person) and both together: precision, and
  every false one with what truth says about it;
- per signal family: precision and recall of cases, of automatic actions (policy `act`)
  and of reviewer-confirmed actions; a subject counts for a family when it holds a signal
  of that family;
- per truth scenario (ban evasion, recreated groups, ...): how many reached a case or an
  action; for ban evasion, how many evaders registered after their original was banned;
- recreated groups: how many of the group's own events passed between its creation and
  its case (goal: within its first 20 events).
- triage items by their reporter's track record when the item opened (no record, smoothed
  precision >= 0.5, < 0.5), and cases opened for a trusted reporter (`trusted-reporter`).

Goals: case precision >= 0.9, automatic action precision 1.0, recreated groups in review
within 20 of their events.

    .venv/bin/python bench/detection.py                        # 1000/100 and 2000/200
    .venv/bin/python bench/detection.py --full                 # also 5000/500
    .venv/bin/python bench/detection.py --sizes 10000/1000     # accounts/groups, repeatable
    .venv/bin/python bench/detection.py --reviewer none        # no reviewer in the loop
"""

from __future__ import annotations

import argparse
import bisect
import json
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from groupguard.config import Settings
from groupguard.runner.demo import load_manifest_banks
from groupguard.runner.ingest import ingest_records, numbered_lines
from groupguard.runner.pipeline import make_services, run_pending
from groupguard.sim.reviewer import OracleReviewer, bad_subjects
from groupguard.store import open_database
from groupguard.store.tables import actions, cases, events, signals
from groupguard.store.tables_reporters import reporter_credits
from groupguard.timeutil import as_utc

FAMILIES = ("hash", "classifier", "text", "graph", "report")
RULE_FAMILY = {
    "exact-known-media": "hash",
    "perceptual-match-confirmed": "hash",
    "perceptual-match": "hash",
    "classifier-explicit": "classifier",
    "network-evidence": "graph",
    "solicitation-terms": "text",
    "combined-risk": "combined",
    "reports-corroborated": "report",
    "reports-trusted-reporter": "trusted-reporter",
    "user-report": "report",
}
GOAL_EVENTS = 20
DEFAULT_SIZES = ["1000/100", "2000/200"]
FULL_SIZES = [*DEFAULT_SIZES, "5000/500"]


def pr(predicted: set[str], bad: set[str]) -> tuple[float, float, int]:
    hit = len(predicted & bad)
    precision = hit / len(predicted) if predicted else float("nan")
    recall = hit / len(bad) if bad else float("nan")
    return precision, recall, len(predicted)


def fmt(p: float, r: float, n: int) -> str:
    ps = "  -  " if p != p else f"{p:5.3f}"
    rs = "  -  " if r != r else f"{r:5.3f}"
    return f"{ps} {rs} {n:5d}"


def run_world(accounts: int, groups: int, seed: int, work: Path, *, reviewer: str,
              delay: int, step: int) -> dict[str, Any]:
    from groupguard.sim import simulate

    t0 = time.perf_counter()
    sim = simulate(work / "platform", accounts=accounts, groups=groups, seed=seed)
    t_sim = time.perf_counter() - t0
    truth = json.loads(sim.truth_path.read_text())
    settings = Settings(home=work / "home", media_root=sim.media_root)
    db = open_database(settings)
    load_manifest_banks(db, sim.manifest_path)
    lines = sim.events_path.read_text(encoding="utf-8").splitlines()
    t0 = time.perf_counter()
    ingest_records(db, numbered_lines(lines))
    services = make_services(settings, db)
    oracle = None
    failed = 0
    if reviewer == "none":
        failed = run_pending(services).failed
    else:
        oracle = OracleReviewer(truth, delay_events=delay)
        processed = 0
        while True:
            run = run_pending(services, limit=step)
            done = run.processed + run.failed
            processed += done
            failed += run.failed
            if not done:
                break
            oracle.step(db, settings, processed)
        # Events have stopped; the reviewer still works what is left in the queue.
        oracle.step(db, settings, processed + delay)
    t_run = time.perf_counter() - t0

    with db.session() as s:
        case_rows = s.execute(select(cases.c.id, cases.c.kind, cases.c.subject_type,
                                     cases.c.subject_id, cases.c.rule, cases.c.opened_at,
                                     cases.c.resolution).order_by(cases.c.id)).all()
        act_rows = s.execute(select(actions.c.subject_type, actions.c.subject_id,
                                    actions.c.kind, actions.c.idempotency_key,
                                    actions.c.created_at)
                             .where(actions.c.kind.in_(("remove_group", "ban_account",
                                                        "restore_group", "unban_account")))
                             .order_by(actions.c.seq)).all()
        sig_rows = s.execute(select(signals.c.subject_type, signals.c.subject_id,
                                    signals.c.kind)).all()
        report_rows = s.execute(select(signals.c.subject_type, signals.c.subject_id,
                                       signals.c.details)
                                .where(signals.c.kind == "report.user")).all()
        credit_rows = s.execute(select(reporter_credits.c.reporter, reporter_credits.c.outcome,
                                       reporter_credits.c.created_at)).all()
        ev_rows = s.execute(select(events.c.seq, events.c.payload, events.c.processed_at)
                            .order_by(events.c.seq)).all()
    db.dispose()
    return {
        "accounts": accounts, "groups": groups, "events": len(lines), "failed": failed,
        "t_sim": t_sim, "t_run": t_run, "truth": truth, "cases": case_rows,
        "actions": act_rows, "signals": sig_rows, "events_rows": ev_rows,
        "reports": report_rows, "credits": credit_rows,
        "reviewer": reviewer, "delay": delay, "oracle": oracle,
    }


def describe(subject: str, truth: dict[str, Any]) -> str:
    """What truth says about a subject, for the list of false cases."""
    kind, _, ident = subject.partition(":")
    rec = truth["groups" if kind == "group" else "accounts"].get(ident, {})
    parts = []
    if rec.get("scenario"):
        parts.append(f"scenario {rec['scenario']}")
    if rec.get("why"):
        parts.append("why " + ",".join(rec["why"]))
    if rec.get("note"):
        parts.append("note " + ",".join(rec["note"]))
    if rec.get("bad_groups_joined"):
        parts.append(f"in {rec['bad_groups_joined']} bad group(s)")
    return "; ".join(parts) or "ordinary"


def reporter_record_table(w: dict[str, Any], triaged: set[str], opened: dict[str, Any],
                          bad: set[str]) -> None:
    """Triage-item precision by what the reporter's record was (reviewer decisions on their
    earlier reports) when the item opened: none, smoothed precision >= 0.5, or < 0.5."""
    reporters: dict[str, set[str]] = defaultdict(set)
    per_reporter: Counter[str] = Counter()
    for r in w["reports"]:
        who = (r.details or {}).get("reporter")
        if who:
            reporters[f"{r.subject_type}:{r.subject_id}"].add(str(who))
            per_reporter[str(who)] += 1
    credits: dict[str, list[tuple[Any, bool]]] = defaultdict(list)
    for r in w["credits"]:
        credits[r.reporter].append((as_utc(r.created_at), r.outcome == "confirm"))

    def bucket(key: str) -> str:
        best = None
        for who in reporters.get(key, ()):
            past = [ok for t, ok in credits.get(who, ()) if t < opened[key]]
            if past:
                rel = (sum(past) + 1) / (len(past) + 2)
                best = rel if best is None else max(best, rel)
        if best is None:
            return "no record"
        return "record, reliability >= 0.5" if best >= 0.5 else "record, reliability < 0.5"

    groups: dict[str, set[str]] = defaultdict(set)
    for key in triaged:
        groups[bucket(key)].add(key)
    repeat = sum(1 for n in per_reporter.values() if n > 1)
    print(f"triage items by reporter record ({repeat} of {len(per_reporter)} reporters "
          "reported more than once):")
    for name in ("no record", "record, reliability >= 0.5", "record, reliability < 0.5"):
        p, _, n = pr(groups.get(name, set()), bad)
        print(f"  {name:<28} precision {p:5.3f}  n {n:4d}")


def report(w: dict[str, Any]) -> dict[str, Any]:
    truth = w["truth"]
    bad = bad_subjects(truth)
    # Cases: rows of kind 'review' (a triage item that was corroborated is one of them).
    # Triage items: rows that stayed 'triage' for a subject that never had a case.
    first_case: dict[str, Any] = {}
    case_rule: dict[str, str] = {}
    first_item: dict[str, Any] = {}
    triage_rule: dict[str, str] = {}
    for r in w["cases"]:
        key = f"{r.subject_type}:{r.subject_id}"
        if r.kind == "review" and key not in first_case:
            first_case[key] = as_utc(r.opened_at)
            case_rule[key] = r.rule or ""
        if r.kind == "triage" and key not in triage_rule:
            triage_rule[key] = r.rule or ""
        if r.kind in ("review", "triage") and key not in first_item:
            first_item[key] = as_utc(r.opened_at)
    cased = set(first_case)
    triaged = set(triage_rule) - cased
    auto: set[str] = set()
    by_reviewer: set[str] = set()
    undone: set[str] = set()
    for r in w["actions"]:
        key = f"{r.subject_type}:{r.subject_id}"
        if r.kind in ("restore_group", "unban_account"):
            undone.add(key)
        elif r.idempotency_key.startswith("case:"):
            by_reviewer.add(key)
        else:
            auto.add(key)
    by_reviewer -= auto
    acted = auto | by_reviewer
    fam_of: dict[str, set[str]] = defaultdict(set)
    kinds_of: dict[str, set[str]] = defaultdict(set)
    for r in w["signals"]:
        fam_of[f"{r.subject_type}:{r.subject_id}"].add(r.kind.split(".", 1)[0])
        kinds_of[f"{r.subject_type}:{r.subject_id}"].add(r.kind)

    who = ("no reviewer" if w["reviewer"] == "none"
           else f"simulated reviewer after {w['delay']} events")
    print(f"\n== {w['accounts']:,} accounts, {w['groups']:,} groups, {w['events']:,} events "
          f"({w['failed']} failed); {who}; simulate {w['t_sim']:.0f} s, pipeline "
          f"{w['t_run']:.0f} s ({w['events'] / max(w['t_run'], 1e-9):.0f} events/s); bad "
          f"subjects: {len(bad)} ({sum(1 for b in bad if b.startswith('group:'))} groups)")
    p_c, r_c, n_c = pr(cased, bad)
    p_t, _, n_t = pr(triaged, bad)
    p_o, r_o, n_o = pr(cased | triaged, bad)
    print(f"cases          precision {p_c:5.3f} recall {r_c:5.3f} n {n_c:4d}   "
          "(groupguard asserts likely abuse)")
    print(f"triage items   precision {p_t:5.3f}              n {n_t:4d}   "
          "(user reports nothing corroborated; each read by a person)")
    print(f"both together  precision {p_o:5.3f} recall {r_o:5.3f} n {n_o:4d}")
    p_a, r_a, n_a = pr(auto, bad)
    p_r, r_r, n_r = pr(by_reviewer, bad)
    p_b, r_b, n_b = pr(acted, bad)
    print(f"actions, automatic (policy act)  precision {p_a:5.3f} recall {r_a:5.3f} n {n_a:4d}")
    print(f"actions, reviewer-confirmed      precision {p_r:5.3f} recall {r_r:5.3f} n {n_r:4d}")
    print(f"actions, all                     precision {p_b:5.3f} recall {r_b:5.3f} n {n_b:4d}"
          f"; reversed later: {len(undone)}")
    oracle = w["oracle"]
    if oracle is not None:
        outcomes = Counter((d.kind, d.outcome) for d in oracle.decisions)
        print("reviewer decisions: " + ", ".join(f"{k} {o} {n}" for (k, o), n
                                                 in sorted(outcomes.items())))
        for d in oracle.decisions:
            if d.outcome == "error":
                print(f"  reviewer error on case {d.case_id} ({d.subject}): {d.error}")

    print(f"{'family':<20} {'cases: prec recall     n':<26} {'auto: prec recall     n':<26}"
          " reviewer: prec recall     n")
    rows = [(fam, lambda s, f=fam: f in fam_of[s]) for fam in FAMILIES]
    rows += [(k, lambda s, k=k: k in kinds_of[s]) for k in
             ("graph.removed_overlap", "graph.recreated", "graph.invite_from_removed",
              "graph.ban_evasion")]
    for name, has in rows:
        c = {s for s in cased if has(s)}
        a = {s for s in auto if has(s)}
        v = {s for s in by_reviewer if has(s)}
        print(f"{name:<20} {fmt(*pr(c, bad)):<26} {fmt(*pr(a, bad)):<26} {fmt(*pr(v, bad))}")
    print(f"{'combined':<20} {fmt(*pr(cased, bad)):<26} {fmt(*pr(auto, bad)):<26} "
          f"{fmt(*pr(by_reviewer, bad))}")

    print("cases by the rule that opened them (or last updated them):")
    by_rule: dict[str, set[str]] = defaultdict(set)
    for s, rule in case_rule.items():
        by_rule[RULE_FAMILY.get(rule, rule or "other")].add(s)
    for fam, subjects in sorted(by_rule.items()):
        p, _, n = pr(subjects, bad)
        print(f"  {fam:<12} precision {p:5.3f}  n {n:4d}")
    reporter_record_table(w, triaged, first_item, bad)
    false_cases = sorted(cased - bad)
    false_items = sorted(triaged - bad)
    print(f"false cases ({len(false_cases)}):")
    for s in false_cases:
        print(f"  {s:<16} rule {case_rule[s]:<22} {describe(s, truth)}")
    print(f"false triage items ({len(false_items)}):")
    for s in false_items:
        print(f"  {s:<16} rule {triage_rule[s]:<22} {describe(s, truth)}")

    # Per truth scenario: what reached a case or an action.
    scen: dict[str, set[str]] = defaultdict(set)
    for gid, rec in truth["groups"].items():
        if rec.get("bad"):
            scen[rec.get("scenario", "?")].add(f"group:{gid}")
    for aid, rec in truth["accounts"].items():
        for why in rec.get("why", []) if rec.get("bad") else []:
            scen[f"account:{why}"].add(f"account:{aid}")
    print(f"{'truth scenario':<34} {'n':>4} {'case/act':>9} {'auto':>5} {'reviewer':>9}")
    for name, subjects in sorted(scen.items()):
        reached = subjects & (cased | acted)
        print(f"  {name:<32} {len(subjects):4d} {len(reached):9d} {len(subjects & auto):5d} "
              f"{len(subjects & by_reviewer):9d}")

    # Ban evasion: did the original's ban come before the evader registered?
    processed = sorted((as_utc(r.processed_at), i) for i, r in enumerate(w["events_rows"]))
    times = [t for t, _ in processed]
    reg_index: dict[str, int] = {}
    for i, r in enumerate(w["events_rows"]):
        p = r.payload
        if p.get("type") == "account.registered":
            reg_index[p["account_id"]] = i
    ban_index: dict[str, int] = {}
    removed_index: dict[str, int] = {}
    for r in w["actions"]:
        at = bisect.bisect_right(times, as_utc(r.created_at))
        if r.kind == "ban_account":
            ban_index.setdefault(r.subject_id, at)
        elif r.kind == "remove_group":
            removed_index.setdefault(r.subject_id, at)
    evaders = {a: rec for a, rec in truth["accounts"].items()
               if "ban_evasion" in rec.get("why", [])}
    join_index: dict[tuple[str, str], int] = {}
    for i, r in enumerate(w["events_rows"]):
        p = r.payload
        if p.get("type") == "member.added" and p.get("account_id") in evaders:
            join_index.setdefault((p["account_id"], p["group_id"]), i)
    after_ban = {a for a, rec in evaders.items() if rec.get("evades") in ban_index
                 and ban_index[rec["evades"]] <= reg_index.get(a, 0)}
    # Re-joins into a group that was still there: a removed group takes nobody back.
    came_back = {a for a, rec in evaders.items()
                 if sum(1 for g in rec.get("rejoined", [])
                        if removed_index.get(g, 1 << 62) > join_index.get((a, g), -1)) >= 2}
    found = {a for a in evaders if f"account:{a}" in cased | acted}
    signalled = {a for a in evaders if "graph.ban_evasion" in kinds_of[f"account:{a}"]}
    both = after_ban & came_back

    def ratio(k: set[str], n: set[str]) -> str:
        return f"{len(k & n)}/{len(n)}" + (f" = {len(k & n) / len(n):.3f}" if n else "")

    print(f"ban evasion: {len(evaders)} evaders; original banned before the evader "
          f"registered: {len(after_ban)}; re-joined >= 2 groups still there: "
          f"{len(came_back)}; both: {len(both)}")
    print(f"  recall (case or action): all {ratio(found, set(evaders))}; original banned "
          f"first and re-joined >= 2: {ratio(found, both)}; graph.ban_evasion signal on "
          f"{ratio(signalled, set(evaders))}")

    # Recreated groups: the group's own events from creation to its first review item.
    group_events: dict[str, list[int]] = defaultdict(list)
    proc_seq = []
    for r in w["events_rows"]:
        p = r.payload
        for key in ("group_id", "target_group"):
            if p.get(key):
                group_events[p[key]].append(r.seq)
        proc_seq.append((as_utc(r.processed_at), r.seq))
    proc_seq.sort()
    lags = []
    missed = []
    for gid, rec in truth["groups"].items():
        if rec.get("scenario") != "recreated":
            continue
        opened = first_item.get(f"group:{gid}")
        if opened is None:
            missed.append(gid)
            continue
        case_seq = next((seq for t, seq in proc_seq if t >= opened), proc_seq[-1][1])
        lags.append(sum(1 for seq in group_events[gid] if seq <= case_seq))
    within = sum(1 for x in lags if x <= GOAL_EVENTS)
    n_rec = len(lags) + len(missed)
    if n_rec:
        med = statistics.median(lags) if lags else float("nan")
        print(f"recreated groups: {n_rec}; in review within {GOAL_EVENTS} of their events: "
              f"{within}/{n_rec}; events to case median {med}, max "
              f"{max(lags) if lags else '-'}; never cased: {', '.join(missed) or 'none'}")
    return {"case_precision": p_c, "triage_precision": p_t, "overall_precision": p_o,
            "auto_precision": p_a, "reviewer_precision": p_r, "evasion_found": len(found),
            "evaders": len(evaders), "evasion_both_found": len(found & both),
            "evasion_both": len(both), "recreated_within": within, "recreated": n_rec}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", action="append", default=None,
                    help="ACCOUNTS/GROUPS, repeatable (default 1000/100 and 2000/200)")
    ap.add_argument("--full", action="store_true", help="also 5000/500")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reviewer", choices=("oracle", "none"), default="oracle",
                    help="a simulated reviewer deciding from truth (default), or none")
    ap.add_argument("--review-delay", type=int, default=50,
                    help="events processed between a case opening and its decision")
    ap.add_argument("--step", type=int, default=25,
                    help="events processed between two looks at the queue")
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep each world's simulation and database under this folder")
    args = ap.parse_args()
    sizes = args.sizes or (FULL_SIZES if args.full else DEFAULT_SIZES)
    opts = {"reviewer": args.reviewer, "delay": args.review_delay, "step": args.step}
    results = []
    for size in sizes:
        a, g = (int(x) for x in size.split("/"))
        if args.keep:
            work = args.keep / f"{a}-{g}-{args.seed}-{args.reviewer}"
            work.mkdir(parents=True, exist_ok=True)
            results.append(report(run_world(a, g, args.seed, work, **opts)))
            continue
        with tempfile.TemporaryDirectory(prefix="gg-detect-") as tmp:
            results.append(report(run_world(a, g, args.seed, Path(tmp), **opts)))
    print("\ngoals: cases precision >= 0.9, automatic actions precision 1.0, recreated groups "
          f"in review within {GOAL_EVENTS} events")
    for size, r in zip(sizes, results, strict=True):
        print(f"  {size:>10}: cases {r['case_precision']:.3f}, triage items "
              f"{r['triage_precision']:.3f}, both {r['overall_precision']:.3f}; actions auto "
              f"{r['auto_precision']:.3f}, reviewer {r['reviewer_precision']:.3f}; ban evasion "
              f"{r['evasion_found']}/{r['evaders']} (banned first, re-joined: "
              f"{r['evasion_both_found']}/{r['evasion_both']}); recreated "
              f"{r['recreated_within']}/{r['recreated']}")


if __name__ == "__main__":
    main()
