#!/usr/bin/env python3
"""Write the pyarrow-made Parquet fixtures in test/fixtures/pyarrow/.

Usage (from the repo root):  python3 bench/py/make_fixtures.py [--out DIR]

Writes five small .parquet files (seeded, byte-for-byte reproducible with the
same pyarrow version), expected.json (per file and column: the first 3 rows,
the last row, row/value counts and an exactly rounded float64 sum, all
computed by pyarrow) and README.md (how each file was written, its Parquet
schema, and the encodings and pages of every column chunk). The page listing
comes from a tiny Thrift compact-protocol reader below, so the data page
version (V1/V2) and the dictionary fallback point are checked, not assumed.
"""
import argparse
import hashlib
import json
import math
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROWS, RG, EMB = 1000, 500, 16

# --- Thrift compact protocol, just enough to read PageHeaders ---------------


def _varint(b, p):
    v = s = 0
    while True:
        x = b[p]
        p += 1
        v |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return v, p


def _zz(v):
    return (v >> 1) ^ -(v & 1)


def _value(b, p, t):
    if t in (1, 2):                      # bool in the field header
        return t == 1, p
    if t == 3:
        return b[p], p + 1
    if t in (4, 5, 6):
        v, p = _varint(b, p)
        return _zz(v), p
    if t == 7:
        return b[p:p + 8], p + 8
    if t == 8:
        n, p = _varint(b, p)
        return b[p:p + n], p + n
    if t in (9, 10):
        h = b[p]
        p += 1
        n, et = h >> 4, h & 0x0F
        if n == 15:
            n, p = _varint(b, p)
        out = []
        for _ in range(n):
            v, p = _value(b, p, et) if et not in (1, 2) else (b[p] == 1, p + 1)
            out.append(v)
        return out, p
    if t == 12:
        return _struct(b, p)
    raise ValueError(f'thrift type {t} not handled')


def _struct(b, p):
    out, fid = {}, 0
    while True:
        h = b[p]
        p += 1
        if h == 0:
            return out, p
        delta, t = h >> 4, h & 0x0F
        if delta:
            fid += delta
        else:
            v, p = _varint(b, p)
            fid = _zz(v)
        out[fid], p = _value(b, p, t)


PAGE = {0: 'DATA_PAGE', 1: 'INDEX_PAGE', 2: 'DICTIONARY_PAGE',
        3: 'DATA_PAGE_V2'}
ENC = {0: 'PLAIN', 2: 'PLAIN_DICTIONARY', 3: 'RLE', 4: 'BIT_PACKED',
       5: 'DELTA_BINARY_PACKED', 6: 'DELTA_LENGTH_BYTE_ARRAY',
       7: 'DELTA_BYTE_ARRAY', 8: 'RLE_DICTIONARY', 9: 'BYTE_STREAM_SPLIT'}


def pages(path, col):
    """[(page type, values, value encoding)] of one column chunk."""
    with open(path, 'rb') as f:
        b = f.read()
    start = col.data_page_offset
    if col.has_dictionary_page and col.dictionary_page_offset:
        start = min(start, col.dictionary_page_offset)
    p, end, out = start, start + col.total_compressed_size, []
    while p < end:
        h, p = _struct(b, p)
        p += h[3]                        # compressed_page_size
        kind = PAGE[h[1]]
        sub = {'DATA_PAGE': (5, 2), 'DICTIONARY_PAGE': (7, 2),
               'DATA_PAGE_V2': (8, 4)}.get(kind)
        if sub:
            d = h[sub[0]]
            out.append((kind, d[1], ENC[d[sub[1]]]))
    return out


def page_summary(ps):
    """Run-length summary: 'DICTIONARY_PAGE(PLAIN, 256 values) + 3x ...'."""
    runs = []
    for kind, n, enc in ps:
        if runs and runs[-1][0] == (kind, enc):
            runs[-1][1] += 1
            runs[-1][2] += n
        else:
            runs.append([(kind, enc), 1, n])
    return ' + '.join(f'{c}x ' * (c > 1) + f'{k}({e}, {n} values)'
                      for (k, e), c, n in runs)


# --- data --------------------------------------------------------------------


def f32(rng, n):
    return (rng.random(n, dtype=np.float32) * 2 - 1).astype(np.float32)


def base_table():
    """label f32, emb list<f32>[16], day i32 (7 values), id i64, score f64."""
    rng = np.random.default_rng(20240601)
    offsets = pa.array(np.arange(0, (ROWS + 1) * EMB, EMB, dtype=np.int32))
    emb = pa.ListArray.from_arrays(offsets, pa.array(f32(rng, ROWS * EMB)))
    return pa.table({
        'label': pa.array(f32(rng, ROWS)),
        'emb': emb,                                    # list<element: float>
        'day': pa.array(rng.integers(19000, 19007, ROWS, dtype=np.int32)),
        'id': pa.array(2**40 + np.arange(ROWS, dtype=np.int64) * 7919),
        'score': pa.array(rng.standard_normal(ROWS)),
    })


