"""Independent implementation of CONTRACT §2 with Python's zoneinfo (the oracle for src/features).

stdin: [{"now": iso, "tz": name, "created_at": iso, "due_at": iso|null, "priority": int, "profile": [5]|null}]
stdout: [[12 numbers], ...]
"""
import json
import math
import sys
from datetime import datetime
from zoneinfo import ZoneInfo


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


out = []
for c in json.load(sys.stdin):
    now = ts(c["now"])
    local = now.astimezone(ZoneInfo(c["tz"]))
    h = local.hour + local.minute / 60 + local.second / 3600
    dow = local.weekday()
    due = c.get("due_at")
    overdue = 1.0 if due is not None and ts(due) < now else 0.0
    age_days = (now - ts(c["created_at"])).total_seconds() / 86400
    profile = c.get("profile") or [0.0] * 5
    out.append([
        math.sin(2 * math.pi * h / 24), math.cos(2 * math.pi * h / 24), overdue,
        min(max(age_days / 30, 0.0), 1.0), c["priority"] / 4,
        math.sin(2 * math.pi * dow / 7), math.cos(2 * math.pi * dow / 7), *profile,
    ])
json.dump(out, sys.stdout)
