import '@tessera/backend-cpu';
import { describeGradients } from '@tessera/conformance';

describeGradients('webgpu');
