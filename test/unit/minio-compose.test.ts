/**
 * scripts/docker-compose.minio.yml, as `docker compose up -d --wait` reads it
 * (no Docker engine here): `--wait` fails when any container exits, even with
 * status 0, unless a running service depends on it (docker/compose#10596) —
 * so the file has no one-shot service, and MinIO's own health check makes the
 * bucket, so "healthy" means "answering, and the bucket exists".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

const file = new URL('../../scripts/docker-compose.minio.yml', import.meta.url);

interface Service {
  image?: string;
  ports?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; retries?: number };
}

test('the MinIO compose file: one long-running service whose health check makes the bucket; loopback ports', () => {
  const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, Service> };
  const names = Object.keys(compose.services);
  assert.deepEqual(names, ['minio'], 'a one-shot service would make `up --wait` exit 1');
  const minio = compose.services.minio as Service;
  const check = minio.healthcheck?.test ?? [];
  assert.equal(check[0], 'CMD-SHELL');
  assert.match(check[1] ?? '', /^mc ready local && mc mb --ignore-existing local\/pqbench\b/);
  assert.ok((minio.healthcheck?.retries ?? 0) >= 10);
  for (const port of minio.ports ?? []) assert.match(port, /^127\.0\.0\.1:/);
  // The README's command is the one the file documents.
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes('docker compose -f scripts/docker-compose.minio.yml up -d --wait'));
});
