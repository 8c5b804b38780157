/**
 * Read-side figures, printed side by side with a reference measured in the
 * same run (medians of RUNS runs; nothing asserted — speed is not a test).
 * Run: `npx tsx bench/read.ts` (S3 section uses S3_ENDPOINT /
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; without them it uses local_fs).
 *
 * (a) decode: one projected 512-float32 vector column of a pqbench-written
 *     file (LIST and fixed layouts; none and zstd), bytes already in memory,
 *     decoded into one Float32Array per row group (in place, as the reader
 *     does with the buffers it fetched), vs DuckDB reading the same
 *     column of the same file from disk (page cache): `SELECT sum(len(emb))`
 *     for LIST (DuckDB materialises the list's float child vector to answer
 *     it) and `sum(octet_length(emb))` for FIXED_LEN_BYTE_ARRAY (a BLOB to
 *     DuckDB). DuckDB timed with threads=1 (same single core) and with its
 *     default threads. MB/s = decoded float bytes (rows × 512 × 4) / s.
 * (b) fetch: ParquetObjectReader with decode off (footer GET + planned
 *     ranged GETs, read_threads concurrency) vs a plain `storage.get` loop
 *     over exactly the same ranges at the same concurrency, same store.
 * (c) epoch-planning RSS over 10M files: the training engineer's
 *     bench/plan-rss.ts, run in a child process with `--plan-rss`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { defaultWorkload, projectedColumns } from '../src/config/load.ts';
import type { Codec, VectorLayout, Workload } from '../src/config/types.ts';
import { joinPieces } from '../src/dataset/column-values.ts';
import { objectKey } from '../src/dataset/layout.ts';
import { resolveDataset, resolveRun } from '../src/dataset/run-plan.ts';
import { generateShard } from '../src/generate/shard.ts';
import { planGenerateShards } from '../src/generate/shards.ts';
import { hyparquetCompressors, zstdBackendName } from '../src/parquet/codec/codecs.ts';
import { decodeColumnChunkDetailed, targetForSpec } from '../src/parquet/read/decode.ts';
import { fetchPlan } from '../src/parquet/read/fetch.ts';
import { readFooter } from '../src/parquet/read/footer.ts';
import { planColumnRanges } from '../src/parquet/read/plan.ts';
import { ParquetObjectReader } from '../src/parquet/read/reader.ts';
import { s3EndpointFromEnvironment } from '../src/storage/endpoint.ts';
import { LocalStorage } from '../src/storage/local.ts';
import { openStorage } from '../src/storage/open.ts';
import type { Storage } from '../src/storage/types.ts';

const RUNS = Math.max(3, Number(process.env.RUNS ?? 5));
const SIZE = 512;
const MB = 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number, digits = 0) => x.toFixed(digits).padStart(7);

function vectorWorkload(
  root: string,
  folder: string,
  layout: VectorLayout,
  codec: Codec,
  rows: number,
  files: number,
): Workload {
  const w = defaultWorkload();
  w.storage.storage_root = root;
  w.dataset.data_folder = folder;
  w.dataset.num_files_train = files;
  w.dataset.num_samples_per_file = rows;
  w.dataset.compression = codec;
  w.dataset.parquet.row_group_size = 4096;
  w.dataset.parquet.vector_layout = layout;
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: false },
    { name: 'emb', dtype: 'float32', size: SIZE, read: true },
    { name: 'aux', dtype: 'float32', size: SIZE, read: false },
  ];
  return w;
}

// ---------------------------------------------------------------- (a) decode
async function decodeSection(): Promise<void> {
  const rows = 16_384;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-bench-read-'));
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  const timeDuck = async (sql: string, threads: number | null): Promise<number> => {
    await connection.run(threads === null ? 'RESET threads' : `SET threads = ${threads}`);
    await connection.run(sql); // warm-up: page cache, metadata cache
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await connection.run(sql);
      times.push(performance.now() - t0);
    }
    return median(times);
  };
  try {
    console.log(
      `(a) decode one projected ${SIZE}-float32 column, ${rows} rows (${((rows * SIZE * 4) / MB).toFixed(0)} MB of floats), median of ${RUNS}; zstd backend ${zstdBackendName()}, node ${process.version}`,
    );
    console.log(
      '    layout codec   pqbench MB/s  path  | DuckDB 1 thread MB/s  ratio | DuckDB default threads MB/s  ratio',
    );
    for (const [layout, codec] of [
      ['list', 'none'],
      ['fixed', 'none'],
      ['list', 'zstd'],
      ['fixed', 'zstd'],
    ] as [VectorLayout, Codec][]) {
      const w = vectorWorkload(dir, `${layout}-${codec}`, layout, codec, rows, 1);
      const storage = new LocalStorage(dir);
      await generateShard(resolveRun(w), planGenerateShards(resolveRun(w).dataset.layout, 1)[0], storage);
      const key = objectKey(resolveDataset(w).layout, 'train', 0, null);
      const file = path.join(dir, key);
      const bytes = new Uint8Array(await readFile(file));
      const { metadata } = await readFooter(storage, key, 65536);
      const spec = projectedColumns(w)[0];
      const plan = planColumnRanges({
        metadata,
        columns: [spec.name],
        rowGroups: metadata.row_groups.map((_, g) => g),
        coalesceGapBytes: 0,
        maxRequestBytes: 1 << 30,
      });
      // As in the reader: each run decodes freshly fetched bytes that it owns
      // (in place). Making that copy is not timed — the network delivered it.
      const decodeAll = (owned: Uint8Array): string => {
        let used = '';
        for (const chunk of plan.chunks) {
          const out = decodeColumnChunkDetailed({
            bytes: owned.subarray(chunk.start, chunk.end),
            metadata,
            rowGroup: chunk.rowGroup,
            leaf: chunk.leaf,
            target: targetForSpec(spec),
            compressors: hyparquetCompressors,
            key,
          });
          used = out.path;
          // Touch the values so a lazily-viewed array is not a free lunch.
          const values = joinPieces(out.pieces);
          if (values.kind !== 'f32' || values.data[values.data.length - 1] === undefined)
            throw new Error('no values');
        }
        return used;
      };
      const decoder = decodeAll(bytes.slice());
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const owned = bytes.slice();
        const t0 = performance.now();
        decodeAll(owned);
        times.push(performance.now() - t0);
      }
      if (process.env.DEBUG_TIMES) console.log(times.map((t) => t.toFixed(1)).join(' '));
      const floatMB = (rows * SIZE * 4) / MB;
      const ours = floatMB / (median(times) / 1000);
      const expr = layout === 'list' ? 'sum(len(emb))' : 'sum(octet_length(emb))';
      const sql = `SELECT ${expr} FROM read_parquet('${file}')`;
      const duck1 = floatMB / ((await timeDuck(sql, 1)) / 1000);
      const duckN = floatMB / ((await timeDuck(sql, null)) / 1000);
      console.log(
        `    ${layout.padEnd(6)} ${codec.padEnd(6)} ${fmt(ours)}       ${decoder.padEnd(5)} | ${fmt(duck1)}              ${fmt(ours / duck1, 2)} | ${fmt(duckN)}                     ${fmt(ours / duckN, 2)}`,
      );
    }
  } finally {
    connection.closeSync();
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

// ----------------------------------------------------------------- (b) fetch
interface FetchStore {
  storage: Storage;
  label: string;
  cleanup(): Promise<void>;
}

async function openFetchStore(): Promise<FetchStore> {
  const endpoint = s3EndpointFromEnvironment();
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-bench-fetch-'));
    return {
      storage: new LocalStorage(dir),
      label: `local_fs ${dir} (S3_ENDPOINT not set)`,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const bucket = `pqbench-bench-read-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const storage = openStorage({
    storage_type: 's3',
    storage_root: bucket,
    storage_options: {
      endpoint_url: endpoint,
      region,
      s3_force_path_style: true,
      s3_max_attempts: 3,
      request_timeout_seconds: 60,
      checksums: 'when_required',
      max_sockets: 64,
      access_key_id: accessKeyId,
      secret_access_key: secretAccessKey,
    },
  });
  return {
    storage,
    label: `s3 ${endpoint} bucket ${bucket}`,
    cleanup: async () => {
      await storage.close();
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
      if (objects.length)
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

/** At most `concurrency` promises of `tasks` in flight. */
async function bounded(tasks: (() => Promise<unknown>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
}

async function fetchSection(): Promise<void> {
  const store = await openFetchStore();
  const files = 3;
  const threads = 4;
  try {
    const w = vectorWorkload('', 'bench-fetch', 'fixed', 'none', 8192, files);
    w.dataset.parquet.row_group_size = 1024; // 8 row groups: 8 ranged GETs of 2 MiB per file
    await generateShard(resolveRun(w), planGenerateShards(resolveRun(w).dataset.layout, 1)[0], store.storage);
    const keys = Array.from({ length: files }, (_, f) =>
      objectKey(resolveDataset(w).layout, 'train', f, null),
    );
    const options = {
      footerFetchBytes: w.reader.footer_fetch_bytes,
      columns: projectedColumns(w),
      vectorLayout: w.dataset.parquet.vector_layout,
      coalesceGapBytes: w.reader.coalesce_gap_bytes,
      maxRequestBytes: w.reader.max_request_bytes,
      readThreads: threads,
      decode: false,
    };
    // The exact ranges the reader will GET, per file: its footer suffix, then the plan.
    const ranges = await Promise.all(
      keys.map(async (key) => {
        const reader = await ParquetObjectReader.open(store.storage, key, options);
        return reader.plan(reader.rowGroups.map((_, g) => g)).requests;
      }),
    );
    const readerRun = async (): Promise<number> => {
      let bytes = 0;
      for (const key of keys) {
        const reader = await ParquetObjectReader.open(store.storage, key, options);
        bytes += reader.footer.bytesFetched;
        for (const group of await reader.readRowGroups(reader.rowGroups.map((_, g) => g)))
          bytes += group.bytesFetched;
      }
      return bytes;
    };
    const plainRun = async (): Promise<number> => {
      let bytes = 0;
      for (let f = 0; f < files; f++) {
        bytes += (await store.storage.get(keys[f], { suffix: options.footerFetchBytes })).body.byteLength;
        await bounded(
          ranges[f].map((range) => async () => {
            // Not `bytes += await …`: that reads `bytes` before the await and loses concurrent updates.
            const got = (await store.storage.get(keys[f], range)).body.byteLength;
            bytes += got;
          }),
          threads,
        );
      }
      return bytes;
    };
    // Also the fetch executor alone (no footer parsing or planning), for reference.
    const executorRun = async (): Promise<number> => {
      let bytes = options.footerFetchBytes * files;
      for (let f = 0; f < files; f++) {
        await store.storage.get(keys[f], { suffix: options.footerFetchBytes });
        bytes += (await fetchPlan(store.storage, keys[f], { requests: ranges[f] }, { concurrency: threads }))
          .bytesFetched;
      }
      return bytes;
    };
    await readerRun(); // warm-up: connections, server caches
    await plainRun();
    const time = async (run: () => Promise<number>) => {
      const t0 = performance.now();
      const bytes = await run();
      return bytes / MB / ((performance.now() - t0) / 1000);
    };
    const rates: Record<'reader' | 'plain' | 'executor', number[]> = { reader: [], plain: [], executor: [] };
    const runs = { reader: readerRun, plain: plainRun, executor: executorRun };
    const order = ['reader', 'plain', 'executor'] as const;
    for (let r = 0; r < RUNS; r++) {
      // Rotate the order so no side always runs on a warmer (or busier) server.
      for (let i = 0; i < order.length; i++) {
        const name = order[(r + i) % order.length];
        rates[name].push(await time(runs[name]));
      }
    }
    const readerRates = rates.reader;
    const plainRates = rates.plain;
    const executorRates = rates.executor;
    const requests = ranges.reduce((n, r) => n + r.length + 1, 0);
    const bytes = await readerRun();
    console.log(
      `(b) fetch, decode off: ${files} files, 1 of 3 ${SIZE}-float32 columns projected, ${requests} GETs / ${(bytes / MB).toFixed(1)} MB per run, read_threads ${threads}, on ${store.label}; median of ${RUNS}`,
    );
    console.log(`    ParquetObjectReader  ${fmt(median(readerRates))} MB/s`);
    console.log(
      `    plain storage.get    ${fmt(median(plainRates))} MB/s   ratio reader/plain ${fmt(median(readerRates) / median(plainRates), 2)}`,
    );
    console.log(
      `    fetchPlan alone      ${fmt(median(executorRates))} MB/s   ratio fetchPlan/plain ${fmt(median(executorRates) / median(plainRates), 2)}`,
    );
  } finally {
    await store.cleanup();
  }
}

// ------------------------------------------------------- (c) epoch planning
function planRssSection(): void {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'plan-rss.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  console.log('(c) epoch planning RSS (bench/plan-rss.ts, separate process)');
  process.stdout.write((result.stdout ?? '') + (result.stderr ?? ''));
}

const only = process.argv.slice(2);
if (only.length === 0 || only.includes('decode')) await decodeSection();
if (only.length === 0 || only.includes('fetch')) await fetchSection();
if (only.includes('--plan-rss') || only.includes('plan-rss')) planRssSection();
