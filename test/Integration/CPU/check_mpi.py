"""Collectives of CPU libraries over 4 MPI ranks (mpi.test): tp4_block (a
quarter of the attention partial sum and of every expert's intermediate
columns per rank) on 4 ranks == tp1_block on the whole inputs, as written
and with --moe-defer-allreduce (moe.all_reduce_add_rms_norm); the EP4-pruned
mixtral_like layer with reduce=true (its moe.all_reduce over "ep") on 4
ranks == the unpruned layer; each collective against numpy; all_to_all
dispatch then combine == identity; and the errors of a job that cannot run.
Each rank is one moe-run --mpi under mpirun (mpirun's A : B form gives each
its own inputs)."""

import os
import subprocess
import tempfile

import numpy as np

from harness import Harness, rand
from tp_inputs import tp_block_inputs
import reference

RANKS = 4


def option(h, name):
    return h.extra[h.extra.index(name) + 1]


def mpirun_command(h):
    cmd = [option(h, "--mpirun"), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def run_job(h, lib, entry, per_rank_inputs, tmp):
    """One mpirun of `entry` with rank r's inputs per_rank_inputs[r];
    (process, [each rank's results])."""
    cmd = mpirun_command(h)
    for r, inputs in enumerate(per_rank_inputs):
        if r:
            cmd.append(":")
        cmd += ["-np", "1", h.moe_run, lib, "--mpi", "--entry", entry,
                "--output-dir", os.path.join(tmp, f"out{r}")]
        for i, value in enumerate(inputs):
            path = os.path.join(tmp, f"r{r}_in{i}.npy")
            arr = np.asarray(value)
            np.save(path, arr.astype(np.float32) if arr.dtype.kind == "f"
                    else arr)
            cmd += ["--input", path]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    results = []
    for r in range(len(per_rank_inputs)):
        out = os.path.join(tmp, f"out{r}")
        names = sorted(os.listdir(out)) if os.path.isdir(out) else []
        results.append([np.load(os.path.join(out, n)) for n in names])
    return proc, results


def run_ranks(h, lib, entry, per_rank_inputs):
    """Every rank's results of a job that must succeed."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, results = run_job(h, lib, entry, per_rank_inputs, tmp)
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise SystemExit(f"FAIL {entry}: mpirun exited with "
                         f"{proc.returncode}")
    return results


def job_fails_with(h, name, lib, entry, per_rank_inputs, want):
    """A job that must fail with `want` in its output."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, _ = run_job(h, lib, entry, per_rank_inputs, tmp)
    h.checks += 1
    text = proc.stdout + proc.stderr
    if proc.returncode != 0 and want in text:
        line = next(l for l in text.splitlines() if want in l)
        print(f"PASS {name}: {line.strip()}")
    else:
        h._fail(name, f"exit {proc.returncode}: {text.strip()!r}")


def same_on_every_rank(h, name, got):
    h.checks += 1
    if all(np.array_equal(g, got[0]) for g in got[1:]):
        print(f"PASS {name}: the same bits on every rank")
    else:
        h._fail(name, "the ranks' results differ")


def check_tp4_block(h, rng):
    tp1_lib, tp4_deferred = option(h, "--tp1-lib"), option(h, "--deferred-lib")
    for tokens in (1, 5, 12):
        whole, per_rank = tp_block_inputs(rng, tokens, RANKS)
        want = h.run("tp1_block", whole, lib=tp1_lib)
        for label, lib in (("as written", h.lib),
                           ("--moe-defer-allreduce", tp4_deferred)):
            got = run_ranks(h, lib, "tp4_block", per_rank)
            for r in range(RANKS):
                for name, g, w in zip(("next", "h2"), got[r], want):
                    h.close(f"TP4 rank {r} == TP1 ({label}), {name}, "
                            f"T={tokens}", g, w, "bf16")
            same_on_every_rank(h, f"TP4 ({label}), T={tokens}",
                               [g[0] for g in got])


def check_ep4_pruned(h, rng):
    full_lib, pruned_lib = option(h, "--full-lib"), option(h, "--pruned-lib")
    experts = 8
    local = experts // RANKS
    for tokens in (1, 7):
        x = rand(rng, (tokens, 32), "bf16")
        router_w = rand(rng, (32, 8), "bf16", 0.3)
        w1 = rand(rng, (8, 96, 32), "bf16", 32 ** -0.5)
        w2 = rand(rng, (8, 32, 48), "bf16", 48 ** -0.5)
        (want,) = h.run("mixtral_like", [x, router_w, w1, w2], lib=full_lib)
        per_rank = [[x, router_w, w1[r * local:(r + 1) * local],
                     w2[r * local:(r + 1) * local], np.array(r, np.int64)]
                    for r in range(RANKS)]
        got = run_ranks(h, pruned_lib, "mixtral_like", per_rank)
        for r in range(RANKS):
            h.close(f"EP4 pruned (reduce=true) rank {r} == unpruned, "
                    f"T={tokens}", got[r][0], want, "bf16")


def check_sums(h, rng):
    xs = [rng.standard_normal((5, 24)).astype(np.float32)
          for _ in range(RANKS)]
    got = run_ranks(h, h.lib, "sum_f32", [[x] for x in xs])
    total = np.sum([x.astype(np.float64) for x in xs], axis=0)
    for r in range(RANKS):
        h.close(f"f32 all_reduce over {RANKS} ranks, rank {r}", got[r][0],
                total, "f32")
    xs = [rand(rng, (3, 24), "bf16") for _ in range(RANKS)]
    got = run_ranks(h, h.lib, "sum_bf16", [[x] for x in xs])
    total = np.sum([x.astype(np.float64) for x in xs], axis=0)
    for r in range(RANKS):
        h.close(f"bf16 all_reduce over {RANKS} ranks, rank {r}", got[r][0],
                total, "bf16")
    same_on_every_rank(h, "bf16 all_reduce", [g[0] for g in got])
    # The fused op: the sum rounded to bf16, plus the residual (rounded),
    # then the Gemma norm.
    xs = [rand(rng, (4, 32), "bf16") for _ in range(RANKS)]
    residual = rand(rng, (4, 32), "bf16")
    w = rand(rng, (32,), "bf16", 0.1)
    got = run_ranks(h, h.lib, "sum_add_norm",
                    [[x, residual, w] for x in xs])
    s = reference.round_to(np.sum([x.astype(np.float64) for x in xs],
                                  axis=0), "bf16")
    res_out = reference.round_to(s.astype(np.float64) + residual, "bf16")
    normed = reference.rms_norm(res_out, w, 1e-6, 1.0)
    for r in range(RANKS):
        h.close(f"all_reduce_add_rms_norm normed, rank {r}", got[r][0],
                normed, "bf16")
        h.close(f"all_reduce_add_rms_norm residual_out, rank {r}",
                got[r][1], res_out, "bf16")


def check_gather_scatter(h, rng):
    for entry, shape, dtype, axis in (("gather_cols", (5, 8), "bf16", 1),
                                      ("gather_rows", (3, 8), "f32", 0)):
        xs = [rand(rng, shape, dtype) for _ in range(RANKS)]
        got = run_ranks(h, h.lib, entry, [[x] for x in xs])
        want = np.concatenate(xs, axis=axis)
        for r in range(RANKS):
            h.exact(f"all_gather dim {axis} ({dtype}), rank {r}", got[r][0],
                    want)
    for entry, shape, dtype, axis in (("scatter_cols", (5, 16), "f32", 1),
                                      ("scatter_rows", (12, 8), "bf16", 0)):
        xs = [rand(rng, shape, dtype) for _ in range(RANKS)]
        got = run_ranks(h, h.lib, entry, [[x] for x in xs])
        total = np.sum([x.astype(np.float64) for x in xs], axis=0)
        part = shape[axis] // RANKS
        for r in range(RANKS):
            want = np.take(total, range(r * part, (r + 1) * part), axis=axis)
            h.close(f"reduce_scatter dim {axis} ({dtype}), rank {r}",
                    got[r][0], want, dtype)


def dispatched(xs, sends, r):
    """The rows rank r receives: from each rank s, its block for r."""
    rows = []
    for x, send in zip(xs, sends):
        start = int(np.sum(send[:r]))
        rows.append(x[start:start + send[r]])
    return np.concatenate(rows, axis=0)


def check_all_to_all(h, rng):
    # Ragged counts, zeros included; rows past the sent total are not sent.
    sends = [np.array([2, 0, 3, 1], np.int32), np.array([0, 0, 0, 4],
                                                         np.int32),
             np.array([1, 5, 0, 2], np.int32), np.array([3, 1, 1, 0],
                                                        np.int32)]
    xs = [rand(rng, (int(s.sum()) + 2, 8), "bf16") for s in sends]
    got = run_ranks(h, h.lib, "dispatch", [[x, s] for x, s in zip(xs, sends)])
    for r in range(RANKS):
        h.exact(f"all_to_all dispatch rows, rank {r}", got[r][0],
                dispatched(xs, sends, r))
        h.exact(f"all_to_all recv_counts, rank {r}", got[r][1],
                np.array([s[r] for s in sends], np.int32))
    xs6 = [rand(rng, (int(s.sum()), 6), "f32") for s in sends]
    got = run_ranks(h, h.lib, "dispatch_capacity",
                    [[x, s] for x, s in zip(xs6, sends)])
    for r in range(RANKS):
        want = np.zeros((40, 6), np.float32)
        rows = dispatched(xs6, sends, r)
        want[:len(rows)] = rows
        h.exact(f"all_to_all into 40 rows (zeros past the received), "
                f"rank {r}", got[r][0], want)
    got = run_ranks(h, h.lib, "round_trip", [[x, s] for x, s in zip(xs, sends)])
    for r in range(RANKS):
        h.exact(f"all_to_all dispatch + combine == identity, rank {r}",
                got[r][0], xs[r][:int(sends[r].sum())])
        h.exact(f"all_to_all combine's counts == send_counts, rank {r}",
                got[r][1], sends[r])


def check_errors(h, rng):
    x = rand(rng, (2, 24), "f32")
    h.fails_with("a library for 4 ranks, run without --mpi", "sum_f32", [x],
                 "(a library with collectives over several ranks: run it "
                 "with --mpi under mpirun -np N)")
    job_fails_with(h, "a library for 4 ranks on 2", h.lib, "sum_f32",
                   [[x], [x]], "moe.all_reduce over group 'tp' of 4 ranks: "
                   "the program was compiled for 4 ranks, the group has 2 "
                   "(expected equal sizes: mpirun -np 4)")
    rows = rand(rng, (5, 8), "bf16")
    ok = np.array([1, 1, 1, 1], np.int32)
    job_fails_with(h, "send_counts past the input's rows", h.lib, "dispatch",
                   [[rows, np.array([3, 3, 3, 0], np.int32)]] +
                   [[rows, ok]] * 3,
                   "moe.all_to_all over group 'tp' of 4 ranks: send_counts "
                   "sum to 9 rows, the buffer has 5 (expected at most its "
                   "rows)")
    job_fails_with(h, "a negative send count", h.lib, "dispatch",
                   [[rows, ok]] * 3 + [[rows, np.array([1, -2, 1, 1],
                                                       np.int32)]],
                   "send_counts[1] is -2 (expected a count >= 0)")
    rows = rand(rng, (6, 8), "f32")
    job_fails_with(h, "reduce_scatter of 6 rows over 4 ranks",
                   h.lib, "scatter_rows_dynamic", [[rows]] * RANKS,
                   "run-time size check failed: moe.reduce_scatter at ")
    job_fails_with(h, "reduce_scatter of 6 rows over 4 ranks, message",
                   h.lib, "scatter_rows_dynamic", [[rows]] * RANKS,
                   "dim 0 of 'input' modulo the 4 ranks of 'tp': expected "
                   "0, found 2")
    xs = [rand(rng, (8, 8), "f32") for _ in range(RANKS)]
    got = run_ranks(h, h.lib, "scatter_rows_dynamic", [[x] for x in xs])
    total = np.sum([x.astype(np.float64) for x in xs], axis=0)
    for r in range(RANKS):
        h.close(f"reduce_scatter of dynamic rows, rank {r}", got[r][0],
                total[2 * r:2 * r + 2], "f32")
    many = rand(rng, (12, 6), "f32")
    job_fails_with(h, "more received rows than the result's capacity",
                   h.lib, "dispatch_capacity",
                   [[many, np.array([12, 0, 0, 0], np.int32)]] * RANKS,
                   "recv_counts sum to 48 rows, the buffer has 40")


def main():
    h = Harness()
    rng = np.random.default_rng(41)
    check_tp4_block(h, rng)
    check_ep4_pruned(h, rng)
    check_sums(h, rng)
    check_gather_scatter(h, rng)
    check_all_to_all(h, rng)
    check_errors(h, rng)
    h.finish()


if __name__ == "__main__":
    main()
