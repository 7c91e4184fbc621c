import { describe, expect, it } from '@jest/globals';
import { BoundedMap } from '../../src/adapters/bounded-map.ts';
import { boundedNames } from '../../src/adapters/metrics.ts';

describe('BoundedMap', () => {
  it('never holds more than its bound, evicting the least recently used key', () => {
    const map = new BoundedMap<string, number>(3);
    for (let index = 0; index < 1_000; index += 1) map.set(`k${index}`, index);
    expect(map.size).toBe(3);
    expect(map.get('k999')).toBe(999);
    expect(map.get('k0')).toBeUndefined();
  });

  it('counts a read as a use: a key read often survives keys written once', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('busy', 1);
    map.set('a', 2);
    expect(map.get('busy')).toBe(1);
    map.set('b', 3);
    expect(map.get('busy')).toBe(1);
    expect(map.get('a')).toBeUndefined();
  });

  it('deletes', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.delete('a');
    expect(map.size).toBe(0);
    expect(map.get('a')).toBeUndefined();
  });
});

describe('metric label values from requests', () => {
  it('keeps the first names and counts every further one as "other"', () => {
    const name = boundedNames(3);
    expect(['/ops', '/deploy', 'action:x'].map(name)).toEqual(['/ops', '/deploy', 'action:x']);
    expect(name('action:y')).toBe('other');
    expect(name('/deploy')).toBe('/deploy');
  });
});
