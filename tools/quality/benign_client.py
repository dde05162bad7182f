#!/usr/bin/env python3
"""Realistic benign traffic against tools/quality/demo_api.py: the false-positive corpus.

A seeded mix of every endpoint of the demo API with the values real users and apps send: names
with apostrophes and accents, free-text searches in ordinary English that happen to contain SQL-
or shell-looking words ("select a plan", "union station", "order by price", "cat food & litter"),
emails, postal addresses, phone numbers, ISO dates, pagination/sort/filter parameters,
callback and redirect URLs on public-looking hosts (only sent as values, never contacted), JSON
bodies with nested objects and arrays, form posts, JWT bearer tokens, session and analytics
cookies, and User-Agents of mobile apps, browsers and scripts.

Standard library only (http.client), keep-alive connections that are closed and reopened every
few dozen requests, as clients do. Bounded by --requests and --max-seconds.

Usage: benign_client.py --host 198.18.99.1 --port 8080 [--requests 12000] [--seed 7]
                        [--max-seconds 600] [--connections 4]
Prints one summary line (requests sent, status counts, seconds) on stdout.
"""
import argparse
import base64
import http.client
import json
import random
import sys
import time
import urllib.parse

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Émile", "Fatima", "Gareth", "Hiro", "Inès", "José",
         "Katarzyna", "Liam", "Mei", "Nadia", "Oskar", "Priya", "Zoë", "François", "Åsa", "Łukasz",
         "Siobhán", "Renée", "Björn", "Chloé", "Mohammed", "Nguyễn"]
LAST = ["O'Brien", "D'Angelo", "O'Neil", "Smith", "Müller", "García", "Nguyen", "Kowalski", "Rossi",
        "Dubois", "Yamamoto", "Okafor", "Johansson", "Silva", "Núñez", "Van der Berg",
        "Smith-Jones", "de la Cruz", "L'Estrange", "MacDonald"]
SEARCHES = [
    "select a plan", "union station", "drop-off point", "order by price", "where is my order",
    "script writing", "cat food & litter", "2 > 1 offers", "50% off", "rock 'n' roll",
    "and or nor", "select all", "delete my account", "update shipping address", "insert coin",
    "table lamp", "coffee table", "kids' toys", "men's shoes", "women's jacket",
    "usb-c cable 2m", "4k tv 55\"", "iphone 14 case", "best seller", "on sale",
    "gift for dad", "wireless headphones", "\"noise cancelling\"", "c++ primer", "c# in depth",
    "black & decker", "AT&T phone", "1/2 inch drill bit", "size 10.5", "100% cotton",
    "what's new", "how to return an item", "exec chair", "java book", "python for kids",
    "javascript: the good parts", "shell necklace", "bash hat", "null and void (novel)",
    "sleep mask", "benchmark weights", "admin desk organiser", "root vegetables", "passwords book",
    "from dusk till dawn", "having fun outdoors", "group by size", "case study", "join the club",
    "<3 valentines", "tom & jerry dvd", "a/b testing", "if/else poster", "1=1 math puzzle",
    "café au lait mug", "crème brûlée torch", "jalapeño sauce", "über cool socks", "naïve art",
]
CATEGORIES = ["books", "electronics", "garden", "pets", "toys", "kitchen", "music", "sports"]
SORTS = ["price", "-price", "name", "rating", "id", "newest", "price,asc", "rating:desc"]
STREETS = ["221B Baker Street", "10 Downing St.", "1600 Amphitheatre Pkwy", "Rua Augusta, 274",
           "5 Rue de l'Église", "Apt #4, 12 O'Connell St", "Calle Mayor 3, 2º izq.",
           "Hauptstraße 12/3", "P.O. Box 1234", "742 Evergreen Terrace"]
CITIES = ["Lisbon", "Osaka", "Denver", "Kraków", "Lyon", "São Paulo", "Zürich", "Dublin",
          "Coeur d'Alene", "Winston-Salem"]
HOSTS = ["shop.example.com", "partner.example.net", "app.example.org", "cdn.example.com",
         "checkout.example.com", "www.example.co.uk"]
