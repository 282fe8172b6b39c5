import '../src/index.js';
import { describeConformance } from '@tessera/conformance';

describeConformance('cpu');
