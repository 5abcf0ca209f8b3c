// Learning-rate schedules as pure functions of the step (so resume is exact):
// optional linear warmup, then constant, step decay or cosine annealing.

export interface ScheduleConfig {
  type: 'constant' | 'step' | 'cosine';
  /** step decay: multiply by gamma every stepSize steps */
  stepSize?: number;
  gamma?: number;
  /** cosine: steps to anneal over, and the floor */
  totalSteps?: number;
  minLr?: number;
  /** linear warmup from lr/warmupSteps to lr over the first warmupSteps steps */
  warmupSteps?: number;
}

export function lrAt(step: number, baseLr: number, s: ScheduleConfig = { type: 'constant' }): number {
  const w = s.warmupSteps ?? 0;
  if (step < w) return (baseLr * (step + 1)) / w;
  const t = step - w;
  switch (s.type) {
    case 'step': return baseLr * (s.gamma ?? 0.1) ** Math.floor(t / Math.max(1, s.stepSize ?? 1));
    case 'cosine': {
      const T = Math.max(1, (s.totalSteps ?? 1) - w), min = s.minLr ?? 0;
      return min + ((baseLr - min) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T))) / 2;
    }
    default: return baseLr;
  }
}
