import '../src/index.js';
import { describeProperties } from '@tessera/conformance';

describeProperties('cpu');
