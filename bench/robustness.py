"""Robustness of image matching to everyday edits: recall per transform for plain PDQ (the
anchor: HMA / threatexchange match PDQ <= 31 on the query's own hash) beside groupguard's
hash-only bank (query-side variants) and media bank (query-side variants plus augmented
entries), and the false-match rate against distinct distractor images.

Everything goes through the product's code: `signals.variants.variant_hashes` (the
query_variants that `hash_bytes(..., variants=True)` hashes), `banks.augment.augment_bank_item`
(what `bank add --keep-media` indexes), `signals.variants.variant_threshold`, and an exact
radius search (every entry within the radius; the result any exact index returns).

False matches, method: a bank of the known items plus `--filler` distinct images (and their
augmented entries for the media bank) is searched with `--distractors` distinct images, each
edited by a random transform of the suite, with all their variants. Every (variant, entry)
pair is a trial. We count pairs within their radius (observed), and, because a rate of one
per million queries against a million entries (1e-12 per pair) cannot be observed directly,
we fit the log of the fraction of pairs within (radius + m) bits for the smallest margins m
where at least 20 pairs fall, and extrapolate linearly to m = 0. The lower tail of the
distance distribution falls off faster than exponentially, so the straight line
overestimates the rate (a conservative bound). Expected false matches per query against a
1M-entry bank = pair rate x 1e6 x (pairs per query per entry).

    .venv/bin/python bench/robustness.py            # default: a few minutes on 2 idle cores
    .venv/bin/python bench/robustness.py --full     # more images and distractors
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from groupguard.banks.augment import augment_bank_item  # noqa: E402
from groupguard.signals.variants import pdq_of, variant_hashes, variant_threshold  # noqa: E402
from transforms import SUITE, reference_images, synthetic_photo  # noqa: E402

REFERENCE_ROOT = Path("/work/shared/conformance/pdq")
MIN_QUALITY = 50

# ----------------------------------------------------------------------------- hashing jobs


def _image(kind: str, key: int):
    if kind == "ref":
        return _REFS[key]
    return synthetic_photo(key)


_REFS: list = []


def _init(refs: list) -> None:
    global _REFS
    _REFS = refs


def bank_job(job: tuple[str, int, int, bool]) -> tuple[int, list[tuple[str, str, int]]]:
    """Entries for one bank item: ("orig", pdq, quality) and its augmented entries."""
    kind, key, owner, media = job
    img = _image(kind, key)
    pdq, q = pdq_of(img)
    out = [("orig", pdq, q)]
    if media:
        out += [(name, h, 100) for name, h in augment_bank_item(img)]
    return owner, out


def query_job(job: tuple[str, int, int, str]) -> tuple[int, str, list[tuple[str, str, int]]]:
    """Hashes of one edited query: ("orig", ...) then every query variant."""
    kind, key, owner, tname = job
    img = _image(kind, key)
    rng = np.random.default_rng([key, abs(owner), zlib.crc32(tname.encode())])
    q_img = SUITE[tname](img, rng)
    pdq, q = pdq_of(q_img)
    return owner, tname, [("orig", pdq, q), *variant_hashes(q_img)]


# ----------------------------------------------------------------------------- search


def to_words(hexes: list[str]) -> np.ndarray:
    if not hexes:
        return np.zeros((0, 4), np.uint64)
    raw = np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=">u8")
    return raw.astype(np.uint64).reshape(-1, 4)


def distances(q: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All-pairs Hamming distances (exact radius search is a threshold on these)."""
    out = np.zeros((len(q), len(b)), np.uint16)
    for k in range(4):
        out += np.bitwise_count(q[:, k, None] ^ b[None, :, k]).astype(np.uint16)
    return out


@dataclass
class Bank:
    owners: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    hexes: list[str] = field(default_factory=list)

    def arrays(self, media: bool):
        keep = [i for i, n in enumerate(self.names) if media or n == "orig"]
        return (to_words([self.hexes[i] for i in keep]), np.array([self.owners[i] for i in keep]),
                [self.names[i] for i in keep])


MODES = ("plain", "hash-only", "media-bank")


def radii(qnames: list[str], bnames: list[str], mode: str, base: int) -> np.ndarray:
    """Radius per (query variant, entry) pair: the tighter of the two names' radii (the
    matcher's rule); in the "-flat" modes every pair gets the base radius."""
    if mode.endswith("-flat"):
        return np.full((len(qnames), len(bnames)), base)
    qr = np.array([base if mode == "plain" else variant_threshold(n, base) for n in qnames])
    br = np.array([variant_threshold("" if n == "orig" else n, base) for n in bnames])
    return np.minimum(qr[:, None], br[None, :])


def _family(qname: str, bname: str) -> str:
    if bname != "orig":
        return bname.split("_", 1)[0]  # aug:crop, aug:rotcrop
    return qname


