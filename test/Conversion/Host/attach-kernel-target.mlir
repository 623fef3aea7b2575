// RUN: moe-opt %s --moe-attach-kernel-target=target=sm_90 | FileCheck %s
// RUN: moe-opt %s --moe-attach-kernel-target=target=gfx950 | FileCheck %s --check-prefix=AMD
// RUN: not moe-opt %s --moe-attach-kernel-target=target=gfx1100 2>&1 | FileCheck %s --check-prefix=BAD

// Outlined kernel modules without a target get the chip's; modules with one
// keep it.
// CHECK: gpu.module @outlined [#nvvm.target<{{.*}}chip = "sm_90a"
// CHECK: gpu.module @kept [#rocdl.target<chip = "gfx942">]
// AMD: gpu.module @outlined [#rocdl.target<{{.*}}chip = "gfx950"
// BAD: moe-attach-kernel-target: expected a target among gfx942, gfx950, sm_90, got 'gfx1100'
module attributes {gpu.container_module} {
  gpu.module @outlined {
  }
  gpu.module @kept [#rocdl.target<chip = "gfx942">] {
  }
}
