/**
 * Lowers the scheduling priority of the calling thread (Linux): loader
 * threads run at nice 10 so that, on a saturated client, the accelerator
 * threads' short spins and wake-ups are not delayed by decode — a real
 * accelerator's compute does not compete with the loaders for CPU. Best
 * effort: elsewhere, or where it is refused, nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export const LOADER_NICE = 10;

/** The calling thread's id, from /proc/thread-self (`<pid>/task/<tid>`); undefined off Linux. */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

export function lowerThreadPriority(nice = LOADER_NICE): boolean {
  const tid = threadId();
  if (tid === undefined) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
