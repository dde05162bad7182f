#include "detectors/fields/multipart_walk.h"

#include "decoders/ascii.h"
#include "detectors/fields/media_type.h"

namespace mirador::detect {

namespace {

constexpr size_t npos = std::string_view::npos;

// The next delimiter line at or after `from`: "--boundary" at the start of the body or of a line.
size_t find_delimiter(std::string_view body, std::string_view delimiter, size_t from) {
  size_t p = body.find(delimiter, from);
  while (p != npos && p != 0 && body[p - 1] != '\n') p = body.find(delimiter, p + 1);
  return p;
}

// One line starting at `pos` without its CR LF (or bare LF); `next` is where the following line
// starts. False when no line end is left.
bool next_line(std::string_view body, size_t pos, std::string_view& line, size_t& next) {
  const size_t nl = body.find('\n', pos);
  if (nl == npos) return false;
  line = body.substr(pos, nl - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  next = nl + 1;
  return true;
}

}  // namespace

bool MultipartWalker::walk(std::string_view body, std::string_view content_type, Part part,
                           FieldList& out, MultipartWalkStats& stats) {
  std::string_view boundary;
  if (!header_param(content_type, "boundary", boundary) || boundary.empty()) return false;
  delimiter_.assign("--");
  delimiter_.append(boundary);

  const size_t mark = out.size();
  MultipartWalkStats local;
  size_t parts = 0;
  bool closed = false;
  size_t p = find_delimiter(body, delimiter_, 0);
  while (p != npos) {
    const size_t after = p + delimiter_.size();
    if (body.substr(after, 2) == "--") {
      closed = true;
      break;
    }
    // The rest of the delimiter line (transport padding), then the part's headers up to a
    // blank line.
    std::string_view line;
    size_t pos = 0;
    if (!next_line(body, after, line, pos)) break;
    std::string_view disposition, type;
    bool headers_done = false;
    while (next_line(body, pos, line, pos)) {
      if (line.empty()) {
        headers_done = true;
        break;
      }
      const size_t colon = line.find(':');
      if (colon == npos) continue;
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = line.substr(colon + 1);
      if (ascii_iequals(name, "Content-Disposition")) disposition = value;
      if (ascii_iequals(name, "Content-Type")) type = value;
    }
    if (!headers_done) break;
    const size_t next = find_delimiter(body, delimiter_, pos);
    if (next == npos) break;
    // The line break before a delimiter belongs to the delimiter.
    size_t end = next;
    if (end > pos && body[end - 1] == '\n') --end;
    if (end > pos && body[end - 1] == '\r') --end;
    const std::string_view content = body.substr(pos, end - pos);
    p = next;

    if (parts >= max_parts_) {
      ++local.parts_dropped;
      continue;
    }
    ++parts;
    if (content.empty()) continue;
    std::string_view name, filename;
    header_param(disposition, "name", name);
    const bool file = header_param(disposition, "filename", filename);
    if (!file && body_kind(type) == BodyKind::json) {
      JsonWalkStats js;
      if (json_.walk(content, part, name, name, out, js)) {
        local.dropped += js.dropped;
        local.too_deep += js.too_deep;
        continue;
      }
      ++local.json_errors;
      if (!out.add(part, name, content, name, true)) ++local.dropped;
      continue;
    }
    if (!out.add(part, name, content, name, file)) ++local.dropped;
  }
  if (!closed) {
    out.truncate(mark);
    return false;
  }
  stats.dropped += local.dropped;
  stats.too_deep += local.too_deep;
  stats.json_errors += local.json_errors;
  stats.parts_dropped += local.parts_dropped;
  return true;
}

}  // namespace mirador::detect
