import {
  ENGINE, Random, Tensor, TesseraError, add, argMax, broadcastTo, cast, checkOptions, concat, div, fmtShape, gather, keep, maximum, mean, mul, reshape, rngFor,
  scalar, slice, squeeze, sum, tensor, tidy, where, type DataType,
} from '@tessera/core';
import { variableGrads } from '@tessera/autograd';
import {
  InputLayer, Layer, Node, SymbolicTensor, deserializeLayer, findInvalidClassIndex, getLoss, getMetric, invalidClassIndexError, lossName, registerLayer,
  serializeLayer, type CallArgs, type LossFn, type LossIdentifier, type Mask, type MaskArg, type MaskSpec, type Metric, type SerializedLayer,
  type SymbolicShape,
} from '@tessera/layers';
import { Optimizer, getOptimizer } from '@tessera/optimizers';
import { CallbackList, History, type Callback, type CallbackHooks, type Logs } from './callbacks.js';
import { ProgressLogger } from './progress.js';

export type { LossIdentifier };
export type OptimizerIdentifier = string | Optimizer | { className: string; config?: Record<string, unknown> };

/** One tensor, a list in the model's input (or output) order, or an object keyed by input (or output) layer name. */
export type TensorArgs = Tensor | Tensor[] | Record<string, Tensor>;

/** Per model output: one value for every output, a list in output order, or an object keyed by output name. */
export type PerOutput<T> = T | T[] | Record<string, T>;

export interface CompileArgs {
  optimizer: OptimizerIdentifier;
  /** One loss for every output, or one per output (a list in output order, or keyed by output name). */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /** Weights of the outputs' losses in the total (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
  /** Metrics for every output (a flat list), or per output (a list of lists, or keyed by output name). */
  metrics?: (string | Metric)[] | (string | Metric)[][] | Record<string, (string | Metric)[]>;
}

/** A batch of training data as datasets yield it: tensors, lists or name-keyed objects of them. */
export interface Batch {
  xs: TensorArgs;
  ys: TensorArgs;
}

export type ValidationData = [TensorArgs, TensorArgs] | AsyncIterable<Batch> | Iterable<Batch>;

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Reshuffle the training samples every epoch (seeded: see `seed`). */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  validationData?: ValidationData;
  /** Callbacks (or hook objects), or one of them alone as TF.js scripts pass it. */
  callbacks?: Callback | CallbackHooks | (Callback | CallbackHooks)[];
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: number;
  /** Epoch to start at (resuming): epochs counts the final epoch index, as in Keras. */
  initialEpoch?: number;
  /** Weight of each class in the loss: { classIndex: weight } (one-output models). */
  classWeight?: Record<number, number>;
  /**
   * Seed of the shuffle; epoch e uses an order derived from (seed, e) alone, so resumed runs repeat
   * it. By default drawn from the global generator, so `setSeed(n)` makes it repeatable too.
   */
  seed?: number;
}

export interface FitDatasetArgs extends Omit<FitArgs, 'batchSize' | 'shuffle' | 'validationSplit' | 'seed' | 'classWeight'> {
  /** Batches per epoch; by default one full pass of the dataset. */
  batchesPerEpoch?: number;
}

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'classWeight', 'seed'];
const FIT_DATASET_OPTIONS = ['epochs', 'validationData', 'callbacks', 'verbose', 'initialEpoch', 'batchesPerEpoch'];

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

interface OutputSpec {
  name: string;
  loss: LossFn;
  lossName: string;
  weight: number;
  metrics: { key: string; metric: Metric }[];
}

interface Compiled {
  optimizer: Optimizer;
  outputs: OutputSpec[];
  config: { optimizer: unknown; loss: unknown; lossWeights?: unknown; metrics: unknown };
}

/** The layer graph between a model's inputs and outputs, in an order that runs it. */
export class Graph {
  /** Calls of layers in running order (inputs' nodes excluded). */
  readonly nodes: Node[];
  /** Every layer, input layers first, each once, in running order. */
  readonly layers: Layer[];

  constructor(readonly inputs: SymbolicTensor[], readonly outputs: SymbolicTensor[], where: string) {
    const isInput = new Set(inputs);
    const order: Node[] = [];
    const state = new Map<Node, 'visiting' | 'done'>();
    const usedInputs = new Set<SymbolicTensor>();
    const visit = (t: SymbolicTensor, path: string[]): void => {
      if (isInput.has(t)) {
        usedInputs.add(t);
        return;
      }
      const node = t.node;
      if (node.layer instanceof InputLayer) {
        throw new TesseraError(
          `${where}: output ${path[0]} depends on the input '${node.layer.name}' ${fmtSym(t.shape)}, which is not among the model's inputs ` +
            `(${inputs.map((i) => `'${i.sourceLayer.name}'`).join(', ')}): pass it in inputs, or the graph is disconnected (path: ${[...path, node.layer.name].join(' ← ')})`,
        );
      }
      const s = state.get(node);
      if (s === 'done') return;
      if (s === 'visiting') throw new TesseraError(`${where}: the graph has a cycle through layer '${node.layer.name}' (${[...path, node.layer.name].join(' ← ')})`);
      state.set(node, 'visiting');
      for (const x of node.inputs) visit(x, [...path, node.layer.name]);
      state.set(node, 'done');
      order.push(node);
    };
    outputs.forEach((o, i) => visit(o, [`${i} ('${o.name}')`]));
    const unused = inputs.filter((i) => !usedInputs.has(i));
    if (unused.length > 0) {
      throw new TesseraError(`${where}: input ${unused.map((u) => `'${u.sourceLayer.name}'`).join(', ')} is not used by any output (outputs: ${outputs.map((o) => `'${o.name}'`).join(', ')})`);
    }
    this.nodes = order;
    const layers: Layer[] = inputs.map((i) => i.sourceLayer);
    for (const n of order) if (!layers.includes(n.layer)) layers.push(n.layer);
    const byName = new Map<string, Layer>();
    for (const l of layers) {
      const other = byName.get(l.name);
      if (other) throw new TesseraError(`${where}: two layers are named '${l.name}' (${other.className} and ${l.className}); layer names in a model must be unique`);
      byName.set(l.name, l);
    }
    this.layers = layers;
  }

  /** The calls of `layer` in this graph, in order (their position is the node index of the saved config). */
  nodesOf(layer: Layer): Node[] {
    if (layer instanceof InputLayer) return [layer.inboundNodes[0]!];
    return this.nodes.filter((n) => n.layer === layer);
  }
}

