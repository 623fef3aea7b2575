//===- MoEInterfaces.td - interfaces of moe ops ------------*- tablegen -*-===//
//
// What passes ask of moe ops without naming them.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_INTERFACES_TD
#define MOE_INTERFACES_TD

include "mlir/IR/OpBase.td"

def MoE_CollectiveOpInterface : OpInterface<"CollectiveOpInterface"> {
  let description = [{
    A collective: an op that runs over the ranks of a named group of the
    enclosing `moe.parallel` layout. Collectives lower to runtime calls (or
    to the identity on a group of one rank), not to kernel templates.
  }];
  let cppNamespace = "::mlir::moe";
  let methods = [
    InterfaceMethod<
      /*desc=*/"The name of the group the op runs over.",
      /*retTy=*/"::llvm::StringRef",
      /*methodName=*/"getGroupName",
      /*args=*/(ins),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{ return $_op.getGroup(); }]>
  ];
}

#endif // MOE_INTERFACES_TD
