//===- asan-llvm-headers.h - LLVM headers in our ASan build ----*- C++ -*-===//
//
// Force-included in MOE_SANITIZE builds: keeps LLVM's inline allocators from
// poisoning memory that the uninstrumented Debian libLLVM/libMLIR share.
//
//===----------------------------------------------------------------------===//
//
// Under ASan, llvm/Support/Compiler.h turns on the memory poisoning of
// BumpPtrAllocator and Recycler: a new slab is poisoned whole and each
// allocation unpoisoned. Debian's libMLIR is not instrumented, so its inline
// copy of the same allocator never unpoisons; when our code and libMLIR
// allocate from one allocator (an MLIRContext's StorageUniquer), libMLIR then
// writes to memory our code poisoned, a false use-after-poison. The poisoning
// stays off in our code too; every other ASan check stays on.

#ifndef MOE_UTILS_ASAN_LLVM_HEADERS_H
#define MOE_UTILS_ASAN_LLVM_HEADERS_H

#include "llvm/Support/Compiler.h"

#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))

#endif // MOE_UTILS_ASAN_LLVM_HEADERS_H
