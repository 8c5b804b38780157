#!/usr/bin/env python3
"""Inputs for pyarrow_read.py: 8 files x 8192 rows per variant.

Usage: python3 bench/py/make_read_inputs.py [--out /tmp/pqgen]

label float32 + emb list<float32>[512] (plain ListArray, so no fixed_size_list
comes back from the ARROW:schema metadata), row groups of 2048 rows, values
uniform [-1, 1) from default_rng(file index). Variants (one folder each):
none/snappy/zstd with use_dictionary=False (zstd at pyarrow's default level
1), and `defaults` = pyarrow defaults (dictionary on, snappy; the float
dictionaries overflow the 1 MiB limit and fall back to PLAIN).
"""
import argparse
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROWS, SIZE, RG, FILES = 8192, 512, 2048, 8
VARIANTS = {
    'none': dict(compression='none', use_dictionary=False),
    'snappy': dict(compression='snappy', use_dictionary=False),
    'zstd': dict(compression='zstd', use_dictionary=False),
    'defaults': {},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='/tmp/pqgen')
    out = ap.parse_args().out
    for name, kw in VARIANTS.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for i in range(FILES):
            rng = np.random.default_rng(i)
            label = rng.random(ROWS, dtype=np.float32) * 2 - 1
            vals = rng.random(ROWS * SIZE, dtype=np.float32) * 2 - 1
            offs = np.arange(0, (ROWS + 1) * SIZE, SIZE, dtype=np.int32)
            emb = pa.ListArray.from_arrays(pa.array(offs), pa.array(vals))
            pq.write_table(pa.table({'label': label, 'emb': emb}),
                           os.path.join(d, f'f{i}.parquet'),
                           row_group_size=RG, **kw)
        print(d, sum(os.path.getsize(os.path.join(d, f'f{i}.parquet'))
                     for i in range(FILES)))


if __name__ == '__main__':
    main()
