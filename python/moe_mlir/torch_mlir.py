"""A torch-mlir style backend: linalg-on-tensors model IR in, callables out.

    from moe_mlir.torch_mlir import MoEMlirBackend
    backend = MoEMlirBackend()                    # CPU; target="sm_90" for GPUs
    artifact = backend.compile(module)            # runs moe-compile
    invoker = backend.load(artifact)
    y = invoker.forward(x, w)                     # each public func is a method

It follows torch-mlir's `LinalgOnTensorsBackend` interface (`compile(module)
-> artifact`, `load(artifact) -> invoker`), duck-typed: torch_mlir is not
imported. `module` is anything whose `str()` is the MLIR text (a
torch_mlir.ir.Module, or the text itself) in the linalg-on-tensors form of
torch-mlir's `torch-backend-to-linalg-on-tensors-backend-pipeline` (tm_tensor
ops included). moe-compile raises the MoE routers, RMSNorms and experts it
recognizes to moe ops (`--moe-raise-linalg`; `raise_linalg=False` compiles
the IR as it is) and compiles the rest as it is. Each artifact is a new
folder under `work_dir` (default: the system's temporary folder) holding the
module's text and its library; it is not removed (the library stays loaded).

An invoker method takes numpy arrays or torch tensors. With numpy arrays in,
results come back as numpy arrays (bf16 results as float32, which numpy
lacks); with torch tensors in, as torch tensors. Bad input raises
ValueError naming what was expected and what was found; a failed run-time
check raises moe_mlir.library.CheckFailed.
"""

import os
import shutil
import subprocess
import tempfile

import numpy as np
import torch

from .library import CPULibrary, GPULibrary


class CompiledArtifact:
    """The library moe-compile built from a module, and what built it."""

    def __init__(self, path, target, report):
        self.path = path
        self.target = target
        # moe-compile's -v lines (each stage it ran).
        self.report = report


class _Invoker:
    """Calls the library's entry points as methods."""

    def __init__(self, library):
        self._library = library
        self._entries = set(library.manifest.entries)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._entries:
            raise AttributeError(
                f"no entry '{name}' in the compiled module: expected one of "
                f"{sorted(self._entries)}")

        def invoke(*args):
            return self._call(name, args)
        return invoke

    def _call(self, name, args):
        from_numpy = bool(args) and all(isinstance(a, np.ndarray)
                                        for a in args)
        tensors = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray):
                tensors.append(torch.from_numpy(np.ascontiguousarray(a)))
            elif isinstance(a, torch.Tensor):
                tensors.append(a.contiguous())
            else:
                raise ValueError(f"{name}: argument {i}: expected a numpy "
                                 f"array or a torch tensor, found "
                                 f"{type(a).__name__}")
        if self._library.on_gpu:
            tensors = [t.cuda() for t in tensors]
        results = self._library.call(name, *tensors)
        if not from_numpy:
            return results[0] if len(results) == 1 else tuple(results)
        arrays = [(r.float() if r.dtype == torch.bfloat16 else r).cpu()
                  .numpy() for r in results]
        return arrays[0] if len(arrays) == 1 else tuple(arrays)


class MoEMlirBackend:
    """compile(module) -> CompiledArtifact; load(artifact) -> invoker."""

    def __init__(self, target="cpu", moe_compile=None, raise_linalg=True,
                 work_dir=None, runtime_backend=None):
        if target not in ("cpu", "sm_90"):
            raise ValueError(f"MoEMlirBackend: target: expected cpu or "
                             f"sm_90, found {target}")
        self.target = target
        # Looked up by compile(): load() needs no compiler (an artifact
        # compiled on another machine).
        self.moe_compile = moe_compile
        self.raise_linalg = raise_linalg
        self.work_dir = work_dir
        self.runtime_backend = runtime_backend

    def compile(self, module):
        """Compiles the module's text with moe-compile into a library."""
        compiler = self.moe_compile or os.environ.get("MOE_COMPILE") or \
            shutil.which("moe-compile")
        if not compiler or not os.path.exists(compiler):
            raise RuntimeError("MoEMlirBackend: no moe-compile (pass "
                               "moe_compile=, set $MOE_COMPILE or put it on "
                               "PATH)")
        text = str(module)
        directory = tempfile.mkdtemp(prefix="moe_mlir_", dir=self.work_dir)
        source = os.path.join(directory, "module.mlir")
        with open(source, "w") as f:
            f.write(text)
        library = os.path.join(directory, f"module.{self.target}.so")
        command = [compiler, source, f"--target={self.target}",
                   f"--raise-linalg={'true' if self.raise_linalg else 'false'}",
                   "-v", "-o", library]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("MoEMlirBackend: moe-compile failed:\n" +
                               proc.stderr)
        return CompiledArtifact(library, self.target, proc.stderr)

    def load(self, artifact):
        """An invoker whose attributes call the artifact's entry points."""
        if not isinstance(artifact, CompiledArtifact):
            raise ValueError(f"MoEMlirBackend.load: expected a "
                             f"CompiledArtifact, found "
                             f"{type(artifact).__name__}")
        if artifact.target == "cpu":
            return _Invoker(CPULibrary(artifact.path))
        return _Invoker(GPULibrary(artifact.path, self.runtime_backend))