def fallback_table():
    """Distinct floats (dictionary overflows) next to a 5-value int column."""
    rng = np.random.default_rng(7)
    n, k = 2000, 8
    offsets = pa.array(np.arange(0, (n + 1) * k, k, dtype=np.int32))
    return pa.table({
        'x': pa.array(f32(rng, n)),
        'emb': pa.ListArray.from_arrays(offsets, pa.array(f32(rng, n * k))),
        'cat': pa.array(rng.integers(0, 5, n, dtype=np.int32)),
    })


def fixed_table():
    """16 float32 as fixed_size_binary(64); the same as float16 in (32)."""
    rng = np.random.default_rng(11)
    v = f32(rng, ROWS * EMB)
    h = v.astype(np.float16)
    return pa.table({
        'label': pa.array(f32(rng, ROWS)),
        'emb': pa.Array.from_buffers(pa.binary(EMB * 4), ROWS,
                                     [None, pa.py_buffer(v.tobytes())]),
        'emb16': pa.Array.from_buffers(pa.binary(EMB * 2), ROWS,
                                       [None, pa.py_buffer(h.tobytes())]),
    })


FILES = [
    ('dict_snappy_v1.parquet', base_table,
     dict(use_dictionary=True, compression='snappy', data_page_version='1.0'),
     'pyarrow defaults, spelled out'),
    ('dict_zstd_v2.parquet', base_table,
     dict(use_dictionary=True, compression='zstd', data_page_version='2.0'),
     'same values as dict_snappy_v1'),
    ('plain_none_v2.parquet', base_table,
     dict(use_dictionary=False, compression='none', data_page_version='2.0'),
     'same values as dict_snappy_v1'),
    ('dict_fallback.parquet', fallback_table,
     dict(use_dictionary=True, compression='snappy', data_page_version='1.0',
          dictionary_pagesize_limit=1024, data_page_size=128,
          write_batch_size=64, row_group_size=1000),
     'dictionary page, RLE_DICTIONARY pages, then PLAIN pages in one chunk'),
    ('fixed_vectors.parquet', fixed_table,
     dict(use_dictionary=False, compression='snappy',
          data_page_version='1.0'),
     'emb = float32 LE bytes, emb16 = float16 LE bytes'),
]


# --- expected values ---------------------------------------------------------


def as_numbers(col):
    """A column as a list of Python values; fixed binary decoded as floats."""
    t = col.type
    if pa.types.is_fixed_size_binary(t):
        dt = np.float32 if t.byte_width == EMB * 4 else np.float16
        raw = b''.join(x.as_py() for x in col)
        return [[float(x) for x in row]
                for row in np.frombuffer(raw, dt).reshape(len(col), -1)]
    if pa.types.is_floating(t) and t.bit_width == 32:
        # float(np.float32) is exact; repr round-trips to the same double.
        return [float(x) for x in col.to_numpy()]
    return col.to_pylist()


def expect(path):
    pf = pq.ParquetFile(path)
    t = pf.read()
    cols = {}
    for name in t.column_names:
        col, rows = t.column(name), as_numbers(t.column(name))
        flat = [x for r in rows for x in r] if rows and isinstance(
            rows[0], list) else rows
        e = {'arrow_type': str(col.type), 'rows': len(rows),
             'null_rows': col.null_count, 'values': len(flat),
             'first_rows': rows[:3], 'last_row': rows[-1]}
        if all(isinstance(x, int) for x in flat):
            e['sum'] = sum(flat)                        # exact integer
        else:
            e['sum'] = math.fsum(flat)                  # exactly rounded
        if pa.types.is_fixed_size_binary(col.type):
            e['first_row_hex'] = col[0].as_py().hex()
        cols[name] = e
    md = pf.metadata
    return {'num_rows': md.num_rows, 'num_row_groups': md.num_row_groups,
            'row_group_rows': [md.row_group(i).num_rows
                               for i in range(md.num_row_groups)],
            'created_by': md.created_by, 'columns': cols}


# --- README ------------------------------------------------------------------