function fmtSym(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

function fmtKeras(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/**
 * A model: a graph of layers from inputs to outputs, with Keras's compile/fit/evaluate/predict
 * workflow. `model({ inputs, outputs })` makes a functional one; `Sequential` is the special case of
 * a chain, built the same way. A model is a layer too: it can be used inside another model.
 */
export class Model<O extends Tensor | Tensor[] = Tensor | Tensor[], I extends Tensor | Tensor[] = Tensor | Tensor[]> extends Layer<O, I> {
  /** Set to true (e.g. by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /** Every layer of the graph, input layers first (Sequential: its layers, in order). */
  layers: Layer[] = [];
  protected graph: Graph | null = null;
  private compiled: Compiled | null = null;
  /** The training call running now ('fit', 'fitDataset', 'trainOnBatch'), if any. */
  private trainingCall: string | null = null;

  constructor(args: ModelArgs | { name?: string }) {
    const a = (args ?? {}) as Partial<ModelArgs>;
    super(a.name === undefined ? {} : { name: a.name });
    // Masked inputs flow into the graph; its layers say whether they take them.
    this.supportsMasking = true;
    if (new.target === Model || 'inputs' in a || 'outputs' in a) {
      checkOptions('model', a, ['inputs', 'outputs', 'name']);
      const where = `model '${this.name}'`;
      const inputs = symbolicList(where, 'inputs', a.inputs);
      const outputs = symbolicList(where, 'outputs', a.outputs);
      inputs.forEach((t, i) => {
        if (!(t.sourceLayer instanceof InputLayer)) {
          throw new TesseraError(`${where}: inputs[${i}] is the output of layer '${t.sourceLayer.name}' (${t.sourceLayer.className}), not an input(): a model's inputs must come from input()`);
        }
        if (inputs.indexOf(t) !== i) throw new TesseraError(`${where}: input '${t.sourceLayer.name}' is listed twice`);
      });
      this.setGraph(new Graph(inputs, outputs, where));
    }
  }

  protected setGraph(graph: Graph): void {
    this.graph = graph;
    this.layers = graph.layers;
    // `call` checks each input against its input layer, naming both.
    this.inputSpec = {};
    if (!this.built) {
      const shapes = graph.inputs.map((i) => [...i.shape]);
      this.build((graph.inputs.length === 1 ? shapes[0] : shapes) as never);
    }
  }

  protected requireGraph(what: string): Graph {
    if (!this.graph) throw new TesseraError(`${this.name}.${what}: the model is not built yet; give the first layer an inputShape or call build()`);
    return this.graph;
  }

  /** The model's graph: its inputs, outputs, layer calls in running order and layers (for exporters and tools). */
  get topology(): Graph {
    return this.requireGraph('topology');
  }

  /** The symbolic inputs (one per input layer). */
  get inputs(): SymbolicTensor[] {
    return [...this.requireGraph('inputs').inputs];
  }

  /** The symbolic outputs. */
  get outputs(): SymbolicTensor[] {
    return [...this.requireGraph('outputs').outputs];
  }

  /** Names of the inputs (their input layers' names): the keys of `fit`'s and `predict`'s input objects. */
  get inputNames(): string[] {
    return this.requireGraph('inputNames').inputs.map((t) => t.sourceLayer.name);
  }

  /** Names of the outputs (their layers' names): the keys of per-output losses, targets and logs. */
  get outputNames(): string[] {
    const outs = this.requireGraph('outputNames').outputs;
    const names = outs.map((t) => t.sourceLayer.name);
    return names.map((n, i) => (names.indexOf(n) === i && names.lastIndexOf(n) === i ? n : `${n}_${outs[i]!.outputIndex}`));
  }

  /** Returns a layer of the model by name (or by index in `layers`). */
  getLayer(nameOrIndex: string | number): Layer {
    const l = typeof nameOrIndex === 'number' ? this.layers[nameOrIndex] : this.layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new TesseraError(`${this.name}.getLayer: no layer ${typeof nameOrIndex === 'number' ? `at index ${nameOrIndex}` : `named '${nameOrIndex}'`} (layers: ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  protected override takesList(): boolean {
    return (this.graph?.inputs.length ?? 1) > 1;
  }

  /** Each input is cast to its input layer's dtype inside `call`. */
  protected override castInput(x: Tensor): Tensor {
    return x;
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.computeOutputShapes(inputShape)[0]!;
  }

  override computeOutputShapes(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    const g = this.requireGraph('computeOutputShape');
    const batch = Array.isArray(inputShape[0]) ? ((inputShape[0] as SymbolicShape)[0] ?? null) : ((inputShape as SymbolicShape)[0] ?? null);
    return g.outputs.map((o) => [batch, ...o.shape.slice(1)]);
  }

  protected override outputDtype(index: number): DataType {
    return this.requireGraph('apply').outputs[index]!.dtype;
  }

  /** Runs the graph: a tensor per input in, a tensor per output out. */
  call(input: I, kwargs: CallArgs): O {
    const outs = this.runGraph(input, kwargs).outputs;
    return (outs.length === 1 ? outs[0]! : outs) as O;
  }

  /** A model used as a layer passes its inputs' masks into its graph and its outputs' masks out. */
  protected override callAndMask(input: I, kwargs: CallArgs, wantMasks: boolean): { outputs: O; masks: MaskArg | null } {
    const { outputs, masks } = this.runGraph(input, kwargs);
    return { outputs: (outputs.length === 1 ? outputs[0]! : outputs) as O, masks: wantMasks ? masks : null };
  }

  override computeMask(input: I, mask: MaskArg | null): MaskArg | null {
    const g = this.requireGraph('computeMask');
    const xs = Array.isArray(input) ? input : [input];
    return tidy(() => {
      const r = this.runGraph((g.inputs.length === 1 ? xs[0]! : xs) as I, { training: false, ...(mask === null ? {} : { mask }) });
      return r.masks.some((m) => m !== null) ? r.masks : null;
    });
  }

  /** Which outputs carry a mask, found by walking the graph with which inputs do. */
  override outputMasked(inputs: readonly MaskSpec[], list: boolean, count: number): boolean[] {
    void list;
    const g = this.requireGraph('apply');
    const masked = new Map<SymbolicTensor, boolean>();
    g.inputs.forEach((s, i) => masked.set(s, inputs[i]?.masked ?? false));
    for (const node of g.nodes) {
      const specs = node.positional.map((s) => ({ shape: s.shape, dtype: s.dtype, masked: masked.get(s) ?? s.masked }));
      const from = specs.findIndex((sp) => sp.masked);
      if (from >= 0 && !node.layer.supportsMasking) throw node.layer.maskingError(`from '${node.positional[from]!.sourceLayer.name}' (inside model '${this.name}')`);
      const flags = node.layer.outputMasked(specs, node.listInput, node.outputs.length);
      node.outputs.forEach((o, k) => masked.set(o, flags[k] ?? false));
    }
    const out = g.outputs.map((o) => masked.get(o) ?? false);
    return out.length === count ? out : new Array<boolean>(count).fill(false);
  }

  /** Runs the graph, layer call by layer call, carrying each tensor's mask beside it. */
  private runGraph(input: I, { training, mask }: CallArgs): { outputs: Tensor[]; masks: Mask[] } {
    const g = this.requireGraph('call');
    const xs = Array.isArray(input) ? input : [input];
    const inputMasks = mask === undefined || mask === null ? [] : Array.isArray(mask) ? mask : [mask];
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Tensor>();
    g.inputs.forEach((s, i) => {
      const x = xs[i]!;
      const ok = x.rank === s.shape.length && s.shape.every((d, k) => k === 0 || d === null || d === x.shape[k]);
      if (!ok) {
        const users = g.nodes.filter((n) => n.inputs.includes(s)).map((n) => `'${n.layer.name}'`);
        throw new TesseraError(`${this.name}: input '${s.sourceLayer.name}' (feeding ${users.join(', ')}) expects shape ${fmtSym(s.shape)}, got ${fmtShape(x.shape)}`);
      }
      values.set(s, x.dtype === s.dtype ? x : cast(x, s.dtype));
      const m = inputMasks[i];
      if (m) masks.set(s, m);
    });
    for (const node of g.nodes) {
      const all = node.inputs.map((s) => values.get(s)!);
      const positional = node.positional;
      const args = all.slice(0, positional.length);
      const inMasks = positional.map((s) => masks.get(s) ?? null);
      const options = node.callOptions(all);
      if (inMasks.some((m) => m !== null)) options['mask'] = node.listInput ? inMasks : inMasks[0];
      const { outputs: outs, masks: outMasks } = node.layer.applyWithMasks(node.listInput ? args : args[0]!, { ...options, training: node.training ?? training });
      if (outs.length !== node.outputs.length) {
        throw new TesseraError(`${this.name}: layer '${node.layer.name}' returned ${outs.length} tensors, the graph expects ${node.outputs.length}`);
      }
      outs.forEach((t, k) => {
        const s = node.outputs[k]!;
        const ok = t.rank === s.shape.length && s.shape.every((d, j) => d === null || j === 0 || d === t.shape[j]);
        if (!ok) {
          throw new TesseraError(
            `${this.name}: layer '${node.layer.name}' (${node.layer.className}) returned shape ${fmtShape(t.shape)}, but its computeOutputShape said ${fmtSym(s.shape)}; ` +
              'fix computeOutputShape (or, for a custom layer, leave it out so the shape is found by running the layer)',
          );
        }
        values.set(s, t);
        const m = outMasks[k];
        if (m) masks.set(s, m);
      });
    }
    return { outputs: g.outputs.map((s) => values.get(s)!), masks: g.outputs.map((s) => masks.get(s) ?? null) };
  }

  /** The model's outputs and their masks (null where an output has none), as lists in output order. */
  private runWithMasks(xs: Tensor[], training: boolean): { outputs: Tensor[]; masks: Mask[] } {
    return this.applyWithMasks((xs.length === 1 && !this.takesList() ? xs[0]! : xs) as I, { training });
  }

  /** The model's outputs for these inputs as a list, in output order. */
  private run(xs: Tensor[], training: boolean): Tensor[] {
    const out = this.apply((xs.length === 1 && !this.takesList() ? xs[0]! : xs) as I, { training }) as Tensor | Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  // ------------------------------------------------------------------ weights and summary

  /** Copies of every weight, in `weights` order. */
  override getWeights(): Tensor[] {
    return super.getWeights();
  }

  override setWeights(weights: Tensor[]): void {
    const total = this.weights.length;
    if (!Array.isArray(weights) || weights.length !== total) {
      throw new TesseraError(`${this.name}.setWeights: got ${Array.isArray(weights) ? weights.length : 'no'} tensors, the model has ${total} weights`);
    }
    super.setWeights(weights);
  }

  /** Prints (or passes to printFn) a table of layers, output shapes, parameter counts and, for a graph, what each layer is connected to. */
  summary(printFn: (line: string) => void = console.log): void {
    const rows = this.summaryRows();
    const cols = rows[0]!.length;
    const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 3);
    const total = widths.reduce((a, b) => a + b, 0);
    const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('').trimEnd();
    const trainable = this.trainableWeights.reduce((s, w) => s + w.size, 0);
    const nonTrainable = this.nonTrainableWeights.reduce((s, w) => s + w.size, 0);
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(total));
    printFn(line(rows[0]!));
    printFn('='.repeat(total));
    rows.slice(1).forEach((r, i) => {
      printFn(line(r));
      printFn(i === rows.length - 2 ? '='.repeat(total) : '_'.repeat(total));
    });
    if (rows.length === 1) printFn('='.repeat(total));
    printFn(`Total params: ${(trainable + nonTrainable).toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${nonTrainable.toLocaleString('en-US')}`);
    printFn('_'.repeat(total));
  }

  protected summaryRows(): string[][] {
    const g = this.requireGraph('summary');
    const rows: string[][] = [['Layer (type)', 'Output Shape', 'Param #', 'Connected to']];
    for (const l of g.layers) {
      const nodes = g.nodesOf(l);
      const shapes = nodes.flatMap((n) => n.outputs.map((o) => fmtKeras(o.shape)));
      const connected = nodes.flatMap((n) => n.inputs.map((i) => `${i.sourceLayer.name}[${g.nodesOf(i.sourceLayer).indexOf(i.node)}][${i.outputIndex}]`));
      rows.push([`${l.name} (${l.className})`, [...new Set(shapes)].join(', '), l.countParams().toLocaleString('en-US'), connected.join(', ')]);
    }
    return rows;
  }

  // ------------------------------------------------------------------ compile

  compile(args: CompileArgs): void {
    if (!args || args.optimizer === undefined || args.loss === undefined) {
      throw new TesseraError(`${this.name}.compile: expected { optimizer, loss, metrics? }`);
    }
    checkOptions(`${this.name}.compile`, args, ['optimizer', 'loss', 'lossWeights', 'metrics']);
    const g = this.requireGraph('compile');
    const names = this.outputNames;
    const where = `${this.name}.compile`;
    const losses = perOutput<LossIdentifier>(where, 'loss', args.loss, names, isLossIdentifier, true);
    const weights = args.lossWeights === undefined ? names.map(() => 1) : perOutput<number>(where, 'lossWeights', args.lossWeights, names, (v) => typeof v === 'number', false);
    weights.forEach((w, i) => {
      if (!(Number.isFinite(w) && w >= 0)) throw new TesseraError(`${where}: the loss weight of output '${names[i]}' must be a non-negative number, got ${String(w)}`);
    });
    const metricLists = perOutputMetrics(where, args.metrics, names);
    const optimizer = getOptimizer(args.optimizer as Parameters<typeof getOptimizer>[0]);
    const outputs: OutputSpec[] = names.map((name, i) => {
      const id = losses[i]!;
      const lName = typeof id === 'string' ? id : typeof id === 'function' ? id.name || 'custom' : (id as { name: string }).name;
      const metrics = metricLists[i]!.map((m) => {
        const metric = getMetric(m, lName);
        return { key: typeof m === 'string' ? m : metric.name, metric };
      });
      const keys = metrics.map((m) => m.key);
      const dup = keys.find((k, j) => keys.indexOf(k) !== j);
      if (dup) throw new TesseraError(`${where}: metric '${dup}' is listed twice${names.length > 1 ? ` for output '${name}'` : ''}`);
      return { name, loss: getLoss(id), lossName: lName, weight: weights[i]!, metrics };
    });
    void g;
    const lossConfig = (id: LossIdentifier): unknown => (typeof id === 'function' ? null : id);
    this.compiled = {
      optimizer,
      outputs,
      config: {
        optimizer: optimizer.serialize(),
        loss: names.length === 1 ? lossConfig(losses[0]!) : Object.fromEntries(names.map((n, i) => [n, lossConfig(losses[i]!)])),
        ...(args.lossWeights === undefined ? {} : { lossWeights: Object.fromEntries(names.map((n, i) => [n, weights[i]])) }),
        metrics:
          names.length === 1
            ? metricLists[0]!.map((m) => (typeof m === 'string' ? m : m.name))
            : Object.fromEntries(names.map((n, i) => [n, metricLists[i]!.map((m) => (typeof m === 'string' ? m : m.name))])),
      },
    };
  }

  get isCompiled(): boolean {
    return this.compiled !== null;
  }

  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  /** Names of the logged quantities: loss, the per-output losses (several outputs), then the metrics. */
  get metricsNames(): string[] {
    const c = this.compiled;
    if (!c) return ['loss'];
    const multi = c.outputs.length > 1;
    return ['loss', ...(multi ? c.outputs.map((o) => `${o.name}_loss`) : []), ...c.outputs.flatMap((o) => o.metrics.map((m) => (multi ? `${o.name}_${m.key}` : m.key)))];
  }

  /** @internal */
  get compileConfig(): Compiled['config'] | null {
    return this.compiled?.config ?? null;
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new TesseraError(`${this.name}.${what}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  // ------------------------------------------------------------------ data

  /** Inputs (or targets) as a list in the model's order, checked. */
  private toList(op: string, what: 'x' | 'y', data: unknown): Tensor[] {
    const names = what === 'x' ? this.inputNames : this.outputNames;
    const kind = what === 'x' ? 'input' : 'output';
    let list: unknown[];
    if (data instanceof Tensor) {
      if (names.length !== 1) throw new TesseraError(`${op}: ${what} is one tensor, but model '${this.name}' has ${names.length} ${kind}s (${names.join(', ')}): pass a list or an object keyed by ${kind} name`);
      list = [data];
    } else if (Array.isArray(data)) {
      if (data.length !== names.length) {
        const hint = names.length === 1 ? `: pass one tensor${what === 'x' ? ', or a dataset of { xs, ys } batches' : ''}` : '';
        throw new TesseraError(`${op}: ${what} is a list of ${data.length} tensors, but model '${this.name}' has ${names.length} ${kind}${names.length === 1 ? '' : 's'} (${names.join(', ')})${hint}`);
      }
      list = data;
    } else if (data !== null && typeof data === 'object' && Object.getPrototypeOf(data) === Object.prototype) {
      const obj = data as Record<string, unknown>;
      const unknown = Object.keys(obj).filter((k) => !names.includes(k));
      if (unknown.length > 0) throw new TesseraError(`${op}: ${what} has key ${unknown.map((k) => `'${k}'`).join(', ')}, which is no ${kind} of model '${this.name}' (${kind}s: ${names.join(', ')})`);
      const missing = names.filter((n) => !(n in obj));
      if (missing.length > 0) throw new TesseraError(`${op}: ${what} has no tensor for ${kind} ${missing.map((k) => `'${k}'`).join(', ')}`);
      list = names.map((n) => obj[n]);
    } else {
      throw new TesseraError(`${op}: ${what} must be a Tensor, a list of tensors or an object of them keyed by ${kind} name, got ${describe(data)}`);
    }
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TesseraError(`${op}: ${what} for ${kind} '${names[i]}' must be a Tensor, got ${describe(t)}`);
      t.assertAlive(op);
      if (t.rank === 0) throw new TesseraError(`${op}: ${what} for ${kind} '${names[i]}' is a scalar; the first dimension must be the samples`);
    });
    return list as Tensor[];
  }

  /** The number of samples, the same first dimension in every x and y. */
  private sampleCount(op: string, xs: Tensor[], ys: Tensor[]): number {
    const n = xs[0]!.shape[0]!;
    const all = [...xs.map((t, i) => ({ t, what: `x ${this.inputNames[i]}` })), ...ys.map((t, i) => ({ t, what: `y ${this.outputNames[i]}` }))];
    const bad = all.find(({ t }) => t.shape[0] !== n);
    if (bad) {
      throw new TesseraError(`${op}: x and y must have the same number of samples (first dimension): ${all.map(({ t, what }) => `${what} ${fmtShape(t.shape)}`).join(', ')}`);
    }
    return n;
  }

  /** Per-sample weights from classWeight: looks up each sample's class (argmax of one-hot, or the int label). */
  private sampleWeights(y: Tensor, classWeight: Record<number, number>): Tensor {
    return tidy(() => {
      let labels: Tensor;
      if (y.rank >= 2 && y.shape[y.rank - 1]! > 1) labels = argMax(y, -1);
      else labels = cast(y.rank >= 2 ? squeeze(y, -1) : y, 'int32');
      const maxClass = Math.max(...Object.keys(classWeight).map(Number));
      const table = new Float32Array(maxClass + 1).fill(1);
      for (const [k, v] of Object.entries(classWeight)) table[Number(k)] = v;
      const tableT = tensor(table);
      const l = labels.dataSync();
      for (let i = 0; i < l.length; i++) {
        if (l[i]! > maxClass) throw new TesseraError(`fit: classWeight has no entry for class ${l[i]} (it has ${Object.keys(classWeight).join(', ')})`);
      }
      return gather(tableT, cast(labels, 'int32'));
    });
  }

  // ------------------------------------------------------------------ one step

  /**
   * The total loss (weighted outputs' losses plus the regularization penalty) and the batch's
   * statistics. An output that carries a mask counts only its unmasked positions, in its loss (the
   * mean over them, Keras's masked reduction) and in its metrics (given the mask as weights).
   */
  private lossAndStats(xs: Tensor[], ys: Tensor[], sw: Tensor | null, training: boolean): { loss: Tensor; stats: () => Tensor; classes: number[] } {
    const c = this.requireCompiled(training ? 'fit' : 'evaluate');
    const { outputs: preds, masks } = this.runWithMasks(xs, training);
    const positions = c.outputs.map((o, i) => (masks[i] ? maskedPositions(o.name, ys[i]!, preds[i]!, masks[i]!) : null));
    const perOutput = c.outputs.map((o, i) => {
      const p = positions[i];
      if (!p) {
        let per = o.loss(ys[i]!, preds[i]!);
        if (sw) per = mul(per, sw);
        return mean(per);
      }
      let per = where(p.valid, o.loss(p.yTrue, p.yPred), 0);
      if (sw) per = mul(per, reshape(broadcastTo(reshape(sw, [-1, 1]), [sw.shape[0]!, p.weights.size / sw.shape[0]!]), [-1]));
      return div(sum(per), maximum(sum(p.weights), 1));
    });
    let loss = perOutput.length === 1 && c.outputs[0]!.weight === 1 ? perOutput[0]! : perOutput.map((l, i) => mul(l, scalar(c.outputs[i]!.weight))).reduce((a, b) => add(a, b));
    const reg = this.regularizationLoss();
    if (reg) loss = add(loss, reg);
    const total = loss;
    return {
      loss,
      classes: preds.map((p) => p.shape[p.rank - 1] ?? 0),
      stats: () =>
        tidy(() => {
          const parts = [reshape(total, [1]), ...(perOutput.length > 1 ? perOutput.map((l) => reshape(l, [1])) : [])];
          c.outputs.forEach((o, i) => {
            const p = positions[i];
            for (const { key, metric } of o.metrics) {
              if (p && metric.statistics.length < 3) {
                throw new TesseraError(
                  `${this.name}: metric '${key}' of output '${o.name}' takes (yTrue, yPred), but the output carries a mask: ` +
                    'a metric must take the mask as its third argument, statistics(yTrue, yPred, sampleWeight), so that masked positions count nowhere',
                );
              }
              const st = p ? metric.statistics(p.yTrue, p.yPred, p.weights) : metric.statistics(ys[i]!, preds[i]!);
              metricWidth.set(metric, st.size);
              parts.push(st);
            }
          });
          return concat(parts.map((p) => (p.dtype === 'float32' ? p : cast(p, 'float32'))));
        }),
    };
  }

  /**
   * One optimisation step on a batch: returns [loss, (per-output losses), ...metric statistics] as
   * numbers. Everything the step creates is freed before it returns.
   */
  private async step(xs: Tensor[], ys: Tensor[], sw: Tensor | null): Promise<number[]> {
    const c = this.requireCompiled('fit');
    let stats: Tensor | null = null;
    let result: { value: Tensor; grads: Record<string, Tensor> } | null = null;
    let classes: number[] = [];
    try {
      result = variableGrads(() => {
        const r = this.lossAndStats(xs, ys, sw, true);
        classes = r.classes;
        stats = keep(ENGINE.withoutTapes(r.stats));
        return r.loss;
      }, this.trainableWeights);
      c.optimizer.applyGradients(result.grads);
      const values = Array.from(await (stats as Tensor | null)!.data());
      await this.explainNaNLoss('fit', values, ys, classes);
      return values;
    } finally {
      (stats as Tensor | null)?.dispose();
      if (result) {
        result.value.dispose();
        for (const gr of Object.values(result.grads)) gr.dispose();
      }
    }
  }

  /**
   * A NaN loss from sparse categorical cross-entropy on a backend that cannot check labels while
   * computing (WebGPU marks a bad label's loss NaN): read the labels and name the bad one.
   */
  private async explainNaNLoss(op: string, values: number[], labels: Tensor[], classes: number[]): Promise<void> {
    if (!Number.isNaN(values[0])) return;
    const c = this.requireCompiled(op);
    for (let i = 0; i < c.outputs.length; i++) {
      if (lossName(c.outputs[i]!.lossName) !== 'sparseCategoricalCrossentropy') continue;
      const bad = findInvalidClassIndex(await labels[i]!.data(), classes[i]!);
      if (bad) throw invalidClassIndexError(op, bad, classes[i]!);
    }
  }

  private async evalBatch(xs: Tensor[], ys: Tensor[]): Promise<number[]> {
    let classes: number[] = [];
    const stats = tidy(() => {
      const r = this.lossAndStats(xs, ys, null, false);
      classes = r.classes;
      return r.stats();
    });
    try {
      const values = Array.from(await stats.data());
      await this.explainNaNLoss('evaluate', values, ys, classes);
      return values;
    } finally {
      stats.dispose();
    }
  }

  /** Turns summed [loss·n, (output losses·n), stats...] into logs. */
  private logsFrom(totals: number[], samples: number, prefix = ''): Logs {
    const c = this.requireCompiled('fit');
    const n = Math.max(samples, 1);
    const multi = c.outputs.length > 1;
    const logs: Logs = { [`${prefix}loss`]: totals[0]! / n };
    let k = 1;
    if (multi) for (const o of c.outputs) logs[`${prefix}${o.name}_loss`] = totals[k++]! / n;
    for (const o of c.outputs) {
      for (const { key, metric } of o.metrics) {
        const w = metricWidth.get(metric) ?? 0;
        logs[`${prefix}${multi ? `${o.name}_` : ''}${key}`] = metric.result(totals.slice(k, k + w));
        k += w;
      }
    }
    return logs;
  }

  /** The number of leading entries of a batch's values that are means over the batch (the losses). */
  private lossCount(): number {
    const c = this.requireCompiled('fit');
    return c.outputs.length > 1 ? 1 + c.outputs.length : 1;
  }

  /** Adds a batch's [mean losses, statistics...] to the running totals (losses weighted by batch size). */
  private accumulate(totals: number[] | null, values: number[], batch: number): number[] {
    const t = totals ?? new Array<number>(values.length).fill(0);
    const nl = this.lossCount();
    for (let i = 0; i < values.length; i++) t[i]! += i < nl ? values[i]! * batch : values[i]!;
    return t;
  }

  private batchLogs(values: number[], size: number): Logs {
    const nl = this.lossCount();
    return this.logsFrom(values.map((v, i) => (i < nl ? v * size : v)), size);
  }

  // ------------------------------------------------------------------ training

  /**
   * Trains for a number of epochs on in-memory tensors (Keras `fit`), or on a dataset of
   * `{xs, ys}` batches when `x` is an (async) iterable. Returns the History.
   */
  async fit(x: TensorArgs, y: TensorArgs, args?: FitArgs): Promise<History>;
  async fit(dataset: AsyncIterable<Batch> | Iterable<Batch>, args?: FitDatasetArgs): Promise<History>;
  async fit(x: TensorArgs | AsyncIterable<Batch> | Iterable<Batch>, yOrArgs?: TensorArgs | FitDatasetArgs, maybeArgs: FitArgs = {}): Promise<History> {
    if (isDataset(x)) return this.exclusively('fit', () => this.train(this.datasetSource(x, (yOrArgs as FitDatasetArgs) ?? {}), (yOrArgs as FitDatasetArgs) ?? {}));
    return this.exclusively('fit', async () => {
      const source = this.tensorSource(x as TensorArgs, yOrArgs as TensorArgs, maybeArgs);
      try {
        return await this.train(source, maybeArgs);
      } finally {
        source.dispose();
      }
    });
  }

  /** Trains on a dataset of {xs, ys} batches; each epoch iterates it afresh. */
  async fitDataset(dataset: AsyncIterable<Batch> | Iterable<Batch>, args: FitDatasetArgs = {}): Promise<History> {
    return this.exclusively('fitDataset', () => this.train(this.datasetSource(dataset, args), args));
  }

  /**
   * Runs a training call alone: a second fit (or trainOnBatch) while one is running would
   * interleave updates on the same weights, so it is refused (as TF.js does).
   */
  private async exclusively<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.trainingCall) {
      throw new TesseraError(
        `${op}: model '${this.name}' is already training (a ${this.trainingCall}() call has not finished); await it before starting another — ` +
          'two at once would interleave their updates of the same weights',
      );
    }
    this.trainingCall = op;
    try {
      return await fn();
    } finally {
      this.trainingCall = null;
    }
  }

  /** Batches of in-memory tensors: validation split, class weights, the seeded shuffle. */
  private tensorSource(x: TensorArgs, y: TensorArgs, args: FitArgs): BatchSource {
    checkOptions('fit', args, FIT_OPTIONS);
    this.requireCompiled('fit');
    const xs = this.toList('fit', 'x', x);
    const ys = this.toList('fit', 'y', y);
    const total = this.sampleCount('fit', xs, ys);
    const { batchSize = 32, shuffle = true, validationSplit = 0 } = args;
    checkPositiveInt('fit', 'batchSize', batchSize);
    checkPositiveInt('fit', 'epochs', args.epochs ?? 1);
    if (typeof shuffle !== 'boolean') throw new TesseraError(`fit: shuffle must be true or false, got ${describe(shuffle)}`);
    if (!(validationSplit >= 0 && validationSplit < 1)) throw new TesseraError(`fit: validationSplit must be in [0, 1), got ${validationSplit}`);
    if (args.validationData && validationSplit > 0) throw new TesseraError('fit: give validationData or validationSplit, not both');
    if (args.classWeight && ys.length !== 1) throw new TesseraError(`fit: classWeight is for one-output models; model '${this.name}' has ${ys.length} outputs`);
    const seed = args.seed ?? rngFor().nextU32();
    const owned: Tensor[] = [];
    let xTrain = xs;
    let yTrain = ys;
    let validation: ValidationData | null = args.validationData ?? null;
    if (validationSplit > 0) {
      const split = Math.floor(total * (1 - validationSplit));
      if (split <= 0 || split >= total) throw new TesseraError(`fit: validationSplit ${validationSplit} leaves no samples for training or validation (${total} samples)`);
      const head = (t: Tensor): Tensor => keep(slice(t, [0], [split]));
      const tail = (t: Tensor): Tensor => keep(slice(t, [split], [-1]));
      xTrain = xs.map(head);
      yTrain = ys.map(head);
      const xv = xs.map(tail);
      const yv = ys.map(tail);
      validation = [xv, yv];
      owned.push(...xTrain, ...yTrain, ...xv, ...yv);
    }
    let sw: Tensor | null = null;
    try {
      if (args.classWeight) owned.push((sw = keep(this.sampleWeights(yTrain[0]!, args.classWeight))));
    } catch (e) {
      owned.forEach((t) => t.dispose());
      throw e;
    }
    const n = xTrain[0]!.shape[0]!;
    const steps = Math.ceil(n / batchSize);
    return {
      steps,
      samples: n,
      batchSize,
      validation,
      validationBatchSize: batchSize,
      async *epoch(epoch: number) {
        const order = Int32Array.from({ length: n }, (_, i) => i);
        if (shuffle) new Random(mixSeed(seed, epoch)).shuffle(order);
        for (let b = 0; b < steps; b++) {
          const start = b * batchSize;
          const size = Math.min(batchSize, n - start);
          yield tidy(() => {
            const take = (t: Tensor): Tensor => (shuffle ? gather(t, tensor(order.subarray(start, start + size), [size], 'int32')) : slice(t, [start], [size]));
            return { xs: xTrain.map(take), ys: yTrain.map(take), sw: sw ? take(sw) : null };
          });
        }
      },
      dispose: () => owned.forEach((t) => t.dispose()),
    };
  }

  /** Batches of a dataset: fit frees each batch it is given. */
  private datasetSource(dataset: AsyncIterable<Batch> | Iterable<Batch>, args: FitDatasetArgs): BatchSource {
    checkOptions('fit (on a dataset)', args, FIT_DATASET_OPTIONS);
    this.requireCompiled('fitDataset');
    const { batchesPerEpoch } = args;
    checkPositiveInt('fitDataset', 'epochs', args.epochs ?? 1);
    if (batchesPerEpoch !== undefined) checkPositiveInt('fitDataset', 'batchesPerEpoch', batchesPerEpoch);
    let iterator: AsyncIterator<Batch> | Iterator<Batch> | null = null;
    const toLists = (batch: unknown): { xs: Tensor[]; ys: Tensor[] } => this.batchLists('fitDataset', batch);
    return {
      steps: batchesPerEpoch,
      samples: undefined,
      batchSize: undefined,
      validation: args.validationData ?? null,
      validationBatchSize: 32,
      async *epoch(epoch: number) {
        if (!batchesPerEpoch || !iterator) iterator = iterate(dataset);
        const it = iterator;
        try {
          for (let b = 0; batchesPerEpoch === undefined || b < batchesPerEpoch; b++) {
            const next = await it.next();
            if (next.done) {
              if (batchesPerEpoch !== undefined) {
                throw new TesseraError(`fitDataset: the dataset ran out after ${b} batches in epoch ${epoch + 1}, expected batchesPerEpoch = ${batchesPerEpoch} (use .repeat())`);
              }
              return;
            }
            yield { ...toLists(next.value), sw: null };
          }
        } finally {
          // A fresh pass starts next epoch: let the old one release what it buffered.
          if (!batchesPerEpoch) await it.return?.();
        }
      },
      dispose: async () => {
        if (batchesPerEpoch) await iterator?.return?.();
      },
    };
  }

  /** A dataset element as lists of tensors; on a malformed one, frees what it holds. */
  private batchLists(op: string, batch: unknown): { xs: Tensor[]; ys: Tensor[] } {
    const v = batch as Partial<Batch> | null;
    if (!v || typeof v !== 'object' || v.xs === undefined || v.ys === undefined) {
      disposeAll(batch);
      throw new TesseraError(`${op}: each dataset element must be { xs, ys } (tensors, lists or objects of tensors), got ${describe(batch)}`);
    }
    try {
      const xs = this.toList(op, 'x', v.xs);
      const ys = this.toList(op, 'y', v.ys);
      this.sampleCount(op, xs, ys);
      return { xs, ys };
    } catch (e) {
      disposeAll(batch);
      throw e;
    }
  }

  /** The one training loop: epochs of batches from a source, callbacks, validation. */
  private async train(source: BatchSource, args: FitDatasetArgs): Promise<History> {
    const { epochs = 1, verbose = 1, initialEpoch = 0 } = args;
    const history = new History();
    const given = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
    const callbacks = new CallbackList([...given, ...(verbose > 0 ? [new ProgressLogger(verbose)] : []), history]);
    callbacks.setModel(this as unknown as Model);
    callbacks.setParams({ epochs, initialEpoch, steps: source.steps, samples: source.samples, batchSize: source.batchSize, verbose, metrics: this.metricsNames });
    this.stopTraining = false;
    try {
      await callbacks.trainBegin({});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        await callbacks.epochBegin(epoch, {});
        let totals: number[] | null = null;
        let seen = 0;
        let b = 0;
        for await (const batch of source.epoch(epoch)) {
          let values: number[];
          let size: number;
          try {
            size = batch.xs[0]!.shape[0]!;
            await callbacks.batchBegin(b, { batch: b, size });
            values = await this.step(batch.xs, batch.ys, batch.sw);
          } finally {
            [...batch.xs, ...batch.ys].forEach((t) => t.dispose());
            batch.sw?.dispose();
          }
          totals = this.accumulate(totals, values, size);
          seen += size;
          await callbacks.batchEnd(b, { batch: b, size, ...this.batchLogs(values, size) });
          b++;
          if (this.stopTraining) break;
        }
        if (seen === 0) throw new TesseraError(`fit: the dataset yielded no batches in epoch ${epoch + 1}`);
        const logs = this.logsFrom(totals!, seen);
        if (source.validation) Object.assign(logs, await this.evaluateAny(source.validation, source.validationBatchSize, 'val_'));
        await callbacks.epochEnd(epoch, logs);
      }
      await callbacks.trainEnd({});
    } finally {
      await source.dispose();
    }
    return history;
  }

  /** One optimisation step on one batch; returns the batch's loss and metrics. */
  async trainOnBatch(x: TensorArgs, y: TensorArgs): Promise<Logs> {
    return this.exclusively('trainOnBatch', async () => {
      this.requireCompiled('trainOnBatch');
      const xs = this.toList('trainOnBatch', 'x', x);
      const ys = this.toList('trainOnBatch', 'y', y);
      const size = this.sampleCount('trainOnBatch', xs, ys);
      const values = await this.step(xs, ys, null);
      return this.batchLogs(values, size);
    });
  }

  // ------------------------------------------------------------------ inference

  private async evaluateAny(data: ValidationData, batchSize: number, prefix: string): Promise<Logs> {
    if (Array.isArray(data)) {
      const [xv, yv] = data as [TensorArgs, TensorArgs];
      return this.evaluateTensors(xv, yv, batchSize, prefix);
    }
    let totals: number[] | null = null;
    let seen = 0;
    for await (const batch of data as AsyncIterable<Batch>) {
      const { xs, ys } = this.batchLists('evaluate', batch);
      let values: number[];
      const size = xs[0]!.shape[0]!;
      try {
        values = await this.evalBatch(xs, ys);
      } finally {
        [...xs, ...ys].forEach((t) => t.dispose());
      }
      totals = this.accumulate(totals, values, size);
      seen += size;
    }
    if (!totals) throw new TesseraError('evaluate: the dataset yielded no batches');
    return this.logsFrom(totals, seen, prefix);
  }

  private async evaluateTensors(x: TensorArgs, y: TensorArgs, batchSize: number, prefix: string): Promise<Logs> {
    this.requireCompiled('evaluate');
    const xs = this.toList('evaluate', 'x', x);
    const ys = this.toList('evaluate', 'y', y);
    const n = this.sampleCount('evaluate', xs, ys);
    let totals: number[] | null = null;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const batch = tidy(() => [...xs, ...ys].map((t) => slice(t, [start], [size])));
      let values: number[];
      try {
        values = await this.evalBatch(batch.slice(0, xs.length), batch.slice(xs.length));
      } finally {
        batch.forEach((t) => t.dispose());
      }
      totals = this.accumulate(totals, values, size);
    }
    return this.logsFrom(totals ?? [0], n, prefix);
  }

  /** Loss (with the regularization penalty, as in training) and metrics on the given data, batched (inference mode). */
  async evaluate(x: TensorArgs, y: TensorArgs, options: { batchSize?: number } = {}): Promise<Logs> {
    checkOptions('evaluate', options, ['batchSize']);
    const { batchSize = 32 } = options;
    checkPositiveInt('evaluate', 'batchSize', batchSize);
    return this.evaluateTensors(x, y, batchSize, '');
  }

  /** Evaluates on a dataset of {xs, ys} batches. */
  async evaluateDataset(dataset: AsyncIterable<Batch> | Iterable<Batch>): Promise<Logs> {
    return this.evaluateAny(dataset, 32, '');
  }

  /** Outputs for x in inference mode, computed in batches of `batchSize`: one tensor per output. */
  predict(x: I | Record<string, Tensor>, options: { batchSize?: number } = {}): O {
    checkOptions('predict', options, ['batchSize']);
    const { batchSize = 32 } = options;
    checkPositiveInt('predict', 'batchSize', batchSize);
    const xs = this.toList(`${this.name}.predict`, 'x', x);
    const n = xs[0]!.shape[0]!;
    const bad = xs.find((t) => t.shape[0] !== n);
    if (bad) throw new TesseraError(`${this.name}.predict: every input must have the same number of samples, got ${xs.map((t) => fmtShape(t.shape)).join(', ')}`);
    return tidy(() => {
      let outs: Tensor[];
      if (n <= batchSize) {
        outs = this.run(xs, false);
      } else {
        const parts: Tensor[][] = [];
        for (let start = 0; start < n; start += batchSize) {
          const size = Math.min(batchSize, n - start);
          parts.push(this.run(xs.map((t) => slice(t, [start], [size])), false));
        }
        outs = parts[0]!.map((_, k) => concat(parts.map((p) => p[k]!), 0));
      }
      return (outs.length === 1 ? outs[0]! : outs) as O;
    });
  }

  /** Predictions for one batch, without splitting. */
  predictOnBatch(x: I | Record<string, Tensor>): O {
    const xs = this.toList(`${this.name}.predictOnBatch`, 'x', x);
    return tidy(() => {
      const outs = this.run(xs, false);
      return (outs.length === 1 ? outs[0]! : outs) as O;
    });
  }

  // ------------------------------------------------------------------ serialisation

  override optionNames(): string[] {
    return ['name', 'trainable', 'dtype', 'layers', 'inputLayers', 'outputLayers'];
  }

  /** The graph as layer configs and the calls between them (Keras's functional config). */
  override getConfig(): ModelConfig {
    const g = this.graph;
    if (!g) return { ...super.getConfig(), layers: [], inputLayers: [], outputLayers: [] } as ModelConfig;
    const ref = (t: SymbolicTensor): TensorRef => [t.sourceLayer.name, g.nodesOf(t.sourceLayer).indexOf(t.node), t.outputIndex];
    return {
      ...super.getConfig(),
      layers: g.layers.map((l) => ({
        ...serializeLayer(l),
        inboundNodes: l instanceof InputLayer ? [] : g.nodesOf(l).map((n) => nodeConfig(n, ref)),
      })),
      inputLayers: g.inputs.map(ref),
      outputLayers: g.outputs.map(ref),
    };
  }

  /** Rebuilds a functional model from `getConfig()`; on any error the layers made so far are freed. */
  static fromConfig(config: Record<string, unknown>): Model {
    const c = config as unknown as FunctionalConfig;
    if (!Array.isArray(c.layers) || !Array.isArray(c.inputLayers) || !Array.isArray(c.outputLayers)) {
      throw new TesseraError('Model.fromConfig: expected { name, layers, inputLayers, outputLayers }');
    }
    const made = new Map<string, { layer: Layer; outputs: SymbolicTensor[][] }>();
    try {
      for (const lc of c.layers) {
        const { inboundNodes: _, ...serialized } = lc;
        const layer = deserializeLayer(serialized as SerializedLayer);
        made.set(layer.name, { layer, outputs: layer instanceof InputLayer ? [[layer.output]] : [] });
      }
      const find = ([name, node, index]: TensorRef, where: string): SymbolicTensor | undefined => {
        const m = made.get(name);
        if (!m) throw new TesseraError(`Model.fromConfig: ${where} refers to layer '${name}', which is not in the config`);
        return m.outputs[node]?.[index];
      };
      // Calls are replayed once their inputs exist (a layer shared by branches may wait).
      const pending = c.layers.flatMap((lc) => (lc.inboundNodes ?? []).map((n) => ({ name: lc.config['name'] as string, ...n })));
      const refsOf = (p: (typeof pending)[number]): TensorRef[] => [...p.inputs, ...Object.values(p.tensorKwargs ?? {}).flatMap((r) => (isRef(r) ? [r] : r))];
      while (pending.length > 0) {
        const i = pending.findIndex((p) => refsOf(p).every((r) => find(r, `layer '${p.name}'`) !== undefined));
        if (i < 0) throw new TesseraError(`Model.fromConfig: the calls of ${pending.map((p) => `'${p.name}'`).join(', ')} wait for inputs no call makes`);
        const p = pending.splice(i, 1)[0]!;
        const get = (r: TensorRef): SymbolicTensor => find(r, `layer '${p.name}'`)!;
        const ins = p.inputs.map(get);
        const kwargs: Record<string, unknown> = { ...(p.kwargs ?? {}) };
        for (const [k, r] of Object.entries(p.tensorKwargs ?? {})) kwargs[k] = isRef(r) ? get(r) : r.map(get);
        if (p.training !== undefined) kwargs['training'] = p.training;
        const entry = made.get(p.name)!;
        const out = entry.layer.apply(p.list ? ins : ins[0]!, kwargs);
        entry.outputs.push(Array.isArray(out) ? out : [out]);
      }
      const resolve = (r: TensorRef): SymbolicTensor => {
        const t = find(r, 'the model inputs/outputs');
        if (!t) throw new TesseraError(`Model.fromConfig: no tensor ${JSON.stringify(r)}`);
        return t;
      };
      return new Model({ name: c.name, inputs: c.inputLayers.map(resolve), outputs: c.outputLayers.map(resolve) });
    } catch (e) {
      for (const { layer } of made.values()) layer.dispose();
      throw e;
    }
  }

  /** Saves topology, weights and optimizer state (see io.ts): a directory path in Node, or an IO handler. */
  async save(target: string | import('./io.js').IOHandler): Promise<import('./io.js').SaveResult> {
    const io = await import('./io.js');
    return io.saveModel(this as unknown as Model, target);
  }

  /** Frees every weight and the optimizer's state. */
  override dispose(): void {
    super.dispose();
    this.compiled?.optimizer.dispose();
  }
}

