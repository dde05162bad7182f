// Tests of the traffic generator: the checksum and frame code, the body pool, and whole runs of
// the mirador-gen program (determinism, budgets, libpcap read-back with valid checksums).
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "tools/traffic_gen/body_pool.h"
#include "tools/traffic_gen/checksum.h"
#include "tools/traffic_gen/frame_builder.h"
#include "tools/traffic_gen/identities.h"
#include "tools/traffic_gen/scenario.h"

namespace fs = std::filesystem;
using namespace mirador::gen;

namespace {

uint16_t get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{get16(p)} << 16 | get16(p + 2);
}

// A checksummed area including its stored checksum sums to 0xffff, i.e. checksum_finish → 0.
bool ipv4_checksum_ok(const uint8_t* ip) {
  return checksum_finish(checksum_add(0, ip, 20)) == 0;
}

bool tcp_checksum_ok(const uint8_t* ip) {
  const size_t ihl = (ip[0] & 15u) * 4;
  const size_t tcp_len = get16(ip + 2) - ihl;
  uint8_t pseudo[12] = {ip[12],
                        ip[13],
                        ip[14],
                        ip[15],
                        ip[16],
                        ip[17],
                        ip[18],
                        ip[19],
                        0,
                        6,
                        static_cast<uint8_t>(tcp_len >> 8),
                        static_cast<uint8_t>(tcp_len)};
  return checksum_finish(checksum_add(checksum_add(0, pseudo, 12), ip + ihl, tcp_len)) == 0;
}

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("mirador-gen-test-" + std::to_string(getpid()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Runs mirador-gen with `args`; returns its exit status.
int run_gen(const std::string& args) {
  const std::string cmd = std::string(MIRADOR_GEN_PATH) + " " + args + " 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The integer after `"key": ` in the summary JSON (flat keys are unique in that document).
uint64_t json_number(const std::string& json, const std::string& key) {
  const auto pos = json.find("\"" + key + "\": ");
  REQUIRE(pos != std::string::npos);
  return std::stoull(json.substr(pos + key.size() + 4));
}

struct ReadBack {
  uint64_t packets = 0;
  uint64_t bad_ip_checksums = 0;
  uint64_t bad_tcp_checksums = 0;
  uint64_t outside_test_range = 0;  // addresses outside 198.18.0.0/15
  uint64_t time_went_back = 0;
  uint64_t syns = 0;
  uint64_t fins = 0;
};

// Reads an untunnelled, untagged capture back with libpcap and checks every frame.
ReadBack read_back(const fs::path& file) {
  ReadBack r;
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline(file.c_str(), err);
  REQUIRE(p != nullptr);
  REQUIRE(pcap_datalink(p) == DLT_EN10MB);
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  uint64_t last_us = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++r.packets;
    const uint64_t us = uint64_t(h->ts.tv_sec) * 1000000 + uint64_t(h->ts.tv_usec);
    r.time_went_back += us < last_us;
    last_us = us;
    REQUIRE(h->caplen >= 54);
    REQUIRE(get16(d + 12) == 0x0800);
    const uint8_t* ip = d + 14;
    r.bad_ip_checksums += !ipv4_checksum_ok(ip);
    r.bad_tcp_checksums += !tcp_checksum_ok(ip);
    for (uint32_t addr : {get32(ip + 12), get32(ip + 16)}) {
      r.outside_test_range += (addr >> 17) != (0xC6120000u >> 17);
    }
    r.syns += (ip[33] & tcp_flag::kSyn) != 0;
    r.fins += (ip[33] & tcp_flag::kFin) != 0;
  }
  pcap_close(p);
  return r;
}

}  // namespace

TEST_CASE("checksum matches the RFC 1071 example", "[tools][gen]") {
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(checksum_finish(checksum_add(0, data, sizeof data)) == static_cast<uint16_t>(~0xddf2));
  // Odd length: the last byte is padded on its right; summing in two calls gives the same.
  const uint8_t odd[] = {0x45, 0x00, 0x00, 0x1c, 0xab};
  const uint16_t whole = checksum_finish(checksum_add(0, odd, 5));
  CHECK(whole == checksum_finish(checksum_add(checksum_add(0, odd, 4), odd + 4, 1)));
  CHECK(whole == static_cast<uint16_t>(~(0x4500 + 0x001c + 0xab00)));
}

TEST_CASE("frame builder writes valid IPv4/TCP, VLAN, ERSPAN and VXLAN", "[tools][gen]") {
  const Endpoint client{0xC6120005, 40000, {2, 0, 0xc6, 0x12, 0, 5}};
  const Endpoint server{0xC6130001, 80, {2, 0, 0xc6, 0x13, 0, 1}};
  const std::string payload = "GET / HTTP/1.1\r\nHost: x\r\n\r\n!";  // odd length on purpose
  Segment seg;
  seg.flags = tcp_flag::kAck | tcp_flag::kPsh;
  seg.seq = 1000;
  seg.ack = 2000;
  seg.payload = reinterpret_cast<const uint8_t*>(payload.data());
  seg.payload_len = static_cast<uint32_t>(payload.size());

  SECTION("plain") {
    FrameBuilder fb({}, 1460);
    auto f = fb.build(client, server, seg);
    REQUIRE(f.size() == 14 + 20 + 20 + payload.size());
    CHECK(ipv4_checksum_ok(f.data() + 14));
    CHECK(tcp_checksum_ok(f.data() + 14));
    CHECK(get32(f.data() + 14 + 20 + 4) == 1000);
    CHECK(std::string(reinterpret_cast<const char*>(f.data()) + 54, payload.size()) == payload);
  }
  SECTION("SYN options") {
    FrameBuilder fb({}, 1460);
    Segment syn;
    syn.flags = tcp_flag::kSyn;
    syn.syn_options = true;
    syn.mss = 1400;
    auto f = fb.build(client, server, syn);
    REQUIRE(f.size() == 14 + 20 + 32);
    CHECK(tcp_checksum_ok(f.data() + 14));
    CHECK(f[14 + 20 + 20] == 2);  // MSS option
    CHECK(get16(f.data() + 14 + 20 + 22) == 1400);
  }
  SECTION("VLAN") {
    FrameBuilder fb({.vlan = 100}, 1460);
    auto f = fb.build(client, server, seg);
    CHECK(get16(f.data() + 12) == 0x8100);
    CHECK((get16(f.data() + 14) & 0x0fff) == 100);
    CHECK(get16(f.data() + 16) == 0x0800);
    CHECK(tcp_checksum_ok(f.data() + 18));
  }
  SECTION("ERSPAN type II") {
    FrameBuilder fb({.tunnel = Tunnel::kErspan, .tunnel_id = 42}, 1460);
    auto f = fb.build(client, server, seg);
    const uint8_t* outer_ip = f.data() + 14;
    CHECK(outer_ip[9] == 47);
    CHECK(ipv4_checksum_ok(outer_ip));
    CHECK(get16(outer_ip + 20) == 0x1000);  // GRE sequence present
    CHECK(get16(outer_ip + 22) == 0x88be);
    const uint8_t* erspan = outer_ip + 28;
    CHECK(erspan[0] >> 4 == 1);  // version 1 = type II
    CHECK((get16(erspan + 2) & 0x3ff) == 42);
    const uint8_t* inner = erspan + 8;
    CHECK(get16(inner + 12) == 0x0800);
    CHECK(tcp_checksum_ok(inner + 14));
    CHECK(get32(outer_ip + 12) >> 17 == 0xC6120000u >> 17);
    // The GRE sequence number advances per frame.
    const uint32_t seq0 = get32(outer_ip + 24);
    auto f2 = fb.build(server, client, seg);
    CHECK(get32(f2.data() + 14 + 24) == seq0 + 1);
  }
  SECTION("VXLAN") {
    FrameBuilder fb({.tunnel = Tunnel::kVxlan, .tunnel_id = 5001}, 1460);
    auto f = fb.build(client, server, seg);
    const uint8_t* outer_ip = f.data() + 14;
    CHECK(outer_ip[9] == 17);
    CHECK(ipv4_checksum_ok(outer_ip));
    CHECK(get16(outer_ip + 22) == 4789);
    CHECK(get16(outer_ip + 24) == f.size() - 14 - 20);  // UDP length
    CHECK(outer_ip[28] == 0x08);
    CHECK(get32(outer_ip + 32) >> 8 == 5001);
    CHECK(tcp_checksum_ok(outer_ip + 36 + 14));
    // Both directions of a flow share the outer source port.
    auto back = fb.build(server, client, seg);
    CHECK(get16(back.data() + 14 + 20) == get16(outer_ip + 20));
  }
}

TEST_CASE("body pool keeps gzip bodies equal to the plain ones", "[tools][gen]") {
  BodyPool pool(3, 4, 1767225600);
  Rng rng(9);
  for (auto kind : {BodyKind::kUserList, BodyKind::kOrderList, BodyKind::kUser, BodyKind::kLoginOk,
                    BodyKind::kError500}) {
    const Body& b = pool.pick(kind, rng);
    REQUIRE(!b.plain.empty());
    CHECK(b.plain.front() == '{');
    CHECK(b.plain.back() == '}');
    CHECK(gunzip(b.gzip) == b.plain);
  }
  // Tokens look like JWTs: three base64url parts.
  const std::string& t = pool.token(0);
  CHECK(std::count(t.begin(), t.end(), '.') == 2);
  CHECK(t.rfind("eyJ", 0) == 0);
}

TEST_CASE("mirador-gen is deterministic and honours its budgets", "[tools][gen]") {
  TempDir tmp;
  const auto a = tmp.path / "a.pcap", b = tmp.path / "b.pcap", c = tmp.path / "c.pcap";
  const auto summary = tmp.path / "a.json";
  const std::string common = " --transactions 250 --clients 50 --concurrency 16";
  REQUIRE(run_gen("-o " + a.string() + " --seed 5" + common + " --summary-json " +
                  summary.string()) == 0);
  REQUIRE(run_gen("-o " + b.string() + " --seed 5" + common) == 0);
  REQUIRE(run_gen("-o " + c.string() + " --seed 6" + common) == 0);

  const std::string bytes_a = read_file(a);
  CHECK(bytes_a == read_file(b));
  CHECK(bytes_a != read_file(c));

  const std::string json = read_file(summary);
  CHECK(json_number(json, "transactions") == 250);
  CHECK(json_number(json, "requests") == 250);
  CHECK(json_number(json, "responses") == 250);
  CHECK(json_number(json, "bytes") == bytes_a.size());
  const uint64_t per_method = json_number(json, "GET") + json_number(json, "POST") +
                              json_number(json, "PUT") + json_number(json, "DELETE");
  CHECK(per_method == 250);

  const ReadBack r = read_back(a);
  CHECK(r.packets == json_number(json, "packets"));
  CHECK(r.bad_ip_checksums == 0);
  CHECK(r.bad_tcp_checksums == 0);
  CHECK(r.outside_test_range == 0);
  CHECK(r.time_went_back == 0);
  // Every connection has a SYN, a SYN-ACK and two FINs.
  CHECK(r.syns == 2 * json_number(json, "connections"));
  CHECK(r.fins == 2 * json_number(json, "connections"));
}

TEST_CASE("mirador-gen --size stops near the budget", "[tools][gen]") {
  TempDir tmp;
  const auto f = tmp.path / "s.pcap";
  REQUIRE(run_gen("-o " + f.string() + " --size 3M") == 0);
  const auto size = fs::file_size(f);
  CHECK(size >= 3u << 20);
  CHECK(size < (3u << 20) + (2u << 20));  // open connections finish their batch, no more
}

TEST_CASE("mirador-gen --loss and --reorder keep the HTTP content", "[tools][gen]") {
  TempDir tmp;
  const auto clean = tmp.path / "clean.json", lossy = tmp.path / "lossy.json";
  REQUIRE(run_gen("-o " + (tmp.path / "c.pcap").string() + " --transactions 200 --summary-json " +
                  clean.string()) == 0);
  REQUIRE(run_gen("-o " + (tmp.path / "l.pcap").string() +
                  " --transactions 200 --loss 0.05 --reorder 0.1 --summary-json " +
                  lossy.string()) == 0);
  const std::string c = read_file(clean), l = read_file(lossy);
  CHECK(json_number(l, "dropped_segments") > 0);
  CHECK(json_number(l, "reordered_pairs") > 0);
  CHECK(json_number(l, "packets") ==
        json_number(c, "packets") - json_number(l, "dropped_segments"));
  for (const char* k : {"GET", "POST", "PUT", "DELETE", "data_segments"}) {
    CHECK(json_number(l, k) == json_number(c, k));
  }
}

TEST_CASE("mirador-gen rejects bad options", "[tools][gen]") {
  TempDir tmp;
  const std::string out = " -o " + (tmp.path / "x.pcap").string();
  CHECK(run_gen(out + " --loss 1.5") != 0);
  CHECK(run_gen(out + " --erspan 2000") != 0);
  CHECK(run_gen(out + " --erspan 1 --vxlan 2") != 0);
  CHECK(run_gen(out + " --vlan 5000") != 0);
  CHECK(run_gen(out + " --clients 0") != 0);
  CHECK(run_gen(out + " --mss 10") != 0);
  CHECK(run_gen(out + " --size 1M --transactions 5") != 0);
  CHECK(run_gen(out + " --http2 --pipeline 2") != 0);
  CHECK(run_gen(out + " --http2 --h2-streams 0") != 0);
  CHECK(run_gen(out + " --http2 --h2-streams 101") != 0);
  CHECK(run_gen(" -o /nonexistent-dir/x.pcap --transactions 1") != 0);
}

TEST_CASE("identities are distinct, derived on the fly, and cycle over every index",
          "[tools][gen]") {
  const Identities ids(7, 1000, 64, 1767225600);
  std::set<std::string> tokens, cookies, logins;
  std::set<uint64_t> seen;
  for (uint64_t n = 0; n < 1000; ++n) seen.insert(ids.for_connection(n));
  CHECK(seen.size() == 1000);  // one full cycle: every identity once
  CHECK(ids.for_connection(1000) == ids.for_connection(0));
  for (uint64_t i = 0; i < 1000; ++i) {
    tokens.insert(ids.token(i));
    cookies.insert(ids.cookie(i));
    logins.insert(ids.login_name(i));
    CHECK(ids.home_client(i) < 64);
    for (uint64_t f : ids.friend_user_ids(i)) {
      CHECK(f != Identities::user_id(i));
      CHECK(f >= Identities::kFirstUserId);
      CHECK(f < Identities::kFirstUserId + 1000);
    }
  }
  CHECK(tokens.size() == 1000);
  CHECK(cookies.size() == 1000);
  CHECK(logins.size() == 1000);
  // Same seed, same identity: same token; the JWT names its user and role.
  CHECK(Identities(7, 1000, 64, 1767225600).token(42) == ids.token(42));
  const std::string t = ids.token(42);
  CHECK(std::count(t.begin(), t.end(), '.') == 2);
  const std::string payload = t.substr(t.find('.') + 1, t.rfind('.') - t.find('.') - 1);
  // base64url of {"sub":"user-42",... starts with eyJzdWIiOiJ1c2VyLTQy.
  CHECK(payload.rfind("eyJzdWIiOiJ1c2VyLTQy", 0) == 0);
  // Two million identities: a cycle without overflow and no storage per identity.
  const Identities big(1, Identities::kMaxCount, 65534, 1767225600);
  CHECK(sizeof big < 64);
  CHECK(big.for_connection(Identities::kMaxCount - 1) < Identities::kMaxCount);
  CHECK(big.for_connection(Identities::kMaxCount) == big.for_connection(0));
}

TEST_CASE("mirador-gen spreads --identities over the connections", "[tools][gen]") {
  TempDir tmp;
  const auto pcap = tmp.path / "ids.pcap", summary = tmp.path / "ids.json";
  // 300 one-request connections over 250 identities: all of them appear.
  REQUIRE(run_gen("-o " + pcap.string() + " --transactions 300 --requests-per-conn 1" +
                  " --identities 250 --clients 40 --summary-json " + summary.string()) == 0);
  const std::string json = read_file(summary);
  CHECK(json_number(json, "identities_used") == 250);
  CHECK(json.find("\"identities\": 250") != std::string::npos);
  // Each Bearer token is one identity, always from the same client address.
  const std::string bytes = read_file(pcap);
  std::set<std::string> tokens;
  // (A plain search: std::regex trips GCC 12's -Wmaybe-uninitialized in the ASan build.)
  const std::string_view prefix = "Authorization: Bearer ";
  for (size_t at = bytes.find(prefix); at != std::string::npos; at = bytes.find(prefix, at)) {
    at += prefix.size();
    size_t end = at;
    while (end < bytes.size() && (std::isalnum(static_cast<unsigned char>(bytes[end])) ||
                                  bytes[end] == '_' || bytes[end] == '.' || bytes[end] == '-'))
      ++end;
    tokens.insert(bytes.substr(at, end - at));
  }
  CHECK(tokens.size() > 180);  // logins carry no token: some identities only logged in
  CHECK(tokens.size() <= 250);
  CHECK(run_gen("-o " + pcap.string() + " --identities 2000001") != 0);
}

TEST_CASE("mirador-gen --scenario injects deterministic abuse and lists it", "[tools][gen]") {
  TempDir tmp;
  const auto a = tmp.path / "a.pcap", b = tmp.path / "b.pcap", summary = tmp.path / "a.json";
  const std::string args =
      " --seed 4 --transactions 400 --scenario scrape --scenario "
      "bulk_exposure --scenario token_shared --scenario brute_force";
  REQUIRE(run_gen("-o " + a.string() + args + " --summary-json " + summary.string()) == 0);
  REQUIRE(run_gen("-o " + b.string() + args) == 0);
  CHECK(read_file(a) == read_file(b));

  const std::string json = read_file(summary);
  // 400 benign + 1600 scrape + 5 bulk pages + 14 × 2 shared-token reads + 50 logins (the
  // first "transactions" of the document is the option, 400).
  CHECK(json_number(json, "requests") == 400 + 1600 + 5 + 28 + 50);
  CHECK(json_number(json, "responses") == 400 + 1600 + 5 + 28 + 50);
  for (const char* finding :
       {"abuse.enumeration", "abuse.rate_identity", "abuse.bulk_exposure", "abuse.token_shared",
        "abuse.brute_force", "abuse.account_brute_force"}) {
    CHECK(json.find(std::string("\"") + finding + "\"") != std::string::npos);
  }
  const auto scenario = [&](const std::string& name) {
    const auto pos = json.find("{\"name\": \"" + name + "\"");
    REQUIRE(pos != std::string::npos);
    return json.substr(pos, json.find('}', pos) - pos);
  };
  CHECK(json_number(scenario("scrape"), "requests") == 1600);
  CHECK(json_number(scenario("token_shared"), "clients") == kTokenSharedClients);
  CHECK(json_number(scenario("brute_force"), "requests") == 50);
  CHECK(json_number(scenario("bulk_exposure"), "requests") == 5);

  // The scrape walks consecutive ids from kScrapeFirstId; brute force answers 401 each time.
  const std::string bytes = read_file(a);
  CHECK(bytes.find("GET /api/v1/users/" + std::to_string(kScrapeFirstId) + " ") !=
        std::string::npos);
  CHECK(bytes.find("GET /api/v1/users/" + std::to_string(kScrapeFirstId + 1599) + " ") !=
        std::string::npos);
  CHECK(bytes.find("GET /api/v1/users?page=5&limit=100 ") != std::string::npos);

  CHECK(run_gen("-o " + a.string() + " --scenario nope") != 0);
  CHECK(run_gen("-o " + a.string() + " --scenario token_shared --clients 5") != 0);
}
