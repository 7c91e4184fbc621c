import { describe, expect, it } from '@jest/globals';
import { versionWarnings } from '../../src/core/version-warnings.ts';

const at = new Date('2026-11-20T09:30:00Z');

describe('versionWarnings', () => {
  it('marks a downgrade from what runs', () => {
    expect(versionWarnings({ to: '2.1.0', running: '3.1.0', mutable: false })).toEqual(['⚠ downgrade from 3.1.0']);
  });

  it('names the last good release when it is what runs, once', () => {
    const lastGood = { version: '3.1.0', at };
    expect(versionWarnings({ to: '2.1.0', running: '3.1.0', lastGood, mutable: false })).toEqual([
      '⚠ downgrade from 3.1.0 (the last good release)',
    ]);
  });

  it('says a version is older than the last good release when something newer (and bad) runs', () => {
    const lastGood = { version: '1.4.2', at };
    expect(versionWarnings({ to: '1.3.0', running: '2.0.0', lastGood, mutable: false })).toEqual([
      '⚠ downgrade from 2.0.0',
      '⚠ older than the last good release, 1.4.2 (2026-11-20 09:30 UTC)',
    ]);
  });

  it('makes no claim about versions that are not semver', () => {
    const lastGood = { version: 'main-abc', at };
    expect(versionWarnings({ to: 'build-7', running: 'sha256:abcd', lastGood, mutable: false })).toEqual([]);
  });

  it('says nothing of an upgrade past the last good release', () => {
    expect(
      versionWarnings({ to: '1.5.0', running: '1.4.2', lastGood: { version: '1.4.2', at }, mutable: false }),
    ).toEqual([]);
  });

  it('marks a mutable tag', () => {
    expect(versionWarnings({ to: 'latest', running: '1.4.2', mutable: true })).toEqual([
      '⚠ `latest` is a mutable tag: the digest the cluster resolves is shown once it has rolled out',
    ]);
  });
});
