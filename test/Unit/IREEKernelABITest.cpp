//===- IREEKernelABITest.cpp - the IREE argument plan of kernels ----------===//
//
// planIREEKernelABI on parsed kernels: the order of bindings and constants,
// which bindings a kernel may write (also through views and loop-carried
// values), and the buffers it refuses.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/IREEKernelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::moe;

namespace {

class IREEKernelABITest : public ::testing::Test {
protected:
  IREEKernelABITest() {
    ctx.loadDialect<arith::ArithDialect, gpu::GPUDialect, memref::MemRefDialect,
                    scf::SCFDialect>();
  }
  /// The plan of the one kernel of `kernelIR` (a gpu.func), or failure.
  FailureOr<IREEKernelABI> plan(StringRef kernelIR) {
    std::string text = "gpu.module @m {\n" + kernelIR.str() + "\n}";
    module = parseSourceString<ModuleOp>(text, &ctx);
    EXPECT_TRUE(module);
    gpu::GPUFuncOp kernel;
    module->walk([&](gpu::GPUFuncOp f) { kernel = f; });
    ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
    return planIREEKernelABI(kernel);
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(IREEKernelABITest, BindingsThenConstantsArgumentByArgument) {
  FailureOr<IREEKernelABI> abi = plan(R"(
    gpu.func @k(%n: index, %a: memref<?x8xf32>, %t: i64, %b: memref<4x?xi32>,
                %s: f16) kernel {
      gpu.return
    })");
  ASSERT_TRUE(succeeded(abi));
  EXPECT_EQ(abi->bindings, (SmallVector<unsigned>{1, 3}));
  using K = IREEConstant::Kind;
  ASSERT_EQ(abi->constants.size(), 6u);
  EXPECT_EQ(abi->constants[0].kind, K::Bits);
  EXPECT_EQ(abi->constants[0].argument, 0u);
  EXPECT_EQ(abi->constants[1].kind, K::Size);
  EXPECT_EQ(abi->constants[1].argument, 1u);
  EXPECT_EQ(abi->constants[1].dim, 0u);
  EXPECT_EQ(abi->constants[2].kind, K::Low);
  EXPECT_EQ(abi->constants[3].kind, K::High);
  EXPECT_EQ(abi->constants[4].kind, K::Size);
  EXPECT_EQ(abi->constants[4].argument, 3u);
  EXPECT_EQ(abi->constants[4].dim, 1u);
  EXPECT_EQ(abi->constants[5].kind, K::Bits);
  EXPECT_EQ(abi->constants[5].argument, 4u);
}

TEST_F(IREEKernelABITest, WritesThroughViewsAndLoopCarriedBuffers) {
  FailureOr<IREEKernelABI> abi = plan(R"(
    gpu.func @k(%in: memref<8xf32>, %out: memref<8xf32>, %x: memref<8xf32>,
                %y: memref<8xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %v = memref.load %in[%c0] : memref<8xf32>
      %view = memref.subview %out[0] [4] [1]
          : memref<8xf32> to memref<4xf32, strided<[1]>>
      memref.store %v, %view[%c0] : memref<4xf32, strided<[1]>>
      %r:2 = scf.for %i = %c0 to %c1 step %c1 iter_args(%p = %x, %q = %y)
          -> (memref<8xf32>, memref<8xf32>) {
        memref.store %v, %q[%c0] : memref<8xf32>
        scf.yield %q, %p : memref<8xf32>, memref<8xf32>
      }
      gpu.return
    })");
  ASSERT_TRUE(succeeded(abi));
  // Read only; written through a subview; both loop-carried (the loop's
  // uses are not followed, so either may be written).
  EXPECT_EQ(abi->written, (SmallVector<bool>{false, true, true, true}));
}

TEST_F(IREEKernelABITest, RefusesBuffersWithoutARowMajorPlan) {
  // A dynamic row stride: any pitch, not the row-major one.
  EXPECT_TRUE(failed(plan(R"(
    gpu.func @k(%a: memref<?x?xf32, strided<[?, 1]>>) kernel {
      gpu.return
    })")));
  EXPECT_TRUE(failed(plan(R"(
    gpu.func @k(%a: memref<8xf32, 3>) kernel {
      gpu.return
    })")));
  // Static strides that spell out the identity are a binding.
  EXPECT_TRUE(succeeded(plan(R"(
    gpu.func @k(%a: memref<?x64xbf16, strided<[64, 1]>>) kernel {
      gpu.return
    })")));
  EXPECT_TRUE(failed(plan(R"(
    gpu.func @k(%v: vector<4xf32>) kernel {
      gpu.return
    })")));
}

} // namespace
