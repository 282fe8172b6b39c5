import '../src/node.js';
import '@tessera/backend-cpu';
import { describeGradients } from '@tessera/conformance';
import { useProjectBuild } from './project-build.js';

useProjectBuild();
describeGradients('wasm');
