// Bundle sizes of Tessera against TF.js, from the packed packages as a user installs them:
// every publishable package packed and installed into a temp app, each entry bundled with
// esbuild --bundle --minify (browser, ESM) and gzipped at level 9. Prints a Markdown table.
// Run: pnpm --filter @tessera/packaging sizes   (after `pnpm build`)
import { preparePackagingFixture, removeFixture } from '../src/fixture.js';
import { measureBundle, sizeEntries, sizeTable, type BundleSize } from '../src/sizes.js';

const fixture = await preparePackagingFixture();
try {
  const sizes: BundleSize[] = [];
  for (const entry of sizeEntries) sizes.push(await measureBundle(fixture.appDir, entry));
  console.log(sizeTable(sizes));
} finally {
  removeFixture(fixture.root);
}
