"""Calls a GPU library built by `moe-compile --target=sm_90 -o layer.so` on
PyTorch CUDA tensors, through the runtime's CUDA backend (no copies: the
library reads the tensors' device memory and writes results into memory it
allocates on the caller's stream, which are copied into torch tensors).

    lib = GPULibrary("layer.so", "build-runtime/lib/libmoe_runtime_cuda.so")
    (y,) = lib.call("moe", x, w1, w2, weights, ids)

Collectives over several ranks: one process per rank and GPU; rank 0's
lib.collective_id() goes to every rank, which calls
lib.join_group("tp", rank, ranks, group_id) once per process (the group
belongs to the backend, so every library of the process then uses it) before
the first call.

Several threads may call one library at once: each call runs on its thread's
current torch stream and reports its own run-time checks (CheckFailed).

Tensors must be contiguous, on the backend's device (MOE_CUDA_DEVICE, default
0) and 16-byte aligned (what the GEMM kernels' vector loads assume; torch's
allocator gives 512-byte alignment to fresh tensors).
"""

import ctypes

import torch

# Quantized tensors (fp8, E8M0 scales, fp4) cross as uint8 codes. fp4 is one
# code per byte for a CPU library; a GPU library's kernels read two codes per
# byte (low nibble first, the last dimension halved), as moe-run's .npy files
# and checkpoints hold them.
_DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32,
           "i32": torch.int32, "i64": torch.int64,
           "f8e4m3fn": torch.uint8, "f8e4m3fnuz": torch.uint8,
           "f8e8m0fnu": torch.uint8, "f4e2m1fn": torch.uint8}


class Manifest:
    """The `moe_manifest` text of a library: entries with arg/result specs."""

    def __init__(self, text):
        self.entries, self.target, self.checks = {}, "", {}
        entry = None
        lines = text.splitlines()
        if not lines or lines[0] != "moe-manifest 2":
            raise ValueError("manifest: expected a 'moe-manifest 2' header, "
                             f"got '{lines[0] if lines else ''}' (a library "
                             "of another moe-compile version?)")
        for line in lines[1:]:
            words = line.split()
            if not words:
                continue
            if words[0] == "entry":
                entry = self.entries.setdefault(
                    words[1], {"args": [], "results": [], "buckets": []})
            elif words[0] in ("arg", "result") and entry is not None:
                spec = {"tensor": words[1] == "tensor", "dtype": words[2]}
                if spec["tensor"]:
                    rank = int(words[3])
                    spec["shape"] = [None if d == "?" else int(d)
                                     for d in words[4:4 + rank]]
                entry["args" if words[0] == "arg" else "results"].append(spec)
            elif words[0] == "bucket" and entry is not None:
                try:
                    lo, hi, expected = (int(w) for w in words[1:4])
                    function = words[4]
                except (ValueError, IndexError):
                    raise ValueError("manifest: expected 'bucket MIN MAX "
                                     f"EXPECTED FUNCTION', got '{line}'")
                entry["buckets"].append({"min": lo, "max": hi,
                                         "expected": expected,
                                         "function": function})
            elif words[0] == "target":
                self.target = words[1]
            elif words[0] == "check":
                self.checks[int(words[1])] = line.split(" ", 2)[2] \
                    if len(words) > 2 else ""
            elif words[0] == "end":
                entry = None


def check_failure(status, checks):
    """The failure an entry's status {tag, v0, v1, v2} records ("" if none),
    worded as moe-run words it (runtime/lib/Manifest.cpp)."""
    tag = status[0]
    if tag == 0:
        return ""
    index = tag - 1 if tag > 0 else -tag - 1
    message = checks.get(index, f"check #{index}")
    if tag > 0:
        return (f"run-time size check failed: {message}: expected "
                f"{status[1]}, found {status[2]}")
    where, _, what = message.rpartition(": ")
    where = where + ": " if where else ""
    # "WHAT|NOUN": NOUN names what the last value counts (default token).
    what, bar, noun = what.rpartition("|") if "|" in what else (what, "",
                                                                 "token")
    if status[1] == 1:  # "1 route id outside ...", not "1 route ids"
        what = what.replace("ids", "id", 1)
    return (f"run-time check failed: {where}{status[1]} {what}, first "
            f"{status[2]} at {noun} {status[3]}")


