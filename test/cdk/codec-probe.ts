/**
 * Bundled beside a Lambda handler by the bundle test and run where no
 * node_modules can be found, as in Lambda: which backend each codec gets and
 * whether it round-trips a page.
 */
import { CODECS } from '../../src/config/types.ts';
import { codecBackends, compress, decompress } from '../../src/parquet/codec/codecs.ts';

const page = new Uint8Array(1 << 16).map((_, i) => (i * 2654435761) >>> 24);
const roundTrips = Object.fromEntries(
  CODECS.map((codec) => {
    const back = decompress(codec, compress(codec, page), page.length);
    return [codec, Buffer.from(back).equals(Buffer.from(page))];
  }),
);
process.stdout.write(JSON.stringify({ backends: codecBackends(), roundTrips }));
