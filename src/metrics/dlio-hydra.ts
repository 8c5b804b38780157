/**
 * What Hydra writes for dlio_benchmark into `<hydra.run.dir>/<hydra.output_subdir>/`
 * (mlpstorage passes `dlio_config`; Hydra's default is `.hydra`):
 * config.yaml (the composed config, `{workload: …}`), overrides.yaml (the
 * task overrides as typed) and hydra.yaml (Hydra's own settings and the
 * hydra overrides). mlpstorage reads config.yaml (workflow, model.name) and
 * overrides.yaml; its submission checker wants exactly these three files.
 * Credentials are never written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { redactOverride, redactSecrets } from '../config/secrets.ts';

export interface HydraRecord {
  /** hydra.run.dir, where DLIO's results go. */
  runDir: string;
  /** hydra.output_subdir; null writes nothing. */
  outputSubdir: string | null;
  /** The workload as composed (file + overrides, before pqbench's rewriting). */
  composed: Record<string, unknown>;
  /** `workload=<name>` and the `++workload.*` overrides, in command-line order. */
  taskOverrides: string[];
  /** The `++hydra.*` overrides. */
  hydraOverrides: string[];
  /** The config group choice (`workload=<name>`), when there was one. */
  workloadName?: string;
}

/** The three files and their names relative to runDir; none when output_subdir is null. */
export function renderHydraFiles(r: HydraRecord): { name: string; body: string }[] {
  if (r.outputSubdir === null) return [];
  const task = r.taskOverrides.map(redactOverride);
  const hydraOverrides = r.hydraOverrides.map(redactOverride);
  const hydra = {
    hydra: {
      run: { dir: r.runDir },
      output_subdir: r.outputSubdir,
      overrides: { hydra: hydraOverrides, task },
      runtime: {
        output_dir: path.resolve(r.runDir),
        ...(r.workloadName ? { choices: { workload: r.workloadName } } : {}),
      },
      job: { name: 'pqbench', chdir: false },
    },
  };
  const files = {
    'config.yaml': { workload: redactSecrets(r.composed) },
    'hydra.yaml': hydra,
    'overrides.yaml': task,
  };
  return Object.entries(files).map(([name, body]) => ({
    name: path.join(r.outputSubdir as string, name),
    body: stringify(body, { lineWidth: 0 }),
  }));
}

/** Writes the Hydra files under runDir (created); returns their paths. */
export async function writeHydraFiles(r: HydraRecord): Promise<string[]> {
  const paths: string[] = [];
  for (const file of renderHydraFiles(r)) {
    const target = path.join(r.runDir, file.name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.body);
    paths.push(target);
  }
  return paths;
}
