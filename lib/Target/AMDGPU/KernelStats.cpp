//===- KernelStats.cpp - resource use of AMDGPU kernels -------------------===//
//
// Reads VGPRs, AGPRs, SGPRs, spills, LDS and scratch from the amdhsa metadata.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/AMDGPU.h"
#include "moe/Target/Chip.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/BinaryFormat/MsgPackDocument.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::moe;

/// The msgpack metadata blob of an amdhsa code object, or an error.
static FailureOr<std::string> metadataBlob(StringRef hsaco,
                                           std::string &error) {
  auto file = llvm::object::ELF64LEFile::create(hsaco);
  if (!file) {
    error = "not an ELF64 code object: " + llvm::toString(file.takeError());
    return failure();
  }
  auto phdrs = file->program_headers();
  if (!phdrs) {
    error = llvm::toString(phdrs.takeError());
    return failure();
  }
  for (const auto &phdr : *phdrs) {
    if (phdr.p_type != llvm::ELF::PT_NOTE)
      continue;
    llvm::Error err = llvm::Error::success();
    for (const auto &note : file->notes(phdr, err))
      if (note.getName() == "AMDGPU" &&
          note.getType() == llvm::ELF::NT_AMDGPU_METADATA) {
        std::string blob = note.getDescAsStringRef(4).str();
        llvm::consumeError(std::move(err));
        return blob;
      }
    if (err) {
      error = llvm::toString(std::move(err));
      return failure();
    }
  }
  error = "the code object has no AMDGPU metadata note";
  return failure();
}

/// The distinct MxNxK of the v_mfma_<acc>_MxNxK_<in> mnemonics of `text`,
/// in order of first use, comma-separated.
static std::string mfmaShapesOf(StringRef text) {
  llvm::SmallVector<std::string> shapes;
  for (size_t at = text.find("v_mfma_"); at != StringRef::npos;
       at = text.find("v_mfma_", at + 1)) {
    StringRef mnemonic = text.substr(at).take_until(
        [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
    // v_mfma, the accumulator type, the shape, the input type.
    llvm::SmallVector<StringRef> parts;
    mnemonic.split(parts, '_');
    if (parts.size() < 4)
      continue;
    std::string shape = parts[3].str();
    if (!llvm::is_contained(shapes, shape))
      shapes.push_back(shape);
  }
  return llvm::join(shapes, ",");
}

FailureOr<KernelStats> mlir::moe::readKernelStats(const KernelObject &object,
                                                  StringRef name,
                                                  std::string &error) {
  FailureOr<std::string> blob = metadataBlob(object.binary, error);
  if (failed(blob))
    return failure();
  llvm::msgpack::Document doc;
  if (!doc.readFromBlob(*blob, /*Multi=*/false)) {
    error = "unreadable msgpack metadata";
    return failure();
  }
  auto &root = doc.getRoot().getMap(/*Convert=*/true);
  auto &kernels = root["amdhsa.kernels"].getArray(/*Convert=*/true);
  for (auto &node : kernels) {
    auto &kernel = node.getMap(/*Convert=*/true);
    if (kernel[".name"].getString() != name)
      continue;
    auto get = [&](StringRef key) -> int64_t {
      auto &v = kernel[key];
      return v.getKind() == llvm::msgpack::Type::UInt  ? v.getUInt()
             : v.getKind() == llvm::msgpack::Type::Int ? v.getInt()
                                                       : 0;
    };
    KernelStats s;
    s.name = name.str();
    s.vgprs = get(".vgpr_count");
    s.agprs = get(".agpr_count");
    s.sgprs = get(".sgpr_count");
    s.vgprSpills = get(".vgpr_spill_count");
    s.sgprSpills = get(".sgpr_spill_count");
    s.ldsBytes = get(".group_segment_fixed_size");
    s.scratchBytes = get(".private_segment_fixed_size");
    s.wavefrontSize = get(".wavefront_size");
    // CDNA3/4: 512 unified VGPRs (arch + acc) per lane per SIMD, allocated
    // in granules of 8 (arch VGPRs rounded to 4 first), at most 8 waves.
    int64_t unified = llvm::alignTo(s.vgprs, 4) + s.agprs;
    int64_t granule = std::max<int64_t>(8, llvm::alignTo(unified, 8));
    s.wavesPerSIMD = std::min<int64_t>(8, 512 / granule);
    // Workgroups per CU: the waves its 4 SIMDs' VGPRs hold over a
    // workgroup's waves, and no more than its LDS holds; the waves of those
    // workgroups spread over the SIMDs.
    const ChipInfo *chip = lookupChip(object.chip);
    int64_t groupSize = get(".max_flat_workgroup_size");
    int64_t groupWaves = groupSize > 0 && s.wavefrontSize > 0
                             ? llvm::divideCeil(groupSize, s.wavefrontSize)
                             : 1;
    s.workgroupsPerCU = 4 * s.wavesPerSIMD / groupWaves;
    if (chip && s.ldsBytes > 0) {
      s.workgroupsPerCU =
          std::min(s.workgroupsPerCU, chip->ldsBytes / s.ldsBytes);
      s.wavesPerSIMD = std::min(s.wavesPerSIMD,
                                chip->ldsBytes / s.ldsBytes * groupWaves / 4);
    }
    // The kernel's function: from its label to the next .Lfunc_end.
    StringRef text = object.assembly;
    size_t begin = text.find(("\n" + name + ":").str());
    if (begin == StringRef::npos) {
      error = "no label of kernel '" + name.str() + "' in the assembly";
      return failure();
    }
    text = text.substr(begin, text.find(".Lfunc_end", begin) - begin);
    s.mfmaCount = text.count("v_mfma");
    s.mfmaShapes = mfmaShapesOf(text);
    return s;
  }
  error = "no metadata for kernel '" + name.str() + "'";
  return failure();
}
