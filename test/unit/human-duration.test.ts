import { describe, expect, it } from '@jest/globals';
import { humanDuration } from '../../src/sandbox/kube/human-duration.ts';

// Ages in the kube simulator's Tables read as kubectl prints a real cluster's (duration.HumanDuration).
describe('humanDuration', () => {
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;

  it.each([
    [-5 * second, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [119 * second, '119s'],
    [2 * minute, '2m'],
    [3 * minute + 20 * second, '3m20s'],
    [15 * minute + 59 * second, '15m'],
    [179 * minute, '179m'],
    [3 * hour, '3h'],
    [2 * hour + 5 * minute + 7 * 60 * minute, '9h'],
    [7 * hour + 59 * minute, '7h59m'],
    [47 * hour, '47h'],
    [3 * day + 4 * hour, '3d4h'],
    [40 * day, '40d'],
    [2 * 365 * day + 30 * day, '2y30d'],
    [9 * 365 * day, '9y'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
