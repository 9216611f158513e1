#!/usr/bin/env python3
"""Independent checker for generated raw objects: Python's own gzip and json modules.

For the starter profile every line must be exactly json.dumps(json.loads(line)) (the classic
generator writes lines with json.dumps defaults), with the fixed key order and null pattern per
event type. Prints one "name value" metric per line for the C test to assert on; exits 1 and says
why on the first format violation.
usage: check_events.py starter|realistic FILE...
"""
import collections, gzip, json, re, sys

KEYS = ["timestamp", "user_id", "session_id", "event_type", "product_id", "quantity", "price",
        "category", "search_query"]
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$")
CATS = {"1": "electronics", "2": "clothing", "3": "home", "4": "books", "5": "sports", "6": "toys"}
QUERIES = {"wireless headphones", "running shoes", "coffee maker", "python books", "yoga mat",
           "laptop stand", "winter jacket", "desk lamp"}
CART = {"add_to_cart", "remove_from_cart", "purchase"}

def fail(where, msg):
    print(f"FORMAT {where}: {msg}")
    sys.exit(1)

def main():
    profile, files = sys.argv[1], sys.argv[2:]
    m = collections.Counter()
    for k in ("bad_lines", "trailing_newline", "ts_no_fraction", "priced"):
        m[k] = 0
    types = collections.Counter()
    session_user = {}
    product_price = {}
    product_views = collections.Counter()
    product_buys = collections.Counter()
    last_session_ts = {}
    for f in files:
        raw = gzip.open(f, "rb").read()
        m["objects"] += 1
        if raw.endswith(b"\n"):
            m["trailing_newline"] += 1
        for i, line in enumerate(raw.decode("utf-8").split("\n"), 1):
            where = f"{f}:{i}"
            try:
                e = json.loads(line)
            except ValueError:
                m["bad_lines"] += 1
                continue
            if profile == "realistic" and (list(e) != KEYS or e.get("event_type") not in
                    ("page_view", "add_to_cart", "remove_from_cart", "purchase", "search")
                    or not isinstance(e.get("quantity"), (int, type(None)))
                    or not TS.match(str(e.get("timestamp")))):
                m["bad_lines"] += 1
                continue
            if json.dumps(e) != line:
                fail(where, "line is not byte-identical to json.dumps of itself")
            if list(e) != KEYS:
                fail(where, f"key order {list(e)}")
            if not TS.match(e["timestamp"]):
                fail(where, f"timestamp form {e['timestamp']}")
            if "." not in e["timestamp"]:
                m["ts_no_fraction"] += 1
            if not re.fullmatch(r"u_\d{5}", e["user_id"]) or not 10000 <= int(e["user_id"][2:]) <= 99999:
                fail(where, f"user_id {e['user_id']}")
            et = e["event_type"]
            types[et] += 1
            m["events"] += 1
            if et == "search":
                if any(e[k] is not None for k in ("product_id", "quantity", "price", "category")):
                    fail(where, "search with product fields")
                if e["search_query"] not in QUERIES:
                    fail(where, f"search_query {e['search_query']}")
                continue
            pid = e["product_id"]
            if not re.fullmatch(r"p_[1-6]00[1-5]", pid) or CATS[pid[2]] != e["category"]:
                fail(where, f"product {pid} / category {e['category']}")
            if e["search_query"] is not None:
                fail(where, "search_query on a non-search event")
            if et == "page_view":
                product_views[pid] += 1
                if e["quantity"] is not None or e["price"] is not None:
                    fail(where, "page_view with quantity/price")
            else:
                q, p = e["quantity"], e["price"]
                if not isinstance(q, int) or not 1 <= q <= 5:
                    fail(where, f"quantity {q}")
                if not isinstance(p, float) or not 9.99 <= p <= 299.99 or round(p, 2) != p:
                    fail(where, f"price {p}")
                m["price_sum_cents"] += round(p * 100)
                m["priced"] += 1
                m["price_min_cents"] = min(m["price_min_cents"] or 10**9, round(p * 100))
                m["price_max_cents"] = max(m["price_max_cents"], round(p * 100))
                if et == "purchase":
                    product_buys[pid] += 1
                if profile == "realistic":
                    if product_price.setdefault(pid, p) != p:
                        fail(where, f"product {pid} has two prices")
            if profile == "starter":
                sid = int(e["session_id"][2:])
                if not re.fullmatch(r"s_\d{5}", e["session_id"]) or not 10000 <= sid <= 99999:
                    fail(where, f"session_id {e['session_id']}")
            else:
                sid = e["session_id"]
                if session_user.setdefault(sid, e["user_id"]) != e["user_id"]:
                    fail(where, f"session {sid} belongs to two users")
                if last_session_ts.get(sid, "") > e["timestamp"]:
                    fail(where, f"session {sid} goes back in time")
                last_session_ts[sid] = e["timestamp"]
    for t in ("page_view", "add_to_cart", "remove_from_cart", "purchase", "search"):
        m["permille_" + t] = round(1000 * types[t] / max(1, m["events"]))
    m["conversion_permille"] = round(1000 * types["purchase"] / max(1, types["page_view"]))
    rates = [product_buys[p] / product_views[p] for p in product_views if product_views[p] >= 200]
    if rates:
        m["product_conv_min_permille"] = round(1000 * min(rates))
        m["product_conv_max_permille"] = round(1000 * max(rates))
    views = sorted(product_views.values())
    if views:
        m["top_product_views"], m["bottom_product_views"] = views[-1], views[0]
    m["distinct_products"] = len(product_views)
    m["sessions"] = len(session_user)
    for k in sorted(m):
        print(k, m[k])
    sys.stdout.flush()

main()
