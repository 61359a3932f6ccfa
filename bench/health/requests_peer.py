"""The peer: requests + ThreadPoolExecutor, as an ops script would check many URLs.

usage: requests_peer.py <urlFile> <workers> <rounds>
Runs rounds rounds (the first is the warm-up) and prints one JSON line: the seconds and the
process CPU seconds of every round and how many URLs each round found healthy.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
workers = int(sys.argv[2])
rounds = int(sys.argv[3])
session = requests.Session()
adapter = requests.adapters.HTTPAdapter(pool_connections=workers, pool_maxsize=workers)
session.mount("http://", adapter)


def check(url):
    try:
        return session.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


seconds, cpu, healthy = [], [], []
with ThreadPoolExecutor(max_workers=workers) as pool:
    for _ in range(rounds):
        cpu_start, start = time.process_time(), time.perf_counter()
        healthy.append(sum(pool.map(check, urls)))
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
print(json.dumps({"Seconds": seconds, "CpuRounds": cpu, "Healthy": healthy}))
