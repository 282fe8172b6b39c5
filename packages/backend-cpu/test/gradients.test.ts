import '../src/index.js';
import { describeGradients } from '@tessera/conformance';
describeGradients('cpu');
