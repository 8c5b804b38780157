/**
 * The public face of the Parquet package: what generate/ and train/ use.
 * - read/: footer, request plan (byte ranges as data), fetch, decode, schema validation;
 * - write/: a streaming writer of DataPage V1 files;
 * - codec/: page compression both ways, one backend per process.
 * Tests and benchmarks may reach into the wings directly.
 */
export { codecBackends, compress, decompress, warmCodec, zstdBackendName } from './codec/codecs.ts';
export { type FooterResult, readFooter } from './read/footer.ts';
export { type ByteSpan, planColumnRanges, type ReadPlan } from './read/plan.ts';
export {
  constantColumn,
  ParquetObjectReader,
  type ParquetReaderOptions,
  type RowGroupData,
  type RowGroupInfo,
} from './read/reader.ts';
export { ParquetStreamWriter, type ParquetStreamWriterOptions } from './write/writer.ts';
