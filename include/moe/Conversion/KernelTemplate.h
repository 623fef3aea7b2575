//===- KernelTemplate.h - how moe kernels are built, launched ---*- C++ -*-===//
//
// One KernelTemplate per moe op that runs as a kernel: the one place that
// says how its kernels are built and launched. The GPU lowering
// (convert-moe-to-gpu-launch) and the code objects of `moe-compile
// --emit=hsaco` ask kernelTemplateOf(op); result sizes come from the op's
// ReifyRankedShapedTypeOpInterface.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_KERNELTEMPLATE_H
#define MOE_CONVERSION_KERNELTEMPLATE_H

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::moe {

/// How the kernels of one moe op are built and launched. The launch takes
/// the op's operands as buffers (scalars as they are), then one buffer per
/// result, then extraArguments.
class KernelTemplate {
public:
  virtual ~KernelTemplate() = default;

  /// The op the template is for ("moe.gate").
  virtual StringRef opName() const = 0;

  /// Builds the kernels of `op` for `chip` into `module`; returns the one
  /// its launch runs (named `name`; helpers are named `name` + suffix). A
  /// failure has been diagnosed on `op`.
  virtual FailureOr<gpu::GPUFuncOp>
  build(OpBuilder &b, gpu::GPUModuleOp module, Operation *op,
        const ChipInfo &chip, StringRef name,
        const KernelOptions &options) const = 0;

  /// Whether the result buffers must be zero-filled before the launch
  /// (decided on the program before any op is replaced).
  virtual bool zeroFillsResults(Operation *op) const { return false; }

  /// Arguments the kernel takes after the result buffers.
  virtual SmallVector<Value>
  extraArguments(OpBuilder &b, Location loc, Operation *op,
                 const KernelOptions &options) const {
    return {};
  }

  /// The grid of `kernel` on `args` (operand buffers, result buffers, extra
  /// arguments). May launch helper kernels first (the chunked align); a
  /// failure has been diagnosed.
  virtual FailureOr<gpu::KernelDim3>
  launchGrid(OpBuilder &b, Location loc, Operation *op, gpu::GPUFuncOp kernel,
             ValueRange args, const ChipInfo &chip) const = 0;

  /// The size relations between the operand buffers `args` that the kernel
  /// relies on and the verifier could not prove, as emitSizeCheck values;
  /// a failed check launches an empty grid and the runtime reports it.
  virtual void checkSizes(ImplicitLocOpBuilder &b, Operation *op,
                          ValueRange args, SmallVectorImpl<Value> &ok) const {}
};

/// The template of `op`, or null when it has none (collectives, which are
/// runtime calls, and moe.check_size, host code).
const KernelTemplate *kernelTemplateOf(Operation *op);

/// Every kernel template, one per op.
ArrayRef<const KernelTemplate *> kernelTemplates();

/// moe.align's template (AlignLaunch.cpp; kernelTemplates lists it with
/// those of KernelTemplates.cpp).
const KernelTemplate &alignKernelTemplate();

/// The route check arguments of a kernel that reports `op`'s route ids
/// outside [0, `bound`) (only negative ids without a bound): the address
/// of this thread's host words that the runtime maps for the device
/// (moe_device_check_block) and the check's tag; two zeros (no record)
/// when not `enabled` (AlignLaunch.cpp).
SmallVector<Value> routeCheckArguments(OpBuilder &b, Location loc,
                                       Operation *op,
                                       std::optional<int64_t> bound,
                                       bool enabled);

/// The tensor -> buffer conversion of the GPU launch: ranked tensors become
/// identity-layout memrefs (bufferTypeOf), other types stay;
/// bufferization.to_buffer (read-only) and to_tensor (restrict, writable)
/// materialize the change where unconverted code meets converted code.
class KernelBufferTypeConverter : public TypeConverter {
public:
  KernelBufferTypeConverter();
};

/// What the launch patterns share over one conversion.
struct KernelLaunchState {
  const ChipInfo &chip;
  KernelOptions options;
  /// The kernel built for each op before the conversion (buildKernels).
  llvm::DenseMap<Operation *, gpu::GPUFuncOp> kernels{};
  /// The ops whose result buffers are zero-filled before their launch.
  llvm::SmallPtrSet<Operation *, 8> zeroFilled{};
};

/// Builds the kernel of every op of `ops` (collectKernelOps) into `module`
/// and records it in `state`; fails after a diagnostic, or with "has no
/// CHIP kernel template yet" for an op without a template.
LogicalResult buildKernels(gpu::GPUModuleOp module,
                           ArrayRef<std::pair<Operation *, std::string>> ops,
                           KernelLaunchState &state);

/// One conversion pattern per kernel template: the op becomes buffers for
/// its results (reifyResultShapes), a zero fill where `state` says, and a
/// gpu.launch_func of its kernel with the template's grid and size checks.
void populateMoEToGPUConversionPatterns(const TypeConverter &converter,
                                        RewritePatternSet &patterns,
                                        KernelLaunchState &state);

} // namespace mlir::moe

#endif // MOE_CONVERSION_KERNELTEMPLATE_H