README_HEAD = """# pyarrow-written Parquet fixtures

Written by `python3 bench/py/make_fixtures.py` (regenerate from the repo root;
do not edit by hand: this README and `expected.json` are generated too) with
pyarrow {ver} (Parquet C++ `{created_by}`), numpy {np_ver}. Values come
from seeded `numpy.random.default_rng`, so the files are byte-for-byte
reproducible with the same pyarrow version (the footer's `created_by` and the
`ARROW:schema` key-value metadata — pyarrow's default `store_schema=True` —
name the version). Every file is below 300 KB.

pyarrow {ver}'s `pq.write_table` defaults: `use_dictionary=True`,
`compression='snappy'`, `data_page_version='1.0'` (confirmed below from the
page headers: `DATA_PAGE`, not `DATA_PAGE_V2`), `version='2.6'`,
`write_statistics=True`, `store_schema=True`, `use_compliant_nested_type=True`
(list child named `element`), 1 MiB dictionary page limit, 1 MiB data pages,
`write_batch_size=1024`. The options below are given on top of those.
`emb` list columns are nullable `list<element: float>` (3-level LIST), no
actual nulls anywhere.

`expected.json`: per file, per column: the Arrow type pyarrow reads back,
`rows`, `null_rows`, `values` (flattened, for lists and fixed vectors),
`first_rows` (3), `last_row`, and `sum` — the exactly rounded float64 sum of
all (flattened) values (`math.fsum`; an exact integer for int columns), so a
naive float64 sum in another order agrees to ~1e-12 relative. Float32 values
are the exact float32 value as a JSON double. fixed_size_binary columns are
decoded as little-endian float32 (`emb`, 64 bytes = 16 floats) or float16
(`emb16`, 32 bytes = 16 halfs), with `first_row_hex` the raw bytes of row 0.

Encodings are pyarrow's `metadata.row_group(i).column(j).encodings`; pages
are read from the page headers (value encoding of each data page; counts are
the pages' `num_values`, i.e. leaf values incl. list entries).
"""


def schema_text(pf):
    """The Parquet schema as pyarrow prints it, without the repr line."""
    return '\n'.join(x for x in str(pf.schema).strip().splitlines()
                     if not x.startswith('<'))


def readme(out, results):
    r0 = pq.ParquetFile(os.path.join(out, FILES[0][0])).metadata
    lines = [README_HEAD.format(ver=pa.__version__, np_ver=np.__version__,
                                created_by=r0.created_by)]
    for name, _, opts, note in FILES:
        path = os.path.join(out, name)
        pf = pq.ParquetFile(path)
        md = pf.metadata
        rg_rows = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
        size = os.path.getsize(path)
        lines += [f'## {name}', '',
                  f'{note}. {size} bytes, {md.num_rows} rows, '
                  f'{md.num_row_groups} row groups of {rg_rows} rows, '
                  f'sha256 `{results[name]}`.', '',
                  '```python',
                  f'pq.write_table(table, {name!r}, row_group_size='
                  f'{opts.get("row_group_size", RG)}, '
                  + ', '.join(f'{k}={v!r}' for k, v in opts.items()
                              if k != 'row_group_size') + ')',
                  '```', '', '```', schema_text(pf), '```', '',
                  '| rg | column | type | codec | encodings | pages |',
                  '|---|---|---|---|---|---|']
        for i in range(md.num_row_groups):
            rg = md.row_group(i)
            for j in range(rg.num_columns):
                c = rg.column(j)
                lines.append(
                    f'| {i} | {c.path_in_schema} | {c.physical_type} | '
                    f'{c.compression} | {", ".join(c.encodings)} | '
                    f'{page_summary(pages(path, c))} |')
        lines.append('')
    with open(os.path.join(out, 'README.md'), 'w') as f:
        f.write('\n'.join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default='test/fixtures/pyarrow')
    out = ap.parse_args().out
    pa.set_cpu_count(1)
    os.makedirs(out, exist_ok=True)
    shas, expected = {}, {}
    for name, make, opts, _ in FILES:
        path = os.path.join(out, name)
        kw = dict(opts)
        rg = kw.pop('row_group_size', RG)
        pq.write_table(make(), path, row_group_size=rg, **kw)
        with open(path, 'rb') as f:
            shas[name] = hashlib.sha256(f.read()).hexdigest()
        assert os.path.getsize(path) < 300_000, name
        expected[name] = expect(path)
        # Checks that the files are what their names say.
        md = pq.ParquetFile(path).metadata
        for i in range(md.num_row_groups):
            for j in range(md.num_columns):
                c = md.row_group(i).column(j)
                kinds = {k for k, _, _ in pages(path, c)} - {'DICTIONARY_PAGE'}
                want = 'DATA_PAGE_V2' if opts['data_page_version'] == '2.0' \
                    else 'DATA_PAGE'
                assert kinds == {want}, (name, c.path_in_schema, kinds)
                assert c.has_dictionary_page == opts['use_dictionary'], name
        if name == 'dict_fallback.parquet':
            for i in range(md.num_row_groups):
                for j in (0, 1):   # x and emb fall back; cat stays dictionary
                    encs = md.row_group(i).column(j).encodings
                    assert {'PLAIN', 'RLE_DICTIONARY'} <= set(encs), encs
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    readme(out, shas)
    for name in shas:
        print(name, os.path.getsize(os.path.join(out, name)), shas[name])


if __name__ == '__main__':
    main()
