// DpdkPort over DPDK 22.11's ethdev API (see dpdk_port.h for the contract). This file is the only
// one built with DPDK's compiler flags (-include rte_config.h -march=corei7): it lives in its own
// static library and its header exposes no DPDK type.
#include "sensor/capture/dpdk_port.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>

namespace mirador {

namespace {

constexpr int kDltEn10mb = 1;  // pcap's DLT_EN10MB: every ethdev hands over Ethernet frames
// A linearised multi-segment packet keeps at most this many bytes (as a snap length would):
// bounds the per-queue buffer to burst × 64 KiB, allocated once.
constexpr uint32_t kMaxLinearBytes = 65535;
constexpr uint16_t kMaxBurst = 512;
// Symmetric Toeplitz: a key of one repeated 16-bit pattern hashes (a, b) and (b, a) alike.
constexpr size_t kRssKeyBytes = 40;

// rte_eal_init may run once per process: its outcome is kept for every later open().
std::mutex g_eal_mutex;
bool g_eal_done = false;
std::string g_eal_error;
// Pool names must be unique for the process lifetime of the EAL (a freed name can be reused, but
// a counter keeps the names of a port reopened before its pools are gone distinct).
std::atomic<uint32_t> g_pool_generation{0};

std::string dpdk_error(const char* what, int rc) {
  int err = rc < 0 ? -rc : rte_errno;
  return std::string("DPDK: ") + what + ": " + rte_strerror(err);
}

void init_eal(const std::vector<std::string>& args) {
  std::lock_guard<std::mutex> lock(g_eal_mutex);
  static std::vector<std::string> first_args;
  if (g_eal_done) {
    if (!g_eal_error.empty()) throw std::runtime_error(g_eal_error);
    // Other arguments (another --vdev, more memory) would be silently ignored: say so instead.
    if (args != first_args) {
      throw std::runtime_error(
          "DPDK: the EAL is already initialised with other arguments (it initialises once per "
          "process)");
    }
    return;
  }
  first_args = args;
  // rte_eal_init may permute and keep argv: the strings live for the process.
  static std::vector<std::string> storage;
  static std::vector<char*> argv;
  storage.clear();
  storage.push_back("mirador");
  storage.insert(storage.end(), args.begin(), args.end());
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  // rte_eal_init pins the calling thread to the main lcore's CPU, and every thread created from
  // it afterwards would inherit that one CPU: the caller keeps the affinity it had.
  cpu_set_t affinity;
  bool have_affinity = pthread_getaffinity_np(pthread_self(), sizeof affinity, &affinity) == 0;
  int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
  int err = rte_errno;
  g_eal_done = true;
  if (have_affinity) pthread_setaffinity_np(pthread_self(), sizeof affinity, &affinity);
  if (rc < 0) {
    g_eal_error = std::string("DPDK: EAL initialisation failed: ") + rte_strerror(err);
    throw std::runtime_error(g_eal_error);
  }
}

int64_t wall_clock_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// Divisor from a driver's RX timestamp to microseconds since the epoch, 0 when its timestamp is
// not epoch time. net_pcap in DPDK 22.11 stamps every packet with the file's time in
// microseconds (tv_sec * 10^6 + tv_usec) without offering the offload; later releases offer
// RTE_ETH_RX_OFFLOAD_TIMESTAMP and stamp nanoseconds, only when it is enabled. net_af_packet's
// kernel time is in nanoseconds (later releases stamp it; 22.11 does not). Other devices count
// with their own clock, whose origin and unit are the device's: the wall clock is used for them.
uint64_t timestamp_divisor(const char* driver, bool offload_offered) {
  if (driver == nullptr) return 0;
  if (std::strcmp(driver, "net_pcap") == 0) return offload_offered ? 1000 : 1;
  if (std::strcmp(driver, "net_af_packet") == 0) return 1000;
  return 0;
}

}  // namespace

// One RX queue's state, touched only by the queue's polling thread.
struct alignas(64) QueueState {
  rte_mempool* pool = nullptr;
  std::vector<rte_mbuf*> burst;  // the mbufs handed out by the last receive()
  uint16_t held = 0;
  std::vector<uint8_t> linear;  // multi-segment packets, linearised (sized on first need)
};

struct DpdkPort::Impl {
  uint16_t port = 0;
  uint16_t nb_queues = 0;
  uint16_t burst = 32;
  bool symmetric = true;
  bool started = false;
  bool configured = false;
  std::string driver;
  int ts_offset = -1;  // timestamp dynfield offset when the device stamps packets
  uint64_t ts_flag = 0;
  uint64_t ts_divisor = 0;  // device timestamp units per microsecond
  std::vector<QueueState> queues;

  void free_burst(QueueState& q) {
    if (q.held > 0) rte_pktmbuf_free_bulk(q.burst.data(), q.held);
    q.held = 0;
  }

