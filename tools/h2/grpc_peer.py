#!/usr/bin/env python3
"""A small gRPC service and its client (python3-grpcio), for the HTTP/2 test captures.

The messages are protobuf bytes written by hand (no generated stubs: the sensor reads them without
a schema, and so does this file). `server ADDR` serves mirador.demo.Customers with Get (unary),
List (server streaming) and Update (unary; NOT_FOUND for an unknown id); `client ADDR` calls each,
with and without gzip message compression.
"""
import sys
import time
from concurrent import futures

import grpc

SERVICE = "mirador.demo.Customers"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, b):
    if isinstance(b, str):
        b = b.encode()
    return varint(num << 3 | 2) + varint(len(b)) + b


def read_fields(b):
    """Top-level (field number, value) pairs of a message: varints and length-delimited only."""
    i, out = 0, []
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("unexpected wire type %d" % wt)
        out.append((num, v))
    return out


def read_varint(b, i):
    shift = v = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


# Customer { 1: id, 2: name, 3: email, 4: Contact { 1: phone, 2: id_card }, 5: repeated tags }
CUSTOMERS = {
    7: ("Li Wei", "li.wei@example.com", "13812345678", "11010519491231002X"),
    8: ("Ana Souza", "ana.souza@example.org", "13987654321", "440304199001010011"),
    9: ("Sam Lee", "sam.lee@example.net", "13700001111", "310101198001010018"),
}


def customer(cid):
    name, email, phone, id_card = CUSTOMERS[cid]
    contact = field_bytes(1, phone) + field_bytes(2, id_card)
    return (field_varint(1, cid) + field_bytes(2, name) + field_bytes(3, email) +
            field_bytes(4, contact) + field_bytes(5, "vip") + field_bytes(5, "retail"))


def request_id(req):
    for num, v in read_fields(req):
        if num == 1 and isinstance(v, int):
            return v
    return 0


def get(req, ctx):
    cid = request_id(req)
    if cid not in CUSTOMERS:
        ctx.abort(grpc.StatusCode.NOT_FOUND, "no customer %d" % cid)
    return customer(cid)


def list_customers(req, ctx):
    for cid in sorted(CUSTOMERS):
        yield customer(cid)


def update(req, ctx):
    cid = request_id(req)
    if cid not in CUSTOMERS:
        ctx.abort(grpc.StatusCode.NOT_FOUND, "no customer %d" % cid)
    return field_varint(1, cid) + field_bytes(2, "updated")


def serve(addr):
    handlers = {
        "Get": grpc.unary_unary_rpc_method_handler(get),
        "List": grpc.unary_stream_rpc_method_handler(list_customers),
        "Update": grpc.unary_unary_rpc_method_handler(update),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         handlers=[grpc.method_handlers_generic_handler(SERVICE, handlers)])
    server.add_insecure_port(addr)
    server.start()
    print("serving", addr, flush=True)
    server.wait_for_termination(timeout=120)  # bounded: the harness stops it long before


def client(addr):
    with grpc.insecure_channel(addr) as ch:
        grpc.channel_ready_future(ch).result(timeout=10)
        m = "/" + SERVICE + "/"
        get_call = ch.unary_unary(m + "Get")
        list_call = ch.unary_stream(m + "List")
        update_call = ch.unary_unary(m + "Update")
        print("Get 7:", read_fields(get_call(field_varint(1, 7), timeout=5))[:3])
        print("Get 8 (gzip):", read_fields(get_call(field_varint(1, 8), timeout=5,
                                                    compression=grpc.Compression.Gzip))[:3])
        print("List:", len(list(list_call(b"", timeout=5))), "customers")
        # The customer's new contact, sent compressed: the request carries the sensitive values.
        upd = field_varint(1, 9) + field_bytes(4, field_bytes(1, "13700002222") +
                                                field_bytes(2, "310101198001010018"))
        print("Update 9 (gzip):", read_fields(update_call(upd, timeout=5,
                                                          compression=grpc.Compression.Gzip)))
        try:
            get_call(field_varint(1, 404), timeout=5)
        except grpc.RpcError as e:
            print("Get 404:", e.code(), e.details())


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("server", "client"):
        sys.exit("usage: grpc_peer.py server|client ADDR")
    (serve if sys.argv[1] == "server" else client)(sys.argv[2])
    time.sleep(0.2)
