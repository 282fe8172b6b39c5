import '../src/index.js';
import '@tessera/backend-cpu';
import { describeConformance } from '@tessera/conformance';

describeConformance('wasm');
