import { tesseraVitest } from '@tessera/config/vitest';

export default tesseraVitest({ test: { testTimeout: 180_000, hookTimeout: 180_000 } });
