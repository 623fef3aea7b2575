//===- TMTensor.h - torch-mlir's TMTensor ops, parsed here ------*- C++ -*-===//
//
// Public header of the tm_tensor subset: its dialect class and ops.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_DIALECT_TMTENSOR_TMTENSOR_H
#define MOE_DIALECT_TMTENSOR_TMTENSOR_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "TMTensor/TMTensorDialect.h.inc"

#define GET_OP_CLASSES
#include "TMTensor/TMTensorOps.h.inc"

#endif // MOE_DIALECT_TMTENSOR_TMTENSOR_H
