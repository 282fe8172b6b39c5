export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, stopGradient, customGrad, type CustomGradResult } from './gradients.js';
export { registerGradient, getGradient, registeredGradients, type GradRule, type SavedTensors } from './registry.js';
export { unbroadcast } from './rules.js';
export { Tape } from './tape.js';
export { checkGradients, type GradCheckOptions, type GradCheckResult } from './checker.js';
export { Variable, variable } from '@tessera/core';
