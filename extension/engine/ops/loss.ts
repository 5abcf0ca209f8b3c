// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss as ONNX ops (and the engine's own
// cross-entropy loss): SCE = NLL(LogSoftmax(scores, axis 1)).

import { K } from '../kernelNames';
import type { Tensor } from '../tensor';
import type { Attrs, OpTable } from './op';
import { attrStr } from './util';

function nllAttrs(a: Attrs) {
  const reduction = attrStr(a, 'reduction', 'mean') as 'mean' | 'sum' | 'none';
  return { reduction, ignoreIndex: typeof a.ignore_index === 'number' ? a.ignore_index : undefined };
}

export const lossOps: OpTable = {
  NegativeLogLikelihoodLoss: {
    forward: ({ backend: b }, [x, t, w], a) => [b.run(K.NllLoss, w ? [x!, t!, w] : [x!, t!], nllAttrs(a))],
    backward: ({ backend: b }, { inputs: [x, t, w], dys: [g], attrs }) =>
      [b.run(K.NllLossGrad, w ? [g!, t!, w] : [g!, t!], { ...nllAttrs(attrs), xShape: x!.shape }), undefined, undefined],
  },
  SoftmaxCrossEntropyLoss: {
    forward: ({ backend: b }, [x, t, w], a) => {
      const logp = b.run(K.LogSoftmax, [x!], { axis: 1 });
      return [b.run(K.NllLoss, w ? [logp, t!, w] : [logp, t!], nllAttrs(a)), logp];
    },
    backward: ({ backend: b }, { inputs: [x, t, w], outputs: [, logp], dys: [g, gLogp], attrs }) => {
      let d: Tensor | undefined = g ? b.run(K.NllLossGrad, w ? [g, t!, w] : [g, t!], { ...nllAttrs(attrs), xShape: x!.shape }) : undefined;
      if (gLogp) d = d ? b.run(K.Add, [d, gLogp]) : gLogp;
      return [b.run(K.LogSoftmaxGrad, [d!, logp!], { axis: 1 }), undefined, undefined];
    },
  },
};
