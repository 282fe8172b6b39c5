import '@tessera/backend-cpu';
import { describeConformance } from '@tessera/conformance';

describeConformance('webgpu');
