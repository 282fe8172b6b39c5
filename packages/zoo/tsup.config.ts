import { defineConfig } from 'tsup';
import { tessera } from '@tessera/config/tsup';

export default defineConfig(tessera());
