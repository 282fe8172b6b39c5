import type { TestProject } from 'vitest/node';
import { preparePackagingFixture, removeFixture, type PackagingFixture } from '../src/fixture.js';

declare module 'vitest' {
  export interface ProvidedContext {
    packaging: PackagingFixture;
  }
}

/** Packs every publishable package and installs the tarballs into one temp app for all test files. */
export default async function setup(project: TestProject): Promise<() => void> {
  const fixture = await preparePackagingFixture();
  project.provide('packaging', fixture);
  return () => removeFixture(fixture.root);
}
