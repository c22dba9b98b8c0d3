"""`python -m tests.standin`: run a seeded stand-in server in the foreground."""

from __future__ import annotations

import argparse
import time

from tests.standin.seed import seeded_server


def main() -> None:
    parser = argparse.ArgumentParser(description="Stand-in Ringyo/Rounded API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--calls", type=int, default=20, help="generated calls per provider")
    args = parser.parse_args()
    server = seeded_server(n_each=args.calls, port=args.port, latency=args.latency_ms / 1000)
    server.start()
    print(f"Ringyo:  {server.ringyo_base}   key rg_test_4f9c2e1d8b7a")
    print(f"Rounded: {server.rounded_base}  key rnd_test_9a8b7c6d5e4f")
    print("Ctrl+C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
