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
  if (!std::getline(in, line) || line != "moe-manifest 2") {
    error = "expected a 'moe-manifest 2' header, got '" + line + "'" +
            (line == "moe-manifest 1"
                 ? " (a library of an older moe-compile: build it again)"
                 : "");
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
      // moe-compile numbers the checks 0, 1, 2, ... in order.
      long long id = -1;
      if (!(words >> id) || id != static_cast<long long>(checks.size())) {
        error = "manifest line " + std::to_string(lineNo) +
                ": expected 'check " + std::to_string(checks.size()) +
                " MESSAGE', found '" + line + "'";
        return false;
      }
      std::string message;
      std::getline(words, message);
      checks.emplace_back();
      checks.back() =
          message.substr(message.find_first_not_of(' ') == std::string::npos
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

std::string
moe::runtime::describeCheckFailure(const int64_t *status,
                                   const std::vector<std::string> &checks) {
  int64_t tag = status[0];
  if (tag == 0)
    return "";
  // Negating INT64_MIN would overflow: such a tag names no check.
  uint64_t id = tag > 0 ? static_cast<uint64_t>(tag) - 1
                        : static_cast<uint64_t>(-(tag + 1));
  std::string message =
      id < checks.size() ? checks[id] : "check #" + std::to_string(id);
  if (tag > 0)
    return "run-time size check failed: " + message + ": expected " +
           std::to_string(status[1]) + ", found " + std::to_string(status[2]);
  // "OP at LOC: route ids outside [0, E)" -> "OP at LOC: N route ids ...".
  size_t colon = message.rfind(": ");
  std::string where =
      colon == std::string::npos ? "" : message.substr(0, colon + 2);
  std::string what =
      colon == std::string::npos ? message : message.substr(colon + 2);
  // "WHAT|NOUN": NOUN names what the last value counts (default token).
  std::string noun = "token";
  if (size_t bar = what.rfind('|'); bar != std::string::npos) {
    noun = what.substr(bar + 1);
    what.erase(bar);
  }
  // One route: "1 route id outside ...", not "1 route ids".
  if (size_t ids = what.find("ids"); status[1] == 1 && ids != std::string::npos)
    what.erase(ids + 2, 1);
  return "run-time check failed: " + where + std::to_string(status[1]) + " " +
         what + ", first " + std::to_string(status[2]) + " at " + noun + " " +
         std::to_string(status[3]);
}
