#!/usr/bin/env python3
"""A small shop-and-social API on Flask with the authorisation bugs real APIs ship, used as the
target of the abuse scenario captures (tools/make_scenario_captures.sh, issue 5).

DELIBERATELY VULNERABLE. Bind it only to a network-namespace address in 198.18.0.0/15.
  - POST /api/login (JSON or form) hands out HS256 JWTs (sub = the user's id, roles); a failure
    is 401 (JSON) or 403 (form).
  - GET /api/users/<id> returns anyone's personal data to any authenticated caller (BOLA).
  - GET /api/users lists users, up to 100 a page, with their personal data (excessive exposure).
  - GET /api/users/search?phone=… and POST /api/contacts/match (address-book matching) tell
    who owns a phone number, one or a whole address book at a time.
  - GET /api/orders?user_id=… answers for any user_id; POST /api/orders takes negative amounts.
  - GET /api/admin/users answers any valid token (BFLA: the role is never checked).
  - POST /api/payments/transfer checks its X-Signature (HMAC) but never remembers X-Nonce, so a
    recorded request can be replayed.
  - POST /web/login sets the cookies session=…; role=user, and GET /web/account believes the
    role cookie.
The data is generated from a fixed seed (no real people).

Usage: api.py --host 198.18.98.1 --port 8080 [--seed N] [--users N]
"""
import argparse
import hashlib
import hmac
import ipaddress
import random
import secrets
import socket
import threading
import time

import jwt  # PyJWT (python3-jwt)
from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, run_simple

JWT_KEY = b"scenario-api-signing-key-not-secret"  # a test key: the captures are public
APP_SECRETS = {"shop-web": b"web-app-secret-1", "shop-ios": b"ios-app-secret-2"}
SIGNED_MAX_SKEW_S = 600  # the only replay defence: the timestamp must be recent

GIVEN = ["Wei", "Fang", "Lei", "Min", "Jing", "Tao", "Yan", "Hui", "Qiang", "Xia", "Jun", "Li",
         "Ping", "Hong", "Bo", "Ying", "Chao", "Na", "Gang", "Lan"]
FAMILY = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
          "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]
STREETS = ["Jianguo Road", "Nanjing East Road", "Huaihai Middle Road", "Zhongshan Road",
           "Renmin Avenue", "Xinhua Street", "Jiefang Road", "Wenhua Road"]
CITIES = ["Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan"]
PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158",
            "159", "177", "186", "187", "188", "189", "199"]
PRODUCTS = [(1, "Tea set", 129.0), (2, "Rice cooker", 399.0), (3, "Desk lamp", 59.9),
            (4, "Backpack", 189.0), (5, "Headphones", 299.0), (6, "Notebook", 12.5)]


def make_users(seed, count):
    rnd = random.Random(seed)
    users, phones = {}, set()
    for uid in range(1, count + 1):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        while True:
            phone = rnd.choice(PREFIXES) + "%08d" % rnd.randrange(10 ** 8)
            if phone not in phones:
                phones.add(phone)
                break
        username = "admin" if uid == 1 else "%s.%s%d" % (given.lower(), family.lower(), uid)
        users[uid] = {
            "id": uid,
            "username": username,
            "full_name": "%s %s" % (given, family),
            "phone": phone,
            "email": "%s@example.com" % username,
            "address": "No. %d %s, %s" % (rnd.randint(1, 400), rnd.choice(STREETS), rnd.choice(CITIES)),
            "password": "pw-%s-%04d" % (username.split(".")[0], uid),
            "roles": ["admin"] if uid == 1 else ["user"],
        }
    return users


def public(u):
    return {k: u[k] for k in ("id", "username", "full_name", "phone", "email", "address")}


