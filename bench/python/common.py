"""Shared by the Python side of the benchmarks (see bench/README.md).

Each script is run as `python3 bench/python/<workload>.py <impl> <n> [args...]` with impl
`asyncio` or `uvloop`, measures one run of its workload, and prints one JSON object on stdout:
{"value": <number in the workload's unit>, ...extra fields}. The harness interleaves the runs.
"""
import asyncio
import json
import sys

SEED = 2463534242


def rng(seed=SEED):
    """Uniform floats in [0, 1): xorshift32, the same sequence as bench/lib/rng.mjs."""
    x = seed & 0xFFFFFFFF

    def nxt():
        nonlocal x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        return x / 4294967296

    return nxt


def uniform(n, span, seed=SEED):
    nxt = rng(seed)
    return [nxt() * span for _ in range(n)]


def new_loop(impl):
    if impl == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    if impl == "asyncio":
        return asyncio.new_event_loop()
    raise SystemExit(f"unknown implementation {impl!r}")


def args():
    """(impl, n, extra args) from the command line."""
    if len(sys.argv) < 3:
        raise SystemExit(f"usage: {sys.argv[0]} asyncio|uvloop N [args...]")
    return sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def emit(**fields):
    print(json.dumps(fields))
