import { countMinSketch } from '../src/count-min';

describe('countMinSketch', () => {
  it('never under-counts and stays close for heavy keys', () => {
    const sketch = countMinSketch(256, 4);
    for (let i = 0; i < 5000; i++) sketch.add(`k${i}`);
    for (let i = 0; i < 300; i++) sketch.add('heavy');
    expect(sketch.estimate('heavy')).toBeGreaterThanOrEqual(300);
    expect(sketch.estimate('heavy')).toBeLessThan(300 + (Math.E * 5300) / 256);
    expect(sketch.estimate('k1')).toBeGreaterThanOrEqual(1);
  });

  it('scales every counter', () => {
    const sketch = countMinSketch(64, 2);
    sketch.add('a', 8);
    sketch.scale(0.5);
    expect(sketch.estimate('a')).toBe(4);
  });
});
