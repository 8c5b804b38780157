#!/usr/bin/env python3
"""Edge-case and damaged Parquet files for the reader's error tests.

Usage: python3 bench/py/make_corrupt_fixtures.py   (writes test/fixtures/corrupt/)

  empty_table.parquet      pyarrow's file for an empty table: one row group of 0 rows
  null_only_v2.parquet     one nullable float row that is null, DataPage V2, snappy
                           (the page's compressed value section is empty)
  crc_ok.parquet           write_page_checksum=True, 64 float rows, uncompressed
  crc_flipped.parquet      the same file with one value byte flipped (CRC now wrong)
  truncated_footer.parquet crc_ok.parquet cut 20 bytes before its end, magic restored
  footer_garbage.parquet   crc_ok.parquet with its Thrift footer bytes overwritten

Deterministic: fixed values, no timestamps in the files.
"""
import os

import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'corrupt')


def main():
    os.makedirs(OUT, exist_ok=True)
    schema = pa.schema([('label', pa.float32()), ('emb', pa.list_(pa.float32()))])
    pq.write_table(schema.empty_table(), os.path.join(OUT, 'empty_table.parquet'))

    pq.write_table(pa.table({'x': pa.array([None], pa.float32())}),
                   os.path.join(OUT, 'null_only_v2.parquet'),
                   data_page_version='2.0', compression='snappy', use_dictionary=False)

    ok = os.path.join(OUT, 'crc_ok.parquet')
    pq.write_table(pa.table({'x': pa.array([float(i) for i in range(64)], pa.float32())}), ok,
                   compression='none', use_dictionary=False, write_page_checksum=True,
                   write_statistics=False)
    data = bytearray(open(ok, 'rb').read())
    flipped = bytearray(data)
    # The last value (63.0) sits just before the footer's column chunk; flip a byte of it.
    pos = bytes(flipped).find(bytes.fromhex('00007c42'))  # float32 63.0, little-endian
    assert pos > 0
    flipped[pos + 2] ^= 0x01
    open(os.path.join(OUT, 'crc_flipped.parquet'), 'wb').write(flipped)

    footer_len = int.from_bytes(data[-8:-4], 'little')
    truncated = bytearray(data[:-28]) + data[-8:]  # 20 footer bytes gone, length + magic kept
    open(os.path.join(OUT, 'truncated_footer.parquet'), 'wb').write(truncated)

    garbage = bytearray(data)
    start = len(data) - 8 - footer_len
    for i in range(start + 4, start + footer_len, 3):
        garbage[i] = (garbage[i] * 7 + 13) & 0xFF
    open(os.path.join(OUT, 'footer_garbage.parquet'), 'wb').write(garbage)
    print('wrote', sorted(os.listdir(OUT)))


if __name__ == '__main__':
    main()