  ~Impl() {
    for (auto& q : queues) free_burst(q);
    if (started) rte_eth_dev_stop(port);
    if (configured) rte_eth_dev_close(port);
    // Pools last: the port's rings held mbufs of them until it was closed.
    for (auto& q : queues) rte_mempool_free(q.pool);
  }
};

DpdkPort::DpdkPort() : impl_(std::make_unique<Impl>()) {}
DpdkPort::~DpdkPort() = default;

std::unique_ptr<DpdkPort> DpdkPort::open(const DpdkConfig& cfg, uint16_t queues) {
  if (queues == 0) queues = 1;
  // The burst bounds the per-queue linear buffer (burst × 64 KiB): 512 keeps it under 32 MiB.
  if (cfg.burst == 0 || cfg.burst > kMaxBurst) {
    throw std::runtime_error("DPDK: burst must be between 1 and " + std::to_string(kMaxBurst));
  }
  init_eal(cfg.eal_args);

  if (!rte_eth_dev_is_valid_port(cfg.port)) {
    throw std::runtime_error("DPDK: no port " + std::to_string(cfg.port) + " (" +
                             std::to_string(rte_eth_dev_count_avail()) +
                             " probed; check the EAL's --vdev/-a arguments)");
  }
  std::unique_ptr<DpdkPort> self(new DpdkPort());
  Impl& m = *self->impl_;
  m.port = cfg.port;
  m.burst = cfg.burst;

  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(m.port, &info);
  if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_dev_info_get", rc));
  m.driver = info.driver_name != nullptr ? info.driver_name : "";
  m.nb_queues = std::max<uint16_t>(1, std::min<uint16_t>(queues, info.max_rx_queues));

  rte_eth_conf conf{};
  uint8_t rss_key[kRssKeyBytes];
  bool rss = m.nb_queues > 1 && info.flow_type_rss_offloads != 0;
  if (rss) {
    for (size_t i = 0; i < kRssKeyBytes; i += 2) {
      rss_key[i] = 0x6d;
      rss_key[i + 1] = 0x5a;
    }
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = rss_key;
    conf.rx_adv_conf.rss_conf.rss_key_len = kRssKeyBytes;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    if (info.hash_key_size != 0 && info.hash_key_size != kRssKeyBytes) {
      // A device with another key length gets the same pattern at its own length below.
      conf.rx_adv_conf.rss_conf.rss_key = nullptr;
      conf.rx_adv_conf.rss_conf.rss_key_len = 0;
    }
  }
  // Symmetric: one queue; our symmetric key spread over the queues; or af_packet, whose kernel
  // fanout hashes flows symmetrically.
  m.symmetric = m.nb_queues == 1 || (rss && conf.rx_adv_conf.rss_conf.rss_key != nullptr) ||
                m.driver == "net_af_packet";

  // Device timestamps: asked for when offered, read when the driver's unit is known. net_pcap
  // (DPDK 22.11) stamps every mbuf without announcing the offload, hence the per-mbuf flag test.
  bool ts_offered = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) != 0;
  m.ts_divisor = timestamp_divisor(info.driver_name, ts_offered);
  bool device_ts = m.ts_divisor != 0;
  if (device_ts && ts_offered) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
  }
  // Frames longer than one mbuf arrive chained instead of dropped (net_pcap 22.11 chains them
  // without offering the offload; later releases drop them unless it is enabled).
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
  }

  // RX only (net_pcap and net_af_packet accept no TX queue); a device that insists on one gets
  // one, unused.
  uint16_t nb_tx = 0;
  rc = rte_eth_dev_configure(m.port, m.nb_queues, nb_tx, &conf);
  if (rc != 0 && info.max_tx_queues > 0) {
    nb_tx = 1;
    rc = rte_eth_dev_configure(m.port, m.nb_queues, nb_tx, &conf);
  }
  if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_dev_configure", rc));
  m.configured = true;

  if (rss && conf.rx_adv_conf.rss_conf.rss_key == nullptr && info.hash_key_size != 0) {
    std::vector<uint8_t> key(info.hash_key_size);
    for (size_t i = 0; i < key.size(); ++i) key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
    rte_eth_rss_conf rss_conf{};
    rss_conf.rss_key = key.data();
    rss_conf.rss_key_len = info.hash_key_size;
    rss_conf.rss_hf = conf.rx_adv_conf.rss_conf.rss_hf;
    m.symmetric = rte_eth_dev_rss_hash_update(m.port, &rss_conf) == 0;
  }

  // Registering returns the field and flag the driver already registered, if it did.
  if (device_ts && rte_mbuf_dyn_rx_timestamp_register(&m.ts_offset, &m.ts_flag) != 0) {
    m.ts_offset = -1;
  }

  uint16_t nb_rxd = cfg.rx_descriptors;
  uint16_t nb_txd = 512;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(m.port, &nb_rxd, &nb_txd);
  if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_dev_adjust_nb_rx_tx_desc", rc));

  int socket = rte_eth_dev_socket_id(m.port);
  if (socket < 0) socket = static_cast<int>(SOCKET_ID_ANY);
  uint32_t generation = g_pool_generation.fetch_add(1);
  m.queues.resize(m.nb_queues);
  for (uint16_t q = 0; q < m.nb_queues; ++q) {
    char name[RTE_MEMPOOL_NAMESIZE];
    std::snprintf(name, sizeof name, "mir_%u_%u_%u", static_cast<unsigned>(generation),
                  static_cast<unsigned>(m.port), static_cast<unsigned>(q));
    // Per-lcore cache: at most a third of the pool, within DPDK's limit.
    unsigned cache = std::min<unsigned>(RTE_MEMPOOL_CACHE_MAX_SIZE, cfg.mbufs / 3);
    m.queues[q].pool =
        rte_pktmbuf_pool_create(name, cfg.mbufs, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (m.queues[q].pool == nullptr) {
      throw std::runtime_error(dpdk_error("rte_pktmbuf_pool_create", 0) + " (" +
                               std::to_string(cfg.mbufs) + " mbufs for queue " + std::to_string(q) +
                               "; raise the EAL's -m or lower mbufs)");
    }
    m.queues[q].burst.resize(m.burst);
    rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    rc = rte_eth_rx_queue_setup(m.port, q, nb_rxd, static_cast<unsigned>(socket), &rxconf,
                                m.queues[q].pool);
    if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_rx_queue_setup", rc));
  }
  for (uint16_t q = 0; q < nb_tx; ++q) {
    rc = rte_eth_tx_queue_setup(m.port, q, nb_txd, static_cast<unsigned>(socket), nullptr);
    if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_tx_queue_setup", rc));
  }

  rc = rte_eth_dev_start(m.port);
  if (rc != 0) throw std::runtime_error(dpdk_error("rte_eth_dev_start", rc));
  m.started = true;
  // vdevs without the notion (net_pcap on a file) refuse: nothing to do about it.
  (void)rte_eth_promiscuous_enable(m.port);
  rte_eth_stats_reset(m.port);
  return self;
}

