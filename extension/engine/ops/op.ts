// What an op is: a forward that maps input tensors to output tensors (through backend
// kernels) and, beside it, a backward that maps output gradients to input gradients.

import type { Backend } from '../backend';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';

export type AttrValue = number | string | number[] | string[] | Tensor | undefined;
export type Attrs = Record<string, AttrValue>;

export interface OpContext {
  backend: Backend;
  /** training mode: BatchNorm uses batch statistics, Dropout drops */
  training: boolean;
  rng: Rng;
  /** default-domain opset the model was saved with */
  opset: number;
  nodeName: string;
  /** how many outputs the node declares (Split needs it) */
  numOutputs?: number;
  /**
   * Temporaries a backward made and dropped (e.g. the ReLU-masked gradient of a fused
   * Gemm→Relu): the executor hands their storage back with the rest of the step's (recycle).
   */
  scratch?: Tensor[];
}

export type MaybeTensor = Tensor | undefined;

export interface ForwardResult {
  outputs: MaybeTensor[];
  /** anything backward needs beyond inputs and outputs */
  saved?: unknown;
}

export interface BackwardArgs {
  inputs: MaybeTensor[];
  outputs: MaybeTensor[];
  attrs: Attrs;
  saved: unknown;
  /** gradient of each output (undefined: that output does not reach the loss) */
  dys: MaybeTensor[];
  /** which inputs need a gradient */
  needs: boolean[];
  /**
   * dys[i] is this backward's alone: no other live tensor (gradient, forward value, caller's
   * seed) shares its memory and the executor drops it afterwards, so the backward may overwrite
   * it (a ReLU mask applied in place: the masked copy went to a cold buffer, MLP b256 training
   * +3 %, LeNet +10 %). Absent: never overwrite.
   */
  dyOwned?: boolean[];
}

export interface OpDef {
  forward(ctx: OpContext, inputs: MaybeTensor[], attrs: Attrs): MaybeTensor[] | ForwardResult;
  /** Absent: the op is not differentiable (shape ops, comparisons, integer outputs). */
  backward?(ctx: OpContext, args: BackwardArgs): MaybeTensor[];
}

export type OpTable = Record<string, OpDef>;
