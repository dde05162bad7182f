// One HTTP transaction with its flow context, as the worker hands it to its sink: the input of
// the output-path tests (queue, output thread, remote sinks).
#pragma once

#include <cstdint>

#include "decoders/http1/http_transaction.h"
#include "decoders/packet/ip_address.h"
#include "sensor/output/transaction_sink.h"

namespace mirador::test {

struct SampleTransaction {
  SampleTransaction() {
    t.request_ts_us = 1'795'873'875'000'000;
    t.end_ts_us = t.request_ts_us + 250;
    t.method = "GET";
    t.uri = "/items?id=7";
    t.version = "1.1";
    t.has_response = true;
    t.status = 200;
    ctx.client_ip = &cip;
    ctx.client_port = 40000;
    ctx.server_ip = &sip;
    ctx.server_port = 80;
  }
  SampleTransaction(const SampleTransaction&) = delete;  // ctx points into this object
  SampleTransaction& operator=(const SampleTransaction&) = delete;

  uint8_t c[4] = {198, 18, 0, 1}, s[4] = {198, 18, 0, 2};
  IpAddress cip = IpAddress::v4(c), sip = IpAddress::v4(s);
  HttpTransaction t;
  FlowContext ctx;
};

}  // namespace mirador::test