type TensorRef = [string, number, number];

/** One call of a layer in a functional config: its inputs, and its call options (tensor ones as references). */
type NodeConfig = { inputs: TensorRef[]; list: boolean; training?: boolean; kwargs?: Record<string, unknown>; tensorKwargs?: Record<string, TensorRef | TensorRef[]> };

function nodeConfig(n: Node, ref: (t: SymbolicTensor) => TensorRef): NodeConfig {
  const config: NodeConfig = { inputs: n.positional.map(ref), list: n.listInput };
  if (n.training !== undefined) config.training = n.training;
  if (Object.keys(n.options.values).length > 0) config.kwargs = { ...n.options.values };
  if (n.options.tensors.length > 0) {
    const refs = n.inputs.map(ref);
    const opts = n.callOptions(refs);
    config.tensorKwargs = Object.fromEntries(n.options.tensors.map(({ name }) => [name, opts[name] as TensorRef | TensorRef[]]));
  }
  return config;
}

function isRef(r: TensorRef | TensorRef[]): r is TensorRef {
  return typeof r[0] === 'string';
}

export type FunctionalConfig = {
  name: string;
  layers: (SerializedLayer & { inboundNodes?: NodeConfig[] })[];
  inputLayers: TensorRef[];
  outputLayers: TensorRef[];
};

