/**
 * The one place that reaches into hyparquet's and hyparquet-writer's
 * internals (paths their `exports` maps allow but their docs do not promise).
 * The page-level decoders need them: hyparquet's public API reads whole
 * columns through an AsyncBuffer, pqbench decodes fetched column chunks
 * itself. An upgrade that moves one of these breaks here, and the decode
 * tests say which.
 */
export { parquetHeader, readColumn } from 'hyparquet/src/column.js';
export { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
export { getMaxDefinitionLevel, getMaxRepetitionLevel, getTreePath } from 'hyparquet/src/schema.js';
export { decompressLz4 } from 'hyparquet-compressors/src/lz4.js';
export { snappyCompress } from 'hyparquet-writer/src/snappy.js';