def search(hashes, bank: Bank, mode: str, base: int, chunk: int = 2000):
    """For each query (owner, [(variant, pdq, quality)]), the owners of matched entries and
    the variant that matched each; and, per variant family, histograms over every pair of
    the margin (distance - radius) and of (distance - base), for the false-match fit."""
    media = mode.startswith("media-bank")
    b_words, b_owner, b_names = bank.arrays(media)
    b_fam = np.array([n.split("_", 1)[0] if n != "orig" else "" for n in b_names])
    q_rows, q_names, q_of = [], [], []
    for qi, (_owner, variants) in enumerate(hashes):
        for name, pdq, quality in variants:
            if quality < MIN_QUALITY or (mode == "plain" and name != "orig"):
                continue
            q_rows.append(pdq)
            q_names.append(name)
            q_of.append(qi)
    q_words = to_words(q_rows)
    q_of_arr = np.array(q_of, dtype=np.int64)
    matched: list[dict[int, str]] = [{} for _ in hashes]
    hists: dict[str, list[np.ndarray]] = {}
    fams = sorted(set(b_fam))
    for s in range(0, len(q_rows), chunk):
        d = distances(q_words[s : s + chunk], b_words).astype(np.int16)
        names = q_names[s : s + chunk]
        m = d - radii(names, b_names, mode, base)
        qi, bi = np.nonzero(m <= 0)
        for a, b in zip(qi, bi, strict=True):
            owner = int(b_owner[b])
            got = matched[int(q_of_arr[s + a])]
            if owner not in got:
                got[owner] = _family(names[a], b_names[b])
        for qname in sorted(set(names)):
            rows = np.array([i for i, n in enumerate(names) if n == qname])
            for fam in fams:
                cols = b_fam == fam
                key = qname if fam == "" else fam
                h = hists.setdefault(key, [np.zeros(300, np.int64), np.zeros(300, np.int64)])
                mm = m[np.ix_(rows, cols)].ravel()
                dd = d[np.ix_(rows, cols)].ravel() - base
                h[0] += np.bincount(np.clip(mm + 128, 0, 299), minlength=300)[:300]
                h[1] += np.bincount(np.clip(dd + 128, 0, 299), minlength=300)[:300]
    return matched, hists, len(q_rows)


def fit_rate(hist: np.ndarray, n_pairs: int, min_count: int = 20, span: int = 8):
    """(observed pairs within radius, extrapolated pair rate at margin 0, fit margins)."""
    cum = np.cumsum(hist)  # cum[k] = pairs with margin <= k - 128
    observed = int(cum[128])
    ks = np.flatnonzero(cum >= min_count)
    if n_pairs == 0 or ks.size == 0:
        return observed, float("nan"), None
    k0 = max(int(ks[0]), 129)
    xs = np.arange(k0, k0 + span)
    ys = np.log10(cum[xs] / n_pairs)
    slope, icept = np.polyfit(xs - 128, ys, 1)
    return observed, float(10 ** icept), (int(xs[0]) - 128, int(xs[-1]) - 128)


# ----------------------------------------------------------------------------- main


