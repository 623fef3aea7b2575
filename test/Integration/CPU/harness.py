"""Runs entries of a moe-compile'd library through moe-run and compares results.

Tolerances (stated once, used everywhere):
  bf16 results: |got - want| <= 1e-2 * |want| + 1e-2 * max|want|
  f16 results:  |got - want| <= 2e-3 * |want| + 2e-3 * max|want|
  f32 results:  |got - want| <= 1e-5 * |want| + 1e-5 * max|want|
  integer results (ids, sorted routes, counts): exact.
The max|want| term absorbs f32-accumulation-order differences on entries that
cancel to near zero; the relative term is the element's own precision.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

import reference

TOLERANCE = {"bf16": 1e-2, "f16": 2e-3, "f32": 1e-5}


class Harness:
    def __init__(self):
        parser = argparse.ArgumentParser()
        parser.add_argument("--lib", required=True)
        parser.add_argument("--moe-run", required=True)
        parser.add_argument("--backend", default="cpu")
        args, self.extra = parser.parse_known_args()
        self.lib, self.moe_run = args.lib, args.moe_run
        self.backend = args.backend
        self.failures = 0
        self.checks = 0

    def _call(self, entry, inputs, lib, tmp):
        cmd = [self.moe_run, lib or self.lib, "--entry", entry,
               "--output-dir", tmp, "--backend", self.backend]
        for i, value in enumerate(inputs):
            path = os.path.join(tmp, f"in{i}.npy")
            arr = np.asarray(value)
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32)
            np.save(path, arr)
            cmd += ["--input", path]
        return subprocess.run(cmd, capture_output=True, text=True)

    def fails_with(self, name, entry, inputs, want, lib=None):
        """Expects the call to fail (exit code 1) with `want` in its error."""
        self.checks += 1
        with tempfile.TemporaryDirectory() as tmp:
            proc = self._call(entry, inputs, lib, tmp)
        if proc.returncode == 1 and want in proc.stderr:
            print(f"PASS {name}: {proc.stderr.strip()}")
        else:
            self._fail(name, f"exit code {proc.returncode}, "
                             f"{(proc.stderr or proc.stdout).strip()!r}")

    def run(self, entry, inputs, lib=None):
        """inputs: arrays already rounded to the entry's element types."""
        with tempfile.TemporaryDirectory() as tmp:
            proc = self._call(entry, inputs, lib, tmp)
            if proc.returncode != 0:
                sys.stdout.write(proc.stdout + proc.stderr)
                raise SystemExit(f"FAIL {entry}: moe-run exited with "
                                 f"{proc.returncode}")
            results = []
            i = 0
            while os.path.exists(os.path.join(tmp, f"result{i}.npy")):
                results.append(np.load(os.path.join(tmp, f"result{i}.npy")))
                i += 1
            return results

    def close(self, name, got, want, dtype):
        """Floating-point comparison with the tolerance of `dtype`."""
        self.checks += 1
        ok, message = compare_close(got, want, dtype)
        if ok:
            print(f"PASS {name}: {message}")
        else:
            self._fail(name, message)

    def exact(self, name, got, want):
        self.checks += 1
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape or not np.array_equal(got, want):
            self._fail(name, f"got {got.tolist()}, want {want.tolist()}")
        else:
            print(f"PASS {name}: exact")

    def _fail(self, name, why):
        self.failures += 1
        print(f"FAIL {name}: {why}")

    def finish(self):
        print(f"{self.checks - self.failures} passed, {self.failures} failed")
        sys.exit(1 if self.failures or not self.checks else 0)


def compare_close(got, want, dtype, tolerance=None):
    """(ok, message) for got vs want under the tolerance of `dtype` (or the
    relative `tolerance` given)."""
    want = reference.round_to(want, "f32").astype(np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != want.shape:
        return False, f"shape {got.shape} != expected {want.shape}"
    tol = TOLERANCE[dtype] if tolerance is None else tolerance
    scale = np.max(np.abs(want)) if want.size else 0.0
    err = np.abs(got - want)
    bad = err > tol * np.abs(want) + tol * scale
    if bad.any() or not np.isfinite(got).all():
        i = np.unravel_index(np.argmax(err - tol * np.abs(want)), err.shape)
        return False, (f"{int(bad.sum())} of {err.size} elements off; worst "
                       f"at {i}: got {got[i]}, want {want[i]}")
    worst = err.max() if err.size else 0.0
    return True, f"max abs err {worst:.3g} (scale {scale:.3g}, {dtype})"


def rand(rng, shape, dtype, scale=1.0):
    """Random normal values, rounded to `dtype` so the runtime sees them exactly."""
    return reference.round_to(rng.standard_normal(shape) * scale, dtype)
