import '../src/node.js';
import '@tessera/backend-cpu';
import { describeConformance } from '@tessera/conformance';
import { useProjectBuild } from './project-build.js';

useProjectBuild();
describeConformance('wasm');
