"""Reads the Zeek http.log baselines of tests/data/zeek-http/: the TSV with a `#fields` line, or
the `zeek-cut -m` output whose first plain line names the columns. `-` (unset) and `(empty)`
become None, as a key absent from a Mirador record; counts become ints."""

import os

COUNT_FIELDS = ("id.orig_p", "id.resp_p", "trans_depth", "request_body_len",
                "response_body_len", "status_code", "info_code")


def read_http_log(path):
    """The log's rows as dicts keyed by Zeek's column names."""
    columns = None
    separator, unset, empty = "\t", "-", "(empty)"
    rows = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#separator"):
                separator = line.split(" ", 1)[1].encode().decode("unicode_escape")
            elif line.startswith("#unset_field"):
                unset = line.split(separator, 1)[1]
            elif line.startswith("#empty_field"):
                empty = line.split(separator, 1)[1]
            elif line.startswith("#fields"):
                columns = line.split(separator)[1:]
            elif line.startswith("#") or not line.strip():
                continue
            elif columns is None:
                columns = line.split(separator)  # zeek-cut -m: the first plain line
            else:
                values = line.split(separator)
                row = {}
                for name, value in zip(columns, values):
                    if value in (unset, empty):
                        value = None
                    elif name in COUNT_FIELDS:
                        value = int(value)
                    row[name] = value
                rows.append(row)
    return columns or [], rows


def cases(root):
    """(case name, capture path, http.log path) for every case folder under root."""
    out = []
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        caps = [os.path.join(folder, c) for c in ("trace.pcap", "trace.pcapng")
                if os.path.exists(os.path.join(folder, c))]
        log = os.path.join(folder, "http.log")
        if caps and os.path.exists(log):
            out.append((name, caps[0], log))
    return out