uint16_t DpdkPort::queues() const {
  return impl_->nb_queues;
}
bool DpdkPort::symmetric() const {
  return impl_->symmetric;
}
int DpdkPort::link_type() const {
  return kDltEn10mb;
}
std::string DpdkPort::driver_name() const {
  return impl_->driver;
}

size_t DpdkPort::receive(uint16_t q, RawPacket* out, size_t max) {
  Impl& m = *impl_;
  if (q >= m.nb_queues) return 0;
  QueueState& qs = m.queues[q];
  m.free_burst(qs);
  uint16_t want = static_cast<uint16_t>(std::min<size_t>(max, m.burst));
  if (want == 0) return 0;
  uint16_t n = rte_eth_rx_burst(m.port, q, qs.burst.data(), want);
  qs.held = n;
  if (n == 0) return 0;

  int64_t now_us = 0;  // the wall clock, read once per burst when a packet needs it
  size_t linear_used = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* mb = qs.burst[i];
    RawPacket& p = out[i];
    p.wire_len = rte_pktmbuf_pkt_len(mb);
    if (mb->nb_segs == 1) {
      p.data = rte_pktmbuf_mtod(mb, const uint8_t*);
      p.cap_len = rte_pktmbuf_data_len(mb);
    } else {
      if (qs.linear.empty()) qs.linear.resize(size_t{m.burst} * kMaxLinearBytes);
      uint32_t len = std::min<uint32_t>(p.wire_len, kMaxLinearBytes);
      uint8_t* dst = qs.linear.data() + linear_used;
      // rte_pktmbuf_read copies across segments (it returns the mbuf's own bytes when they are
      // contiguous, which a chained mbuf's first `len` bytes are not).
      const void* src = rte_pktmbuf_read(mb, 0, len, dst);
      if (src != dst && src != nullptr) std::memcpy(dst, src, len);
      p.data = dst;
      p.cap_len = src != nullptr ? len : 0;
      linear_used += len;
    }
    if (m.ts_offset >= 0 && (mb->ol_flags & m.ts_flag)) {
      auto ts = *RTE_MBUF_DYNFIELD(mb, m.ts_offset, rte_mbuf_timestamp_t*);
      p.ts_us = static_cast<int64_t>(ts / m.ts_divisor);
    } else {
      if (now_us == 0) now_us = wall_clock_us();
      p.ts_us = now_us;
    }
  }
  return n;
}

void DpdkPort::release(uint16_t q) {
  impl_->free_burst(impl_->queues[q]);
}

DpdkStats DpdkPort::stats() const {
  DpdkStats s;
  rte_eth_stats st{};
  if (rte_eth_stats_get(impl_->port, &st) != 0) return s;
  s.packets = st.ipackets;
  s.bytes = st.ibytes;
  s.missed = st.imissed;
  s.errors = st.ierrors;
  s.no_mbuf = st.rx_nombuf;
  // Per-queue counters exist for the first RTE_ETHDEV_QUEUE_STAT_CNTRS queues only.
  uint16_t n = std::min<uint16_t>(impl_->nb_queues, RTE_ETHDEV_QUEUE_STAT_CNTRS);
  s.queues.resize(impl_->nb_queues);
  for (uint16_t q = 0; q < n; ++q) {
    s.queues[q].packets = st.q_ipackets[q];
    s.queues[q].bytes = st.q_ibytes[q];
    s.queues[q].errors = st.q_errors[q];
  }
  return s;
}

}  // namespace mirador
