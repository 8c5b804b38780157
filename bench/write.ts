/**
 * Write-side benchmark: pqbench's value generation + Parquet encoding +
 * compression vs DuckDB `COPY … TO 'x.parquet'` of the same schema, codec and
 * amount of random data, in one run. Also the peak RSS of a FLUX-like stream.
 *
 *   npx tsx bench/write.ts            # full table
 *   npx tsx bench/write.ts --flux     # only the FLUX RSS probe (used by the full run, in a child process)
 *   npx tsx bench/write.ts --codecs   # page codecs: ours vs hyparquet-compressors' decoders (fzstd, …)
 *
 * What each side does, per row of the table:
 * - pqbench/mem:  generate `rows` × 512 float32 (src/dataset/values.ts) in
 *   batches, stream them through ParquetStreamWriter into a sink that counts
 *   and drops the chunks. One thread.
 * - pqbench/file: the same into a local file (FileHandle.write per chunk).
 * - DuckDB: `COPY (SELECT list_transform(range(512), x -> random()::FLOAT) AS v
 *   FROM range(rows)) TO file (FORMAT parquet, COMPRESSION …, ROW_GROUP_SIZE …)`
 *   — random() per element inside DuckDB, written as a LIST<FLOAT>; for the
 *   fixed layout the list is cast to DuckDB's fixed-size ARRAY FLOAT[512]
 *   (DuckDB has no FIXED_LEN_BYTE_ARRAY writer for it; it stores ARRAY as a
 *   Parquet LIST). DuckDB uses all its default threads (= cores).
 * MB/s = 10^6 bytes of float data (rows × 2048) per second, median of runs.
 */

import { spawnSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Codec, ColumnSpec, VectorLayout } from '../src/config/types.ts';
import { columnValues, mix32, type ValueContext } from '../src/dataset/values.ts';
import { ParquetStreamWriter, type ParquetWriteResult } from '../src/parquet/write/writer.ts';

export interface SyntheticWriteOptions {
  columns: ColumnSpec[];
  vectorLayout: VectorLayout;
  codec: Codec;
  compressionLevel?: number | null;
  pageSize: number;
  rows: number;
  rowGroupRows: number;
  /** Rows generated per writeColumn call. */
  batchRows: number;
  ctx?: ValueContext;
  sink: (chunk: Uint8Array) => Promise<void>;
}

/** Generates and writes one synthetic object: the generator's hot path without storage. */
export async function writeSyntheticParquet(o: SyntheticWriteOptions): Promise<ParquetWriteResult> {
  const ctx = o.ctx ?? { seed: 1, fileIndex: 0, partition: null };
  const writer = new ParquetStreamWriter({
    columns: o.columns,
    vectorLayout: o.vectorLayout,
    codec: o.codec,
    compressionLevel: o.compressionLevel ?? null,
    pageSize: o.pageSize,
    sink: o.sink,
  });
  for (let start = 0; start < o.rows; start += o.rowGroupRows) {
    const rows = Math.min(o.rowGroupRows, o.rows - start);
    writer.beginRowGroup(rows);
    for (const [i, column] of o.columns.entries()) {
      for (let r = 0; r < rows; r += o.batchRows) {
        await writer.writeColumn(i, columnValues(column, ctx, start + r, Math.min(o.batchRows, rows - r)));
      }
    }
    await writer.endRowGroup();
  }
  return writer.finish();
}

export interface WriteMeasurement {
  seconds: number;
  fileBytes: number;
  /** Bytes of column values (before encoding). */
  dataBytes: number;
  mbPerSecond: number;
}

export interface VectorBenchCase {
  vectorLayout: VectorLayout;
  codec: Codec;
  rows: number;
  size?: number;
  rowGroupRows?: number;
  pageSize?: number;
  batchRows?: number;
}

function vectorColumns(size: number): ColumnSpec[] {
  return [{ name: 'v', dtype: 'float32', size, read: true }];
}

