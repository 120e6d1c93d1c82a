#!/usr/bin/env python3
"""What a shared site order would do to the standard errors of random-site Gibbs measurements.

The bm's random-site sweep (sampler.type = gibbs-random) gives every chain its own sequence of
sites. Letting the chains of a chunk share one sequence would turn each block of sites into one
matrix product (as the sequential sweep does) and bring the update near its GEMM bound, without
changing any single chain's law. It does change the chains' joint law: the chains of a chunk then
share which sites they have visited, so their statistics are correlated, and a standard error
computed over chains as if they were independent is too small.

This script measures that on the simplest case, N independent 0/1 spins (J = 0, fields
h_i ~ N(0, 1), P(s_i = 1) = sigmoid(h_i) at equilibrium), started from uniform p0 and run for one
sweep (N site draws with replacement): each site is at equilibrium if it was visited, at p0 if
not. For chunks of C chains it prints var(chunk mean of m) / (var(m) / C), m the magnetisation
mean_i s_i: 1 for independent site sequences, and the factor by which the squared standard error
over chains is too small for shared ones. The uncertainty is the ratio's standard error
(ratio * sqrt(2 / (R - 1)), R chunks).

    /usr/bin/python3 analysis/baselines/shared_site_order.py [--n 784] [--chunk 128] [--chunks 400] [--seed 1]
"""
import argparse
import sys

import numpy as np


def chunk_magnetisations(rng, q, chunk, shared):
    n = q.size
    if shared:
        visited_once = np.zeros(n, bool)
        visited_once[rng.integers(0, n, n)] = True
        visited = np.broadcast_to(visited_once, (chunk, n))
    else:
        visited = np.zeros((chunk, n), bool)
        visited[np.arange(chunk)[:, None], rng.integers(0, n, (chunk, n))] = True
    p_up = np.where(visited, q, 0.5)
    return (rng.random((chunk, n)) < p_up).mean(axis=1)


def variance_ratio(rng, q, chunk, chunks, shared):
    m = np.array([chunk_magnetisations(rng, q, chunk, shared) for _ in range(chunks)])
    ratio = m.mean(axis=1).var(ddof=1) / (m.var(axis=1, ddof=1).mean() / chunk)
    return ratio, ratio * np.sqrt(2.0 / (chunks - 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=784, help="spins (default 784)")
    ap.add_argument("--chunk", type=int, default=128, help="chains per chunk sharing a site sequence (default 128)")
    ap.add_argument("--chunks", type=int, default=400, help="chunks simulated per case (default 400)")
    ap.add_argument("--seed", type=int, default=1, help="numpy seed (default 1)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.chunk < 2 or args.chunks < 3:
        print("shared_site_order.py: --n >= 1, --chunk >= 2 and --chunks >= 3 expected", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    q = 1.0 / (1.0 + np.exp(-rng.normal(size=args.n)))
    print(f"N = {args.n} independent spins, one random-site sweep from uniform p0, chunks of {args.chunk} chains, "
          f"{args.chunks} chunks per case, seed {args.seed}")
    print("var(chunk mean of m) / (var(m) / chunk), +- its standard error:")
    for shared in (False, True):
        ratio, se = variance_ratio(rng, q, args.chunk, args.chunks, shared)
        label = "one site sequence per chunk" if shared else "a site sequence per chain "
        print(f"  {label}: {ratio:.2f} +- {se:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
