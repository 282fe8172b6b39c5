import '../src/node.js';
import '@tessera/backend-cpu';
import { describeProperties } from '@tessera/conformance';
import { useProjectBuild } from './project-build.js';

useProjectBuild();
describeProperties('wasm');
