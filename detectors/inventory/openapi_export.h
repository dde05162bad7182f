// OpenAPI 3.0 export of the inventory (issue 5): one document describing the endpoints the
// sensor saw — servers from the hosts, paths from the templates ("{id}" path parameters
// declared), operations per method with their query parameters, request bodies (JSON with the
// body keys seen as properties), responses by status code with their content types, and
// security schemes from the credential kinds. Extension fields (x-mirador-*) carry what OpenAPI
// has no word for: first/last seen, counts, data classes, sensitivity.
#pragma once

#include <string>
#include <string_view>

#include "detectors/inventory/inventory.h"

namespace mirador::detect {

struct OpenApiOptions {
  std::string title = "APIs observed by Mirador";
  std::string version = "1";
  std::string host;  // only this host ("" = every host: each becomes a server)
};

// Appends the document, as JSON (OpenAPI 3.0.3), to `out`.
void export_openapi(const Inventory& inv, const OpenApiOptions& opt, std::string& out);

}  // namespace mirador::detect
