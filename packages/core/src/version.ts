import { version } from '../package.json';

/** The version of this copy of @tessera/core (package.json's, inlined by the build). */
export const CORE_VERSION: string = version;
