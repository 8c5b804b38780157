/**
 * How the handlers are built and run. One source for the stack's
 * NodejsFunction bundling and for the bundle smoke test, which builds the same
 * bundles with esbuild directly.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { TOOL_VERSION } from '../src/version.ts';

/** The newest Node.js runtime constant aws-cdk-lib offers. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild target matching LAMBDA_RUNTIME. */
export const ESBUILD_TARGET = 'node24';

/**
 * Bundled dependencies are partly CommonJS; in an ES module bundle their
 * `require('node:…')` calls need a real `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __pqbenchCreateRequire } from 'node:module'; const require = __pqbenchCreateRequire(import.meta.url);";

/** ESM because hyparquet and the handlers are ES modules; `module` first so esbuild picks the ESM builds. */
export const ESBUILD_SHARED = {
  format: 'esm',
  platform: 'node',
  target: ESBUILD_TARGET,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  // Error classes name themselves from constructor.name; Step Functions shows that name.
  keepNames: true,
  sourcemap: true,
  // src/version.ts reads package.json when run from source; a bundle carries the value instead.
  define: { PQBENCH_VERSION: JSON.stringify(TOOL_VERSION) },
} as const;

export const LAMBDA_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  target: ESBUILD_SHARED.target,
  mainFields: [...ESBUILD_SHARED.mainFields],
  banner: ESBUILD_SHARED.banner,
  minify: ESBUILD_SHARED.minify,
  keepNames: ESBUILD_SHARED.keepNames,
  sourceMap: ESBUILD_SHARED.sourcemap,
  define: { ...ESBUILD_SHARED.define },
  // Bundle the AWS SDK too: the runtime's copy is a different version from the one tested.
  // No native addon goes in (esbuild cannot carry .node files): snappy and LZ4 use their WASM/JS
  // fallbacks there, zstd Node 24's node:zlib (the bundle test checks each loads).
  externalModules: ['@toondepauw/node-zstd', 'snappy', 'lz4-napi'],
  forceDockerBundling: false,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: afterBundlingCommands,
  },
};

/**
 * What goes beside each handler bundle: the WASM zstd fallback (for a runtime
 * without node:zlib zstd; src/parquet/codec/zstd.ts looks in $LAMBDA_TASK_ROOT)
 * and the self-contained worker-thread files the loaders and accelerators run
 * (src/entries.ts finds them beside the handler). The bundle test runs the same commands.
 */
export function afterBundlingCommands(inputDir: string, outputDir: string): string[] {
  return [
    `cp "${inputDir}/node_modules/@bokuweb/zstd-wasm/dist/common/zstd.wasm" "${outputDir}/zstd.wasm"`,
    `node "${inputDir}/scripts/build.mjs" --bundle "${outputDir}"`,
  ];
}

export const LAMBDA_ENV: Record<string, string> = {
  NODE_OPTIONS: '--enable-source-maps',
  // Keep checksums to what S3 requires, as the local path does (SPEC storage.checksums default).
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
};
