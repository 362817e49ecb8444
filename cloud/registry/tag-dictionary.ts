/**
 * The tags a household starts with in a new registry (Shanghai's tag dictionary for elders' care):
 * the ids are the ones the gateway's rules select on (`living-alone`, `aged-80-plus`), the labels
 * are what grid workers read. Operators add their own (`tags` table). Age tags are derived from
 * the residents' birth year and month, never set by hand.
 */
export interface TagDefinition {
  id: string;
  labelZh: string;
  labelEn: string;
  /** Derived from the residents: a resident this old or older. */
  minAge?: number;
}

export const DEFAULT_TAGS: readonly TagDefinition[] = [
  { id: 'living-alone', labelZh: '独居老人', labelEn: 'elder living alone' },
  { id: 'empty-nest', labelZh: '空巢老人', labelEn: 'empty-nest elder' },
  { id: 'aged-60-plus', labelZh: '老年人(60岁以上)', labelEn: 'aged 60 or over', minAge: 60 },
  { id: 'aged-80-plus', labelZh: '高龄(80岁以上)', labelEn: 'aged 80 or over', minAge: 80 },
  { id: 'chronic-illness', labelZh: '慢病', labelEn: 'chronic illness' },
  { id: 'disability', labelZh: '残疾', labelEn: 'disability' },
  { id: 'subsistence-allowance', labelZh: '低保', labelEn: 'minimum living allowance' },
  { id: 'extreme-poverty-support', labelZh: '特困供养', labelEn: 'extreme poverty support' },
];

/** Whole years of age in a given (year, month), from a birth year and month (1-12). */
export function ageAt(birthYear: number, birthMonth: number, year: number, month: number): number {
  return year - birthYear - (month < birthMonth ? 1 : 0);
}
