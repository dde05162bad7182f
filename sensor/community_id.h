// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash that Zeek,
// Suricata and most SIEMs compute the same way, so Mirador's events join with theirs.
#pragma once

#include <cstdint>
#include <string>

#include "decoders/packet/ip_address.h"

namespace mirador {

// "1:<base64 of SHA-1>" for the flow (src, sport) → (dst, dport) over IP protocol `proto`.
// The result does not depend on the direction given.
std::string community_id_v1(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                            uint16_t dport, uint8_t proto, uint16_t seed = 0);

}  // namespace mirador
