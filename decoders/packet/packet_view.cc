#include "decoders/packet/packet_view.h"

namespace mirador {

const char* tunnel_kind_name(TunnelKind k) {
  switch (k) {
    case TunnelKind::none:
      return "none";
    case TunnelKind::gre:
      return "gre";
    case TunnelKind::erspan2:
      return "erspan2";
    case TunnelKind::erspan3:
      return "erspan3";
    case TunnelKind::vxlan:
      return "vxlan";
  }
  return "none";
}

}  // namespace mirador
