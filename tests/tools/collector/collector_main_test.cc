// The mirador-collector executable: prints the port it listens on, takes events over gRPC, and on
// SIGTERM flushes, writes its final counters line and exits 0. Its path is compiled in.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <thread>

#include "collector_test_util.h"
#include "mirador/v1/collector.grpc.pb.h"

using namespace mirador;
using namespace mirador::collector;

extern char** environ;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Waits for the child with a bound; kills it (and fails) when it does not exit in time.
int wait_exit(pid_t pid, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -2;
}

}  // namespace

TEST_CASE("mirador-collector: port 0, events over gRPC, SIGTERM flushes and exits 0") {
  test::TempDir d;
  const std::string json = d.file("events.jsonl"), err = d.file("stderr");
  const std::string token_file = d.file("token");
  std::ofstream(token_file) << "tok\n";
  std::vector<std::string> args = {MIRADOR_COLLECTOR_PATH,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--json",
                                   json,
                                   "--stats-interval",
                                   "0",
                                   "--token-file",
                                   token_file,
                                   "--shutdown-timeout",
                                   "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);

  // The port from "listening on 127.0.0.1:PORT" (std::regex is avoided: g++ warns inside it
  // under the sanitizers).
  const std::string marker = "listening on 127.0.0.1:";
  std::string text, port;
  for (int i = 0; i < 250 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = slurp(err);
    const size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    for (size_t k = at + marker.size(); k < text.size() && std::isdigit(text[k]); ++k)
      port += text[k];
  }
  REQUIRE(!port.empty());
  const std::string target = "127.0.0.1:" + port;

  {
    auto stub =
        v1::Collector::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer tok");
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto rw = stub->Publish(&ctx);
    v1::EventBatch b;
    for (uint64_t s = 1; s <= 3; ++s) b.add_events(test::http_bytes("s1", s));
    b.add_events(test::http_bytes("s1", 2));
    REQUIRE(rw->Write(b));
    v1::PublishAck a;
    REQUIRE(rw->Read(&a));
    CHECK(a.acked_sequence() == 3);
    CHECK(a.duplicates() == 1);
    // The stream stays open (as a sensor's does) while the collector is told to stop.
    kill(pid, SIGTERM);
    CHECK(wait_exit(pid, std::chrono::seconds(10)) == 0);
    rw->Finish();
  }
  CHECK(test::read_lines(json).size() == 3);
  text = slurp(err);
  CHECK(text.find("\"final\":true") != std::string::npos);
  CHECK(text.find("\"written\":3,\"duplicates\":1") != std::string::npos);
  CHECK(std::filesystem::exists(d.file("dedupe")));
}

TEST_CASE("mirador-collector: bad options are refused with a message") {
  test::TempDir d;
  const std::string cmd = std::string(MIRADOR_COLLECTOR_PATH) + " --syslog nohostport --json " +
                          d.file("x") + " 2>" + d.file("err");
  const int rc = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(rc) == 2);
  CHECK(slurp(d.file("err")).find("--syslog wants host:port") != std::string::npos);
}
