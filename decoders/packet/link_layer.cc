// Link layers by pcap DLT, Ethernet with VLAN/QinQ tags, and MPLS label stacks.
#include "decoders/packet/byte_order.h"
#include "decoders/packet/decode_context.h"

namespace mirador::detail {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr uint16_t kEtherMplsUc = 0x8847;
constexpr uint16_t kEtherMplsMc = 0x8848;
constexpr uint16_t kMinEthertype = 0x0600;  // below: an 802.3 length field (LLC frames)

constexpr uint32_t kEthernetLen = 14;
constexpr uint32_t kSllLen = 16;
constexpr uint32_t kSll2Len = 20;
constexpr uint32_t kNullLen = 4;

bool is_vlan_tpid(uint16_t t) {
  return t == kEtherVlan || t == kEtherQinQ || t == kEtherQinQOld;
}

DecodeResult decode_mpls(DecodeContext& c, const uint8_t* p, uint32_t len) {
  c.saw_mpls = true;
  for (;;) {
    if (len < 4) return c.fail(DecodeError::truncated_mpls);
    const bool bottom = (p[2] & 0x01) != 0;
    if (c.out.mpls_labels < UINT8_MAX) ++c.out.mpls_labels;
    p += 4;
    len -= 4;
    if (bottom) break;
  }
  // MPLS does not say what it carries: the first nibble tells IPv4 from IPv6. Anything else
  // (pseudowire control word, Ethernet over MPLS) is not decoded.
  if (len == 0) return c.fail(DecodeError::truncated_mpls);
  switch (p[0] >> 4) {
    case 4:
      return decode_ipv4(c, p, len);
    case 6:
      return decode_ipv6(c, p, len);
    default:
      return DecodeResult::not_ip;
  }
}

// DLT_NULL: a 4-byte address family in the byte order of the capturing host.
DecodeResult decode_null(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kNullLen) return c.fail(DecodeError::truncated_l2);
  const uint32_t le = p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
  const uint32_t be = load_be32(p);
  const auto is_inet6 = [](uint32_t f) { return f == 10 || f == 24 || f == 28 || f == 30; };
  if (le == 2 || be == 2) return decode_ipv4(c, p + kNullLen, len - kNullLen);
  if (is_inet6(le) || is_inet6(be)) return decode_ipv6(c, p + kNullLen, len - kNullLen);
  return DecodeResult::not_ip;
}

}  // namespace

DecodeResult decode_ethertype(DecodeContext& c, uint16_t type, const uint8_t* p, uint32_t len) {
  while (is_vlan_tpid(type)) {
    if (len < 4) return c.fail(DecodeError::truncated_vlan);
    c.saw_vlan = true;
    if (c.out.vlan_count < 2) c.out.vlan[c.out.vlan_count++] = load_be16(p) & 0x0FFF;
    type = load_be16(p + 2);
    p += 4;
    len -= 4;
  }
  switch (type) {
    case kEtherIpv4:
      return decode_ipv4(c, p, len);
    case kEtherIpv6:
      return decode_ipv6(c, p, len);
    case kEtherMplsUc:
    case kEtherMplsMc:
      return decode_mpls(c, p, len);
    default:
      return DecodeResult::not_ip;
  }
}

DecodeResult decode_ethernet(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kEthernetLen) return c.fail(DecodeError::truncated_l2);
  const uint16_t type = load_be16(p + 12);
  if (type < kMinEthertype) return DecodeResult::not_ip;
  return decode_ethertype(c, type, p + kEthernetLen, len - kEthernetLen);
}

DecodeResult decode_ip_by_version(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len == 0) return c.fail(DecodeError::bad_ipv4_header);
  switch (p[0] >> 4) {
    case 4:
      return decode_ipv4(c, p, len);
    case 6:
      return decode_ipv6(c, p, len);
    default:
      return DecodeResult::not_ip;
  }
}

DecodeResult decode_link(DecodeContext& c, int link_type, const uint8_t* p, uint32_t len) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::ethernet:
      return decode_ethernet(c, p, len);
    case LinkType::linux_sll:
      if (len < kSllLen) return c.fail(DecodeError::truncated_l2);
      return decode_ethertype(c, load_be16(p + 14), p + kSllLen, len - kSllLen);
    case LinkType::linux_sll2:
      if (len < kSll2Len) return c.fail(DecodeError::truncated_l2);
      return decode_ethertype(c, load_be16(p), p + kSll2Len, len - kSll2Len);
    case LinkType::raw:
    case LinkType::raw_ip:
      return decode_ip_by_version(c, p, len);
    case LinkType::ipv4:
      return decode_ipv4(c, p, len);
    case LinkType::ipv6:
      return decode_ipv6(c, p, len);
    case LinkType::null_loopback:
      return decode_null(c, p, len);
  }
  return c.fail(DecodeError::unsupported_link_type);
}

}  // namespace mirador::detail
