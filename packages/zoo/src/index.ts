export { MODEL_NAMES, RECIPES, mlp, needsImageInput, type InputStats, type ModelName, type Recipe } from './recipes.js';
export { OPTIMIZER_NAMES, makeOptimizer, type OptimizerName } from './optimizers.js';
export { toMnistInput, type GreyImage } from './preprocess.js';