def make_app(users):
    app = Flask(__name__)
    by_name = {u["username"]: u for u in users.values()}
    by_phone = {u["phone"]: u for u in users.values()}
    orders = {}
    lock = threading.Lock()
    rnd = random.Random(7)
    for oid in range(1, 3 * len(users) + 1):
        pid, _, price = rnd.choice(PRODUCTS)
        qty = rnd.randint(1, 3)
        orders[oid] = {"id": oid, "user_id": rnd.randint(1, len(users)), "product_id": pid,
                       "quantity": qty, "amount": round(price * qty, 2), "status": "paid"}
    sessions = {}  # cookie session -> user id

    @app.after_request
    def drain_body(response):  # an unread body would be taken for the next request on keep-alive
        request.get_data()
        # An HTTP/1.0 client asking for keep-alive (ab -k) keeps the connection when told so.
        if (request.environ.get("SERVER_PROTOCOL") == "HTTP/1.0" and
                request.headers.get("Connection", "").lower() == "keep-alive"):
            response.headers["Connection"] = "keep-alive"
        return response

    def caller():
        """The user the Bearer JWT names (signature and expiry verified), or None."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(auth[7:], JWT_KEY, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        try:
            return users.get(int(claims.get("sub", "")))
        except ValueError:
            return None

    def unauthorized():
        return jsonify(error="unauthorized"), 401

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.get("/api/login")
    def login_form():  # what a browser (or hydra's first look) gets
        return jsonify(login="POST username and password, as JSON or a form")

    @app.post("/api/login")
    def login():
        body = request.get_json(silent=True) if request.is_json else None
        form = body if isinstance(body, dict) else request.form
        u = by_name.get(str(form.get("username", "")))
        if u is None or not hmac.compare_digest(u["password"], str(form.get("password", ""))):
            # JSON clients get 401; the form login (the old web page's) 403, as such pages do
            # (and as hydra's http-post-form needs: it takes a 401 for HTTP authentication).
            return jsonify(error="invalid credentials"), (401 if body is not None else 403)
        now = int(time.time())
        token = jwt.encode({"sub": str(u["id"]), "name": u["username"], "roles": u["roles"],
                            "iat": now, "exp": now + 3600}, JWT_KEY, algorithm="HS256")
        return jsonify(token=token, user_id=u["id"], expires_in=3600)

    @app.get("/api/me")
    def me():
        u = caller()
        return jsonify(public(u)) if u else unauthorized()

    @app.get("/api/users/<int:uid>")
    def user(uid):  # BOLA: any authenticated caller reads anyone
        if caller() is None:
            return unauthorized()
        u = users.get(uid)
        return jsonify(public(u)) if u else (jsonify(error="not found"), 404)

    @app.get("/api/users")
    def user_list():  # every field of every user, 100 a page
        if caller() is None:
            return unauthorized()
        page = max(1, request.args.get("page", 1, type=int))
        per_page = min(100, max(1, request.args.get("per_page", 20, type=int)))
        ids = sorted(users)[(page - 1) * per_page:page * per_page]
        return jsonify(page=page, per_page=per_page, total=len(users),
                       users=[public(users[i]) for i in ids])

    @app.get("/api/users/search")
    def user_search():  # who owns this phone number
        if caller() is None:
            return unauthorized()
        u = by_phone.get(request.args.get("phone", "").removeprefix("+86"))
        if u is None:
            return jsonify(results=[])
        return jsonify(results=[{"id": u["id"], "username": u["username"],
                                 "full_name": u["full_name"], "phone": u["phone"]}])

    @app.post("/api/contacts/match")
    def contacts_match():  # address-book matching: a whole book in one request
        if caller() is None:
            return unauthorized()
        body = request.get_json(silent=True) or {}
        phones = body.get("phones") if isinstance(body, dict) else None
        if not isinstance(phones, list) or len(phones) > 1000:
            return jsonify(error="phones: a list of at most 1000 numbers"), 400
        matches = [{"phone": p, "user_id": by_phone[p]["id"], "full_name": by_phone[p]["full_name"]}
                   for p in phones if isinstance(p, str) and p in by_phone]
        return jsonify(matched=len(matches), matches=matches)

    @app.get("/api/orders")
    def order_list():  # answers for any user_id: the caller is never compared
        u = caller()
        if u is None:
            return unauthorized()
        owner = request.args.get("user_id", str(u["id"]))
        try:
            owner_id = int(owner)
        except ValueError:
            return jsonify(error="user_id must be a number"), 400
        with lock:
            mine = [o for o in orders.values() if o["user_id"] == owner_id][:20]
        return jsonify(user_id=owner_id, orders=mine)

    @app.post("/api/orders")
    def order_create():  # takes negative quantities and amounts: a refund by ordering
        u = caller()
        if u is None:
            return unauthorized()
        body = request.get_json(silent=True) or {}
        try:
            pid = int(body.get("product_id", 0))
            qty = int(body.get("quantity", 1))
            amount = float(body.get("amount", 0))
        except (TypeError, ValueError):
            return jsonify(error="product_id, quantity and amount are numbers"), 400
        if pid not in {p[0] for p in PRODUCTS}:
            return jsonify(error="unknown product"), 400
        with lock:
            oid = max(orders) + 1
            orders[oid] = {"id": oid, "user_id": u["id"], "product_id": pid, "quantity": qty,
                           "amount": amount, "status": "pending"}
        return jsonify(orders[oid]), 201

    @app.get("/api/products")
    def products():
        q = request.args.get("q", "").lower()
        return jsonify(products=[{"id": i, "name": n, "price": p} for i, n, p in PRODUCTS
                                 if q in n.lower()])

    @app.get("/api/notifications/count")
    def notifications():
        return jsonify(unread=0) if caller() else unauthorized()

    @app.get("/api/admin/users")
    def admin_users():  # BFLA: a valid token is enough, its roles are never read
        if caller() is None:
            return unauthorized()
        return jsonify(users=[{"id": u["id"], "username": u["username"], "roles": u["roles"]}
                              for u in list(users.values())[:20]])

    @app.post("/api/payments/transfer")
    def transfer():  # signed, but the nonce is never remembered: replayable
        u = caller()
        if u is None:
            return unauthorized()
        app_id = request.headers.get("X-App-Id", "")
        ts = request.headers.get("X-Timestamp", "")
        nonce = request.headers.get("X-Nonce", "")
        sig = request.headers.get("X-Signature", "")
        secret = APP_SECRETS.get(app_id)
        if secret is None or not ts.isdigit() or abs(time.time() - int(ts)) > SIGNED_MAX_SKEW_S:
            return jsonify(error="bad signature headers"), 401
        want = sign(secret, request.method, request.path, ts, nonce, request.get_data())
        if not hmac.compare_digest(want, sig):
            return jsonify(error="bad signature"), 401
        body = request.get_json(silent=True) or {}
        return jsonify(status="done", to=body.get("to"), amount=body.get("amount"),
                       reference=secrets.token_hex(6))

    @app.post("/web/login")
    def web_login():
        u = by_name.get(request.form.get("username", ""))
        if u is None or not hmac.compare_digest(u["password"], request.form.get("password", "")):
            return jsonify(ok=False, error="invalid credentials"), 401
        sid = secrets.token_hex(16)
        with lock:
            sessions[sid] = u["id"]
        resp = jsonify(ok=True)
        resp.set_cookie("session", sid, httponly=True)
        resp.set_cookie("role", "admin" if "admin" in u["roles"] else "user")  # trusted later
        return resp

    @app.get("/web/account")
    def web_account():
        with lock:
            uid = sessions.get(request.cookies.get("session", ""))
        if uid is None:
            return jsonify(error="not logged in"), 401
        out = {"user": users[uid]["username"], "role": request.cookies.get("role", "user")}
        if out["role"] == "admin":  # the cookie decides
            out["all_users"] = len(users)
            out["revenue_today"] = 48211.5
        return jsonify(out)

    return app


def sign(secret, method, path, ts, nonce, body):
    """X-Signature: hex HMAC-SHA256 over method, path, timestamp, nonce and the body's SHA-256."""
    msg = "\n".join([method, path, ts, nonce, hashlib.sha256(body).hexdigest()]).encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


class Handler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive (every body is drained), and each response leaves in one write (headers
    and body buffered, flushed once), as production servers send it: half the packets."""

    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self):
        return "shop-api/1.4"

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and not self._wants_close():
            return
        super().send_header(keyword, value)

    def _wants_close(self):
        return (self.headers.get("Connection", "").lower() == "close" or
                (self.request_version != "HTTP/1.1" and
                 self.headers.get("Connection", "").lower() != "keep-alive"))

    def log_request(self, code="-", size="-"):
        pass  # thousands of lines per scenario otherwise


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--users", type=int, default=500)
    args = ap.parse_args()
    addr = ipaddress.ip_address(args.host)
    if addr not in ipaddress.ip_network("198.18.0.0/15") and not addr.is_loopback:
        ap.error("bind to a namespace address in 198.18.0.0/15 (or loopback) only")
    run_simple(args.host, args.port, make_app(make_users(args.seed, args.users)), threaded=True,
               use_reloader=False, request_handler=Handler)


if __name__ == "__main__":
    main()
