"""gpt_oss_like (x + experts(norm(x))) through moe_mlir.GPULibrary: a library
of main at 93fe0e4 (which returns x itself) and one of this change (a new
buffer), each through main's GPULibrary ("old") and this change's ("new",
which never frees an argument's buffer). Prints whether x survives a call,
whether two calls agree, and any error."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
which = sys.argv[2]
sys.path.insert(0, os.path.join(HERE, "old") if which == "old"
                else os.path.join(HERE, "..", "..", "python"))
import torch  # noqa: E402
from moe_mlir import GPULibrary  # noqa: E402

backend = sys.argv[1]
torch.manual_seed(0)
T = 5
args = [torch.randn(T, 64), torch.rand(64) + 0.5, torch.randn(64, 16),
        torch.randn(16, 64, 64) * 0.1, torch.randn(16, 64, 32) * 0.1]
for name in ("main", "new"):
    lib = GPULibrary(os.path.join(HERE, f"layers.{name}.sm_90.so"), backend)
    data = [a.to(torch.bfloat16).cuda().contiguous() for a in args]
    x_before = data[0].clone()
    try:
        (out,) = lib.call("gpt_oss_like", *data)
        torch.cuda.synchronize()
        print(f"library.py {which}, library {name}: call ok; x unchanged: "
              f"{torch.equal(data[0], x_before)}")
        (again,) = lib.call("gpt_oss_like", *data)
        torch.cuda.synchronize()
        print(f"library.py {which}, library {name}: second call ok; "
              f"equal to the first: {torch.equal(again, out)}")
    except Exception as e:  # noqa: BLE001
        print(f"library.py {which}, library {name}: "
              f"{type(e).__name__}: {e}")
