#!/usr/bin/env python3
"""Reference Parquet reader: pyarrow's read throughput on pqbench's files.

Usage:
  python3 bench/py/pyarrow_read.py --files F1 F2 ... --columns label,emb \
      --runs 3 --mode row_group|dlio|table [--mode ...]

Modes (each prints one JSON line):
  row_group  ParquetFile.read_row_group(i, columns, use_threads=False) per row
             group, then every projected column to numpy the cheapest correct
             way (what a data loader that wants numpy must do at minimum).
  dlio       The MLCommons DLIO parquet fork's old reader, transcribed from
             mlcommons/DLIO_local_changes commit bca80efa65d1 ("feat(11-02):
             rewrite ParquetReader with column filtering and schema
             validation", 2026-02-02), ParquetReader.open(), default
             read_mode:
                 table = pq.read_table(filename, columns=columns,
                                       memory_map=True)
                 return table.to_pandas().to_numpy()
             i.e. DataFrame.to_numpy() of the whole file (an object array whose
             list cells are per-row numpy arrays) - not a per-column to_numpy.
             get_sample() then only touches image.nbytes. The earlier commit
             0d3f630f6734 did the same without column projection/memory_map;
             from 1fb3599cebbe on, the fork reads row groups instead.
  table      pq.read_table(files, columns=columns, use_threads=False).

Everything runs on one core: pa.set_cpu_count(1), pa.set_io_thread_count(1)
(so the dlio mode's read_table, which keeps pyarrow's default
use_threads=True, also gets a single worker). Files are read once before
timing to warm the page cache. samples/s = rows of all files / wall time of
one pass over all files (time.perf_counter), after --warmup untimed passes
per mode; the median is over --runs. cpu_us_per_sample: this process's CPU
time (time.process_time, user + system, all threads) per sample of a pass,
median over the same passes.
bytes_decoded = value bytes of the projected columns for one pass (list
values flattened, no offsets/validity), the same for every mode.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def one_array(col):
    """A ChunkedArray as one Array (no copy when it has a single chunk)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def to_numpy(arr):
    """The cheapest correct numpy view/copy of one Arrow array."""
    t = arr.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) \
            or pa.types.is_fixed_size_list(t):
        # list_flatten honours the array offset and list offsets (a slice of
        # the child values, zero-copy when the lists are contiguous).
        return pc.list_flatten(arr).to_numpy(zero_copy_only=False)
    if pa.types.is_fixed_size_binary(t):
        w = t.byte_width
        raw = np.frombuffer(arr.buffers()[1], dtype=np.uint8,
                            count=len(arr) * w, offset=arr.offset * w)
        # pqbench's fixed layout stores float32 vectors as raw bytes.
        return raw.view(np.float32) if w % 4 == 0 else raw
    return arr.to_numpy(zero_copy_only=False)


def touch(x):
    """Read one element from each end so nothing can stay lazy."""
    return float(x[0]) + float(x[-1]) if len(x) else 0.0


def value_bytes(arr):
    """Decoded value bytes of one Arrow array (lists flattened)."""
    t = arr.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) \
            or pa.types.is_fixed_size_list(t):
        return value_bytes(pc.list_flatten(arr))
    if pa.types.is_fixed_size_binary(t):
        return len(arr) * t.byte_width
    return len(arr) * t.bit_width // 8


def read_row_group(files, cols):
    rows, acc = 0, 0.0
    for f in files:
        pf = pq.ParquetFile(f)
        for i in range(pf.metadata.num_row_groups):
            t = pf.read_row_group(i, columns=cols, use_threads=False)
            for name in t.column_names:
                acc += touch(to_numpy(one_array(t.column(name))))
            rows += t.num_rows
    return rows, acc


def read_dlio(files, cols):
    rows, acc = 0, 0.0
    for f in files:
        # Transcribed from DLIO_local_changes@bca80ef ParquetReader.open().
        table = pq.read_table(f, columns=cols, memory_map=True)
        image = table.to_pandas().to_numpy()
        acc += image.nbytes  # all get_sample() touches; to_pandas is eager
        rows += len(image)
    return rows, acc


def read_table(files, cols):
    t = pq.read_table(files, columns=cols, use_threads=False)
    acc = sum(touch(to_numpy(one_array(c))) for c in t.columns if len(c))
    return t.num_rows, acc


MODES = {'row_group': read_row_group, 'dlio': read_dlio, 'table': read_table}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--files', nargs='+', required=True)
    ap.add_argument('--columns', default='',
                    help='comma-separated; empty = all columns')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--mode', action='append', choices=sorted(MODES),
                    help='repeatable; default row_group')
    ap.add_argument('--warmup', type=int, default=1,
                    help='untimed passes per mode before the timed runs')
    a = ap.parse_args()
    cols = [c for c in a.columns.split(',') if c] or None
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    # Warm the page cache, and count the decoded bytes once (untimed).
    nbytes = 0
    for f in a.files:
        with open(f, 'rb') as fh:
            while fh.read(1 << 24):
                pass
        t = pq.read_table(f, columns=cols, use_threads=False)
        nbytes += sum(value_bytes(one_array(c)) for c in t.columns)

    for mode in a.mode or ['row_group']:
        fn, runs, cpus, rows = MODES[mode], [], [], 0
        for _ in range(a.warmup):
            # First pass pays allocator growth/page faults (large for table).
            fn(a.files, cols)
        for _ in range(a.runs):
            c0, t0 = time.process_time(), time.perf_counter()
            rows, _acc = fn(a.files, cols)
            runs.append(rows / (time.perf_counter() - t0))
            cpus.append((time.process_time() - c0) * 1e6 / rows)
        print(json.dumps({
            'mode': mode,
            'runs': [round(r, 1) for r in runs],
            'median_samples_per_second': round(statistics.median(runs), 1),
            'cpu_us_per_sample': round(statistics.median(cpus), 4),
            'rows': rows,
            'bytes_decoded': nbytes,
            'pyarrow_version': pa.__version__,
            'files': len(a.files),
            'columns': cols,
            'loadavg_1m': round(os.getloadavg()[0], 2),
        }), flush=True)


if __name__ == '__main__':
    main()
