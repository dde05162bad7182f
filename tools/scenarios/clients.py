#!/usr/bin/env python3
"""The scripted clients of the abuse scenarios (tools/make_scenario_captures.sh): what a scraper,
an address-book matcher, a request replayer, a token sharer, a tamperer and a crowd of ordinary
users do against tools/scenarios/api.py. The brute-force, discovery and flood scenarios use real
tools instead (hydra, ffuf, ab); these are the ones no packaged tool does.

Every loop is bounded (counts below) and every socket has a timeout; the target must be an
address in 198.18.0.0/15. Users and passwords come from api.make_users with the same seed.

Usage: clients.py SCENARIO --host 198.18.98.1 [--port 8080] [--seed 5] [--users 500]
                           [--sources A,B,...]   (client addresses to bind, where one is needed)
SCENARIO: seed_owners scraper address_book replay token_shared tampering vertical benign
          print_token --user NAME
"""
import argparse
import base64
import http.client
import ipaddress
import json
import os
import random
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api import APP_SECRETS, PREFIXES, make_users, sign  # noqa: E402 (same data, same signing)

TIMEOUT_S = 10
UA_APP = "ShopApp/3.2.1 (iPhone; iOS 17.4)"
UA_WEB = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


class Client:
    """One keep-alive HTTP/1.1 connection from one source address, reopened when the server
    closes it."""

    def __init__(self, host, port, source=None, ua=UA_APP):
        self.host, self.port, self.source, self.ua = host, port, source, ua
        self.conn = None
        self.token = None
        self.cookies = {}
        self.sent = 0

    def _connect(self):
        src = (self.source, 0) if self.source else None
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S,
                                               source_address=src)

    def request(self, method, path, body=None, form=None, headers=None, auth=True, raw=None):
        hdrs = {"User-Agent": self.ua, "Accept": "application/json"}
        data = None
        if body is not None:
            data = raw if raw is not None else json.dumps(body, separators=(",", ":")).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if auth and self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        if self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        hdrs.update(headers or {})
        for attempt in range(2):  # one retry on a connection the server closed
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        self.sent += 1
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if resp.headers.get("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            doc = json.loads(payload) if payload else None
        except ValueError:
            doc = None
        return resp.status, doc

    def login(self, user, password, as_form=False):
        if as_form:
            status, doc = self.request("POST", "/api/login", form={"username": user, "password": password},
                                       auth=False)
        else:
            status, doc = self.request("POST", "/api/login", body={"username": user, "password": password},
                                       auth=False)
        if status == 200:
            self.token = doc["token"]
        return status

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def pace(rnd, lo, hi):
    time.sleep(rnd.uniform(lo, hi))


# --- scenarios ---------------------------------------------------------------------------------

def seed_owners(a, users):
    """Ordinary users log in and read their own profile and orders: the objects' first readers
    (what makes a later scraper's reads foreign: abuse.bola)."""
    rnd = random.Random(11)
    owners = list(range(2, 2 + a.owners))
    for n, uid in enumerate(owners):
        c = Client(a.host, a.port, source=a.sources[n % len(a.sources)] if a.sources else None)
        u = users[uid]
        assert c.login(u["username"], u["password"]) == 200
        c.request("GET", "/api/users/%d" % uid)
        c.request("GET", "/api/orders?user_id=%d" % uid)
        c.close()
        pace(rnd, 0.01, 0.05)
    print("seed_owners: %d users read their own profile and orders" % len(owners))


def scraper(a, users):
    """Logs in with its own account, then walks every profile id and the list pages."""
    seed_owners(a, users)
    me = users[len(users)]  # the scraper's own account: the last one
    c = Client(a.host, a.port, source=a.sources[-1] if a.sources else None,
               ua="python-requests/2.28.1")
    assert c.login(me["username"], me["password"]) == 200
    got = 0
    for uid in range(1, a.walk + 1):
        status, _ = c.request("GET", "/api/users/%d" % uid)
        got += status == 200
    pages = 0
    for page in range(1, a.pages + 1):
        status, doc = c.request("GET", "/api/users?page=%d&per_page=100" % page)
        pages += status == 200 and bool(doc.get("users"))
    c.close()
    print("scraper: %d/%d profiles, %d list pages of 100, %d requests" % (got, a.walk, pages, c.sent))


def phone_book(rnd, users, size):
    """An address book: some registered numbers, the rest well-formed strangers."""
    registered = [u["phone"] for u in users.values()]
    rnd.shuffle(registered)
    book = registered[:size // 3]
    taken = set(registered)
    while len(book) < size:
        p = rnd.choice(PREFIXES) + "%08d" % rnd.randrange(10 ** 8)
        if p not in taken:
            taken.add(p)
            book.append(p)
    rnd.shuffle(book)
    return book


def address_book(a, users):
    """A contact-discovery client: uploads a whole address book, then asks number by number."""
    rnd = random.Random(21)
    me = users[len(users) - 1]
    c = Client(a.host, a.port)
    assert c.login(me["username"], me["password"]) == 200
    book = phone_book(rnd, users, 100)
    status, doc = c.request("POST", "/api/contacts/match", body={"phones": book})
    matched = doc.get("matched") if status == 200 else None
    second = phone_book(random.Random(22), users, a.lookups)
    found = 0
    for phone in second:
        status, doc = c.request("GET", "/api/users/search?phone=%s" % phone)
        found += status == 200 and bool(doc.get("results"))
    c.close()
    print("address_book: uploaded %d numbers (status %d, %s matched); %d single lookups, %d found" % (
        len(book), status, matched, len(second), found))


def signed_headers(app_id, path, body, nonce=None, ts=None):
    ts = ts or str(int(time.time()))
    nonce = nonce or os.urandom(12).hex()
    return {"X-App-Id": app_id, "X-Timestamp": ts, "X-Nonce": nonce,
            "X-Signature": sign(APP_SECRETS[app_id], "POST", path, ts, nonce, body)}


def replay(a, users):
    """A victim's signed transfers (fresh nonces), then an attacker resends one recorded request
    byte for byte: same X-Nonce, same X-Signature, same token."""
    rnd = random.Random(31)
    victim = users[12]
    v = Client(a.host, a.port, source=a.sources[0] if a.sources else None)
    assert v.login(victim["username"], victim["password"]) == 200
    recorded = None
    for i in range(3):
        body = json.dumps({"to": "6222020%09d" % rnd.randrange(10 ** 9), "amount": 20 + i * 5},
                          separators=(",", ":")).encode()
        hdrs = signed_headers("shop-ios", "/api/payments/transfer", body)
        status, _ = v.request("POST", "/api/payments/transfer", body={}, raw=body, headers=hdrs)
        assert status == 200, status
        recorded = (body, hdrs)
        pace(rnd, 0.2, 0.4)
    v.close()
    attacker = Client(a.host, a.port, source=a.sources[-1] if a.sources else None)
    attacker.token = v.token  # captured along with the request
    statuses = []
    for _ in range(a.replays):
        status, _ = attacker.request("POST", "/api/payments/transfer", body={}, raw=recorded[0],
                                     headers=recorded[1])
        statuses.append(status)
        pace(rnd, 0.1, 0.3)
    attacker.close()
    print("replay: 3 signed transfers, then the last one replayed %d times: %s" % (a.replays, statuses))


def token_shared(a, users):
    """One account's token, leaked, used from many addresses."""
    rnd = random.Random(41)
    owner = users[15]
    first = Client(a.host, a.port, source=a.sources[0])
    assert first.login(owner["username"], owner["password"]) == 200
    first.request("GET", "/api/me")
    first.close()
    for src in a.sources:
        c = Client(a.host, a.port, source=src, ua="okhttp/4.12.0")
        c.token = first.token
        c.request("GET", "/api/me")
        c.request("GET", "/api/orders?user_id=%d" % owner["id"])
        c.close()
        pace(rnd, 0.05, 0.2)
    print("token_shared: one token used from %d addresses" % len(a.sources))


def tampered_jwt(token, **changes):
    """The same header and signature, the payload edited."""
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    edited = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    return "%s.%s.%s" % (head, edited.decode().rstrip("="), sig)


def tampering(a, users):
    """Alice reads Bob's orders, orders a negative amount, edits her JWT's roles and her
    role cookie."""
    alice, bob = users[21], users[22]
    c = Client(a.host, a.port)
    assert c.login(alice["username"], alice["password"]) == 200
    results = []
    results.append(("own orders", c.request("GET", "/api/orders?user_id=%d" % alice["id"])[0]))
    results.append(("bob's orders", c.request("GET", "/api/orders?user_id=%d" % bob["id"])[0]))
    results.append(("order", c.request("POST", "/api/orders",
                                       body={"product_id": 2, "quantity": 1, "amount": 399.0})[0]))
    results.append(("negative order", c.request("POST", "/api/orders",
                                                body={"product_id": 5, "quantity": -3, "amount": -897.0})[0]))
    good = c.token
    c.token = tampered_jwt(good, roles=["admin"])
    results.append(("edited JWT", c.request("GET", "/api/admin/users")[0]))
    c.token = good
    c.close()
    w = Client(a.host, a.port, ua=UA_WEB)
    results.append(("web login", w.request("POST", "/web/login",
                                           form={"username": alice["username"], "password": alice["password"]},
                                           auth=False)[0]))
    results.append(("account as user", w.request("GET", "/web/account")[0]))
    w.cookies["role"] = "admin"
    results.append(("account as admin cookie", w.request("GET", "/web/account")[0]))
    w.close()
    print("tampering: " + ", ".join("%s %d" % r for r in results))


def vertical(a, users):
    """A user-role token calls the administration endpoint (never checks roles) and gets 200."""
    u = users[31]
    c = Client(a.host, a.port)
    assert c.login(u["username"], u["password"]) == 200
    s1 = c.request("GET", "/api/me")[0]
    s2 = c.request("GET", "/api/admin/users")[0]
    c.close()
    print("vertical: /api/me %d, /api/admin/users %d with roles [user]" % (s1, s2))


def benign(a, users):
    """A day's worth of ordinary traffic, compressed: app users who log in (a typo now and then;
    some twice), read their own profile and orders, browse products, order, pay with signed
    requests, match a small address book or look up a friend's number; web users on cookie
    sessions; the admin on the admin endpoint."""
    rnd = random.Random(51)
    deadline = time.monotonic() + a.max_seconds
    people = rnd.sample(range(2, len(users) - 2), a.people)
    # Some come back later and log in again: a new token for the same account and objects.
    people += rnd.sample(people[:a.people // 2], a.people // 10)
    sessions = 0
    for n, uid in enumerate(people):
        if time.monotonic() > deadline:
            break
        u = users[uid]
        src = a.sources[n % len(a.sources)] if a.sources else None
        web = rnd.random() < 0.25
        c = Client(a.host, a.port, source=src, ua=UA_WEB if web else UA_APP)
        if rnd.random() < 0.1:  # a typo first
            wrong = u["password"][:-1] + "x"
            if web:
                c.request("POST", "/web/login", form={"username": u["username"], "password": wrong}, auth=False)
            else:
                c.login(u["username"], wrong)
            pace(rnd, 0.5, 1.5)
        if web:
            assert c.request("POST", "/web/login", form={"username": u["username"], "password": u["password"]},
                             auth=False)[0] == 200
            for _ in range(rnd.randint(2, 6)):
                c.request("GET", "/web/account")
                pace(rnd, 0.05, 0.3)
        else:
            assert c.login(u["username"], u["password"], as_form=rnd.random() < 0.3) == 200
            c.request("GET", "/api/me")
            c.request("GET", "/api/users/%d" % uid)
            c.request("GET", "/api/notifications/count")
            for _ in range(rnd.randint(1, 4)):
                c.request("GET", "/api/products?q=%s" % rnd.choice(["", "tea", "lamp", "rice", "bag"]))
                pace(rnd, 0.02, 0.2)
            c.request("GET", "/api/orders?user_id=%d" % uid)
            c.request("GET", "/api/orders")
            if rnd.random() < 0.5:
                pid = rnd.randint(1, 6)
                qty = rnd.randint(1, 3)
                c.request("POST", "/api/orders", body={"product_id": pid, "quantity": qty,
                                                       "amount": round(qty * 10.5, 2)})
            if rnd.random() < 0.3:
                body = json.dumps({"to": "6222020%09d" % rnd.randrange(10 ** 9),
                                   "amount": rnd.randint(5, 200)}, separators=(",", ":")).encode()
                c.request("POST", "/api/payments/transfer", body={}, raw=body,
                          headers=signed_headers("shop-ios", "/api/payments/transfer", body))
            if rnd.random() < 0.1:  # "find friends": a small address book
                book = [users[rnd.choice(people)]["phone"] for _ in range(rnd.randint(3, 12))]
                c.request("POST", "/api/contacts/match", body={"phones": book})
            if rnd.random() < 0.15:  # finding a friend by number
                friend = users[rnd.choice(people)]
                c.request("GET", "/api/users/search?phone=%s" % friend["phone"])
            if rnd.random() < 0.1:
                c.request("GET", "/api/users/%d/avatar" % uid)  # an old client's path: 404
            c.request("GET", "/api/notifications/count")
        c.close()
        sessions += 1
        pace(rnd, 0.05, 0.4)
    admin = users[1]
    c = Client(a.host, a.port, source=a.sources[0] if a.sources else None, ua=UA_WEB)
    assert c.login(admin["username"], admin["password"]) == 200
    for _ in range(3):
        c.request("GET", "/api/admin/users")
        c.request("GET", "/api/users?page=1&per_page=10")
        pace(rnd, 0.2, 0.5)
    c.close()
    print("benign: %d user sessions and the admin's" % sessions)


def print_token(a, users):
    u = next(x for x in users.values() if x["username"] == a.user)
    c = Client(a.host, a.port)
    assert c.login(u["username"], u["password"]) == 200
    c.close()
    print(c.token)


SCENARIOS = {f.__name__: f for f in (seed_owners, scraper, address_book, replay, token_shared,
                                     tampering, vertical, benign, print_token)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--user", help="print_token: the user name")
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--sources", default="", help="client addresses to bind, comma-separated")
    ap.add_argument("--owners", type=int, default=30, help="seed_owners/scraper: first readers")
    ap.add_argument("--walk", type=int, default=420, help="scraper: profile ids 1..N")
    ap.add_argument("--pages", type=int, default=3, help="scraper: list pages of 100")
    ap.add_argument("--lookups", type=int, default=64, help="address_book: single lookups")
    ap.add_argument("--replays", type=int, default=3, help="replay: resends")
    ap.add_argument("--people", type=int, default=60, help="benign: user sessions")
    ap.add_argument("--max-seconds", type=float, default=240, help="benign: time bound")
    a = ap.parse_args()
    for addr in [a.host] + [s for s in a.sources.split(",") if s]:
        if ipaddress.ip_address(addr) not in ipaddress.ip_network("198.18.0.0/15"):
            ap.error("addresses must be in 198.18.0.0/15: %s" % addr)
    a.sources = [s for s in a.sources.split(",") if s]
    for bound in ("owners", "walk", "pages", "lookups", "replays", "people"):
        if not 0 <= getattr(a, bound) <= 5000:
            ap.error("--%s: 0..5000" % bound)
    SCENARIOS[a.scenario](a, make_users(a.seed, a.users))


if __name__ == "__main__":
    main()
