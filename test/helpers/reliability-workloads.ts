/**
 * Workload files for the reliability suite, written as a user would write
 * them: one float32 vector column whose size sets the bytes per sample, no
 * compression (the file sizes are then what the test asks for), results in a
 * folder of the test's own.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

export interface WorkloadShape {
  name: string;
  storage: Record<string, unknown>;
  files: number;
  samplesPerFile: number;
  /** float32 values per sample (4 bytes each). */
  vector: number;
  rowGroupSize?: number;
  epochs?: number;
  accelerators?: number;
  readThreads?: number;
  computationTime?: number;
  /** reader.preprocess_time, seconds per sample. */
  preprocessTime?: number;
  batchSize?: number;
  verify?: boolean;
  workers?: number;
  output: string;
}

/** Writes `<dir>/<name>.yaml` and returns its path. */
export async function writeWorkload(dir: string, shape: WorkloadShape): Promise<string> {
  const workload = {
    model: { name: shape.name },
    workflow: { generate_data: true, train: true },
    storage: shape.storage,
    dataset: {
      data_folder: 'data/',
      format: 'parquet',
      num_files_train: shape.files,
      num_samples_per_file: shape.samplesPerFile,
      compression: 'none',
      parquet: {
        row_group_size: shape.rowGroupSize ?? Math.min(shape.samplesPerFile, 256),
        columns: [{ name: 'x', dtype: 'float32', size: shape.vector }],
      },
    },
    reader: {
      batch_size: shape.batchSize ?? 32,
      read_threads: shape.readThreads ?? 1,
      ...(shape.verify ? { verify: true } : {}),
      ...(shape.preprocessTime ? { preprocess_time: shape.preprocessTime } : {}),
    },
    train: { epochs: shape.epochs ?? 1, computation_time: shape.computationTime ?? 0, seed: 7 },
    run: { accelerators: shape.accelerators ?? 1, workers: shape.workers ?? 1 },
    output: { folder: shape.output },
  };
  const file = path.join(dir, `${shape.name}.yaml`);
  await writeFile(file, stringify(workload));
  return file;
}
