#!/usr/bin/env python3
"""A small, realistic REST API on Flask + sqlite, used as the target of the detection-quality run.

DELIBERATELY VULNERABLE: several handlers build SQL by string concatenation so that sqlmap finds
injections and goes on to enumerate, as it would against a real careless API. Bind it only to a
network-namespace address in 198.18.0.0/15 (tools/detection_quality.sh does); never expose it.

The data is generated from a fixed seed (no real people): users, products, orders, sessions.

Usage: demo_api.py --host 198.18.99.1 --port 8080 [--db PATH] [--seed N]
"""
import argparse
import ipaddress
import json
import os
import random
import socket
import sqlite3
import tempfile
import time
import urllib.parse

from flask import Flask, g, jsonify, request
from werkzeug.serving import WSGIRequestHandler, run_simple

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Émile", "Fatima", "Gareth", "Hiro", "Ines", "José",
         "Katarzyna", "Liam", "Mei", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás"]
LAST = ["O'Brien", "D'Angelo", "Smith", "Müller", "García", "Nguyen", "Kowalski", "Rossi",
        "Dubois", "Yamamoto", "Okafor", "Johansson", "Silva", "Novak", "Andersen", "Costa"]
CATEGORIES = ["books", "electronics", "garden", "pets", "toys", "kitchen", "music", "sports"]
ADJ = ["Compact", "Deluxe", "Classic", "Wireless", "Organic", "Portable", "Vintage", "Smart"]
NOUN = ["Lamp", "Speaker", "Kettle", "Backpack", "Guitar", "Novel", "Leash", "Planter", "Drone",
        "Blender", "Football", "Headphones"]
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"]
SORTS = {"price", "name", "id", "rating"}
MAX_VALUE_BYTES = 16 * 1024 * 1024  # largest string or blob a query may make
MAX_QUERY_SECONDS = 8.0  # a query running longer is interrupted (sqlite3.OperationalError)


def seed_db(path, seed):
    rnd = random.Random(seed)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE, password TEXT,
                            full_name TEXT, email TEXT, phone TEXT, city TEXT, role TEXT);
        CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, category TEXT, price REAL,
                               rating REAL, stock INTEGER, description TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, product_id INTEGER,
                             quantity INTEGER, status TEXT, address TEXT, created TEXT);
        CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER);
    """)
    for uid in range(1, 201):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        uname = "admin" if uid == 1 else f"{first.lower()}.{last.lower().replace(chr(39), '')}{uid}"
        db.execute("INSERT INTO users VALUES (?,?,?,?,?,?,?,?)",
                   (uid, uname, f"pw-{rnd.getrandbits(32):08x}", f"{first} {last}",
                    f"{uname}@example.org", f"+1-555-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}",
                    rnd.choice(["Lisbon", "Osaka", "Denver", "Kraków", "Lyon"]),
                    "admin" if uid == 1 else "customer"))
        db.execute("INSERT INTO sessions VALUES (?,?)", (f"s{uid:04d}{rnd.getrandbits(48):012x}", uid))
    for pid in range(1, 301):
        name = f"{rnd.choice(ADJ)} {rnd.choice(NOUN)}"
        db.execute("INSERT INTO products VALUES (?,?,?,?,?,?,?)",
                   (pid, name, rnd.choice(CATEGORIES), round(rnd.uniform(2, 400), 2),
                    round(rnd.uniform(1, 5), 1), rnd.randint(0, 500), f"A {name.lower()} you'll love."))
    for oid in range(1, 1001):
        db.execute("INSERT INTO orders VALUES (?,?,?,?,?,?,?)",
                   (oid, rnd.randint(1, 200), rnd.randint(1, 300), rnd.randint(1, 5),
                    rnd.choice(STATUSES), f"{rnd.randint(1, 999)} Main St",
                    f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"))
    db.commit()
    db.close()


def bound_queries(conn):
    """sqlmap's time-based payloads for SQLite allocate huge blobs (RANDOMBLOB(500000000)) and its
    enumeration can ask for cartesian products: cap string/blob size and query time so an attack
    cannot exhaust the machine's memory or keep threads busy after the client has given up."""
    if hasattr(conn, "setlimit"):  # Python 3.11+
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    deadline = time.monotonic() + MAX_QUERY_SECONDS
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10000)


