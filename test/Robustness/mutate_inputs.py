#!/usr/bin/env python3
"""Feeds deterministically mutated copies of moe IR to moe-opt and fails on any crash.

Every mutant must either be accepted (exit 0) or rejected with a diagnostic
("error:" on stderr, exit 1). A signal, another exit code, an assertion, an
LLVM fatal error or a stack dump is a failure; failing mutants are written to
--failures-dir so they can be replayed with `moe-opt FILE`.
"""

import argparse
import concurrent.futures
import os
import random
import re
import subprocess
import sys

EDGE_NUMBERS = [b"0", b"1", b"-1", b"2", b"3", b"7", b"15", b"17", b"24",
                b"255", b"256", b"257", b"4096", b"2147483648", b"-2147483649",
                b"9223372036854775807", b"18446744073709551616", b"1.0e+300",
                b"-0.0", b"0x7FF0000000000000", b"?"]
JUNK = [b"<", b">", b"(", b")", b"{", b"}", b"[", b"]", b",", b":", b"=", b"%",
        b"#moe.", b"x", b"?x", b"\"", b"\x00", b"\xff", b"\n", b"moe.", b"!",
        b"^bb0", b"->", b"tensor<", b"@", b"//", b"\"tp\"", b"group"]
CRASH_MARKERS = [b"PLEASE submit a bug report", b"Assertion", b"Stack dump",
                 b"LLVM ERROR", b"UNREACHABLE", b"Segmentation fault"]
NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")
WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]*")


def mutate(rng, text):
    """Returns one mutant of `text` and a short description of the mutation."""
    kind = rng.randrange(7)
    n = len(text)
    if kind == 0:
        cut = rng.randrange(n)
        return text[:cut], f"truncate at {cut}"
    if kind == 1:
        pos = rng.randrange(n)
        byte = bytes([rng.randrange(256)])
        return text[:pos] + byte + text[pos + 1:], f"byte {pos} -> {byte!r}"
    if kind == 2:
        numbers = list(NUMBER.finditer(text))
        m = rng.choice(numbers)
        new = rng.choice(EDGE_NUMBERS)
        return (text[:m.start()] + new + text[m.end():],
                f"number at {m.start()} -> {new!r}")
    if kind == 3:
        pos = rng.randrange(n)
        length = rng.randint(1, 40)
        return text[:pos] + text[pos + length:], f"delete {length} at {pos}"
    if kind == 4:
        pos = rng.randrange(n)
        length = rng.randint(1, 60)
        at = rng.randrange(n)
        return (text[:at] + text[pos:pos + length] + text[at:],
                f"copy {length} from {pos} to {at}")
    if kind == 5:
        words = list(WORD.finditer(text))
        m = rng.choice(words)
        new = rng.choice(words).group(0)
        return (text[:m.start()] + new + text[m.end():],
                f"word at {m.start()} -> {new!r}")
    pos = rng.randrange(n)
    junk = rng.choice(JUNK)
    return text[:pos] + junk + text[pos:], f"insert {junk!r} at {pos}"


def run_one(tool, extra_args, mutant, timeout):
    proc = subprocess.run([tool, "-", "-o", os.devnull] + extra_args,
                          input=mutant, capture_output=True, timeout=timeout)
    problems = []
    if proc.returncode < 0:
        problems.append(f"killed by signal {-proc.returncode}")
    elif proc.returncode not in (0, 1):
        problems.append(f"exit code {proc.returncode}")
    elif proc.returncode == 1 and b"error:" not in proc.stderr:
        problems.append("rejected without an 'error:' diagnostic")
    problems += [f"stderr mentions {m.decode()!r}" for m in CRASH_MARKERS
                 if m in proc.stderr]
    return proc.returncode, problems, proc.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moe-opt", required=True,
                        help="the tool under test (moe-opt or moe-compile)")
    parser.add_argument("--tool-arg", action="append", default=[],
                        help="an extra argument for the tool (repeatable)")
    parser.add_argument("--count", type=int, default=400,
                        help="mutants in total, spread over the inputs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--failures-dir", default="mutation-failures")
    parser.add_argument("inputs", nargs="+")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    sources = [(path, open(path, "rb").read()) for path in args.inputs]
    mutants = []
    for i in range(args.count):
        path, text = sources[i % len(sources)]
        mutant, what = mutate(rng, text)
        mutants.append((os.path.basename(path), what, mutant))

    accepted = rejected = 0
    failures = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = pool.map(
            lambda m: run_one(args.moe_opt, args.tool_arg, m[2], args.timeout),
            mutants)
        for (name, what, mutant), (rc, problems, stderr) in zip(mutants,
                                                                results):
            if problems:
                failures.append((name, what, mutant, problems, stderr))
            elif rc == 0:
                accepted += 1
            else:
                rejected += 1

    for index, (name, what, mutant, problems, stderr) in enumerate(failures):
        os.makedirs(args.failures_dir, exist_ok=True)
        out = os.path.join(args.failures_dir, f"{index}-{name}")
        with open(out, "wb") as f:
            f.write(mutant)
        print(f"FAIL {name} ({what}): {'; '.join(problems)}; saved as {out}")
        sys.stdout.write(stderr.decode(errors="replace")[-2000:])

    print(f"mutants: {len(mutants)}, accepted: {accepted}, "
          f"rejected with a diagnostic: {rejected}, crashed: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
