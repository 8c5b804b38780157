/**
 * The synthesized state machine definition, read back out of the template,
 * and the one transformation needed to execute it with aws-local-stepfunctions
 * (which runs a DISTRIBUTED map like an inline map and supports neither
 * ItemReader, ResultWriter, ItemBatcher nor ToleratedFailure*):
 *
 *   each Distributed Map with an S3 ItemReader gets a Task state in front of it,
 *   "<map> · item reader", whose Parameters are the ItemReader's own Parameters
 *   (same Bucket, same Key path) and whose result — the JSON array the plan
 *   wrote — lands at `$.localItems.<n>`; the map then iterates that with ItemsPath.
 *
 *   a map with an ItemBatcher: the item-reader Task also gets the batch size
 *   (`MaxItemsPerBatch`, or the value at `MaxItemsPerBatchPath`) and returns
 *   the items in batches; the map's ItemSelector becomes what Step Functions
 *   gives a batched child — `{"Items": <the batch>, "BatchInput": <BatchInput,
 *   its paths read from the map's input>}` (as the aws-cdk integration test
 *   integ.distributed-map-batch.ts records from a real execution).
 *
 * Everything else (states, paths, ItemSelector, payloads, choices, loops) runs as synthesized.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type AslState = { [key: string]: Json };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: Json;
}

/** Maps a `{Ref}` / `{Fn::GetAtt}` to a concrete string. */
export type RefResolver = (logicalId: string, attribute?: string) => string;

/** Resolves the intrinsic functions CDK puts into a DefinitionString. */
export function resolveIntrinsics(value: unknown, resolve: RefResolver): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return resolve(v.Ref);
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return resolve(String(getAtt[0]), String(getAtt[1]));
  const join = v['Fn::Join'];
  if (Array.isArray(join)) {
    const [separator, parts] = join as [string, unknown[]];
    return parts.map((p) => resolveIntrinsics(p, resolve)).join(separator);
  }
  throw new Error(`unsupported intrinsic ${Object.keys(v).join(',')}`);
}

interface TemplateLike {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The (single) state machine's definition in a synthesized template. */
export function definitionFromTemplate(template: TemplateLike, resolve: RefResolver): AslDefinition {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return JSON.parse(resolveIntrinsics(machines[0]?.Properties?.DefinitionString, resolve)) as AslDefinition;
}

/** Every state of a definition, including those inside map item processors, by name. */
export function allStates(definition: { States: Record<string, AslState> }): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    out[name] = state;
    const processor = (state.ItemProcessor ?? state.Iterator) as
      | { States: Record<string, AslState> }
      | undefined;
    if (processor) Object.assign(out, allStates(processor));
  }
  return out;
}

export interface LocalItemReader {
  /** The inserted Task state's name. */
  stateName: string;
  /** The Distributed Map it feeds. */
  mapName: string;
  /** The map batches its items (ItemBatcher). */
  batched: boolean;
}

export const LOCAL_ITEM_READER_RESOURCE =
  'arn:aws:lambda:us-east-1:000000000000:function:pqbench-local-item-reader';

function retarget(state: AslState, from: string, to: string): void {
  if (state.Next === from) state.Next = to;
  if (state.Default === from) state.Default = to;
  for (const list of [state.Choices, state.Catch]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list as { Next?: string }[]) if (entry.Next === from) entry.Next = to;
  }
}

/** The definition aws-local-stepfunctions can run, and the item-reader states a test must bind. */
export function toLocalDefinition(definition: AslDefinition): {
  definition: AslDefinition;
  itemReaders: LocalItemReader[];
} {
  const def = structuredClone(definition);
  const itemReaders: LocalItemReader[] = [];
  for (const [mapName, map] of Object.entries({ ...def.States })) {
    if (map.Type !== 'Map' || map.ItemReader === undefined) continue;
    const reader = map.ItemReader as { Parameters?: { [key: string]: Json } };
    const stateName = `${mapName} · item reader`;
    const itemsPath = `$.localItems.n${itemReaders.length}`;
    for (const state of Object.values(def.States)) retarget(state, mapName, stateName);
    if (def.StartAt === mapName) def.StartAt = stateName;
    const batcher = map.ItemBatcher as
      | { MaxItemsPerBatch?: number; MaxItemsPerBatchPath?: string; BatchInput?: Json }
      | undefined;
    if (batcher && map.ItemSelector !== undefined) {
      throw new Error(`${mapName}: ItemSelector with ItemBatcher is not emulated`);
    }
    def.States[stateName] = {
      Type: 'Task',
      Resource: LOCAL_ITEM_READER_RESOURCE,
      Parameters: {
        ...(reader.Parameters ?? {}),
        ...(batcher?.MaxItemsPerBatchPath ? { 'MaxItemsPerBatch.$': batcher.MaxItemsPerBatchPath } : {}),
        ...(batcher?.MaxItemsPerBatch ? { MaxItemsPerBatch: batcher.MaxItemsPerBatch } : {}),
      },
      ResultPath: itemsPath,
      Next: mapName,
    };
    if (batcher) map.ItemSelector = { 'Items.$': '$$.Map.Item.Value', BatchInput: batcher.BatchInput ?? {} };
    for (const unsupported of [
      'ItemReader',
      'ResultWriter',
      'ItemBatcher',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'Label',
    ]) {
      delete map[unsupported];
    }
    map.ItemsPath = itemsPath;
    itemReaders.push({ stateName, mapName, batched: batcher !== undefined });
  }
  return { definition: def, itemReaders };
}

/**
 * The handler of an inserted item-reader Task: reads the work list the
 * Parameters name (`get`, from the test's S3 server) and, for a batched map,
 * returns it in batches of `MaxItemsPerBatch`.
 */
export function localItemReader(get: (bucket: string, key: string) => Promise<Json>) {
  return async (input: Json): Promise<Json> => {
    const { Bucket, Key, MaxItemsPerBatch } = input as {
      Bucket: string;
      Key: string;
      MaxItemsPerBatch?: number;
    };
    const items = (await get(Bucket, Key)) as Json[];
    if (MaxItemsPerBatch === undefined) return items;
    const batches: Json[] = [];
    for (let i = 0; i < items.length; i += MaxItemsPerBatch)
      batches.push(items.slice(i, i + MaxItemsPerBatch));
    return batches;
  };
}

/** Reads a JSONPath of the dotted form CDK emits here (`$`, `$.a.b`, `$$.Map.Item.Value.x`). */
export function readPath(path: string, input: Json, context: Json = {}): Json {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  if (rest === '') return root;
  if (!rest.startsWith('.')) throw new Error(`unsupported JSONPath ${path}`);
  let value: Json = root;
  for (const segment of rest.slice(1).split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !(segment in value)) {
      throw new Error(`JSONPath ${path} does not exist in the state`);
    }
    value = (value as { [key: string]: Json })[segment] as Json;
  }
  return value;
}

/** Applies a Parameters / ItemSelector template: `"k.$": path` takes the value at path. */
export function applyPayloadTemplate(template: Json, input: Json, context: Json = {}): Json {
  if (Array.isArray(template)) return template.map((t) => applyPayloadTemplate(t, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = readPath(String(value), input, context);
    else out[key] = applyPayloadTemplate(value, input, context);
  }
  return out;
}
