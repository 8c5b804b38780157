#!/usr/bin/env python3
"""Rewrites a pqbench dataset as pyarrow writes it by default.

Usage: python3 bench/py/rewrite_pyarrow.py --src DIR --out DIR [--row-group-size 2048]

Every *.parquet under --src is read with pq.read_table and written to the
same relative path under --out with pq.write_table's defaults (dictionary on,
snappy, data page V1, 1 MiB dictionary limit — random floats overflow it and
fall back to PLAIN mid-chunk), keeping the row group size. This is what a
DLIO / MLPerf user's existing dataset looks like; pqbench then reads it with
data_folder pointed at --out.
"""
import argparse
import os

import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--src', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--row-group-size', type=int, default=2048)
    a = ap.parse_args()
    count = 0
    for root, _dirs, files in os.walk(a.src):
        for name in files:
            if not name.endswith('.parquet'):
                continue
            src = os.path.join(root, name)
            dst = os.path.join(a.out, os.path.relpath(src, a.src))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            pq.write_table(pq.read_table(src), dst, row_group_size=a.row_group_size)
            count += 1
    print(f'{count} files rewritten under {a.out}')


if __name__ == '__main__':
    main()