/** One pqbench write of a `size`-float32 vector column into memory or a local file. */
export async function measurePqbenchWrite(
  c: VectorBenchCase,
  target: 'memory' | string,
): Promise<WriteMeasurement> {
  const size = c.size ?? 512;
  let fileBytes = 0;
  const handle = target === 'memory' ? null : await open(target, 'w');
  const sink = async (chunk: Uint8Array): Promise<void> => {
    fileBytes += chunk.length;
    if (!handle) return;
    let done = 0;
    while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
  };
  const t0 = performance.now();
  try {
    await writeSyntheticParquet({
      columns: vectorColumns(size),
      vectorLayout: c.vectorLayout,
      codec: c.codec,
      pageSize: c.pageSize ?? 1 << 20,
      rows: c.rows,
      rowGroupRows: c.rowGroupRows ?? 4096,
      batchRows: c.batchRows ?? 512,
      sink,
    });
  } finally {
    await handle?.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const dataBytes = c.rows * size * 4;
  return { seconds, fileBytes, dataBytes, mbPerSecond: dataBytes / 1e6 / seconds };
}

/** The DuckDB COPY this benchmark compares against (see the header comment). */
export function duckdbCopySql(c: VectorBenchCase, path: string): string {
  const size = c.size ?? 512;
  const list = `list_transform(range(${size}), x -> random()::FLOAT)`;
  const value = c.vectorLayout === 'fixed' ? `${list}::FLOAT[${size}]` : list;
  const compression = c.codec === 'none' ? 'uncompressed' : c.codec === 'lz4' ? 'lz4_raw' : c.codec;
  return `COPY (SELECT ${value} AS v FROM range(${c.rows})) TO '${path}' (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${c.rowGroupRows ?? 4096})`;
}

export async function measureDuckdbCopy(c: VectorBenchCase, path: string): Promise<WriteMeasurement> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const t0 = performance.now();
    await con.run(duckdbCopySql(c, path));
    const seconds = (performance.now() - t0) / 1000;
    const { stat } = await import('node:fs/promises');
    const fileBytes = (await stat(path)).size;
    const dataBytes = c.rows * (c.size ?? 512) * 4;
    return { seconds, fileBytes, dataBytes, mbPerSecond: dataBytes / 1e6 / seconds };
  } finally {
    con.closeSync();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface FluxProbe {
  rows: number;
  size: number;
  fileBytes: number;
  seconds: number;
  peakRssMB: number;
}

/** FLUX-like stream: one float32 column of 524,328 values per row, 288 rows, one row group, into a discarding sink. */
export async function fluxProbe(
  batchRows = 4,
  layout: VectorLayout = 'list',
  codec: Codec = 'none',
): Promise<FluxProbe> {
  const size = 524_328;
  const rows = 288;
  let fileBytes = 0;
  const t0 = performance.now();
  await writeSyntheticParquet({
    columns: vectorColumns(size),
    vectorLayout: layout,
    codec,
    pageSize: 1 << 20,
    rows,
    rowGroupRows: rows,
    batchRows,
    sink: async (chunk) => {
      fileBytes += chunk.length;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  return { rows, size, fileBytes, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

export interface CodecMeasurement {
  codec: Codec;
  input: string;
  ratio: number;
  compressMBs: number;
  decompressMBs: number;
  /** hyparquet-compressors' decoder for the same page (fzstd for zstd, JS LZ4/gzip/brotli, hysnappy). */
  referenceDecompressMBs: number;
}

/** Compress/decompress speed of one 1 MiB page per codec: random float32 (the generator's) and word-like text. */
export async function measureCodecs(runs = 5): Promise<CodecMeasurement[]> {
  const { compress, decompress, parquetCodecOf } = await import('../src/parquet/codec/codecs.ts');
  const { compressors } = await import('hyparquet-compressors');
  const floats = columnValues(vectorColumns(512)[0], { seed: 1, fileIndex: 0, partition: null }, 0, 512);
  const words = Array.from({ length: 2000 }, (_, i) =>
    mix32(i)
      .toString(36)
      .slice(0, 3 + (i % 6)),
  );
  const text = new TextEncoder()
    .encode(Array.from({ length: 200_000 }, (_, i) => words[mix32(i + 7777) % 2000]).join(' '))
    .subarray(0, 1 << 20);
  const inputs = { random_f32: new Uint8Array(floats.data.buffer), text };
  const time = (fn: () => unknown): number => {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn();
      xs.push((performance.now() - t0) / 1000);
    }
    return median(xs);
  };
  const out: CodecMeasurement[] = [];
  for (const codec of ['snappy', 'gzip', 'zstd', 'lz4', 'brotli'] as const) {
    for (const [name, input] of Object.entries(inputs)) {
      const packed = compress(codec, input);
      const reference = compressors[parquetCodecOf(codec)];
      const mb = input.length / 1e6;
      out.push({
        codec,
        input: name,
        ratio: packed.length / input.length,
        compressMBs: mb / time(() => compress(codec, input)),
        decompressMBs: mb / time(() => decompress(codec, packed, input.length)),
        referenceDecompressMBs: reference ? mb / time(() => reference(packed, input.length)) : 0,
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  if (process.argv.includes('--codecs')) {
    console.log(
      'codec   input       ratio  compress-MB/s  decompress-MB/s  hyparquet-compressors-decompress-MB/s',
    );
    for (const m of await measureCodecs()) {
      console.log(
        `${m.codec.padEnd(7)} ${m.input.padEnd(10)} ${m.ratio.toFixed(3).padStart(6)} ${m.compressMBs.toFixed(0).padStart(14)} ${m.decompressMBs.toFixed(0).padStart(16)} ${m.referenceDecompressMBs.toFixed(0).padStart(38)}`,
      );
    }
    return;
  }
  if (process.argv.includes('--flux')) {
    const layout = (process.argv[process.argv.indexOf('--flux') + 1] ?? 'list') as VectorLayout;
    console.log(JSON.stringify(await fluxProbe(4, layout)));
    return;
  }
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const rows = Number(process.env.BENCH_ROWS ?? 32_768);
  const dir = join(tmpdir(), `pqbench-bench-write-${process.pid}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  console.log(
    `write benchmark: ${rows} rows × 512 float32 (${((rows * 2048) / 1e6).toFixed(1)} MB of values), ${runs} runs, median MB/s`,
  );
  console.log(
    'layout  codec  pqbench-mem  pqbench-file  duckdb-copy  ratio(mem/duckdb)  ratio(file/duckdb)  pq-file-MB  duckdb-file-MB',
  );
  try {
    for (const vectorLayout of ['list', 'fixed'] as const) {
      for (const codec of ['none', 'zstd'] as const) {
        const c: VectorBenchCase = { vectorLayout, codec, rows };
        const mem: WriteMeasurement[] = [];
        const file: WriteMeasurement[] = [];
        const duck: WriteMeasurement[] = [];
        for (let i = 0; i < runs; i++) {
          mem.push(await measurePqbenchWrite(c, 'memory'));
          file.push(await measurePqbenchWrite(c, join(dir, 'pq.parquet')));
          duck.push(await measureDuckdbCopy(c, join(dir, 'duck.parquet')));
        }
        const m = median(mem.map((x) => x.mbPerSecond));
        const f = median(file.map((x) => x.mbPerSecond));
        const d = median(duck.map((x) => x.mbPerSecond));
        console.log(
          [
            vectorLayout.padEnd(6),
            codec.padEnd(5),
            m.toFixed(0).padStart(11),
            f.toFixed(0).padStart(13),
            d.toFixed(0).padStart(12),
            (m / d).toFixed(2).padStart(18),
            (f / d).toFixed(2).padStart(19),
            (file[0].fileBytes / 1e6).toFixed(1).padStart(11),
            (duck[0].fileBytes / 1e6).toFixed(1).padStart(15),
          ].join('  '),
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // Peak RSS is per process, so the FLUX probe runs in a fresh one.
  for (const layout of ['list', 'fixed']) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--flux', layout],
      {
        encoding: 'utf8',
      },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    try {
      const p = JSON.parse(line) as FluxProbe;
      console.log(
        `FLUX-like stream (${layout}): ${p.rows} rows × ${p.size} float32 = ${(p.fileBytes / 1e6).toFixed(0)} MB in one row group, ` +
          `batch 4 rows, codec none: peak RSS ${p.peakRssMB.toFixed(0)} MB (target ≤ 300), ${(p.fileBytes / 1e6 / p.seconds).toFixed(0)} MB/s`,
      );
    } catch {
      console.log(`FLUX probe failed: ${child.stderr}`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
