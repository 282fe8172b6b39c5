// The WebGPU flag values, spelled out so the backend does not depend on the GPUBufferUsage and
// GPUMapMode globals (Dawn for Node only installs them on request).

export const USAGE = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const MAP_READ = 0x0001;
