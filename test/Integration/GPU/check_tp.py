"""TP2 on two GPUs: both ranks of tp2_block (half of the attention partial
sum and half of every expert's intermediate columns each, all_reduce over
NCCL) agree with tp1_block on the whole inputs; an f32 all_reduce sums;
all_gather and reduce_scatter along rows and columns give each rank its
concatenation or slice; all_to_all moves ragged blocks of rows and back; the
fused all_reduce + residual + RMSNorm runs as the one-shot kernel over peer
workspaces, and as NCCL + the norm without them. First, on one GPU, the
runtime's errors for a group it cannot use and the one-shot kernel with both
ranks on GPU 0; the other two-rank runs need two GPUs (with fewer they print
SKIP).
Only the cuda backend (with another backend: SKIP, nothing counted)."""

import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "CPU"))
import reference  # noqa: E402
from harness import Harness, rand  # noqa: E402
from tp_inputs import tp_block_inputs  # noqa: E402

RANKS = 2


def gpu_count():
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(1 for line in out.splitlines() if line.startswith("GPU "))


def run_ranks(h, entry, per_rank_inputs, devices=None, extra=()):
    """Runs `entry` of the TP2 library as RANKS processes, rank r on GPU
    devices[r] (default r), with moe-run options `extra`; returns each
    rank's results."""
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        try:
            return _run_ranks(h, entry, per_rank_inputs, tmp, procs,
                              devices or range(RANKS), extra)
        finally:
            for proc in procs:  # a failed rank must not leave the others
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def _run_ranks(h, entry, per_rank_inputs, tmp, procs, devices, extra):
    """Starts the ranks (into `procs`) and collects their results."""
    for r, inputs in enumerate(per_rank_inputs):
        out_dir = os.path.join(tmp, f"out{r}")
        cmd = [h.moe_run, h.lib, "--entry", entry, "--backend", h.backend,
               "--output-dir", out_dir, "--ranks", str(RANKS), "--rank",
               str(r), "--comm-file", os.path.join(tmp, "comm-id"), *extra]
        for i, value in enumerate(inputs):
            path = os.path.join(tmp, f"r{r}_in{i}.npy")
            arr = np.asarray(value)
            np.save(path, arr.astype(np.float32) if arr.dtype.kind == "f"
                    else arr)
            cmd += ["--input", path]
        env = dict(os.environ, MOE_CUDA_DEVICE=str(devices[r]))
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    results = []
    for r, proc in enumerate(procs):
        try:
            out, _ = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"FAIL {entry}: rank {r} did not finish "
                             "within 300 s")
        if proc.returncode != 0:
            sys.stdout.write(out)
            raise SystemExit(f"FAIL {entry}: rank {r} exited with "
                             f"{proc.returncode}")
        out_dir = os.path.join(tmp, f"out{r}")
        results.append([np.load(os.path.join(out_dir, name))
                        for name in sorted(os.listdir(out_dir))])
    return results


# The one-shot entries: hidden size, element type, eps, offset.
ONE_SHOT = (("one_shot", 64, "bf16", 1e-6, 1.0),
            ("one_shot_narrow", 20, "bf16", 1e-5, 0.0),
            ("one_shot_f32", 24, "f32", 1e-6, 0.0))


def check_one_shot(h, rng, label, tokens, devices=None, extra=(),
                   entries=ONE_SHOT):
    """Each entry of `entries` (ONE_SHOT's) at each T of `tokens` against numpy: the ranks'
    sum rounded once, plus the residual rounded (residual_out), normalized;
    both ranks must return the same bits."""
    for entry, hidden, dtype, eps, offset in entries:
        for t in tokens:
            xs = [rand(rng, (t, hidden), dtype) for _ in range(RANKS)]
            res = rand(rng, (t, hidden), dtype)
            w = rand(rng, (hidden,), dtype)
            got = run_ranks(h, entry, [[x, res, w] for x in xs], devices,
                            extra)
            s = reference.round_to(sum(x.astype(np.float64) for x in xs),
                                   dtype)
            r_out = reference.round_to(s + res, dtype)
            normed = reference.rms_norm(r_out, w, eps, offset)
            for r in range(RANKS):
                h.close(f"{label}: {entry} normed, rank {r}, T={t}",
                        got[r][0], normed, dtype)
                h.close(f"{label}: {entry} residual_out, rank {r}, T={t}",
                        got[r][1], r_out, dtype)
            for r in range(1, RANKS):
                h.exact(f"{label}: {entry}, rank {r} the same bits as rank "
                        f"0, T={t}", got[r], got[0])


