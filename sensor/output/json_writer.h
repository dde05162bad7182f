// The JSON form of an HTTP transaction record: one object per line, snake_case keys in the
// spirit of Zeek's http.log. Keys whose value is empty or unknown are left out; counts are always
// written. Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are written as the
// text "\xNN" (as Zeek does), so a record is always valid JSON and never loses information.
#pragma once

#include <string>
#include <string_view>

#include "sensor/output/transaction_sink.h"

namespace mirador {

class UriMasker;

// Appends the record (without a trailing newline) to `out`. With a masker, credentials in the
// request target and the referrer are masked; returns how many values were.
size_t append_transaction_json(const FlowContext& flow, const HttpTransaction& txn,
                               std::string& out, const UriMasker* masker = nullptr);

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

// RFC 3339 UTC with microseconds: 2026-11-28T13:45:01.123456Z
void append_rfc3339(std::string& out, int64_t ts_us);

}  // namespace mirador
