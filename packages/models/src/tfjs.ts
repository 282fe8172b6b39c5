// TF.js-style entry points, so that a TF.js script ports by changing its import: `callbacks.earlyStopping`,
// `loadLayersModel(url)`. Thin aliases over Tessera's implementation; docs/models.md lists what differs.
import { TesseraError } from '@tessera/core';
import { httpHandler } from './browser-io.js';
import { EarlyStopping, ReduceLROnPlateau, TerminateOnNaN, type EarlyStoppingArgs, type ReduceLROnPlateauArgs } from './callbacks.js';
import { loadModel, type IOHandler, type LoadOptions } from './io.js';
import type { Model } from './model.js';

/** `tf.callbacks`: earlyStopping (and Keras's reduceLROnPlateau and terminateOnNaN). */
export const callbacks = Object.freeze({
  earlyStopping: (args: EarlyStoppingArgs = {}) => new EarlyStopping(args),
  reduceLROnPlateau: (args: ReduceLROnPlateauArgs = {}) => new ReduceLROnPlateau(args),
  terminateOnNaN: () => new TerminateOnNaN(),
});

/**
 * `tf.loadLayersModel` for models saved by Tessera: 'indexeddb://name', an http(s) URL (or a
 * relative one in a page) of model.json, 'file://dir' or a directory path (Node), or an IOHandler.
 * (TF.js's own model.json files, from its converter or its save, are another format: `loadTfjsModel` imports them.)
 */
export async function loadLayersModel<M extends Model = Model>(source: string | IOHandler, options: LoadOptions = {}): Promise<M> {
  if (typeof source === 'string' && source.startsWith('localstorage://')) {
    throw new TesseraError(`loadLayersModel('${source}'): Tessera does not save to localStorage (it is too small for weights); use 'indexeddb://'`);
  }
  // A relative URL in a page is fetched from the page's origin.
  if (typeof source === 'string' && globalThis.location !== undefined && !/^[a-z]+:\/\//.test(source)) return loadModel<M>(httpHandler(source), options);
  return loadModel<M>(source, options);
}
