import { brandClass } from './brand.js';

/** Thrown for bad arguments to an op: the message names the op, what it got and what it expected. */
export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TesseraError';
  }
}

/** Thrown when a disposed tensor is used. */
export class DisposedTensorError extends TesseraError {
  constructor(message: string) {
    super(message);
    this.name = 'DisposedTensorError';
  }
}

/** Thrown in debug mode when a kernel produces NaN or Infinity. */
export class NonFiniteError extends TesseraError {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/**
 * Thrown when memory for a tensor cannot be had. The message names the op, the shape or kernel,
 * the bytes needed and, where the backend knows, how many bytes live tensors hold.
 */
export class OutOfMemoryError extends TesseraError {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

brandClass(TesseraError, 'TesseraError');
brandClass(OutOfMemoryError, 'OutOfMemoryError');
brandClass(DisposedTensorError, 'DisposedTensorError');
brandClass(NonFiniteError, 'NonFiniteError');

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function opError(op: string, message: string): TesseraError {
  return new TesseraError(`${op}: ${message}`);
}
