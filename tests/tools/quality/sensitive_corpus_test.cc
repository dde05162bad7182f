#include "tools/quality/sensitive_corpus.h"

#include <simdjson.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "detectors/sensitive/validator_registry.h"
#include "detectors/sensitive/validators.h"

using namespace mirador::quality;
namespace sensitive = mirador::sensitive;

namespace {

bool passes(IdClass c, const std::string& s) {
  const sensitive::Validator v = sensitive::find_validator(id_class_name(c));
  REQUIRE(v != nullptr);
  return v(s, 0, s.size());
}

}  // namespace

TEST_CASE("corpus: every class has a validator of its name") {
  for (IdClass c : kIdClasses) CHECK(sensitive::find_validator(id_class_name(c)) != nullptr);
}

TEST_CASE("corpus: every generated valid identifier passes its validator") {
  SensitiveCorpus corpus(42);
  for (IdClass c : kIdClasses) {
    for (int i = 0; i < 2000; ++i) {
      const std::string s = corpus.valid(c);
      INFO(id_class_name(c) << " " << s);
      REQUIRE(passes(c, s));
    }
  }
}

TEST_CASE("corpus: each card brand comes out with its brand and length") {
  SensitiveCorpus corpus(7);
  for (int i = 0; i < 500; ++i) {
    const std::string u = corpus.card(CardKind::unionpay);
    CHECK(sensitive::card_brand(u) == sensitive::CardBrand::unionpay);
    CHECK((u.size() == 16 || u.size() == 19));
    CHECK(sensitive::card_brand(corpus.card(CardKind::visa)) == sensitive::CardBrand::visa);
    CHECK(sensitive::card_brand(corpus.card(CardKind::mastercard)) ==
          sensitive::CardBrand::mastercard);
    CHECK(sensitive::card_brand(corpus.card(CardKind::amex)) == sensitive::CardBrand::amex);
  }
}

TEST_CASE("corpus: the same seed gives the same values, another seed others") {
  SensitiveCorpus a(1), b(1), c(2);
  std::string sa, sb, sc;
  for (IdClass k : kIdClasses) {
    sa += a.valid(k) + a.random_like(k);
    sb += b.valid(k) + b.random_like(k);
    sc += c.valid(k) + c.random_like(k);
  }
  CHECK(sa == sb);
  CHECK(sa != sc);
}

TEST_CASE("corpus: random same-shape strings have the shape; their pass rate is measured") {
  SensitiveCorpus corpus(3);
  for (int i = 0; i < 200; ++i) {
    const std::string id = corpus.random_like(IdClass::cn_resident_id);
    CHECK(id.size() == 18);
    CHECK(id.find_first_not_of("0123456789") == std::string::npos);
    const std::string m = corpus.random_like(IdClass::cn_mobile);
    CHECK(m.size() == 11);
    CHECK(m[0] == '1');
    CHECK(corpus.random_like(IdClass::cn_passport).size() == 9);
    CHECK(corpus.random_like(IdClass::cn_uscc).size() == 18);
    CHECK(corpus.random_like(IdClass::email).find('@') != std::string::npos);
  }
  // The rate is the validator's inherent false-positive rate: printed, not required to be 0.
  // Bounds that follow from the checks: a resident ID needs a region, a real date and a check
  // digit (well under 1 %); a card needs Luhn (about 10 %); a passport has no check at all.
  std::map<IdClass, double> rate;
  for (IdClass c : kIdClasses) {
    const PassRate r = random_pass_rate(c, 20000, 99);
    rate[c] = r.rate();
    std::printf("random %-15s %5zu / %zu pass (%.3f %%)\n", std::string(id_class_name(c)).c_str(),
                r.passed, r.tried, 100.0 * r.rate());
  }
  CHECK(rate[IdClass::cn_resident_id] < 0.01);
  CHECK(rate[IdClass::bank_card] > 0.05);
  CHECK(rate[IdClass::bank_card] < 0.15);
  CHECK(rate[IdClass::cn_uscc] < 0.02);
  CHECK(rate[IdClass::cn_passport] == 1.0);
}

TEST_CASE("corpus: the JSON response is valid and holds every planted value once") {
  SensitiveCorpus corpus(11);
  std::vector<Planted> planted;
  for (IdClass c : kIdClasses)
    for (int i = 0; i < 10; ++i) planted.push_back({c, corpus.valid(c), i % 3 == 0});
  planted.push_back({IdClass::email, "quote\"back\\slash@example.com", false});
  const std::string json = build_json_response(planted, corpus);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  simdjson::dom::array data;
  REQUIRE(doc["data"].get_array().get(data) == simdjson::SUCCESS);
  std::map<std::string, int> seen;
  std::map<std::string, std::string> key_of;
  size_t records = 0;
  for (simdjson::dom::element rec : data) {
    ++records;
    simdjson::dom::object obj;
    REQUIRE(rec.get_object().get(obj) == simdjson::SUCCESS);
    for (auto field : obj) {
      std::string_view v;
      if (field.value.get_string().get(v) == simdjson::SUCCESS) {
        ++seen[std::string(v)];
        key_of[std::string(v)] = std::string(field.key);
      }
    }
  }
  CHECK(records >= planted.size() / 2);
  for (const Planted& p : planted) {
    INFO(p.value);
    CHECK(seen[p.value] == 1);
    const std::string& key = key_of[p.value];
    const auto& keys =
        p.neutral_key && !needs_context_key(p.cls) ? neutral_keys() : realistic_keys(p.cls);
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  }
}
