import { DEFAULT_LABEL_LIMITS, MAX_LABEL_LENGTH, OTHER_LABEL, labelCap, resolveLabelLimits } from '../src';

describe('labelCap', () => {
  it('should keep the first values and fold the rest into other, counting each fold', () => {
    const cap = labelCap(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => cap.label(v))).toEqual([
      'a',
      'b',
      'other',
      'a',
      'other',
      'b',
    ]);
    expect(cap.folded).toBe(2);
    expect(cap.size).toBe(2);
  });

  it('should not give a slot to a value that is not admitted, nor to one too long to be a label', () => {
    const cap = labelCap(10);
    expect(cap.label('miss-only', false)).toBe(OTHER_LABEL);
    expect(cap.has('miss-only')).toBe(false);
    expect(cap.label('x'.repeat(MAX_LABEL_LENGTH + 1))).toBe(OTHER_LABEL);
    expect(cap.label('stored')).toBe('stored');
    expect(cap.label('stored', false)).toBe('stored');
    expect(cap.folded).toBe(2);
  });

  it('should keep memory bounded under many distinct values', () => {
    const cap = labelCap(100);
    for (let i = 0; i < 100_000; i++) cap.label(`tenant-${i}`);
    expect(cap.size).toBe(100);
    expect(cap.folded).toBe(99_900);
  });
});

describe('resolveLabelLimits', () => {
  it('should fill in the defaults and refuse what is not a count, naming the option', () => {
    expect(resolveLabelLimits('x', undefined)).toEqual(DEFAULT_LABEL_LIMITS);
    expect(resolveLabelLimits('x', { models: 3 })).toEqual({ ...DEFAULT_LABEL_LIMITS, models: 3 });
    expect(() => resolveLabelLimits('opts.labelLimits', { tenants: -1 })).toThrow(
      new TypeError('opts.labelLimits.tenants must be an integer >= 0 (got -1)'),
    );
    expect(() => resolveLabelLimits('opts.labelLimits', 5 as never)).toThrow(TypeError);
  });
});
