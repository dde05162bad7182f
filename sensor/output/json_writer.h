// The JSON form of an event: one object per line, the proto3 JSON of mirador.v1.Event
// (proto/mirador/v1/event.proto) with the proto field names kept as written (snake_case):
//   {"sensor_id":"s1","sequence":7,"time":"2026-11-28T13:45:01.123456Z",
//    "http":{"flow":{"community_id":"1:…","src_ip":"…","src_port":N,…},"trans_depth":1,…}}
// Written by hand because it is on the hot path (protobuf's JSON printer is far slower); a test
// parses every line with protobuf's JSON parser and compares it with EventBuilder's message.
//
// As proto3 JSON does, empty strings, empty lists, false and absent messages are left out.
// Unlike its default printer, ports, trans_depth, the body lengths and (with a response) status
// are always written: a zero there is a fact worth seeing, and a parser reads an explicit zero
// exactly as an absent one. 64-bit numbers are JSON numbers (the parser accepts them). Strings are
// escaped per RFC 8259; bytes that are not valid UTF-8 become the text "\xNN" (utf8_text.h), so a
// line is always valid JSON and never loses information.
#pragma once

#include <string>
#include <string_view>

#include "sensor/output/event_sink.h"

namespace mirador {

namespace v1 {
class Event;
}

// Appends the JSON line (without a trailing newline) of an Event as EventBuilder builds it
// (credentials masked, UTF-8 repaired): the output thread writes from the message parsed out of
// the queued bytes. tests/sensor/event_json_equivalence_test.cc proves every line parses back into
// the same message. `http` events (the hot path) are written by hand; the other kinds (stats, and
// later findings and endpoints: a few per second) through protobuf's own proto3 JSON printer with
// the field names as written.
void append_event_json(const v1::Event& e, std::string& out);

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

// RFC 3339 UTC with microseconds: 2026-11-28T13:45:01.123456Z
void append_rfc3339(std::string& out, int64_t ts_us);

}  // namespace mirador
