//===- ElfManifest.cpp - the manifest of a library, read from its file ----===//
//
// Reads the `moe_manifest` string of a compiled library from its ELF file,
// without loading it (a GPU library loads its kernels when it is loaded).
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Manifest.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

using namespace moe::runtime;

namespace {
/// Bounds-checked views of the file's bytes.
struct ElfFile {
  std::vector<char> bytes;

  /// A copy of the T at `offset` (the file need not align it), if it fits.
  template <typename T> std::optional<T> at(uint64_t offset) const {
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T))
      return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
  }
  std::optional<Elf64_Shdr> section(const Elf64_Ehdr &header,
                                    uint64_t index) const {
    if (index >= header.e_shnum || header.e_shentsize != sizeof(Elf64_Shdr))
      return std::nullopt;
    return at<Elf64_Shdr>(header.e_shoff + index * sizeof(Elf64_Shdr));
  }
  /// The NUL-terminated string at `offset`, no further than `end`.
  bool string(uint64_t offset, uint64_t end, std::string &out) const {
    end = std::min<uint64_t>(end, bytes.size());
    if (offset >= end)
      return false;
    const char *begin = bytes.data() + offset;
    const void *nul = std::memchr(begin, 0, end - offset);
    if (!nul)
      return false;
    out.assign(begin, static_cast<const char *>(nul));
    return true;
  }
};
} // namespace

bool moe::runtime::readManifestFromFile(const std::string &path,
                                        std::string &text, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return false;
  }
  ElfFile file{std::vector<char>(std::istreambuf_iterator<char>(in), {})};
  std::optional<Elf64_Ehdr> header = file.at<Elf64_Ehdr>(0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != ELFCLASS64) {
    error = "'" + path + "' is not a 64-bit ELF library";
    return false;
  }
  for (uint64_t i = 0; i < header->e_shnum; ++i) {
    std::optional<Elf64_Shdr> symbols = file.section(*header, i);
    if (!symbols || symbols->sh_type != SHT_DYNSYM)
      continue;
    std::optional<Elf64_Shdr> names = file.section(*header, symbols->sh_link);
    if (!names)
      break;
    for (uint64_t s = 0; s < symbols->sh_size / sizeof(Elf64_Sym); ++s) {
      std::optional<Elf64_Sym> symbol =
          file.at<Elf64_Sym>(symbols->sh_offset + s * sizeof(Elf64_Sym));
      if (!symbol)
        break; // a table past the end of the file
      std::string name;
      if (!file.string(names->sh_offset + symbol->st_name,
                       names->sh_offset + names->sh_size, name) ||
          name != "moe_manifest")
        continue;
      std::optional<Elf64_Shdr> data = file.section(*header, symbol->st_shndx);
      if (!data || symbol->st_value < data->sh_addr ||
          !file.string(data->sh_offset + (symbol->st_value - data->sh_addr),
                       data->sh_offset + data->sh_size, text))
        break;
      return true;
    }
  }
  error = "'" + path + "' has no moe_manifest; build it with moe-compile";
  return false;
}
