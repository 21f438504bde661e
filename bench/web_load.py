#!/usr/bin/env python3
"""Time to interactive of the web build: from navigation to maillab's first drawn frames, in Debian's headless
Chromium on a page from python3 -m http.server on loopback. A fresh browser profile per run, so nothing
comes from the browser's cache: what a student's first visit costs, minus the network.

    python3 bench/web_load.py [SITE_DIR] [--runs 5]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ beside cdp.py in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "tests", "web"))
import cdp  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("site", nargs="?", default=os.path.join(HERE, "..", "build-web", "site"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--goal-ms", type=float, default=3000)
    args = parser.parse_args()
    site = os.path.abspath(args.site)
    sizes = {name: os.path.getsize(os.path.join(site, name)) for name in ("maillab.wasm", "maillab.data",
                                                                           "maillab.js", "index.html")}
    for name, size in sizes.items():
        print(f"{name:14} {size / 1e6:7.2f} MB")
    print(f"{'wasm + data':14} {(sizes['maillab.wasm'] + sizes['maillab.data']) / 1e6:7.2f} MB (goal < 12 MB)")
    times = []
    with cdp.http_server(site) as url:
        for run in range(args.runs):
            started = time.time()
            with cdp.Browser(1366, 768) as browser:
                launched = time.time() - started
                tti = browser.open(url + "index.html?lesson=14-pop3-delete-mode")
                times.append(tti)
                print(f"run {run + 1}: interactive after {tti:.0f} ms (browser start {launched * 1000:.0f} ms, "
                      "not counted)")
    median = statistics.median(times)
    print(f"time to interactive: median {median:.0f} ms, min {min(times):.0f}, max {max(times):.0f} "
          f"over {len(times)} runs (goal < {args.goal_ms:.0f} ms): {'met' if median < args.goal_ms else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
