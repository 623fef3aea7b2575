"""Checks the code objects of a moe-compile --emit=iree folder against its
module.mlir, as IREE's HIP runtime will launch them: for every
hal.dispatch.extern, its export in each object it names (llvm-readelf
--notes) takes the extern's bindings as 8-byte global buffers first, then
its push constants as 4-byte by-value arguments and nothing else, and
requires the extern's workgroup size.

Usage: check_iree_objects.py DIR [--readelf llvm-readelf]
Prints one line per failure and a summary; exit 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys

EXTERN = re.compile(r'"hal\.dispatch\.extern"\(.*?<\{(.*?)\}> \(\{', re.S)


def externs(module_text):
    """(export, bindings, constants, workgroup size, object paths) of each
    hal.dispatch.extern."""
    out = []
    for props in EXTERN.findall(module_text):
        name = re.search(r'export_name = "([^"]+)"', props).group(1)
        layout = re.search(r"layout = #hal\.pipeline\.layout<(.*?)\]>",
                           props).group(1)
        constants = re.search(r"constants = (\d+)", layout)
        size = re.search(r"workgroup_size = \[(\d+) : index, (\d+) : index, "
                         r"(\d+) : index\]", props)
        out.append((name, layout.count("#hal.pipeline.binding<"),
                    int(constants.group(1)) if constants else 0,
                    [int(s) for s in size.groups()],
                    re.findall(r'path = "([^"]+)"', props)))
    return out


def kernels(notes):
    """{name: (args as (value_kind, size), reqd_workgroup_size)} from
    llvm-readelf --notes of one code object (its AMDGPU metadata)."""
    out = {}
    for block in re.split(r"\n  - ", notes.split("amdhsa.kernels:", 1)[1]):
        name = re.search(r"\.name:\s+(\S+)", block)
        if not name:
            continue
        args = []
        # The argument list ends at the kernel's next key (4 spaces in).
        section = block.split(".args:", 1)[1].split("\n    .", 1)[0] \
            if ".args:" in block else ""
        for arg in re.split(r"\n      - ", section)[1:]:
            kind = re.search(r"\.value_kind:\s+(\S+)", arg)
            size = re.search(r"\.size:\s+(\d+)", arg)
            args.append((kind.group(1), int(size.group(1))))
        wg = re.search(r"\.reqd_workgroup_size:\s*\n\s*- (\d+)\n\s*- (\d+)\n"
                       r"\s*- (\d+)", block)
        out[name.group(1)] = (args, [int(v) for v in wg.groups()] if wg
                              else None)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--readelf", default="llvm-readelf")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "module.mlir")) as f:
        found = externs(f.read())
    objects, failures, checked = {}, [], 0
    for name, bindings, constants, size, paths in found:
        want = [("global_buffer", 8)] * bindings + [("by_value", 4)] * constants
        for path in paths:
            if path not in objects:
                notes = subprocess.run(
                    [args.readelf, "--notes", os.path.join(args.dir, path)],
                    check=True, capture_output=True, text=True).stdout
                objects[path] = kernels(notes)
            kernel = objects[path].get(name)
            if kernel is None:
                failures.append(f"{path}: no kernel {name}")
                continue
            checked += 1
            if kernel[0] != want:
                failures.append(f"{path}: {name}: expected arguments {want}, "
                                f"found {kernel[0]}")
            if kernel[1] != size:
                failures.append(f"{path}: {name}: expected workgroup size "
                                f"{size}, found {kernel[1]}")
    for failure in failures:
        print("FAIL", failure)
    print(f"iree objects: {len(found)} externs, {checked} exports checked "
          f"in {len(objects)} code objects, {len(failures)} failures")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