def _ratio(ours: float, anchor: float) -> str:
    return f"{ours / anchor:.1f}x" if anchor > 0 else ("inf" if ours > 0 else "-")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--known", type=int, default=50, help="synthetic known images")
    p.add_argument("--filler", type=int, default=250, help="extra distinct bank items")
    p.add_argument("--media-filler", type=int, default=10,
                   help="how many filler items also get augmented entries (each ~200)")
    p.add_argument("--distractors", type=int, default=300, help="distinct query images")
    p.add_argument("--threshold", type=int, default=31)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-reference", action="store_true", help="skip the conformance photos")
    p.add_argument("--transforms", default="", help="comma list (default: the whole suite)")
    p.add_argument("--full", action="store_true",
                   help="300 known, 2000 filler, 2000 distractors (tens of minutes)")
    p.add_argument("--json", action="store_true", help="also print one JSON summary line")
    a = p.parse_args(argv)
    if a.full:
        a.known, a.filler, a.distractors, a.media_filler = 300, 2000, 2000, 300
    names = [t for t in a.transforms.split(",") if t] or list(SUITE)
    t0 = time.perf_counter()
    refs = [] if a.no_reference or not REFERENCE_ROOT.exists() else reference_images(
        REFERENCE_ROOT)
    # a bank item whose own hash is too flat to match (quality < 50) tells nothing about edits
    refs = [im for im in refs if pdq_of(im)[1] >= MIN_QUALITY]
    syn = [k for k in range(1000, 1000 + 3 * a.known)
           if pdq_of(synthetic_photo(k))[1] >= MIN_QUALITY][: a.known]
    known = [("syn", k) for k in syn] + [("ref", i) for i in range(len(refs))]
    filler = [("syn", 5_000_000 + i) for i in range(a.filler)]
    distractor_keys = [9_000_000 + i for i in range(a.distractors)]
    drng = np.random.default_rng(7)
    distractor_jobs = [("syn", k, -1 - i, names[int(drng.integers(len(names)))])
                       for i, k in enumerate(distractor_keys)]

    with mp.Pool(a.workers, initializer=_init, initargs=(refs,)) as pool:
        _init(refs)
        media_items = len(known) + a.media_filler
        bank_jobs = [(k, key, owner, owner < media_items)
                     for owner, (k, key) in enumerate(known + filler)]
        bank = Bank()
        for owner, entries in pool.imap(bank_job, bank_jobs, chunksize=4):
            for name, h, q in entries:
                if q >= MIN_QUALITY:
                    bank.owners.append(owner)
                    bank.names.append(name)
                    bank.hexes.append(h)
        t_bank = time.perf_counter() - t0
        qjobs = [(k, key, owner, t) for owner, (k, key) in enumerate(known) for t in names]
        queries = list(pool.imap(query_job, qjobs, chunksize=8))
        distractors = list(pool.imap(query_job, distractor_jobs, chunksize=8))
    t_hash = time.perf_counter() - t0

    n_items = len(known) + len(filler)
    n_orig = sum(1 for n in bank.names if n == "orig")
    print(f"known items {len(known)} ({len(refs)} reference photos), filler {len(filler)}, "
          f"bank entries: {n_orig} hash-only, {len(bank.names)} media-bank "
          f"({len(bank.names) / n_items:.1f} per item); distractor queries {len(distractors)}")
    print(f"hashing: bank {t_bank:.0f}s, queries {t_hash - t_bank:.0f}s "
          f"({len(queries)} edited queries, {a.workers} workers)")

    recall: dict[str, dict[str, list[bool]]] = {m: {t: [] for t in names} for m in MODES}
    wrong: dict[str, int] = dict.fromkeys(MODES, 0)
    fp: dict[str, dict] = {}
    qhashes = [(owner, variants) for owner, _t, variants in queries]
    dhashes = [(owner, variants) for owner, _t, variants in distractors]
    per_family: dict[str, dict[str, dict]] = {}
    credit: dict[str, dict[str, int]] = {m: {} for m in MODES}
    for mode in MODES:
        matched, _, _ = search(qhashes, bank, mode, a.threshold)
        for (owner, tname, _v), m in zip(queries, matched, strict=True):
            recall[mode][tname].append(owner in m)
            wrong[mode] += len(set(m) - {owner})
            if owner in m:
                credit[mode][m[owner]] = credit[mode].get(m[owner], 0) + 1
        dmatched, hists, n_q = search(dhashes, bank, mode, a.threshold)
        n_entries = n_orig if mode != "media-bank" else len(bank.names)
        total = np.sum([h[0] for h in hists.values()], axis=0)
        n_pairs = int(total.sum())
        observed, rate, fit = fit_rate(total, n_pairs)
        per_query_pairs = n_pairs / max(1, len(dhashes)) / max(1, n_entries)
        fp[mode] = {
            "distractor_queries": len(dhashes),
            "queries_with_false_match": sum(1 for m in dmatched if m),
            "pairs": n_pairs,
            "variants_per_query": round(n_q / max(1, len(dhashes)), 2),
            "pairs_within_radius": observed,
            "pair_rate_extrapolated": rate,
            "fit_margins": fit,
            "false_per_query_at_1M": rate * per_query_pairs * 1e6,
            "false_per_million_queries_at_1M": rate * per_query_pairs * 1e12,
            "known_cross_matches": wrong[mode],
        }
        per_family[mode] = {}
        for fam, (hm, hd) in sorted(hists.items()):
            pairs = int(hm.sum())
            obs, r_at, _ = fit_rate(hm, pairs)
            _, r_base, _ = fit_rate(hd, pairs)
            per_family[mode][fam] = {"pairs": pairs, "within_radius": obs,
                                     "rate_at_radius": r_at, "rate_at_base": r_base,
                                     "recall_credit": credit[mode].get(fam, 0)}

    w = max(len(t) for t in names) + 2
    print()
    print(f"{'transform':<{w}} {'plain PDQ':>10} {'hash-only':>10} {'ratio':>7} "
          f"{'media-bank':>11} {'ratio':>7}")
    means = {m: [] for m in MODES}
    for t in names:
        r = {m: float(np.mean(recall[m][t])) for m in MODES}
        for m in MODES:
            means[m].append(r[m])
        ho, mb = _ratio(r["hash-only"], r["plain"]), _ratio(r["media-bank"], r["plain"])
        print(f"{t:<{w}} {r['plain']:>10.3f} {r['hash-only']:>10.3f} {ho:>7} "
              f"{r['media-bank']:>11.3f} {mb:>7}")
    mean = {m: float(np.mean(means[m])) for m in MODES}
    median = {m: float(np.median(means[m])) for m in MODES}
    mh, mm = _ratio(mean["hash-only"], mean["plain"]), _ratio(mean["media-bank"], mean["plain"])
    print(f"{'MEAN':<{w}} {mean['plain']:>10.3f} {mean['hash-only']:>10.3f} {mh:>7} "
          f"{mean['media-bank']:>11.3f} {mm:>7}")
    print(f"{'MEDIAN':<{w}} {median['plain']:>10.3f} {median['hash-only']:>10.3f} {'':>7} "
          f"{median['media-bank']:>11.3f}")
    print("goals: mean >= 0.90 media-bank, >= 0.75 hash-only")
    print()
    print("false matches. Method: every (distractor variant, bank entry) pair is a trial; no "
          "pair within its radius is expected at 1e-12, so log10(fraction of pairs within "
          "radius + m) is fitted as a line over the smallest 8 margins m holding >= 20 pairs "
          "and extrapolated to m = 0 (conservative: the tail falls faster than exponential); "
          "FM per 1M queries @1M = pair rate x pairs per query per entry x 1e6 entries x 1e6.")
    print(f"{'mode':<11} {'queries':>8} {'q w/ FM':>8} {'var/q':>6} {'pairs':>12} "
          f"{'pairs<=r':>9} {'pair rate (fit)':>16} {'FM per 1M queries @1M':>22}")
    for m in MODES:
        f = fp[m]
        print(f"{m:<11} {f['distractor_queries']:>8} {f['queries_with_false_match']:>8} "
              f"{f['variants_per_query']:>6} {f['pairs']:>12} {f['pairs_within_radius']:>9} "
              f"{f['pair_rate_extrapolated']:>16.2e} "
              f"{f['false_per_million_queries_at_1M']:>22.3g}")
    # the trade-off: the same variants with every radius at the base
    flat = {}
    for mode in ("hash-only-flat", "media-bank-flat"):
        matched, hists, _ = search(qhashes, bank, mode, a.threshold)
        rec = [float(np.mean([owner in m for (owner, t, _v), m in zip(queries, matched,
                                                                    strict=True) if t == tn]))
               for tn in names]
        dm, dh, _ = search(dhashes, bank, mode, a.threshold)
        tot = np.sum([h[0] for h in dh.values()], axis=0)
        n_ent = n_orig if mode.startswith("hash") else len(bank.names)
        _, rate, _ = fit_rate(tot, int(tot.sum()))
        flat[mode] = (float(np.mean(rec)), rate * tot.sum() / max(1, len(dhashes)) / n_ent
                      * 1e12)
    print()
    print("radius trade-off: mean recall and false matches per 1M queries @1M entries")
    for mode, tight in (("hash-only", "hash-only-flat"), ("media-bank", "media-bank-flat")):
        print(f"  {mode:<11} per-variant radii: {mean[mode]:.3f}, "
              f"{fp[mode]['false_per_million_queries_at_1M']:.3g};  every variant at "
              f"{a.threshold}: {flat[tight][0]:.3f}, {flat[tight][1]:.3g}")
    print()
    print("per variant family (media-bank run): pairs, observed within radius, fitted pair "
          "rate at its radius and at the base radius, edited queries it found first")
    print(f"{'family':<14} {'radius':>6} {'pairs':>11} {'<=r':>5} {'rate@r':>10} "
          f"{'rate@base':>10} {'found':>6}")
    for fam, f in per_family["media-bank"].items():
        rname = "" if fam == "orig" else (fam + "_x" if fam.startswith("aug:") else fam)
        print(f"{fam:<14} {variant_threshold(rname, a.threshold):>6} {f['pairs']:>11} "
              f"{f['within_radius']:>5} {f['rate_at_radius']:>10.2e} "
              f"{f['rate_at_base']:>10.2e} {f['recall_credit']:>6}")
    if min(f["pairs"] for f in fp.values()) < 100_000:
        print("note: under 100k pairs the fit starts near the median and overstates the rate; "
              "use the default sizes or --full")
    print(f"known-vs-known cross matches (distinct known items matching each other): "
          f"{ {m: wrong[m] for m in MODES} }")
    ok = all(f["false_per_million_queries_at_1M"] <= 1.0 for f in fp.values()
             if not math.isnan(f["false_per_million_queries_at_1M"]))
    verdict = "met" if ok else "NOT met"
    print(f"false-match goal (<= 1 per 1M queries against 1M entries): {verdict}")
    print(f"total {time.perf_counter() - t0:.0f}s")
    if a.json:
        print(json.dumps({"recall": {m: {t: float(np.mean(recall[m][t])) for t in names}
                                     for m in MODES}, "mean": mean, "false_matches": fp,
                          "per_family": per_family}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
