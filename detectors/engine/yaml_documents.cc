#include "detectors/engine/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace mirador::detect {
namespace {

// Notes where each document starts; every other event is ignored.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::vector<YAML::Node> load_yaml_documents(const std::string& text, size_t max_documents) {
  {
    std::stringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    size_t documents = 0;
    int previous = -1;
    while (parser.HandleNextDocument(starts)) {
      if (starts.start.pos <= previous)
        throw YAML::ParserException(starts.start, "the YAML parser stalls here (malformed YAML)");
      previous = starts.start.pos;
      if (++documents > max_documents)
        throw YAML::ParserException(starts.start, "too many YAML documents");
    }
  }
  return YAML::LoadAll(text);
}

}  // namespace mirador::detect
