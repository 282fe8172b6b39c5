export { MODEL_NAMES, RECIPES, mlp, needsImageInput, resnet, type InputStats, type ModelName, type NetworkSize, type Recipe, type ResnetOptions } from './recipes.js';
export { OPTIMIZER_NAMES, makeOptimizer, type OptimizerName } from './optimizers.js';
export { toMnistInput, type GreyImage } from './preprocess.js';
