#include "sensor/output/grpc_transport.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mirador/v1/collector.grpc.pb.h"

namespace mirador {

namespace {

using Clock = std::chrono::steady_clock;
using Stream = grpc::ClientAsyncReaderWriter<v1::EventBatch, v1::PublishAck>;

// Completion-queue tags: one operation of each kind outstanding at most.
enum class Op : intptr_t { start = 1, read, write, writes_done, finish };

void* tag(Op op) {
  return reinterpret_cast<void*>(static_cast<intptr_t>(op));
}

// Keepalive: a collector that vanishes without a FIN (host down, cable) is noticed within
// time + timeout. The collector must accept pings this often (GRPC_ARG_HTTP2_MIN_RECV_PING_
// INTERVAL_WITHOUT_DATA_MS <= 30 s), or it answers with GOAWAY and the sink reconnects.
constexpr int kKeepaliveTimeMs = 30000;
constexpr int kKeepaliveTimeoutMs = 10000;
// While connecting, the channel state is looked at this often (it has no completion of its own
// on the call's queue).
constexpr auto kConnectingSlice = std::chrono::milliseconds(5);

// gRPC takes system-clock deadlines; our clock is steady.
std::chrono::system_clock::time_point wall(Clock::time_point t) {
  const Clock::time_point now = Clock::now();
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::max(t, now) - now);
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("grpc: cannot read ") + what + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error(std::string("grpc: cannot read ") + what + " " + path);
  return ss.str();
}

const char* code_name(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN_CODE";
  }
}

}  // namespace

struct GrpcTransport::Impl {
  // Read once at start.
  std::string ca_pem, cert_pem, key_pem, token;

  // One connection: a channel of its own (a fresh connection attempt, not one waiting out the
  // backoff of an earlier channel), a completion queue, the call and its buffers.
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Collector::Stub> stub;
  std::unique_ptr<grpc::CompletionQueue> cq;
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<Stream> stream;
  v1::EventBatch out;
  v1::PublishAck in;
  grpc::Status status;

  State state = State::disconnected;
  Clock::time_point connect_deadline{};
  bool started = false;        // StartCall completed
  bool write_pending = false;  // one Write at most
  bool read_pending = false;   // one Read at most
  bool writes_done_pending = false;
  bool finish_requested = false;
  bool finished = false;
  bool closing = false;
  uint64_t acked = 0;
  uint64_t last_sent = 0;  // highest sequence written on this connection
};

GrpcTransport::GrpcTransport(const GrpcConfig& cfg) : cfg_(cfg), impl_(new Impl) {
  try {
    if (cfg_.address.empty()) throw std::runtime_error("grpc: no address (output.grpc)");
    if (cfg_.cert_file.empty() != cfg_.key_file.empty()) {
      throw std::runtime_error(
          "grpc: a client certificate needs both output.grpc_cert and output.grpc_key");
    }
    if (!cfg_.tls && (!cfg_.ca_file.empty() || !cfg_.cert_file.empty())) {
      throw std::runtime_error(
          "grpc: output.grpc_ca / output.grpc_cert are set but output.grpc_tls is off");
    }
    if (!cfg_.ca_file.empty()) impl_->ca_pem = read_file(cfg_.ca_file, "CA file");
    if (!cfg_.cert_file.empty()) impl_->cert_pem = read_file(cfg_.cert_file, "certificate");
    if (!cfg_.key_file.empty()) impl_->key_pem = read_file(cfg_.key_file, "private key");
    if (!cfg_.token_file.empty()) {
      std::string t = read_file(cfg_.token_file, "token file");
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (t.empty())
        throw std::runtime_error("grpc: the token file " + cfg_.token_file + " is empty");
      if (t.find_first_of("\r\n") != std::string::npos) {
        throw std::runtime_error("grpc: the token file " + cfg_.token_file +
                                 " holds more than one line");
      }
      impl_->token = std::move(t);
    }
  } catch (...) {
    delete impl_;
    impl_ = nullptr;
    throw;
  }
}

GrpcTransport::~GrpcTransport() {
  teardown();
  delete impl_;
}

void GrpcTransport::teardown() {
  Impl& m = *impl_;
  if (m.cq) {
    // Cancel ends every outstanding operation; then the queue drains (quickly: nothing waits
    // for the network any more).
    if (m.ctx) m.ctx->TryCancel();
    m.cq->Shutdown();
    void* t = nullptr;
    bool ok = false;
    while (m.cq->Next(&t, &ok)) {
    }
  }
  m.stream.reset();  // lives in the call's arena: before the context
  m.ctx.reset();
  m.cq.reset();
  m.stub.reset();
  m.channel.reset();
  m.started = m.write_pending = m.read_pending = m.writes_done_pending = false;
  m.finish_requested = m.finished = m.closing = false;
  m.acked = 0;
  m.last_sent = 0;
}

void GrpcTransport::connect() {
  teardown();
  Impl& m = *impl_;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);  // an idle stream is still watched
  // A channel of our own, not a subchannel shared with (and backing off for) an earlier one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (cfg_.tls) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = m.ca_pem;  // empty: the system roots
    o.pem_cert_chain = m.cert_pem;
    o.pem_private_key = m.key_pem;
    creds = grpc::SslCredentials(o);
    if (!cfg_.server_name.empty()) args.SetSslTargetNameOverride(cfg_.server_name);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  m.channel = grpc::CreateCustomChannel(cfg_.address, creds, args);
  m.stub = v1::Collector::NewStub(m.channel);
  m.cq = std::make_unique<grpc::CompletionQueue>();
  m.ctx = std::make_unique<grpc::ClientContext>();
  if (!m.token.empty()) m.ctx->AddMetadata("authorization", "Bearer " + m.token);
  m.stream = m.stub->PrepareAsyncPublish(m.ctx.get(), m.cq.get());
  m.stream->StartCall(tag(Op::start));
  m.state = State::connecting;
  m.connect_deadline = Clock::now() + cfg_.connect_timeout;
  error_.clear();
  ++c_.connects;
}

