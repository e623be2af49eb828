"""Independent implementation of the time_of_day agent's math (CONTRACT §4, /agents/{agent_id}/infer),
with numpy for the circular mean and zoneinfo for local hours. Quiet hours are checked minute by minute.

stdin: [{"ts": [iso, ...], "tz": name, "quiet": [start_min, end_min] | null}]
stdout: [{"mean": float | null, "preferred_hour": int | null}, ...]
"""
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

TIE = 1e-9


def local_hour(s, tz):
    t = datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(ZoneInfo(tz))
    return t.hour + t.minute / 60 + t.second / 3600


def quiet_minutes(start, end):
    minutes = np.arange(24 * 60)
    if start == end:
        return np.zeros(24 * 60, dtype=bool)
    if start < end:
        return (minutes >= start) & (minutes < end)
    return (minutes >= start) | (minutes < end)


def circ_dist(a, b):
    d = abs(a - b) % 24
    return min(d, 24 - d)


out = []
for case in json.load(sys.stdin):
    hours = np.array([local_hour(s, case["tz"]) for s in case["ts"]])
    angles = 2 * np.pi * hours / 24
    s, c = np.sin(angles).sum(), np.cos(angles).sum()
    if np.hypot(s, c) / len(hours) < 1e-9:
        out.append({"mean": None, "preferred_hour": None})
        continue
    mean = float(np.mod(np.arctan2(s, c) * 24 / (2 * np.pi), 24))
    quiet = case["quiet"]
    if quiet is None:
        out.append({"mean": mean, "preferred_hour": int(np.floor(mean + 0.5)) % 24})
        continue
    q = quiet_minutes(*quiet)
    allowed = [h for h in range(24) if not q[h * 60:(h + 1) * 60].any()]
    rounded = int(np.floor(mean + 0.5)) % 24
    if rounded in allowed:
        pick = rounded
    elif not allowed:
        pick = None
    else:
        dmin = min(circ_dist(h, mean) for h in allowed)
        ties = [h for h in allowed if abs(circ_dist(h, mean) - dmin) <= TIE]
        later = [h for h in ties if (h - mean) % 24 <= 12]
        pick = (later or ties)[0]
    out.append({"mean": mean, "preferred_hour": pick})
json.dump(out, sys.stdout)