def check_one_shot_repeat(h, rng, label, tokens, devices=None, extra=()):
    """one_shot_repeat: three one-shot calls in one process (epochs 1, 2
    and 3, both buffers, fewer rows in the second, x negated in the third),
    each against numpy; with moe-run --bench 3 after them (nine more calls,
    not compared)."""
    for t in tokens:
        xs = [rand(rng, (t, 64), "bf16") for _ in range(RANKS)]
        res = rand(rng, (t, 64), "bf16")
        w = rand(rng, (64,), "bf16")
        got = run_ranks(h, "one_shot_repeat", [[x, res, w] for x in xs],
                        devices, [*extra, "--bench", "3"])

        def fused(parts, residual):
            s = reference.round_to(sum(p.astype(np.float64) for p in parts),
                                   "bf16")
            r_out = reference.round_to(s + residual, "bf16")
            return reference.rms_norm(r_out, w, 1e-6, 1.0), r_out

        n1, r1 = fused(xs, res)
        n2, r2 = fused([x[:t - 1] for x in xs], r1[:t - 1])
        n3, r3 = fused([-x for x in xs], res)
        for r in range(RANKS):
            for i, (name, want) in enumerate(
                    (("n1", n1), ("r1", r1), ("n2", n2), ("r2", r2),
                     ("n3 (x negated)", n3), ("r3 (x negated)", r3))):
                h.close(f"{label}: one_shot_repeat {name}, rank {r}, T={t}",
                        got[r][i], want, "bf16")
        for r in range(1, RANKS):
            for i in range(len(got[0])):
                h.exact(f"{label}: one_shot_repeat result {i}, rank {r} the "
                        f"same bits as rank 0, T={t}", got[r][i], got[0][i])


def expect_error(h, name, cmd, env, want):
    """One moe-run that must fail with `want` in its message."""
    proc = subprocess.run(cmd, env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=120)
    ok = proc.returncode == 1 and want in proc.stderr
    h.checks += 1
    if ok:
        print(f"PASS {name}: {proc.stderr.strip()}")
    else:
        h._fail(name, f"exit {proc.returncode}: {proc.stderr.strip()}")


