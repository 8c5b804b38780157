/** Types for the package internals hyparquet.ts imports that ship without declarations. */
declare module 'hyparquet-compressors/src/lz4.js' {
  /** Hadoop-framed LZ4 (Parquet's deprecated LZ4 codec) into `outputLength` bytes. */
  export function decompressLz4(input: Uint8Array, outputLength: number): Uint8Array;
}
