import type { RuleInput } from './schema.js';

/**
 * The default catalogue (shared/DESIGN.md section 5). "No water use": less than 10 L in 24 h, as
 * in the Shanghai, Shenzhen and Taicang pilots.
 */
export const DEFAULT_RULES: readonly RuleInput[] = [
  {
    id: 'no-water-use',
    kind: 'counter-idle',
    title: 'no water use',
    metric: 'volume_l',
    window: '24h',
    minIncrease: 10,
    grade: 'P2',
  },
];
