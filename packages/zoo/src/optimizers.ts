import { adagrad, adam, adamax, adamw, rmsprop, sgd, type LearningRate, type Optimizer } from '@tessera/optimizers';

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam', 'adamw', 'adamax', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The optimizer a recipe names ('momentum' is SGD with momentum 0.9). */
export function makeOptimizer(name: OptimizerName, lr: LearningRate): Optimizer {
  switch (name) {
    case 'sgd': return sgd({ learningRate: lr });
    case 'momentum': return sgd({ learningRate: lr, momentum: 0.9 });
    case 'adam': return adam({ learningRate: lr });
    case 'adamw': return adamw({ learningRate: lr });
    case 'adamax': return adamax({ learningRate: lr });
    case 'rmsprop': return rmsprop({ learningRate: lr });
    case 'adagrad': return adagrad({ learningRate: lr });
  }
}
