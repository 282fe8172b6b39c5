import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

export default defineConfig(tessera(['src/main.ts', 'src/index.ts'], { dts: false, nodeProgram: true }));
