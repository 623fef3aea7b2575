"""moe-mlir from Python: load libraries built by moe-compile and call them,
or let fused_experts build and cache them."""

from .experts import fused_experts
from .library import CPULibrary, GPULibrary, Manifest

__all__ = ["CPULibrary", "GPULibrary", "Manifest", "fused_experts"]
