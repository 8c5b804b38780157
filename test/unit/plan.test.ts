/**
 * The request planner: coalescing, splitting, projection, and that the plan
 * predicts exactly the GETs and bytes fetchPlan then issues.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FileMetaData } from 'hyparquet';
import { CorruptParquetError, SchemaMismatchError } from '../../src/errors.ts';
import { fetchPlan } from '../../src/parquet/read/fetch.ts';
import {
  chunkStart,
  coalesceRanges,
  leafColumnsByName,
  planColumnRanges,
} from '../../src/parquet/read/plan.ts';
import { instrumentStorage } from '../../src/storage/instrument.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { OperationLog } from '../../src/storage/operations.ts';
import { hyparquetWriterFile, metadataOf } from './decode-fixtures.ts';

describe('coalesceRanges', () => {
  it('merges ranges whose gap is below the threshold, keeps the others apart', () => {
    const ranges = [
      { start: 0, end: 100 },
      { start: 150, end: 200 }, // gap 50
      { start: 300, end: 400 }, // gap 100
    ];
    assert.deepEqual(coalesceRanges(ranges, 100, 1e9), [
      { start: 0, end: 200 },
      { start: 300, end: 400 },
    ]);
    assert.deepEqual(coalesceRanges(ranges, 101, 1e9), [{ start: 0, end: 400 }]);
    assert.deepEqual(coalesceRanges(ranges, 0, 1e9), ranges);
  });

  it('adjacent and overlapping ranges merge even with a zero gap', () => {
    assert.deepEqual(
      coalesceRanges(
        [
          { start: 0, end: 10 },
          { start: 10, end: 20 },
          { start: 15, end: 30 },
        ],
        0,
        1e9,
      ),
      [{ start: 0, end: 30 }],
    );
  });

  it('splits a range larger than maxRequestBytes into equal pieces, none larger than the maximum', () => {
    const pieces = coalesceRanges([{ start: 1000, end: 1000 + 25 * 1024 }], 0, 8 * 1024);
    assert.equal(pieces.length, 4);
    assert.equal(pieces[0].start, 1000);
    assert.equal(pieces.at(-1)?.end, 1000 + 25 * 1024);
    for (let i = 0; i < pieces.length; i++) {
      assert.ok(pieces[i].end - pieces[i].start <= 8 * 1024);
      if (i > 0) assert.equal(pieces[i].start, pieces[i - 1].end);
    }
  });

  it('does not coalesce past maxRequestBytes, so small chunks are never cut by a split', () => {
    const chunks = Array.from({ length: 10 }, (_, i) => ({ start: i * 100, end: i * 100 + 90 }));
    const requests = coalesceRanges(chunks, 50, 300);
    assert.deepEqual(requests, [
      { start: 0, end: 290 },
      { start: 300, end: 590 },
      { start: 600, end: 890 },
      { start: 900, end: 990 },
    ]);
  });
});

describe('planColumnRanges', () => {
  const bytes = hyparquetWriterFile({ rows: 900, rowGroupSize: 300 });
  const metadata = metadataOf(bytes);
  const size = (m: FileMetaData, g: number, leaf: number) =>
    Number(m.row_groups[g].columns[leaf].meta_data?.total_compressed_size);

  it('maps a LIST column to its leaf and plans only projected chunks of the requested row groups', () => {
    const leaves = leafColumnsByName(metadata);
    assert.deepEqual(metadata.row_groups[0].columns[leaves.get('vec')?.[0] ?? -1].meta_data?.path_in_schema, [
      'vec',
      'list',
      'element',
    ]);
    const plan = planColumnRanges({
      metadata,
      columns: ['vec', 'd'],
      rowGroups: [0, 2],
      coalesceGapBytes: 0,
      maxRequestBytes: 1 << 30,
    });
    assert.equal(plan.chunks.length, 4);
    assert.deepEqual(
      new Set(plan.chunks.map((c) => `${c.rowGroup}:${c.column}`)),
      new Set(['0:vec', '0:d', '2:vec', '2:d']),
    );
    const vecLeaf = leaves.get('vec')?.[0] ?? -1;
    const dLeaf = leaves.get('d')?.[0] ?? -1;
    assert.equal(
      plan.projectedBytes,
      size(metadata, 0, vecLeaf) +
        size(metadata, 0, dLeaf) +
        size(metadata, 2, vecLeaf) +
        size(metadata, 2, dLeaf),
    );
    // Non-adjacent chunks with no coalescing: one request per chunk, exactly the chunk bytes.
    assert.equal(plan.requests.length, 4);
    assert.equal(plan.requestBytes, plan.projectedBytes);
  });

  it('a large gap threshold turns a row group into one request that includes the gaps', () => {
    const plan = planColumnRanges({
      metadata,
      columns: ['f', 'fixed'],
      rowGroups: [1],
      coalesceGapBytes: 1 << 20,
      maxRequestBytes: 1 << 30,
    });
    assert.equal(plan.requests.length, 1);
    assert.ok(plan.requestBytes > plan.projectedBytes);
    assert.equal(plan.requests[0].start, plan.chunks[0].start);
    assert.equal(plan.requests[0].end, plan.chunks.at(-1)?.end);
  });

  it('dictionary_page_offset 0 or past the data pages is ignored; a real one starts the chunk', () => {
    const meta = structuredClone(metadata.row_groups[2].columns[3].meta_data);
    assert.ok(meta);
    const data = Number(meta.data_page_offset);
    meta.dictionary_page_offset = 0n;
    assert.equal(chunkStart(meta), data);
    meta.dictionary_page_offset = BigInt(data + 10);
    assert.equal(chunkStart(meta), data);
    meta.dictionary_page_offset = BigInt(data - 10);
    assert.equal(chunkStart(meta), data - 10);
    meta.dictionary_page_offset = undefined;
    assert.equal(chunkStart(meta), data);
  });

  it('a missing column is a SchemaMismatchError listing the columns; a chunk past the data is corrupt', () => {
    assert.throws(
      () =>
        planColumnRanges({
          metadata,
          columns: ['nope'],
          rowGroups: [0],
          coalesceGapBytes: 0,
          maxRequestBytes: 100,
          key: 'a.parquet',
        }),
      (err: unknown) => err instanceof SchemaMismatchError && /a\.parquet.*"nope".*vec/.test(err.message),
    );
    assert.throws(
      () =>
        planColumnRanges({
          metadata,
          columns: ['d'],
          rowGroups: [2],
          coalesceGapBytes: 0,
          maxRequestBytes: 100,
          key: 'a.parquet',
          dataEnd: 100,
        }),
      CorruptParquetError,
    );
  });

  it('fetchPlan issues exactly the planned GETs and serves every chunk byte-exact, also across splits', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pqbench-plan-'));
    try {
      const log = new OperationLog();
      const storage = instrumentStorage(new LocalStorage(dir), log);
      await storage.put('x.parquet', bytes);
      log.clear();
      for (const [gap, max] of [
        [0, 1 << 30],
        [1 << 20, 1 << 30],
        [1 << 20, 1000], // every large chunk split into several GETs
      ]) {
        const plan = planColumnRanges({
          metadata,
          columns: ['vec', 'fixed', 'name'],
          rowGroups: [0, 1, 2],
          coalesceGapBytes: gap,
          maxRequestBytes: max,
        });
        const fetched = await fetchPlan(storage, 'x.parquet', plan, { concurrency: 3 });
        const gets = log.operations.filter((o) => o.op === 'GET');
        assert.equal(gets.length, plan.requests.length, `gap ${gap} max ${max}`);
        assert.equal(fetched.requests, plan.requests.length);
        assert.equal(
          gets.reduce((s, o) => s + o.bytes, 0),
          plan.requestBytes,
        );
        assert.equal(fetched.bytesFetched, plan.requestBytes);
        for (const o of gets) assert.ok((o.rangeEnd ?? 0) - (o.rangeStart ?? 0) <= max);
        for (const chunk of plan.chunks)
          assert.deepEqual(fetched.bytes(chunk), bytes.subarray(chunk.start, chunk.end));
        const buffer = fetched.asAsyncBuffer(bytes.byteLength);
        const c = plan.chunks[1];
        assert.deepEqual(new Uint8Array(await buffer.slice(c.start, c.end)), bytes.subarray(c.start, c.end));
        log.clear();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
