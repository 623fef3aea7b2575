# lit configuration of the moe-mlir test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MOE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]  # not .cpp: unit tests run via unit-tests.test
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.moe_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "reference.py", "harness.py", "compare_libs.py",
                   "tp1_block.mlir", "tp2_block.mlir", "tp4_block.mlir", "run.py",
                   "one_shot_tp4.mlir",
                   "size_mismatch_gpu.mlir"]

config.substitutions.append(("%moe_src_root", config.moe_src_root))
config.substitutions.append(("%moe_obj_root", config.moe_obj_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%moe_tools_dir", config.moe_tools_dir))
# mlir-runner's print helpers (mlir-22-tools), for CPU runs of test passes.
config.substitutions.append(("%mlir_runner_utils", os.path.join(
    config.llvm_tools_dir, "..", "lib", "libmlir_c_runner_utils.so")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.moe_tools_dir, config.llvm_tools_dir]
tools = ["moe-opt", "moe-compile", "moe-run"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# sm_90 kernels need a CUDA toolkit with ptxas and libdevice. The search
# mirrors kernelToolkit (lib/Target/GPU/KernelLowering.cpp).
import glob
import re
import shutil
def _cuda_toolkit():
    candidates = [os.environ.get(v) for v in ("CUDA_HOME", "CUDA_PATH")]
    ptxas = shutil.which("ptxas")
    if ptxas:
        candidates.append(os.path.dirname(os.path.dirname(ptxas)))
        candidates.append(os.path.dirname(os.path.dirname(
            os.path.realpath(ptxas))))
    candidates.append("/usr/local/cuda")
    # Newest version first, as llvm::VersionTuple orders them.
    versioned = [(tuple(int(p) for p in os.path.basename(d)[5:].split(".")), d)
                 for d in glob.glob("/usr/local/cuda-*")
                 if re.fullmatch(r"\d+(\.\d+)*", os.path.basename(d)[5:])]
    candidates += [d for _, d in sorted(versioned, reverse=True)]
    for d in candidates:
        if d and os.path.exists(os.path.join(d, "bin", "ptxas")) and \
           os.path.exists(os.path.join(d, "nvvm", "libdevice",
                                       "libdevice.10.bc")):
            return d
    return None
if _cuda_toolkit():
    config.available_features.add("ptxas")

# The GPU backend libraries, where the build made them.
for backend in ("cuda", "hip"):
    if os.path.exists(os.path.join(config.moe_obj_root, "lib",
                                   f"libmoe_runtime_{backend}.so")):
        config.available_features.add(f"{backend}-backend")

# Collectives over several ranks on the CPU: the runtime's MPI backend and
# Open MPI's mpirun (test/Integration/CPU/mpi.test).
_mpirun = shutil.which("mpirun")
if _mpirun and os.path.exists(os.path.join(config.moe_obj_root, "lib",
                                           "libmoe_runtime_mpi.so")):
    config.available_features.add("mpi")
    config.substitutions.append(("%mpirun", _mpirun))

# PyTorch on the CPU (Debian's python3-torch): moe_mlir.fused_experts; with
# transformers too (not in Debian): moe_mlir.hf.
def _imports(module):
    try:
        return subprocess.run([config.python_executable, "-c",
                               f"import {module}"], capture_output=True,
                              timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False

# GPU integration tests run where an NVIDIA driver answers and the runtime's
# CUDA backend was built; elsewhere they are UNSUPPORTED.
import subprocess
def _has_cuda_gpu():
    backend = os.path.join(config.moe_obj_root, "lib", "libmoe_runtime_cuda.so")
    if not os.path.exists(backend) or not shutil.which("nvidia-smi"):
        return False
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
if _has_cuda_gpu():
    config.available_features.add("cuda-gpu")
if _imports("torch"):
    config.available_features.add("torch")
if _imports("transformers"):
    config.available_features.add("transformers")

# The ASan+UBSan build (make check-sanitize; MOE_SANITIZE or MOE_FUZZ). Every
# report aborts (SIGABRT), so that `not` and the mutation harnesses count it
# as a crash: an exit code 1 would pass for a rejected input, and a UBSan
# "runtime error:" for a diagnostic.
# A Python interpreter that loads one of our instrumented libraries (the GPU
# backends) needs the ASan runtime first, so %python preloads it; our
# programs link the same shared runtime, so those a script starts load it
# once. Under %python (the script and what it starts): no leak checks (the
# interpreter's allocations at exit are not ours) and no SEGV handler (a
# crash stays a signal, which the harnesses report as such). Leak checks and
# the SEGV handler stay on where RUN lines call our programs directly.
if config.moe_sanitize or config.moe_fuzz:
    config.available_features.add("asan")
    symbolizer = os.path.join(config.llvm_tools_dir, "llvm-symbolizer")
    if os.path.exists(symbolizer):
        config.environment["ASAN_SYMBOLIZER_PATH"] = symbolizer
        config.environment["UBSAN_SYMBOLIZER_PATH"] = symbolizer
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1"
    config.environment["UBSAN_OPTIONS"] = \
        "print_stacktrace=1:halt_on_error=1:abort_on_error=1"
    config.substitutions.insert(0, (
        "%python", f"env LD_PRELOAD={config.moe_asan_runtime} "
        "ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:handle_segv=0 "
        f"{config.python_executable}"))
if config.moe_fuzz:
    config.available_features.add("fuzz")
    llvm_config.add_tool_substitutions(
        [f"moe-fuzz-{t}" for t in (
            "parse-verify", "optimize-gfx942", "optimize-gfx950",
            "optimize-sm_90", "cpu-lowering", "gpu-kernels-gfx942",
            "gpu-kernels-gfx950", "gpu-kernels-sm_90", "npy", "manifest",
            "elf-manifest")],
        tool_dirs)
