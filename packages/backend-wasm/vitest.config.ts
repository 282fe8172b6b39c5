import { tesseraVitest } from '@tessera/config/vitest';

// The global setup compiles build/kernels.wasm when it is missing or older than assembly/, so the
// tests also run on a fresh clone without a prior build.
export default tesseraVitest({ test: { globalSetup: ['./test/global-setup.ts'] } });
