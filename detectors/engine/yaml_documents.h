// Every document of a YAML stream, as YAML::LoadAll gives them, but safe on hostile text:
// yaml-cpp 0.7 (Debian 12) loops forever in LoadAll, allocating a null document per turn, on a
// stream such as "," whose parser stops consuming tokens (upstream issue 1040, fixed after 0.8).
// A first pass over the parser's events checks that each document starts past the previous one
// and that there are at most `max_documents`; only then are the documents loaded.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <vector>

namespace mirador::detect {

// Throws YAML::ParserException (with the mark where the parser stalled) for a stream that would
// make LoadAll loop or that holds more than `max_documents`; otherwise returns LoadAll's result
// (and its exceptions for bad YAML).
std::vector<YAML::Node> load_yaml_documents(const std::string& text, size_t max_documents = 64);

}  // namespace mirador::detect
