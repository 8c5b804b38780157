/**
 * Shard planning (SPEC §7): a generate shard is "files a..b" — plain data, so
 * the same plan drives local worker threads and Lambda invocations.
 */
import type { DatasetLayout, Split } from '../dataset/types.ts';

/** Files [start, end) of one split. */
export interface FileRange {
  split: Split;
  start: number;
  end: number;
}

export interface GenerateShard {
  /** 0-based shard number, for logs and progress. */
  index: number;
  /** Total shards in the plan. */
  count: number;
  /** Contiguous file ranges; at most one per split (train first, then eval). */
  ranges: FileRange[];
}

export function shardFileCount(shard: GenerateShard): number {
  return shard.ranges.reduce((n, r) => n + (r.end - r.start), 0);
}

/**
 * Splits the train files, then the eval files, into `count` contiguous shards
 * whose sizes differ by at most one file. Never returns an empty shard: with
 * fewer files than `count` there are fewer shards; with no files, none.
 */
export function planGenerateShards(layout: DatasetLayout, count: number): GenerateShard[] {
  const splitFiles: [Split, number][] = [
    ['train', layout.splits.train.numFiles],
    ['eval', layout.splits.eval.numFiles],
  ];
  const total = splitFiles.reduce((n, [, files]) => n + files, 0);
  const shards = Math.min(Math.max(1, Math.floor(count)), total);
  const plan: GenerateShard[] = [];
  for (let k = 0; k < shards; k++) {
    // Global file positions: train 0..Ntrain-1, then eval.
    const from = Math.floor((k * total) / shards);
    const to = Math.floor(((k + 1) * total) / shards);
    const ranges: FileRange[] = [];
    let offset = 0;
    for (const [split, files] of splitFiles) {
      const start = Math.max(from, offset) - offset;
      const end = Math.min(to, offset + files) - offset;
      if (end > start) ranges.push({ split, start, end });
      offset += files;
    }
    plan.push({ index: k, count: shards, ranges });
  }
  return plan;
}

/**
 * Splits one shard into at most `count` contiguous shards of sizes differing
 * by at most one file (indices 0..n-1 of n); an empty shard gives none.
 */
export function splitShard(shard: GenerateShard, count: number): GenerateShard[] {
  const total = shardFileCount(shard);
  const parts = Math.min(Math.max(1, Math.floor(count)), total);
  const out: GenerateShard[] = [];
  for (let k = 0; k < parts; k++) {
    // Positions along the shard's ranges, concatenated.
    const from = Math.floor((k * total) / parts);
    const to = Math.floor(((k + 1) * total) / parts);
    const ranges: FileRange[] = [];
    let offset = 0;
    for (const r of shard.ranges) {
      const files = r.end - r.start;
      const start = Math.max(from, offset) - offset;
      const end = Math.min(to, offset + files) - offset;
      if (end > start) ranges.push({ split: r.split, start: r.start + start, end: r.start + end });
      offset += files;
    }
    out.push({ index: k, count: parts, ranges });
  }
  return out;
}

/**
 * One launcher rank's part of the dataset (multi-host generate): shard `rank`
 * of `world` contiguous shards, split again over `count` local workers. A rank
 * beyond the number of files gets none.
 */
export function rankShards(
  layout: DatasetLayout,
  rank: number,
  world: number,
  count: number,
): GenerateShard[] {
  const share = planGenerateShards(layout, world).find((s) => s.index === rank);
  return share ? splitShard(share, count) : [];
}
