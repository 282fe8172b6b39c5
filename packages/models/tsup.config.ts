import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

// Two entries: the browser entry, and the Node entry (the browser one plus file-system save/load).
export default defineConfig(tessera(['src/index.ts', 'src/node.ts']));
