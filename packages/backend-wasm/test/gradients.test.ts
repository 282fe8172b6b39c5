import '../src/index.js';
import '@tessera/backend-cpu';
import { describeGradients } from '@tessera/conformance';

describeGradients('wasm');
