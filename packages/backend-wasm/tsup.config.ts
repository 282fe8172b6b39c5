import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

export default defineConfig(tessera(['src/index.ts', 'src/node.ts']));