def make_app(db_path):
    app = Flask(__name__)

    def db():
        if "db" not in g:
            g.db = sqlite3.connect(db_path, timeout=5)
            g.db.row_factory = sqlite3.Row
            bound_queries(g.db)
        return g.db

    @app.after_request
    def drain_body(response):  # an unread body would be taken for the next request on keep-alive
        request.get_data()
        return response

    @app.teardown_appcontext
    def close_db(_exc):
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    def rows(sql, args=()):
        return [dict(r) for r in db().execute(sql, args).fetchall()]

    @app.errorhandler(sqlite3.Error)
    def sql_error(exc):  # a careless API leaks its database errors (sqlmap's error-based checks)
        return jsonify(error="database error", detail=str(exc)), 500

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/api/products")
    def products():
        category = request.args.get("category", "")
        q = request.args.get("q", "")
        page = request.args.get("page", "1")
        sort = request.args.get("sort", "id")
        where = "1=1"
        if category:
            where += " AND category='" + category + "'"  # VULNERABLE on purpose
        if q:
            where += " AND name LIKE '%" + q + "%'"  # VULNERABLE on purpose
        order = sort if sort in SORTS else "id"
        try:
            offset = max(0, int(page) - 1) * 20
        except ValueError:
            offset = 0
        items = rows(f"SELECT id, name, category, price, rating FROM products WHERE {where} "
                     f"ORDER BY {order} LIMIT 20 OFFSET {offset}")
        return jsonify(page=page, count=len(items), items=items)

    @app.get("/api/users/<uid>")
    def user(uid):
        found = rows("SELECT id, username, full_name, city FROM users WHERE id=" + uid)  # VULNERABLE
        if not found:
            return jsonify(error="not found"), 404
        return jsonify(found[0])

    @app.get("/api/orders")
    def orders():
        user_id = request.args.get("user_id", "1")
        status = request.args.get("status", "")
        sql = "SELECT id, user_id, product_id, quantity, status, created FROM orders WHERE user_id=" + user_id
        if status in STATUSES:
            sql += " AND status='" + status + "'"
        return jsonify(orders=rows(sql + " ORDER BY id LIMIT 50"))  # user_id VULNERABLE on purpose

    @app.post("/api/orders")
    def create_order():
        body = request.get_json(silent=True) or {}
        items = body.get("items") or [{}]
        first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        cur = db().execute(
            "INSERT INTO orders (user_id, product_id, quantity, status, address, created) "
            "VALUES (?,?,?,?,?,date('now'))",
            (str(body.get("user_id", 0)), str(first.get("product_id", 0)), str(first.get("quantity", 1)),
             "pending", json.dumps(body.get("shipping", {}))))
        db().commit()
        return jsonify(id=cur.lastrowid, status="pending"), 201

    @app.route("/api/orders/<int:oid>", methods=["PUT", "DELETE"])
    def change_order(oid):
        if request.method == "DELETE":
            db().execute("UPDATE orders SET status='cancelled' WHERE id=?", (oid,))
            db().commit()
            return jsonify(id=oid, status="cancelled")
        body = request.get_json(silent=True) or {}
        status = str(body.get("status", "pending"))
        db().execute("UPDATE orders SET status=?, quantity=? WHERE id=?",
                     (status, str(body.get("quantity", 1)), oid))
        db().commit()
        return jsonify(id=oid, status=status)

    @app.post("/api/login")
    def login():
        body = request.get_json(silent=True) or {}
        username = str(body.get("username", ""))
        password = str(body.get("password", ""))
        found = rows("SELECT id, username, role FROM users WHERE username='" + username + "'")  # VULNERABLE
        if not found:
            return jsonify(ok=False, error="unknown user"), 401
        ok = rows("SELECT id FROM users WHERE id=? AND password=?", (found[0]["id"], password))
        return jsonify(ok=bool(ok), user=found[0]), (200 if ok else 401)

    @app.post("/api/search")
    def search():
        term = request.form.get("term", "")
        category = request.form.get("category", "")
        sql = "SELECT id, name, price FROM products WHERE description LIKE '%" + term + "%'"  # VULNERABLE
        if category in CATEGORIES:
            sql += " AND category='" + category + "'"
        return jsonify(results=rows(sql + " LIMIT 20"))

    @app.get("/api/profile")
    def profile():
        token = urllib.parse.unquote(request.cookies.get("session", ""))  # as many cookie parsers do
        found = rows("SELECT u.id, u.username, u.full_name, u.email, u.city FROM sessions s "
                     "JOIN users u ON u.id = s.user_id WHERE s.token='" + token + "'")  # VULNERABLE
        if not found:
            return jsonify(error="not logged in"), 401
        return jsonify(found[0])

    @app.get("/api/sessions")  # lets the benign client and the harness log in with a real token
    def sessions():
        return jsonify(tokens=[r["token"] for r in rows("SELECT token FROM sessions ORDER BY user_id LIMIT 20")])

    return app


class KeepAliveHandler(WSGIRequestHandler):
    """Werkzeug's development server closes every connection ("Connection: close") because
    http.server cannot drain an unread request body; the app drains every body (see
    drain_body), so HTTP/1.1 keep-alive is safe here, as it is on the production servers real
    APIs run on. A client that asks for close (sqlmap does) still gets it."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK stall every keep-alive response by 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and not self._client_wants_close():
            return
        super().send_header(keyword, value)

    def _client_wants_close(self):
        return (self.headers.get("Connection", "").lower() == "close" or
                self.request_version != "HTTP/1.1")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--db", help="sqlite file (default: a temp file removed at exit)")
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    addr = ipaddress.ip_address(args.host)
    if addr not in ipaddress.ip_network("198.18.0.0/15") and not addr.is_loopback:
        ap.error("bind to a namespace address in 198.18.0.0/15 (or loopback) only")
    tmp = None
    path = args.db
    if not path:
        tmp = tempfile.TemporaryDirectory(prefix="mirador_demo_api.")
        path = os.path.join(tmp.name, "demo.sqlite")
    if os.path.exists(path):
        os.remove(path)
    seed_db(path, args.seed)
    run_simple(args.host, args.port, make_app(path), threaded=True, use_reloader=False,
               request_handler=KeepAliveHandler)


if __name__ == "__main__":
    main()
