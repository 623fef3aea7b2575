"""The benchmark's outputs: the markdown table and the % roofline plot (no
torch needed, so results.json can be re-plotted anywhere):

  python3 bench/report.py bench/results/h100/results.json
"""

import json
import os
import sys


def plot(path, gpu, bandwidth, rows):
    """% of the HBM roofline vs T, moe-mlir and Triton, one line per model."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # missing or broken matplotlib
        print(f"roofline.png not drawn (matplotlib: {exc}); "
              "bench/report.py draws it from results.json")
        return
    fig, ax = plt.subplots(figsize=(8, 5))
    for i, name in enumerate(dict.fromkeys(r["model"] for r in rows)):
        mine = [r for r in rows if r["model"] == name]
        ts = [r["T"] for r in mine]
        for key, style in (("moe_mlir_us", "-o"), ("triton_us", "--x")):
            pct = [100 * r["touched_MB"] * 1e6 / (r[key] * 1e-6) / bandwidth
                   for r in mine]
            ax.plot(ts, pct, style, color=f"C{i}",
                    label=f"{name} ({'moe-mlir' if key[0] == 'm' else 'triton'})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("tokens T")
    ax.set_ylabel("% of HBM roofline (touched expert bytes)")
    ax.set_title(f"MoE layer on {gpu}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write_table(path, gpu, copy_bw, datasheet, rows, variants=()):
    with open(path, "w") as f:
        f.write(f"# MoE layer benchmark on {gpu}\n\n")
        sheet = f"{datasheet / 1e12:.2f}" if datasheet else "(unknown)"
        f.write(f"HBM roofline: {sheet} TB/s datasheet, "
                f"{copy_bw / 1e12:.2f} TB/s measured copy. Graph: median µs "
                "per call in a CUDA graph cycling 8 routings; eager: median "
                "µs per Python call, L2 flushed. Ratios > 1: moe-mlir is "
                "faster. GB/s and % roofline from the graph time.\n\n")
        f.write("| model | T | touched MB | moe-mlir graph µs | GB/s | "
                "% roofline | % copy BW | triton graph / moe-mlir graph | "
                "moe-mlir eager µs | torch loop / moe-mlir (eager) | "
                "grouped_mm / moe-mlir (eager) | err moe-mlir | err triton "
                "| triton tile |\n")
        f.write("|" + "---|" * 14 + "\n")
        for r in rows:
            gm = r.get("grouped_mm_us")
            eager = r["moe_mlir_eager_us"]
            f.write(f"| {r['model']} | {r['T']} | {r['touched_MB']:.0f} | "
                    f"{r['moe_mlir_us']:.1f} | {r['GBps']:.0f} | "
                    f"{r.get('pct_roofline', float('nan')):.1f} | "
                    f"{r['pct_copy_bw']:.1f} | "
                    f"{r['triton_us'] / r['moe_mlir_us']:.2f} | "
                    f"{eager:.1f} | {r['torch_loop_us'] / eager:.2f} | "
                    f"{(gm / eager) if gm else float('nan'):.2f} | "
                    f"{r['err_moe_mlir']:.1e} | {r['err_triton']:.1e} | "
                    f"{'x'.join(map(str, r['triton_config'][:3]))} |\n")
        for v in variants:
            f.write(f"\n## Variant `{v}` (another moe-mlir build, same run)"
                    "\n\nRatios > 1: the variant is faster.\n\n| model | T | graph µs | moe-mlir / variant | "
                    "triton / variant | err |\n|---|---|---|---|---|---|\n")
            for r in rows:
                us = r[f"{v}_us"]
                f.write(f"| {r['model']} | {r['T']} | {us:.1f} | "
                        f"{r['moe_mlir_us'] / us:.2f} | "
                        f"{r['triton_us'] / us:.2f} | "
                        f"{r[f'err_{v}']:.1e} |\n")


def main():
    path = sys.argv[1]
    with open(path) as f:
        data = json.load(f)
    out = os.path.dirname(path)
    bandwidth = data["datasheet_bw"] or data["copy_bw"]
    write_table(os.path.join(out, "results.md"), data["gpu"], data["copy_bw"],
                data["datasheet_bw"], data["rows"], data.get("variants", ()))
    plot(os.path.join(out, "roofline.png"), data["gpu"], bandwidth,
         data["rows"])


if __name__ == "__main__":
    main()
