#!/usr/bin/env python3
"""Reference Parquet writer: pyarrow's single-thread generate+write throughput.

Usage:
  python3 bench/py/pyarrow_write.py --rows 40000 --size 512 --codec zstd \
      --layout list|fixed --runs 3 --out DIR [--row-group-size 10000] \
      [--zstd-level 3] [--warmup 1]

The same shape pqbench generates (bench/generate.ts): a float32 `label` plus
an `emb` vector of --size float32 values per row, uniform in [-1, 1) from
numpy's default_rng:
  list   pa.FixedSizeListArray.from_arrays(values, size); pyarrow stores a
         fixed_size_list as a Parquet LIST<FLOAT> (3-level, like pqbench's).
  fixed  fixed_size_binary(size * 4) over the raw float32 bytes (zero-copy).
Written with pq.write_table(compression=codec, use_dictionary=False,
write_statistics=False, row_group_size=...) on one core
(pa.set_cpu_count(1), pa.set_io_thread_count(1)); zstd at --zstd-level,
default 3 = pqbench's default (pyarrow's own default would be 1). Each run
times generation (numpy + building the table) and the write (to the page
cache, no fsync) separately; the file is overwritten each run, after
--warmup untimed runs (the first run pays allocator/page-cache growth).
MB = 10^6 bytes of the output file.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def generate(rows, size, layout, seed):
    rng = np.random.default_rng(seed)
    # float32 draws in [0, 1), mapped in place to [-1, 1).
    label = rng.random(rows, dtype=np.float32)
    label *= 2
    label -= 1
    values = rng.random(rows * size, dtype=np.float32)
    values *= 2
    values -= 1
    if layout == 'list':
        emb = pa.FixedSizeListArray.from_arrays(pa.array(values), size)
    else:
        emb = pa.Array.from_buffers(pa.binary(size * 4), rows,
                                    [None, pa.py_buffer(values)])
    return pa.table({'label': label, 'emb': emb})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rows', type=int, default=40000)
    ap.add_argument('--size', type=int, default=512)
    ap.add_argument('--codec', choices=['none', 'snappy', 'zstd'],
                    default='none')
    ap.add_argument('--layout', choices=['list', 'fixed'], default='list')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--row-group-size', type=int, default=10000)
    ap.add_argument('--zstd-level', type=int, default=3)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, f'pyarrow-{a.layout}-{a.codec}.parquet')

    total, write_only, nbytes = [], [], 0
    level = a.zstd_level if a.codec == 'zstd' else None
    for run in range(-a.warmup, a.runs):
        t0 = time.perf_counter()
        table = generate(a.rows, a.size, a.layout, seed=abs(run))
        t1 = time.perf_counter()
        pq.write_table(table, path, compression=a.codec,
                       compression_level=level, use_dictionary=False,
                       write_statistics=False,
                       row_group_size=a.row_group_size)
        t2 = time.perf_counter()
        nbytes = os.path.getsize(path)
        del table
        if run < 0:
            continue
        total.append(nbytes / 1e6 / (t2 - t0))
        write_only.append(nbytes / 1e6 / (t2 - t1))
    print(json.dumps({
        'codec': a.codec,
        'layout': a.layout,
        'rows': a.rows,
        'bytes': nbytes,
        'runs_mb_per_second': [round(x, 1) for x in total],
        'median_mb_per_second': round(statistics.median(total), 1),
        'median_write_only_mb_per_second':
            round(statistics.median(write_only), 1),
        'row_group_size': a.row_group_size,
        'compression_level': level,
        'pyarrow_version': pa.__version__,
    }), flush=True)


if __name__ == '__main__':
    main()
