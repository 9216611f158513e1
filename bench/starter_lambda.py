#!/usr/bin/env python3
"""The classic starter generator Lambda, as events.md describes it: the benchmark peer for
`evlake gen`. Builds one object of N events with random/json.dumps/gzip exactly as the Lambda
does and writes it to a file. Prints a JSON line with the time taken.
usage: starter_lambda.py N OUT.jsonl.gz
"""
import datetime, gzip, json, random, sys, time

CATEGORIES = ["electronics", "clothing", "home", "books", "sports", "toys"]
QUERIES = ["wireless headphones", "running shoes", "coffee maker", "python books", "yoga mat",
           "laptop stand", "winter jacket", "desk lamp"]
TYPES = ["page_view", "add_to_cart", "remove_from_cart", "purchase", "search"]
WEIGHTS = [50, 20, 10, 10, 10]

def event():
    et = random.choices(TYPES, WEIGHTS)[0]
    e = {"timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
         "user_id": f"u_{random.randint(10000, 99999)}",
         "session_id": f"s_{random.randint(10000, 99999)}",
         "event_type": et, "product_id": None, "quantity": None, "price": None,
         "category": None, "search_query": None}
    if et == "search":
        e["search_query"] = random.choice(QUERIES)
    else:
        c = random.randint(1, 6)
        e["product_id"] = f"p_{c}00{random.randint(1, 5)}"
        e["category"] = CATEGORIES[c - 1]
        if et != "page_view":
            e["quantity"] = random.randint(1, 5)
            e["price"] = round(random.uniform(9.99, 299.99), 2)
    return e

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    t0 = time.perf_counter()
    body = "\n".join(json.dumps(event()) for _ in range(n)).encode()
    data = gzip.compress(body)
    with open(out, "wb") as f:
        f.write(data)
    secs = time.perf_counter() - t0
    print(json.dumps({"events": n, "seconds": round(secs, 3), "events_per_sec": round(n / secs),
                      "raw_bytes": len(body), "gz_bytes": len(data)}))

main()
