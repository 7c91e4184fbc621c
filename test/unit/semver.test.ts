import { describe, expect, it } from '@jest/globals';
import { compareSemver } from '../../src/core/semver.ts';

describe('compareSemver', () => {
  it.each([
    ['2.1.0', '3.1.0', -1],
    ['3.1.0', '2.1.0', 1],
    ['1.4.2', '1.4.2', 0],
    ['1.10.0', '1.9.9', 1],
    ['v1.2.3', '1.2.3', 0],
    ['1.0.0-alpha', '1.0.0', -1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-alpha.beta', '1.0.0-beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-beta.11', '1.0.0-rc.1', -1],
    ['1.0.0+build.5', '1.0.0+build.9', 0],
    ['0.9.0', '0.10.0', -1],
  ])('%s against %s is %i', (a, b, expected) => {
    expect(compareSemver(a, b)).toBe(expected);
  });

  it.each([
    ['latest', '1.0.0'],
    ['1.0.0', 'main'],
    ['1.2', '1.2.0'],
    ['01.2.3', '1.2.3'],
    ['sha256:abcd', '1.0.0'],
    ['2024-05-01', '2024-04-01'],
  ])('makes no claim about %s against %s', (a, b) => {
    expect(compareSemver(a, b)).toBeUndefined();
  });
});
