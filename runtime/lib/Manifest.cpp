//===- Manifest.cpp - entry points of a compiled program ------------------===//
//
// Parses the line-based manifest written by moe-compile.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Manifest.h"

#include <cstdlib>
#include <sstream>

using namespace moe::runtime;

std::string ValueSpec::describe() const {
  if (!isTensor)
    return std::string("scalar ") + dtypeName(dtype);
  return std::string("tensor ") + dtypeName(dtype) + " " + formatShape(shape);
}

static bool parseValue(std::istringstream &line, ValueSpec &value,
                       std::string &error) {
  std::string kind, type;
  line >> kind >> type;
  if ((kind != "tensor" && kind != "scalar") || !parseDType(type, value.dtype)) {
    error = "bad value kind or type '" + kind + " " + type + "'";
    return false;
  }
  value.isTensor = kind == "tensor";
  if (!value.isTensor)
    return true;
  size_t rank = 0;
  line >> rank;
  for (size_t i = 0; i < rank; ++i) {
    std::string dim;
    line >> dim;
    if (dim.empty()) {
      error = "missing dimension";
      return false;
    }
    value.shape.push_back(dim == "?" ? -1 : std::strtoll(dim.c_str(), nullptr, 10));
  }
  return true;
}

bool moe::runtime::parseManifest(const std::string &text,
                                 std::vector<EntrySpec> &entries,
                                 std::vector<std::string> &checks,
                                 std::string &target, std::string &error) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "moe-manifest 1") {
    error = "expected a 'moe-manifest 1' header, got '" + line + "'";
    return false;
  }
  EntrySpec *entry = nullptr;
  size_t lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "entry") {
      entries.emplace_back();
      entry = &entries.back();
      std::string argsWord, resultsWord;
      size_t nArgs = 0, nResults = 0;
      words >> entry->name >> argsWord >> nArgs >> resultsWord >> nResults;
      continue;
    }
    if ((word == "arg" || word == "result") && entry) {
      ValueSpec value;
      if (!parseValue(words, value, error)) {
        error = "manifest line " + std::to_string(lineNo) + ": " + error;
        return false;
      }
      (word == "arg" ? entry->args : entry->results).push_back(value);
      continue;
    }
    if (word == "bucket" && entry) {
      BucketSpec bucket;
      if (!(words >> bucket.min >> bucket.max >> bucket.expected >>
            bucket.function)) {
        error = "manifest line " + std::to_string(lineNo) +
                ": expected 'bucket MIN MAX EXPECTED FUNCTION'";
        return false;
      }
      entry->buckets.push_back(bucket);
      continue;
    }
    if (word == "check") {
      size_t id = 0;
      words >> id;
      std::string message;
      std::getline(words, message);
      if (checks.size() <= id)
        checks.resize(id + 1);
      checks[id] = message.substr(message.find_first_not_of(' ') ==
                                          std::string::npos
                                      ? message.size()
                                      : message.find_first_not_of(' '));
      continue;
    }
    if (word == "target") {
      words >> target;
      continue;
    }
    if (word == "end") {
      entry = nullptr;
      continue;
    }
    if (!word.empty()) {
      error = "manifest line " + std::to_string(lineNo) + ": unexpected '" +
              word + "'";
      return false;
    }
  }
  return true;
}