void GrpcTransport::request_finish() {
  Impl& m = *impl_;
  if (m.finish_requested) return;
  m.finish_requested = true;
  m.stream->Finish(&m.status, tag(Op::finish));
}

void GrpcTransport::fail(std::string why) {
  Impl& m = *impl_;
  if (m.state == State::broken) return;
  error_ = std::move(why);
  m.state = State::broken;
  ++c_.breaks;
  if (m.ctx) m.ctx->TryCancel();
}

void GrpcTransport::handle(void* t, bool ok) {
  Impl& m = *impl_;
  switch (static_cast<Op>(reinterpret_cast<intptr_t>(t))) {
    case Op::start:
      if (!ok) {
        request_finish();
        break;
      }
      m.started = true;
      m.read_pending = true;
      m.stream->Read(&m.in, tag(Op::read));
      break;
    case Op::read:
      m.read_pending = false;
      if (!ok) {  // the collector ended the stream: Finish has the status
        request_finish();
        break;
      }
      // An ack never covers what this connection did not send (a confused collector must not
      // make the sink release events it still holds).
      m.acked = std::max(m.acked, std::min<uint64_t>(m.in.acked_sequence(), m.last_sent));
      m.read_pending = true;
      m.stream->Read(&m.in, tag(Op::read));
      break;
    case Op::write:
      m.write_pending = false;
      if (!ok) request_finish();
      break;
    case Op::writes_done:
      m.writes_done_pending = false;
      break;
    case Op::finish:
      m.finished = true;
      if (!m.closing) {
        const std::string msg = m.status.error_message();
        fail(m.status.ok() ? std::string("the collector ended the stream")
                           : std::string(code_name(m.status.error_code())) +
                                 (msg.empty() ? std::string() : ": " + msg));
      }
      break;
  }
}

RemoteTransport::State GrpcTransport::poll(std::chrono::milliseconds budget) {
  Impl& m = *impl_;
  if (!m.cq || m.state == State::broken || m.state == State::disconnected) return m.state;
  const Clock::time_point deadline = Clock::now() + budget;
  bool got = false;
  for (;;) {
    Clock::time_point now = Clock::now();
    if (m.state == State::connecting) {
      if (m.started && !m.finish_requested && m.channel->GetState(false) == GRPC_CHANNEL_READY) {
        m.state = State::ready;
      } else if (now >= m.connect_deadline) {
        fail("no connection to " + cfg_.address + " within " +
             std::to_string(cfg_.connect_timeout.count()) + " ms");
        return m.state;
      }
    }
    // Once something happened, only take what is already there.
    Clock::time_point until = got ? now : deadline;
    if (m.state == State::connecting)
      until = std::min({until, now + kConnectingSlice, std::max(now, m.connect_deadline)});
    void* t = nullptr;
    bool ok = false;
    const auto r = m.cq->AsyncNext(&t, &ok, wall(until));
    if (r == grpc::CompletionQueue::GOT_EVENT) {
      handle(t, ok);
      if (m.state == State::broken) return m.state;
      got = true;
      continue;
    }
    if (r == grpc::CompletionQueue::SHUTDOWN) {
      fail("completion queue shut down");
      return m.state;
    }
    if (got || Clock::now() >= deadline) break;
  }
  return m.state;
}

bool GrpcTransport::can_send() const {
  const Impl& m = *impl_;
  return m.state == State::ready && !m.write_pending && !m.finish_requested && !m.closing;
}

bool GrpcTransport::send(std::span<const OutgoingEvent> batch) {
  if (batch.empty() || !can_send()) return false;
  Impl& m = *impl_;
  m.out.Clear();
  uint64_t bytes = 0;
  for (const OutgoingEvent& e : batch) {
    m.out.add_events(e.bytes.data(), e.bytes.size());  // the bytes as queued or spooled
    bytes += e.bytes.size();
  }
  m.stream->Write(m.out, tag(Op::write));
  m.write_pending = true;
  m.last_sent = batch.back().seq;
  ++c_.batches_sent;
  c_.events_sent += batch.size();
  c_.bytes_sent += bytes;
  return true;
}

uint64_t GrpcTransport::acked() const {
  return impl_->acked;
}

void GrpcTransport::close(std::chrono::milliseconds budget) {
  Impl& m = *impl_;
  if (!m.cq) return;
  const Clock::time_point deadline = Clock::now() + budget;
  // A polite end: the last write completes, then WritesDone, and the collector finishes the call.
  if (m.state == State::ready && !m.finish_requested) {
    while (m.write_pending && m.state == State::ready && Clock::now() < deadline) {
      poll(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    }
    if (m.state == State::ready && !m.write_pending && !m.finish_requested) {
      m.closing = true;
      m.writes_done_pending = true;
      m.stream->WritesDone(tag(Op::writes_done));
      request_finish();
      void* t = nullptr;
      bool ok = false;
      while (!m.finished &&
             m.cq->AsyncNext(&t, &ok, wall(deadline)) == grpc::CompletionQueue::GOT_EVENT) {
        handle(t, ok);
      }
    }
  }
  teardown();
  m.state = State::disconnected;
}

}  // namespace mirador
