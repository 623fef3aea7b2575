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
                   "tp1_block.mlir", "tp2_block.mlir", "run.py",
                   "size_mismatch_gpu.mlir"]

config.substitutions.append(("%moe_src_root", config.moe_src_root))
config.substitutions.append(("%moe_obj_root", config.moe_obj_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%moe_tools_dir", config.moe_tools_dir))

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
