"""Independent numpy implementation of CONTRACT §3 (the oracle for the float64 reference).

stdin: {"d", "lambda", "alpha", "updates": [[x..., r], ...], "queries": [[x...], ...]}
stdout: {"A", "b", "theta", "ucb": [...], "greedy": [...]}
"""
import json
import sys

import numpy as np

req = json.load(sys.stdin)
d = req["d"]
A = req["lambda"] * np.eye(d)
b = np.zeros(d)
for row in req["updates"]:
    x = np.asarray(row[:d], dtype=np.float64)
    A += np.outer(x, x)
    b += row[d] * x
theta = np.linalg.solve(A, b)
A_inv = np.linalg.inv(A)
X = np.asarray(req["queries"], dtype=np.float64).reshape(-1, d)
greedy = X @ theta
ucb = greedy + req["alpha"] * np.sqrt(np.einsum("ki,ij,kj->k", X, A_inv, X))
json.dump({"A": A.tolist(), "b": b.tolist(), "theta": theta.tolist(), "ucb": ucb.tolist(), "greedy": greedy.tolist()}, sys.stdout)
