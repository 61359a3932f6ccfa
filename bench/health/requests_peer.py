"""The peer: requests + ThreadPoolExecutor, as an ops script would check many URLs."""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
workers = int(sys.argv[2])
session = requests.Session()
adapter = requests.adapters.HTTPAdapter(pool_connections=workers, pool_maxsize=workers)
session.mount("http://", adapter)


def check(url):
    try:
        return session.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


start = time.perf_counter()
with ThreadPoolExecutor(max_workers=workers) as pool:
    healthy = sum(pool.map(check, urls))
print(f"{time.perf_counter() - start:.3f} {healthy}")