class CheckFailed(RuntimeError):
    """A run-time check of the program failed (sizes or route ids)."""


def _read_manifest(lib):
    """The Manifest of a loaded library (moe_manifest is a char array, not a
    pointer: read in place)."""
    text = ctypes.string_at(ctypes.addressof(
        ctypes.c_char.in_dll(lib, "moe_manifest")))
    return Manifest(text.decode())


def _descriptor(tensor):
    """A memref descriptor {alloc, aligned, offset, sizes, strides}."""
    rank = tensor.dim()
    fields = [("alloc", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    desc = type("Desc", (ctypes.Structure,), {"_fields_": fields})()
    desc.alloc = desc.aligned = tensor.data_ptr()
    desc.offset = 0
    for d in range(rank):
        desc.sizes[d] = tensor.shape[d]
        desc.strides[d] = tensor.stride(d)
    return desc


class GPULibrary:
    on_gpu = True

    def __init__(self, path, backend):
        # The backend first, globally: it resolves the library's mgpu* calls.
        self.backend = ctypes.CDLL(backend, mode=ctypes.RTLD_GLOBAL)
        b = self.backend
        b.moe_device_last_error.restype = ctypes.c_char_p
        b.moe_device_set_stream.argtypes = [ctypes.c_void_p]
        b.moe_device_set_async.argtypes = [ctypes.c_int]
        b.moe_device_free.argtypes = [ctypes.c_void_p]
        b.moe_device_collective_id.argtypes = [ctypes.c_void_p]
        b.moe_device_collective_init.argtypes = [
            ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p]
        b.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_size_t, ctypes.c_void_p]
        torch.cuda.init()
        self.lib = ctypes.CDLL(path)
        self.manifest = _read_manifest(self.lib)
        self.check()

    def check(self):
        """Raises the backend's first error, if any."""
        error = self.backend.moe_device_last_error()
        if error:
            raise RuntimeError(f"moe-mlir CUDA backend: {error.decode()}")

    def collective_id(self):
        """A new group id (128 bytes): made on rank 0 and handed to the other
        ranks (for join_group) by the caller, e.g. through torch.distributed
        or a pipe."""
        buffer = ctypes.create_string_buffer(128)
        if self.backend.moe_device_collective_id(buffer) != 0:
            self.check()
        return buffer.raw

    def join_group(self, group, rank, ranks, group_id):
        """Joins `group` (a name of the program's #moe.parallel layout, e.g.
        "tp") as `rank` of `ranks` with rank 0's collective_id(). The
        communicator is made at the group's first NCCL / RCCL collective,
        where every rank blocks until all have come. Needed once per process
        (not per library) before calling a library whose collectives run
        over several ranks; one process per rank and GPU (ranks on one GPU
        can share only peer workspaces, not NCCL). Make that first call
        outside CUDA graph capture (a warm-up call): making a communicator
        cannot be captured."""
        if len(group_id) != 128:
            raise ValueError(f"expected a 128-byte group id, got "
                             f"{len(group_id)} bytes")
        if self.backend.moe_device_collective_init(
                group.encode(), rank, ranks, group_id) != 0:
            self.check()

    def peer_workspace(self, group, buffer_bytes=8 << 20, max_rows=65536):
        """Makes this rank's peer workspace of `group` (joined): two
        buffers of `buffer_bytes` and flags for `max_rows` rows. Returns its
        64-byte IPC handle, which the caller hands to every other rank
        (e.g. torch.distributed.all_gather_object); then open_peers. With
        them, the program's all_reduce_add_rms_norm runs as one kernel over
        the ranks' workspaces (ranks of one node)."""
        buffer = ctypes.create_string_buffer(64)
        if self.backend.moe_device_peer_workspace(
                group.encode(), ctypes.c_int64(buffer_bytes),
                ctypes.c_int64(max_rows), buffer) != 0:
            self.check()
        return buffer.raw

    def open_peers(self, group, handles):
        """Opens every rank's peer workspace of `group` from `handles` (one
        64-byte peer_workspace() handle per rank, in rank order)."""
        if len(handles) < 1 or any(len(h) != 64 for h in handles):
            raise ValueError("expected one 64-byte handle per rank, got "
                             f"{[len(h) for h in handles]} bytes")
        if self.backend.moe_device_peer_open(group.encode(),
                                             b"".join(handles)) != 0:
            self.check()

    def _pack(self, entry, tensors):
        """The packed-entry argument array (and what keeps it alive)."""
        spec = self.manifest.entries[entry]
        if len(tensors) != len(spec["args"]):
            raise ValueError(f"{entry} takes {len(spec['args'])} arguments, "
                             f"got {len(tensors)}")
        descs = []
        for i, (t, s) in enumerate(zip(tensors, spec["args"])):
            if t.dtype != _DTYPES[s["dtype"]] or not t.is_contiguous() \
                    or t.is_cuda != self.on_gpu or t.data_ptr() % 16:
                where = "CUDA" if self.on_gpu else "CPU"
                codes = (" (uint8 codes)" if _DTYPES[s["dtype"]] == torch.uint8
                         else "")
                raise ValueError(f"argument {i} of {entry}: expected a "
                                 f"contiguous 16-byte aligned {where} "
                                 f"{s['dtype']}{codes} tensor, got {t.dtype} "
                                 f"on {t.device}")
            if s["dtype"] == "f4e2m1fn" and s["shape"] and t.dim():
                want = s["shape"][-1]
                if want is not None and self.on_gpu:
                    want = (want + 1) // 2
                if want is not None and t.shape[-1] != want:
                    layout = ("two codes per byte" if self.on_gpu
                              else "one code per byte")
                    raise ValueError(
                        f"argument {i} of {entry}: expected {want} bytes in "
                        f"the last dimension (fp4, {layout}), got "
                        f"{t.shape[-1]}")
            descs.append(_descriptor(t))
        words = sum(3 + 2 * len(r["shape"]) for r in spec["results"])
        results = (ctypes.c_int64 * max(words, 1))()
        slots = [ctypes.cast(results, ctypes.c_void_p)] if spec["results"] \
            else []
        slots += [ctypes.cast(ctypes.pointer(d), ctypes.c_void_p)
                  for d in descs]
        # The last slot: the call's check status (moe-manifest 2).
        status = (ctypes.c_int64 * 4)()
        slots.append(ctypes.cast(status, ctypes.c_void_p))
        packed = (ctypes.c_void_p * len(slots))(*slots)
        return spec, results, packed, (descs, status)

    def _raise_failed_check(self, entry, status):
        failure = check_failure(list(status), self.manifest.checks)
        if failure:
            raise CheckFailed(f"{entry}: {failure}")

    def _invoke(self, entry, tensors):
        spec, results, packed, keep = self._pack(entry, tensors)
        self.backend.moe_device_set_stream(
            ctypes.c_void_p(torch.cuda.current_stream().cuda_stream))
        getattr(self.lib, f"_moe_packed_{entry}")(packed)
        return spec, results, keep[1]

    @staticmethod
    def _allocated(spec, results, tensors):
        """The buffers the call allocated for its results: each once, and
        none that is an argument's (a library built before
        moe-read-only-arguments could return its operand), as moe-run
        frees them."""
        inputs = {t.data_ptr() for t in tensors}
        buffers, at = [], 0
        for r in spec["results"]:
            if results[at] and results[at] not in inputs \
                    and results[at] not in buffers:
                buffers.append(results[at])
            at += 3 + 2 * len(r["shape"])
        return buffers

    def _free(self, spec, results, tensors):
        for buffer in self._allocated(spec, results, tensors):
            self.backend.moe_device_free(ctypes.c_void_p(buffer))

    def call(self, entry, *tensors):
        """Runs `entry` and returns its results as new torch tensors."""
        self.backend.moe_device_set_async(0)
        spec, results, status = self._invoke(entry, tensors)
        self.check()
        if status[0] != 0:
            # A failed check skipped the kernels it guards: no results.
            self._free(spec, results, tensors)
            self._raise_failed_check(entry, status)
        outs, at = [], 0
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        for r in spec["results"]:
            rank = len(r["shape"])
            sizes = list(results[at + 3:at + 3 + rank])
            out = torch.empty(sizes, dtype=_DTYPES[r["dtype"]], device="cuda")
            strides = list(results[at + 3 + rank:at + 3 + 2 * rank])
            if strides != list(out.stride()) or results[at + 2] != 0:
                raise RuntimeError(f"{entry}: result is not dense")
            self.backend.mgpuMemcpy(out.data_ptr(), results[at + 1],
                                    out.numel() * out.element_size(), stream)
            outs.append(out)
            at += 3 + 2 * rank
        self._free(spec, results, tensors)
        torch.cuda.current_stream().synchronize()
        self.check()
        return outs

    def launcher(self, entry, *tensors):
        """A function that runs `entry` asynchronously on the current
        stream (CUDA-graph capturable) and frees its results: what a
        benchmark times. The arguments are packed once, here."""
        spec, results, packed, keep = self._pack(entry, tensors)
        fn = getattr(self.lib, f"_moe_packed_{entry}")
        offsets, at = [], 0
        for r in spec["results"]:
            offsets.append(at)
            at += 3 + 2 * len(r["shape"])
        free, set_stream = self.backend.moe_device_free, \
            self.backend.moe_device_set_stream
        status = keep[1]
        inputs = {t.data_ptr() for t in tensors}

        def run():
            set_stream(ctypes.c_void_p(torch.cuda.current_stream().cuda_stream))
            fn(packed)
            freed = []
            for at in offsets:
                # As _allocated: never an argument's buffer, each once.
                if results[at] not in inputs and results[at] not in freed:
                    free(ctypes.c_void_p(results[at]))
                    freed.append(results[at])
            if status[0] != 0:
                self._raise_failed_check(entry, status)
        run.keep = (tensors, keep)
        self.backend.moe_device_set_async(1)
        return run


class CPULibrary:
    """A library built by `moe-compile --target=cpu`, called on CPU torch
    tensors (contiguous, 16-byte aligned); each call returns new tensors.

        lib = CPULibrary("layer.so")
        (y,) = lib.call("moe", x, w1, w2, weights, ids)
    """

    on_gpu = False
    _pack = GPULibrary._pack
    _allocated = staticmethod(GPULibrary._allocated)
    _raise_failed_check = GPULibrary._raise_failed_check

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.manifest = _read_manifest(self.lib)
        if self.manifest.target:
            raise ValueError(f"{path} is a {self.manifest.target} library; "
                             "expected a CPU library (moe-compile "
                             "--target=cpu), or use GPULibrary")
        self._libc = ctypes.CDLL(None)
        self._libc.free.argtypes = [ctypes.c_void_p]

    def call(self, entry, *tensors):
        """Runs `entry` and returns its results as new torch tensors."""
        spec, results, packed, keep = self._pack(entry, tensors)
        getattr(self.lib, f"_moe_packed_{entry}")(packed)
        status = keep[1]
        outs, at = [], 0
        try:
            if status[0] == 0:
                for r in spec["results"]:
                    rank = len(r["shape"])
                    sizes = list(results[at + 3:at + 3 + rank])
                    out = torch.empty(sizes, dtype=_DTYPES[r["dtype"]])
                    strides = list(results[at + 3 + rank:at + 3 + 2 * rank])
                    if out.numel() and (strides != list(out.stride())
                                        or results[at + 2] != 0):
                        raise RuntimeError(f"{entry}: result is not dense")
                    ctypes.memmove(out.data_ptr(), results[at + 1],
                                   out.numel() * out.element_size())
                    outs.append(out)
                    at += 3 + 2 * rank
        finally:
            for buffer in self._allocated(spec, results, tensors):
                self._libc.free(ctypes.c_void_p(buffer))
        self._raise_failed_check(entry, status)
        return outs
