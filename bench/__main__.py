"""python -m bench [name ...]: run the benchmarks against a scratch PostgreSQL database."""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagg.settings")

BENCHMARKS = {
    "sweep": "bench.sweep",
    "audit": "bench.audit",
    "audit_verify": "bench.audit_verify",
    "finance": "bench.finance",
    "finance_findings": "bench.finance_findings",
    "knowledge": "bench.knowledge",
    "national": "bench.national",
    "http": "bench.http",
}
SIZES = {
    "sweep": 1_000_000,
    "audit": 2_000_000,
    "audit_verify": 2_000_000,
    "finance": 200_000,
    "finance_findings": 200_000,
    "knowledge": 100_000,
    "http": 1_800,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS), choices=list(BENCHMARKS))
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data size")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import importlib

    for name in args.names:
        if name == "http" and len(args.names) > 1:  # its own settings: a process of its own
            import subprocess

            command = [sys.executable, "-m", "bench", "http", "--scale", str(args.scale)]
            subprocess.run([*command, "--repeat", str(args.repeat)], check=True)
            continue
        module = importlib.import_module(BENCHMARKS[name])
        if name == "national":  # one data generator for everything, at two sizes
            module.run(scale=args.scale, repeat=args.repeat)
        else:
            module.run(total=int(SIZES[name] * args.scale), repeat=args.repeat)


if __name__ == "__main__":
    main()
