#!/usr/bin/env python3
"""A fixed-rate client for POST /api/v1/check (bench/serve_load.sh).

wrk 4.1 has no fixed-rate mode, so this sends requests on a fixed schedule
(RATE per second over one keep-alive connection) and measures each latency
from the time the request was due, not from when it was sent, so that a slow
answer that delays the next request is counted against the server
(no coordinated omission). Prints the median, p90, p99, p99.9 and max in ms.

Usage: serve_fixed_rate.py HOST PORT TOKEN RATE SECONDS
"""
import http.client
import json
import sys
import time


def main():
    host, port, token, rate, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(
        sys.argv[4]), float(sys.argv[5])
    body = json.dumps({
        "from": "bob@mod.uk",
        "subject": "OFFICIAL: weekly figures",
        "recipients": [
            "alice@army.mil", "carol@hmrc.gov.uk", "dan@mod.co.uk", "eve@nato.in",
            "frank@gmail.com", "gina@hmrc.gv.uk", "harry@army.ml", "ivy@example.com",
            "jon@outlook.com", "kim@mod.uk"
        ],
    })
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    connection = http.client.HTTPConnection(host, port)
    interval = 1.0 / rate
    count = int(rate * seconds)
    latencies = []
    errors = 0
    start = time.perf_counter() + 0.05
    for i in range(count):
        due = start + i * interval
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        connection.request("POST", "/api/v1/check", body, headers)
        response = connection.getresponse()
        payload = response.read()
        done = time.perf_counter()
        if response.status != 200 or len(json.loads(payload)["recipients"]) != 10:
            errors += 1
        latencies.append((done - due) * 1000)
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    print(f"rate {rate:.0f}/s for {seconds:.0f} s: {count} requests in {elapsed:.1f} s, "
          f"{errors} errors")
    print(f"latency ms: p50 {pct(50):.3f}  p90 {pct(90):.3f}  p99 {pct(99):.3f}  "
          f"p99.9 {pct(99.9):.3f}  max {latencies[-1]:.3f}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
