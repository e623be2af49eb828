"""numpy anchors for `npm run bench:kernels`: the same shapes as the TS backends, batched the way a
numpy service would do it (float64, matmul/einsum over [U, K, d] with resident A⁻¹ and θ).

stdin: {"shapes": [{"U", "d", "K"}], "min_seconds": float}
stdout: {"numpy": version, "results": [{"U", "d", "K", "ucb_per_s", "greedy_per_s", "updates_per_s", "ucb_call_us"}]}

`--serve`: one JSON request a line, one JSON answer a line, so the TS bench can interleave numpy's
rounds with its own in the same seconds (the machine is shared; rounds far apart see different loads):
  {"op": "shape", "U", "d", "K"}          -> {"numpy": version}   (builds that shape's arrays)
  {"op": "round", "seconds": float}        -> {"ucb": s, "greedy": s, "update": s}  (the fastest call's
                                              seconds in one round of each; warmed up on a new shape)
"""
import json
import sys
import time

import numpy as np


def timed(fn, min_seconds, rounds=5, warm=True):
    """Seconds per call, best of `rounds` rounds (the machine is shared), after a warm-up call."""
    if warm:
        fn()
    best = float("inf")
    for _ in range(rounds):
        n = 0
        t0 = time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_seconds / rounds:
                best = min(best, el / n)
                break
    return best


def fastest_call(fn, seconds):
    """The fastest call's seconds among calls made for `seconds` (as bench/kernels.ts's rounds): on a
    shared machine a round's mean mostly measures preemption."""
    best = float("inf")
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        best = min(best, t1 - t0)
        if t1 - start >= seconds:
            return best


def kernels(U, d, K, rng):
    """The three calls for one shape, over arrays built once (as a numpy service would hold them)."""
    ainv = np.broadcast_to(np.eye(d), (U, d, d)).copy()
    theta = rng.standard_normal((U, d))
    b = np.zeros((U, d))
    X = rng.standard_normal((U, K, d))

    def ucb():
        mean = np.einsum("ukd,ud->uk", X, theta)
        quad = np.einsum("ukd,ukd->uk", np.matmul(X, ainv), X)
        return mean + 1.0 * np.sqrt(np.maximum(quad, 0))

    def greedy():
        return np.einsum("ukd,ud->uk", X, theta)

    xu = rng.standard_normal((U, d)) * 0.1
    r = rng.uniform(-1, 1, U)

    def update():
        # One reward per user: a vectorized Sherman–Morrison step over the whole batch.
        u = np.einsum("uij,uj->ui", ainv, xu)
        s = 1.0 + np.einsum("ui,ui->u", xu, u)
        g = (r - np.einsum("ui,ui->u", xu, theta)) / s
        ainv[...] -= np.einsum("ui,uj->uij", u, u) / s[:, None, None]
        b[...] += r[:, None] * xu
        theta[...] += u * g[:, None]

    return ucb, greedy, update


def serve():
    rng = np.random.default_rng(1)
    fns = None
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "shape":
            fns = None  # frees the last shape's arrays first
            fns = kernels(req["U"], req["d"], req["K"], rng)
            for fn in fns:
                fn()
            print(json.dumps({"numpy": np.__version__}), flush=True)
        else:
            t = [fastest_call(fn, req["seconds"]) for fn in fns]
            print(json.dumps({"ucb": t[0], "greedy": t[1], "update": t[2]}), flush=True)


def main():
    req = json.load(sys.stdin)
    rng = np.random.default_rng(1)
    out = []
    for s in req["shapes"]:
        U, d, K = s["U"], s["d"], s["K"]
        ucb, greedy, update = kernels(U, d, K, rng)
        t_ucb = timed(ucb, req["min_seconds"])
        t_greedy = timed(greedy, req["min_seconds"])
        t_upd = timed(update, req["min_seconds"])
        out.append({
            "U": U, "d": d, "K": K,
            "ucb_per_s": U * K / t_ucb,
            "greedy_per_s": U * K / t_greedy,
            "updates_per_s": U / t_upd,
            "ucb_call_us": t_ucb * 1e6,
        })
    json.dump({"numpy": np.__version__, "results": out}, sys.stdout)


if "--serve" in sys.argv:
    serve()
else:
    main()
