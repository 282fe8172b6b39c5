// Shared vitest preset: tests import workspace packages from source through the `source` export condition,
// so `test` needs no prior build.
import { defineConfig } from 'vitest/config';

export function tesseraVitest(extra = {}) {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      ...(extra.test ?? {}),
    },
  });
}
