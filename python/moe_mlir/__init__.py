"""moe-mlir from Python: load libraries built by moe-compile and call them."""

from .library import GPULibrary, Manifest

__all__ = ["GPULibrary", "Manifest"]
