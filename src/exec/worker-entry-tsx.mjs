// The worker entry when running from source without a fresh dist/ build:
// registers tsx in this thread (a parent's --import does not reach worker
// threads on Node 20), then runs the TypeScript entry. About a second per
// thread; `npm run build` makes threads start in milliseconds.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