def main():
    h = Harness()
    tp1_lib = h.extra[h.extra.index("--tp1-lib") + 1]
    if h.backend != "cuda":
        print(f"SKIP TP{RANKS}: these checks run on the cuda backend")
        print("0 passed, 0 failed")
        return
    # On one GPU: the runtime's errors for a group it cannot use.
    with tempfile.TemporaryDirectory() as tmp:
        x = os.path.join(tmp, "x.npy")
        np.save(x, np.zeros((2, 24), dtype=np.float32))
        run = [h.moe_run, h.lib, "--entry", "sum_f32", "--backend",
               h.backend, "--input", x]
        expect_error(h, "a library for 2 ranks, run without joining", run, {},
                     "moe.all_reduce over group 'tp' of 2 ranks: this process "
                     "has not joined 'tp'")
        expect_error(h, "no collective library",
                     run + ["--ranks", "2", "--rank", "0", "--comm-file",
                            os.path.join(tmp, "id")],
                     {"MOE_NCCL_LIBRARY": os.path.join(tmp, "none.so")},
                     "cannot load NCCL")
        stale = os.path.join(tmp, "stale-id")
        open(stale, "wb").close()
        expect_error(h, "a comm file left by an earlier run",
                     run + ["--ranks", "2", "--rank", "0", "--comm-file",
                            stale], {}, "exists already")
    rng = np.random.default_rng(31)
    # Both ranks on GPU 0: the one-shot kernel over their peer workspaces
    # (CUDA IPC works within a device; the ranks' kernels take turns). NCCL
    # refuses two ranks on one device, so this passes only if every call
    # took the one-shot kernel. T = 300 takes more rows than workgroups.
    check_one_shot(h, rng, "one-shot, both ranks on GPU 0", (1, 7, 300),
                   devices=[0] * RANKS)
    check_one_shot_repeat(h, rng, "one-shot, both ranks on GPU 0", (1, 9, 300),
                          devices=[0] * RANKS)
    gpus = gpu_count()
    if gpus < RANKS:
        print(f"SKIP TP{RANKS} runs: need {RANKS} GPUs, found {gpus}")
        h.finish()
    for tokens in (1, 5, 12):
        whole, per_rank = tp_block_inputs(rng, tokens, RANKS)
        want = h.run("tp1_block", whole, lib=tp1_lib)
        got = run_ranks(h, "tp2_block", per_rank)
        for r in range(RANKS):
            h.exact(f"TP{RANKS} rank {r} result count, T={tokens}",
                    len(got[r]), len(want))
            for name, g, w in zip(("next", "h2"), got[r], want):
                h.close(f"TP{RANKS} rank {r} == TP1, {name}, T={tokens}", g, w,
                        "bf16")
    xs = [rng.standard_normal((7, 24)).astype(np.float32)
          for _ in range(RANKS)]
    got = run_ranks(h, "sum_f32", [[x] for x in xs])
    for r in range(RANKS):
        h.close(f"f32 all_reduce over {RANKS} ranks, rank {r}", got[r][0],
                xs[0].astype(np.float64) + xs[1], "f32")
    # all_gather: the ranks' inputs concatenated in rank order (exact).
    for entry, shape, dtype, axis in (("gather_cols", (5, 8), "bf16", 1),
                                      ("gather_rows", (3, 8), "f32", 0)):
        xs = [rand(rng, shape, dtype) for _ in range(RANKS)]
        got = run_ranks(h, entry, [[x] for x in xs])
        want = np.concatenate(xs, axis=axis)
        for r in range(RANKS):
            h.exact(f"all_gather dim {axis} ({dtype}), rank {r}", got[r][0],
                    want)
    # reduce_scatter: rank r gets slice r of the sum (one rounding).
    for entry, shape, dtype, axis in (("scatter_cols", (5, 16), "f32", 1),
                                      ("scatter_rows", (6, 8), "bf16", 0)):
        xs = [rand(rng, shape, dtype) for _ in range(RANKS)]
        got = run_ranks(h, entry, [[x] for x in xs])
        total = xs[0].astype(np.float64) + xs[1]
        part = shape[axis] // RANKS
        for r in range(RANKS):
            want = np.take(total, range(r * part, (r + 1) * part), axis=axis)
            h.close(f"reduce_scatter dim {axis} ({dtype}), rank {r}",
                    got[r][0], want, dtype)
    # all_to_all: ragged counts (a zero included); rows past the sent total
    # stay home.
    sends = [np.array([3, 0], np.int32), np.array([2, 4], np.int32)]
    xs = [rand(rng, (int(s.sum()) + 1, 8), "bf16") for s in sends]
    got = run_ranks(h, "dispatch", [[x, s] for x, s in zip(xs, sends)])
    for r in range(RANKS):
        want = np.concatenate([x[int(s[:r].sum()):int(s[:r].sum()) + s[r]]
                               for x, s in zip(xs, sends)])
        h.exact(f"all_to_all dispatch rows, rank {r}", got[r][0], want)
        h.exact(f"all_to_all recv_counts, rank {r}", got[r][1],
                np.array([s[r] for s in sends], np.int32))
    xs = [rand(rng, (int(s.sum()), 8), "f32") for s in sends]
    got = run_ranks(h, "round_trip", [[x, s] for x, s in zip(xs, sends)])
    for r in range(RANKS):
        h.exact(f"all_to_all dispatch + combine == identity, rank {r}",
                got[r][0], xs[r])
        h.exact(f"all_to_all combine's counts == send_counts, rank {r}",
                got[r][1], sends[r])
    # The fused op on two GPUs: over the peer workspaces (NVLink), then
    # without them (NCCL + norm), then with rows past a 1 MiB workspace
    # (8193 rows of 128 bytes: NCCL + norm too).
    check_one_shot(h, rng, "one-shot, two GPUs", (1, 7, 300))
    check_one_shot_repeat(h, rng, "one-shot, two GPUs", (1, 9, 300))
    check_one_shot(h, rng, "--one-shot-mib 0 (NCCL + norm)", (1, 300),
                   extra=["--one-shot-mib", "0"])
    check_one_shot(h, rng, "rows past the workspace (NCCL + norm)", (8193,),
                   extra=["--one-shot-mib", "1"], entries=ONE_SHOT[:1])
    h.finish()


if __name__ == "__main__":
    main()
