import { tesseraVitest } from '@tessera/config/vitest';

// One pack + install for every test file (test/global-setup.ts); the browser runs and npm are slow
// on a shared 2-core machine, hence the long timeouts.
export default tesseraVitest({
  test: { globalSetup: ['test/global-setup.ts'], testTimeout: 180_000, hookTimeout: 240_000 },
});
