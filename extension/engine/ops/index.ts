// Every op the engine knows, by ONNX op type (default domain).

import type { OpDef, OpTable } from './op';
import { elementwiseOps } from './elementwise';
import { activationOps } from './activation';
import { linearOps } from './linear';
import { convOps } from './conv';
import { poolOps } from './pool';
import { normalizationOps } from './normalization';
import { shapeOps } from './shape';
import { indexingOps } from './indexing';
import { reduceOps } from './reduce';
import { lossOps } from './loss';

export const OPS: OpTable = {
  ...elementwiseOps, ...activationOps, ...linearOps, ...convOps, ...poolOps, ...normalizationOps,
  ...shapeOps, ...indexingOps, ...reduceOps, ...lossOps,
};

export function getOp(opType: string, domain = ''): OpDef | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return Object.prototype.hasOwnProperty.call(OPS, opType) ? OPS[opType] : undefined;
}