/** What a model's `getConfig()` holds: the base layer options and the model's own (a functional graph, a Sequential's layers). */
export type ModelConfig = { name: string; trainable: boolean; dtype: DataType; [key: string]: unknown };

interface BatchSource {
  steps: number | undefined;
  samples: number | undefined;
  batchSize: number | undefined;
  validation: ValidationData | null;
  validationBatchSize: number;
  epoch(epoch: number): AsyncIterable<{ xs: Tensor[]; ys: Tensor[]; sw: Tensor | null }>;
  dispose(): void | Promise<void>;
}

/** Statistic widths per metric, learned from their first batch (metrics return fixed-size vectors). */
const metricWidth = new WeakMap<Metric, number>();

/**
 * The positions of a masked output as rows: targets and predictions with the mask's axes flattened
 * into one ([batch, time, classes] → [batch·time, classes]), and the mask as 0/1 weights per row.
 * Targets at masked positions are replaced by 0, so that whatever padding holds there (an
 * out-of-range label, NaN) never reaches a loss or metric.
 */
function maskedPositions(output: string, yTrue: Tensor, yPred: Tensor, mask: Tensor): { yTrue: Tensor; yPred: Tensor; weights: Tensor; valid: Tensor } {
  const lead = mask.shape;
  const fits = (t: Tensor): boolean => t.rank >= lead.length && lead.every((d, i) => t.shape[i] === d);
  if (!fits(yTrue) || !fits(yPred)) {
    throw new TesseraError(
      `output '${output}' carries a mask of shape ${fmtShape(lead)}, so its targets must start with those axes: got targets ${fmtShape(yTrue.shape)} for predictions ${fmtShape(yPred.shape)}`,
    );
  }
  const n = lead.reduce((a, b) => a * b, 1);
  const valid = reshape(mask, [n]);
  const rest = yTrue.shape.slice(lead.length);
  return {
    yTrue: where(reshape(valid, [n, ...rest.map(() => 1)]), reshape(yTrue, [n, ...rest]), 0),
    yPred: reshape(yPred, [n, ...yPred.shape.slice(lead.length)]),
    weights: cast(valid, 'float32'),
    valid,
  };
}

