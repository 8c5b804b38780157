/**
 * Helpers for the byte sources handed to `putStream`: stopping one when an
 * AbortSignal fires, even while the source is stuck producing its next chunk.
 */

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Yields `source`'s chunks until it ends, throws, or `signal` fires — then
 * throws the signal's reason. The source's own iterator is closed on abort so
 * it can release what it holds.
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  if (signal === undefined) {
    yield* source;
    return;
  }
  signal.throwIfAborted();
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // The race below may leave `aborted` rejected with nobody awaiting it.
  aborted.catch(() => {});
  let finished = false;
  try {
    while (true) {
      const step = await Promise.race([iterator.next(), aborted]);
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
      signal.throwIfAborted();
    }
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    // Not awaited: a source blocked inside next() would block return() too.
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}
