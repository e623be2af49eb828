"""Independent numpy implementation of CONTRACT §4 /evaluation (the oracle for src/evaluation).

stdin: {"records": [decision and reward lines, in log order], "from_ms", "to_ms", "window_ms", "now_ms"}
stdout: {policy: {"n", "ips", "snips", "dr", "ci95", "ips_ci95", "snips_ci95", "ess"}}

Joins the whole log in memory (the service streams), then evaluates with vectorised numpy.
"""
import json
import sys
from datetime import datetime

import numpy as np

Z = 1.959963984540054


def ms(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000.0


req = json.load(sys.stdin)
decisions = {}
order = []
rewards = {}
for rec in req["records"]:
    if rec["type"] == "decision":
        t = ms(rec["ts"])
        if req["from_ms"] <= t <= req["to_ms"] and rec["event_id"] not in decisions:
            decisions[rec["event_id"]] = (t, rec)
            order.append(rec["event_id"])
    else:
        hit = decisions.get(rec["event_id"])
        if hit and rec["candidate_id"] == hit[1]["chosen_id"] and rec["event_id"] not in rewards:
            rewards[rec["event_id"]] = rec["reward"]

rows = {}  # policy -> list of (w, r, dr)
for eid in order:
    t, d = decisions[eid]
    if eid in rewards:
        r = rewards[eid]
    elif req["now_ms"] - t > req["window_ms"]:
        r = 0.0
    else:
        continue
    rows.setdefault(d["policy"], []).append((1.0, r, r))
    q = np.asarray(d["q"], dtype=np.float64)
    cands = d["candidates"]
    logged = cands.index(d["chosen_id"])
    for name, s in d["shadows"].items():
        if name == d["policy"]:
            continue
        eps = s.get("epsilon", 0.0)
        pi = np.full(len(cands), eps / len(cands))
        pi[cands.index(s["chosen_id"])] += 1.0 - eps
        w = s["p_chosen"] / d["propensity"]
        rows.setdefault(name, []).append((w, r, float(pi @ q + w * (r - q[logged]))))


def interval(x):
    if len(x) < 2:
        return None
    half = Z * np.std(x, ddof=1) / np.sqrt(len(x))
    return [float(np.mean(x) - half), float(np.mean(x) + half)]


out = {}
for name, vals in rows.items():
    a = np.asarray(vals, dtype=np.float64)
    w, r, dr = a[:, 0], a[:, 1], a[:, 2]
    snips = float(np.sum(w * r) / np.sum(w)) if np.sum(w) > 0 else None
    snips_ci = None
    if snips is not None and len(w) >= 2:
        half = Z * np.sqrt(np.sum((w * (r - snips)) ** 2)) / np.sum(w)
        snips_ci = [snips - half, snips + half]
    out[name] = {
        "n": len(w),
        "ips": float(np.mean(w * r)),
        "snips": snips,
        "dr": float(np.mean(dr)),
        "ci95": interval(dr),
        "ips_ci95": interval(w * r),
        "snips_ci95": snips_ci,
        "ess": float(np.sum(w) ** 2 / np.sum(w**2)) if np.sum(w**2) > 0 else 0.0,
    }
json.dump(out, sys.stdout)