function checkPositiveInt(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TesseraError(`${op}: ${name} must be a positive integer, got ${typeof v === 'number' ? v : describe(v)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return `${typeof x} ${String(x)}`;
}

export function mixSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(epoch + 1, 0xc2b2ae35)) >>> 0;
}

/** An (async) iterable of batches; an array counts as one when it holds no tensors (a list of tensors is a multi-input x). */
function isDataset(x: unknown): x is AsyncIterable<Batch> | Iterable<Batch> {
  if (Array.isArray(x)) return !x.some((e) => e instanceof Tensor);
  return x !== null && typeof x === 'object' && !(x instanceof Tensor) && (Symbol.asyncIterator in x || Symbol.iterator in x);
}

function iterate(ds: AsyncIterable<Batch> | Iterable<Batch>): AsyncIterator<Batch> | Iterator<Batch> {
  if (Symbol.asyncIterator in ds) return (ds as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  if (Symbol.iterator in ds) return (ds as Iterable<Batch>)[Symbol.iterator]();
  throw new TesseraError('fit: a dataset must be an iterable or async iterable of { xs, ys } batches');
}

function disposeAll(x: unknown): void {
  if (x instanceof Tensor) x.dispose();
  else if (Array.isArray(x)) x.forEach(disposeAll);
  else if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) Object.values(x).forEach(disposeAll);
}

function symbolicList(where: string, what: string, v: unknown): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new TesseraError(`${where}: ${what} is empty`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      const hint = t instanceof Tensor ? ' (a real tensor: build the graph from input() and layer.apply on symbolic tensors)' : '';
      throw new TesseraError(`${where}: ${what}${Array.isArray(v) ? `[${i}]` : ''} must be a symbolic tensor from input() or layer.apply, got ${describe(t)}${hint}`);
    }
  });
  return list as SymbolicTensor[];
}

function isLossIdentifier(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'function' || (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string');
}

/** One value for every output, a list in output order, or an object keyed by output name → a list in output order. */
function perOutput<T>(where: string, what: string, v: unknown, names: string[], isOne: (v: unknown) => boolean, shareOne: boolean): T[] {
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new TesseraError(`${where}: ${what} has ${v.length} entries, the model has ${names.length} outputs (${names.join(', ')})`);
    return v as T[];
  }
  if (v !== null && typeof v === 'object' && !isOne(v)) {
    const obj = v as Record<string, T>;
    const unknown = Object.keys(obj).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new TesseraError(`${where}: ${what} has key ${unknown.map((k) => `'${k}'`).join(', ')}, which is no output of the model (outputs: ${names.join(', ')})`);
    const missing = names.filter((n) => obj[n] === undefined);
    if (missing.length > 0) throw new TesseraError(`${where}: ${what} has no entry for output ${missing.map((k) => `'${k}'`).join(', ')} (every output needs one)`);
    return names.map((n) => obj[n]!);
  }
  if (!shareOne && names.length > 1) throw new TesseraError(`${where}: ${what} must be a list or an object with one entry per output (${names.join(', ')})`);
  return names.map(() => v as T);
}

function perOutputMetrics(where: string, v: CompileArgs['metrics'], names: string[]): (string | Metric)[][] {
  if (v === undefined) return names.map(() => []);
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((e) => Array.isArray(e))) {
      if (v.length !== names.length) throw new TesseraError(`${where}: metrics has ${v.length} lists, the model has ${names.length} outputs (${names.join(', ')})`);
      return v as (string | Metric)[][];
    }
    if (v.some((e) => Array.isArray(e))) throw new TesseraError(`${where}: metrics mixes lists and single metrics; give one flat list or one list per output`);
    return names.map(() => v as (string | Metric)[]);
  }
  if (v !== null && typeof v === 'object') {
    const obj = v as Record<string, (string | Metric)[]>;
    const unknown = Object.keys(obj).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new TesseraError(`${where}: metrics has key ${unknown.map((k) => `'${k}'`).join(', ')}, which is no output of the model (outputs: ${names.join(', ')})`);
    return names.map((n) => {
      const m = obj[n] ?? [];
      if (!Array.isArray(m)) throw new TesseraError(`${where}: metrics for output '${n}' must be a list`);
      return m;
    });
  }
  throw new TesseraError(`${where}: metrics must be a list (or per output, a list of lists or an object of lists), got ${describe(v)}`);
}

/**
 * What a model takes or returns for these symbolic tensors: one tensor for one (alone or in a list
 * of one, as at run time), a list for a list of two or more, either where the count is not known
 * to the type checker.
 */
export type TensorsFor<S extends SymbolicTensor | readonly SymbolicTensor[]> = S extends SymbolicTensor
  ? Tensor
  : S extends readonly [SymbolicTensor]
    ? Tensor
    : S extends readonly [SymbolicTensor, SymbolicTensor, ...SymbolicTensor[]]
      ? Tensor[]
      : Tensor | Tensor[];

/**
 * `model({ inputs, outputs })`, like tf.model / keras.Model(inputs, outputs). Typed by what it is
 * given: `model({ inputs: x, outputs: y })` is a `Model<Tensor, Tensor>` whose `predict` returns one
 * tensor; `model({ inputs: [a, b], outputs: [c, d] })` takes and returns lists.
 */
export function model<const In extends SymbolicTensor | readonly SymbolicTensor[], const Out extends SymbolicTensor | readonly SymbolicTensor[]>(args: {
  inputs: In;
  outputs: Out;
  name?: string;
}): Model<TensorsFor<Out>, TensorsFor<In>> {
  return new Model(args as ModelArgs) as Model<TensorsFor<Out>, TensorsFor<In>>;
}

registerLayer('Model', Model as unknown as new (args: unknown) => Layer);
