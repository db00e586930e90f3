#!/usr/bin/env python3
"""Writes the synthetic example report (gate-report.json) the HTML browser
test renders: a server-migration gate run with tunnel and private
measurements drawn from seeded log-normal distributions. No lab needed.
Run it again only when the report schema changes."""
import json
import math
import random
from pathlib import Path

SUB_BUCKET_BITS = 7


def bucket_index(v):
    magnitude = max(v.bit_length() - 1, SUB_BUCKET_BITS)
    shift = magnitude - SUB_BUCKET_BITS
    return (shift << SUB_BUCKET_BITS) + (v >> shift)


def measurement(metric, target, median_ns, sigma, n, rng, operation):
    samples = [max(1, int(rng.lognormvariate(math.log(median_ns), sigma))) for _ in range(n)]
    s = sorted(samples)
    mean = sum(s) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / n)

    def pct(p):
        return s[max(1, math.ceil(p / 100 * n)) - 1]

    def needed(p):
        return math.ceil(10 / (1 - p / 100))

    buckets = {}
    for x in s:
        buckets[bucket_index(x)] = buckets.get(bucket_index(x), 0) + 1
    labels = [("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p999", 99.9)]
    summary = {"count": n, "errors": {}, "error_messages": [], "min_ns": s[0], "max_ns": s[-1],
               "mean_ns": round(mean), "stddev_ns": round(sd), "exact": True,
               "insufficient": [l for l, p in labels if n < needed(p)]}
    for l, p in labels:
        summary[l + "_ns"] = pct(p)
    return {"metric": metric, "target": target,
            "workload": {"suite": "db" if metric.startswith("pg") else "redis", "operation": operation,
                         "mode": "closed-paired", "warmup": 20, "samples": n, "interval_us": 0, "connections": 1},
            "fingerprint": {"endpoint": f"{target}-endpoint", "resolved": "127.0.0.1:5432", "server_version": "15",
                            "server_addr": "127.0.0.1", "client_addr": "127.0.0.1", "path": target},
            "summary": summary,
            "histogram": {"layout": {"kind": "log_linear", "sub_bucket_bits": SUB_BUCKET_BITS, "max_exponent": 42,
                                     "bucket_count": (42 - SUB_BUCKET_BITS + 1) << SUB_BUCKET_BITS},
                          "count": n, "min_ns": s[0], "max_ns": s[-1], "mean_ns": round(mean), "stddev_ns": round(sd),
                          "buckets": [[k, buckets[k]] for k in sorted(buckets)]},
            "samples_ns": samples}


def criterion(id, title, severity, metric, op, threshold, measured, unit, status, detail):
    return {"id": id, "title": title, "stage": "server-migration", "severity": severity, "metric": metric,
            "operator": op, "threshold": threshold, "measured": measured, "unit": unit, "status": status,
            "detail": detail, "duration_ns": 1000000}


rng = random.Random(6)
ms = [measurement("pg.query.select1", "tunnel", 30.6e6, 0.02, 1000, rng, "select1"),
      measurement("pg.query.select1", "private", 42e3, 0.2, 1000, rng, "select1"),
      measurement("redis.ping", "tunnel", 30.3e6, 0.02, 200, rng, "ping"),
      measurement("redis.ping", "private", 28e3, 0.25, 200, rng, "ping")]
ratio = ms[0]["summary"]["p50_ns"] / ms[1]["summary"]["p50_ns"]
report = {
    "schema": "cutover/report", "schema_version": 1, "kind": "go-no-go",
    "tool": {"name": "cutover", "version": "0.1.0", "git_sha": "example"},
    "run": {"id": "20240101T000000Z-example", "command": "gate", "stage": "server-migration", "profile": "lab",
            "host": "example-host", "started_at": "2024-01-01T00:00:00.000Z",
            "finished_at": "2024-01-01T00:01:00.000Z"},
    "targets": [{"name": "tunnel"}, {"name": "private"}],
    "measurements": ms,
    "criteria": [
        criterion("db.latency.private", "query round trip on the private network", "primary", "pg.query.select1",
                  "<", 1000000, ms[1]["summary"]["p50_ns"], "ns", "pass", "p50 below 1 ms"),
        criterion("db.latency.improvement", "tunnel / private p50 ratio", "primary", "pg.query.select1", ">=", 20,
                  round(ratio, 1), "ratio", "pass", "the plan promises 20-50x"),
        criterion("redis.latency", "Redis avg < 1 ms, max < 5 ms <&>", "secondary", "redis.ping", "<", 5000000,
                  ms[3]["summary"]["max_ns"], "ns", "fail", "max above 5 ms (example of a failed secondary)"),
    ],
    "verdict": {"decision": "GO", "reasons": ["0 of 1 secondary criteria passed (example)"],
                "policy": {"primary": "all must pass"}, "exit_code": 0},
    "notes": ["synthetic example written by reports/examples/make_examples.py"],
}
Path(__file__).with_name("gate-report.json").write_text(json.dumps(report) + "\n")