NOTES = ["Leave at the back door, please", "Ring twice – dog is friendly!", "Gift: don't include the invoice",
         "Call me at +1 (555) 010-2233 if late", "Deliver after 5 p.m.; before 9 p.m.",
         "Use the side entrance (code: 1234#)", "N/A", "", "Fragile — glass!", "C'est un cadeau :)"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
    "ShopApp/4.12.1 (iPhone; iOS 17.2; Scale/3.00)",
    "ShopApp/4.11.0 (Android 13; SM-S911B) okhttp/4.12.0",
    "python-requests/2.31.0",
    "okhttp/4.9.3",
    "PostmanRuntime/7.36.0",
    "curl/8.5.0",
    "Go-http-client/1.1",
]
LANGS = ["en-US,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.8", "pt-BR,pt;q=0.9", "de-DE,de;q=0.9,en;q=0.7",
         "ja-JP,ja;q=0.9", "es-ES,es;q=0.9"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Traffic:
    """Makes one request (method, path, headers, body) at a time from a seeded generator."""

    def __init__(self, rnd, host, sessions):
        self.rnd = rnd
        self.host = host
        self.sessions = sessions or ["s0001deadbeef0001"]
        self.order_ids = list(range(1, 1001))

    def name(self):
        return f"{self.rnd.choice(FIRST)} {self.rnd.choice(LAST)}"

    def email(self):
        first = self.rnd.choice(["alice", "j.o-brien", "jose.garcia", "mei_chen", "d.angelo",
                                 "priya+shop", "oskar.k", "zoe99"])
        return f"{first}{self.rnd.randint(1, 999)}@{self.rnd.choice(['example.com', 'mail.example.org', 'example.net'])}"

    def phone(self):
        return self.rnd.choice([f"+1-555-{self.rnd.randint(100, 999)}-{self.rnd.randint(1000, 9999)}",
                                f"(555) {self.rnd.randint(100, 999)}-{self.rnd.randint(1000, 9999)}",
                                f"+44 20 7946 {self.rnd.randint(1000, 9999)}",
                                f"+33 6 {self.rnd.randint(10, 99)} {self.rnd.randint(10, 99)} {self.rnd.randint(10, 99)} {self.rnd.randint(10, 99)}"])

    def date(self):
        return f"2024-{self.rnd.randint(1, 12):02d}-{self.rnd.randint(1, 28):02d}"

    def url(self):
        host = self.rnd.choice(HOSTS)
        path = self.rnd.choice(["/account/orders", "/cart?step=2", "/oauth/callback", "/thanks",
                                "/p/123?ref=email&utm_source=newsletter", "/"])
        return f"https://{host}{path}"

    def jwt(self):
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = b64url(json.dumps({"sub": str(self.rnd.randint(1, 200)), "iat": 1700000000 + self.rnd.randint(0, 10 ** 7),
                                     "scope": "orders:read orders:write", "name": self.name()}).encode())
        return f"{header}.{payload}.{b64url(self.rnd.randbytes(32))}"

    def headers(self):
        ua = self.rnd.choice(USER_AGENTS)
        h = {"Host": self.host, "User-Agent": ua, "Accept": "application/json, text/plain, */*"}
        if ua.startswith("Mozilla"):
            h["Accept-Language"] = self.rnd.choice(LANGS)
            h["Referer"] = self.url()
            cookies = [f"_ga=GA1.2.{self.rnd.randint(10 ** 8, 10 ** 9)}.{self.rnd.randint(1600000000, 1700000000)}",
                       f"theme={self.rnd.choice(['dark', 'light'])}",
                       f"lang={self.rnd.choice(['en', 'fr-FR', 'pt_BR'])}"]
            if self.rnd.random() < 0.6:
                cookies.append(f"session={self.rnd.choice(self.sessions)}")
            if self.rnd.random() < 0.3:
                cookies.append("cart=" + urllib.parse.quote(json.dumps({"items": [self.rnd.randint(1, 300)]}, separators=(",", ":"))))
            h["Cookie"] = "; ".join(cookies)
        elif self.rnd.random() < 0.8:
            h["Authorization"] = "Bearer " + self.jwt()
        if self.rnd.random() < 0.3:
            h["X-Request-ID"] = f"{self.rnd.getrandbits(128):032x}"
        return h

    def query(self, params):
        return urllib.parse.urlencode(params, quote_via=self.rnd.choice([urllib.parse.quote, urllib.parse.quote_plus]))

    def next(self):
        r = self.rnd.random()
        h = self.headers()
        if r < 0.30:
            p = {}
            if self.rnd.random() < 0.6:
                p["category"] = self.rnd.choice(CATEGORIES)
            if self.rnd.random() < 0.5:
                p["q"] = self.rnd.choice(SEARCHES)
            if self.rnd.random() < 0.5:
                p["page"] = str(self.rnd.randint(1, 15))
            if self.rnd.random() < 0.4:
                p["sort"] = self.rnd.choice(SORTS)
            if self.rnd.random() < 0.2:
                p["min_price"] = f"{self.rnd.randint(0, 100)}.{self.rnd.randint(0, 99):02d}"
                p["max_price"] = str(self.rnd.randint(101, 500))
            if self.rnd.random() < 0.15:
                p["fields"] = "id,name,price"
            if self.rnd.random() < 0.1:
                p["since"] = self.date() + "T" + f"{self.rnd.randint(0, 23):02d}:00:00Z"
            if self.rnd.random() < 0.1:
                p["redirect_uri"] = self.url()
            return "GET", "/api/products" + ("?" + self.query(p) if p else ""), h, None
        if r < 0.42:
            return "GET", f"/api/users/{self.rnd.randint(1, 220)}", h, None
        if r < 0.52:
            p = {"user_id": str(self.rnd.randint(1, 200))}
            if self.rnd.random() < 0.3:
                p["status"] = self.rnd.choice(["pending", "paid", "shipped", "delivered"])
            if self.rnd.random() < 0.2:
                p["from"], p["to"] = self.date(), self.date()
            return "GET", "/api/orders?" + self.query(p), h, None
        if r < 0.58:
            first, last = self.rnd.choice(FIRST), self.rnd.choice(LAST)
            user = self.rnd.choice([f"{first.lower()}.{last.lower()}", self.email(), f"{first}{self.rnd.randint(1, 99)}"])
            password = self.rnd.choice(["correct horse battery staple", "P@ssw0rd!2024", "hunter2",
                                        "Tr0ub4dor&3", "s3cret-#" + str(self.rnd.randint(100, 999)),
                                        "my dog's name is Rex", "letmein"])
            body = {"username": user, "password": password, "remember_me": self.rnd.random() < 0.5}
            if self.rnd.random() < 0.3:
                body["device"] = {"os": self.rnd.choice(["iOS 17.2", "Android 14"]), "app_version": "4.12.1"}
            h["Content-Type"] = "application/json"
            return "POST", "/api/login", h, json.dumps(body, ensure_ascii=self.rnd.random() < 0.5).encode()
        if r < 0.70:
            form = {"term": self.rnd.choice(SEARCHES)}
            if self.rnd.random() < 0.5:
                form["category"] = self.rnd.choice(CATEGORIES)
            if self.rnd.random() < 0.3:
                form["return_to"] = self.url()
            h["Content-Type"] = "application/x-www-form-urlencoded"
            return "POST", "/api/search", h, urllib.parse.urlencode(form).encode()
        if r < 0.78:
            body = {
                "user_id": self.rnd.randint(1, 200),
                "items": [{"product_id": self.rnd.randint(1, 300), "quantity": self.rnd.randint(1, 4),
                           "options": {"colour": self.rnd.choice(["navy blue", "off-white", "red/black"]),
                                       "gift_wrap": self.rnd.random() < 0.2}}
                          for _ in range(self.rnd.randint(1, 3))],
                "shipping": {"name": self.name(), "street": self.rnd.choice(STREETS),
                             "city": self.rnd.choice(CITIES), "postcode": f"{self.rnd.randint(10000, 99999)}",
                             "phone": self.phone(), "email": self.email(), "notes": self.rnd.choice(NOTES)},
                "coupon": self.rnd.choice([None, "SPRING-50%", "WELCOME10", "FREESHIP"]),
                "delivery_date": self.date(),
                "callback_url": f"https://{self.rnd.choice(HOSTS)}/hooks/order-status",
            }
            h["Content-Type"] = "application/json; charset=utf-8"
            return "POST", "/api/orders", h, json.dumps(body, ensure_ascii=False).encode()
        if r < 0.84:
            oid = self.rnd.choice(self.order_ids)
            body = {"status": self.rnd.choice(["paid", "shipped", "delivered"]), "quantity": self.rnd.randint(1, 5),
                    "comment": self.rnd.choice(NOTES), "updated_at": self.date() + "T12:00:00+02:00"}
            h["Content-Type"] = "application/json"
            return "PUT", f"/api/orders/{oid}", h, json.dumps(body).encode()
        if r < 0.87:
            return "DELETE", f"/api/orders/{self.rnd.choice(self.order_ids)}", h, None
        if r < 0.97:
            h["Cookie"] = f"session={self.rnd.choice(self.sessions)}; theme=dark; consent=analytics%3Dfalse%26ads%3Dfalse"
            return "GET", "/api/profile", h, None
        return "GET", "/health", {"Host": self.host, "User-Agent": "kube-probe/1.28"}, None


def fetch_sessions(host, port):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", "/api/sessions", headers={"User-Agent": "ShopApp/4.12.1 (bootstrap)"})
        return json.loads(conn.getresponse().read()).get("tokens", [])
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--requests", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--per-connection", type=int, default=40, help="requests before a connection is reopened (at most)")
    args = ap.parse_args()

    rnd = random.Random(args.seed)
    traffic = Traffic(rnd, f"{args.host}:{args.port}", fetch_sessions(args.host, args.port))
    deadline = time.monotonic() + args.max_seconds
    start = time.monotonic()
    statuses = {}
    sent = errors = 0
    conn, left = None, 0
    while sent < args.requests and time.monotonic() < deadline:
        if conn is None or left == 0:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(args.host, args.port, timeout=10)
            left = rnd.randint(1, args.per_connection)
        method, path, headers, body = traffic.next()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            errors += 1
            print(f"benign_client: {method} {path}: {exc}", file=sys.stderr)
            conn.close()
            conn = None
            if errors > 50:
                break
        sent += 1
        left -= 1
    if conn is not None:
        conn.close()
    print(json.dumps({"requests": sent, "errors": errors, "statuses": statuses,
                      "seconds": round(time.monotonic() - start, 1)}, sort_keys=True))
    return 0 if errors <= 50 and sent == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
