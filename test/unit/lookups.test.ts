import { describe, expect, it } from '@jest/globals';
import { CatalogError, parseCatalog } from '../../src/config/catalog-load.ts';
import {
  defaultPod,
  eventsOfService,
  lastLinesWithin,
  podsOfService,
  redactor,
  shortImage,
  type LookedEvent,
  type LookedPod,
} from '../../src/core/lookups.ts';

const pod = (name: string, owner: string, createdMs: number, extra: Partial<LookedPod> = {}): LookedPod => ({
  name,
  ready: true,
  containers: [{ name: 'app', image: 'r.example/shop/checkout:1.0.0', ready: true, restartCount: 0 }],
  events: [],
  phase: 'Running',
  created: new Date(createdMs),
  owner,
  specContainers: [{ name: 'app', image: 'r.example/shop/checkout:1.0.0' }],
  ...extra,
});
const event = (name: string, kind: string, atMs: number, reason = 'BackOff'): LookedEvent => ({
  type: reason === 'BackOff' ? 'Warning' : 'Normal',
  reason,
  message: `about ${name}`,
  count: 1,
  at: new Date(atMs),
  kind,
  name,
});
const SETS = [
  { name: 'checkout-aaa', owner: 'checkout' },
  { name: 'checkout-canary-bbb', owner: 'checkout-canary' },
  { name: 'checkouts-ccc', owner: 'checkouts' },
];

describe('look-ups', () => {
  it("keeps the service's pods by ownership, newest first, never a similar name's", () => {
    const pods = [
      pod('checkout-aaa-1', 'checkout-aaa', 1),
      pod('checkout-canary-bbb-1', 'checkout-canary-bbb', 3),
      pod('checkouts-ccc-1', 'checkouts-ccc', 2),
      pod('loose', 'unknown-set', 4),
    ];
    expect(podsOfService(pods, SETS, ['checkout', 'checkout-canary']).map((p) => p.name)).toEqual([
      'checkout-canary-bbb-1',
      'checkout-aaa-1',
    ]);
  });

  it('picks a pod with a problem first, else the newest ready one', () => {
    const crashing = pod('checkout-aaa-old', 'checkout-aaa', 1, {
      ready: false,
      containers: [
        {
          name: 'app',
          image: 'r.example/shop/checkout:1.0.0',
          ready: false,
          restartCount: 3,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off' },
        },
      ],
    });
    const fresh = pod('checkout-aaa-new', 'checkout-aaa', 5);
    expect(defaultPod([fresh, crashing], new Date(10))?.name).toBe('checkout-aaa-old');
    expect(defaultPod([fresh], new Date(10))?.name).toBe('checkout-aaa-new');
    expect(defaultPod([], new Date(10))).toBeUndefined();
  });

  it("folds repeated events of the service's objects, newest first", () => {
    const pods = [pod('checkout-aaa-1', 'checkout-aaa', 1)];
    const events = [
      event('checkout', 'Deployment', 1, 'ScalingReplicaSet'),
      event('checkout-aaa-1', 'Pod', 5),
      event('checkout-aaa-1', 'Pod', 9),
      event('checkouts', 'Deployment', 10, 'ScalingReplicaSet'),
    ];
    const mine = eventsOfService(events, SETS, pods, ['checkout']);
    expect(mine.map((e) => [e.kind, e.name, e.count, e.at?.getTime()])).toEqual([
      ['Pod', 'checkout-aaa-1', 2, 9],
      ['Deployment', 'checkout', 1, 1],
    ]);
  });

  it("redacts every match of the catalog's patterns", () => {
    const redact = redactor(['(?<=://)[^:/@\\s]+:[^@\\s]+(?=@)', 'sk_live_[A-Za-z0-9]+']);
    expect(redact('db postgres://app:pw@db:5432 and postgres://b:c@d key sk_live_abc123')).toBe(
      'db postgres://[redacted]@db:5432 and postgres://[redacted]@d key [redacted]',
    );
    expect(redactor([])('unchanged')).toBe('unchanged');
  });

  it('keeps the last lines that fit, and says how many were cut', () => {
    expect(lastLinesWithin(['aaaa', 'bbbb', 'cccc'], 10)).toEqual({ shown: ['bbbb', 'cccc'], cut: 1 });
    expect(lastLinesWithin(['a'], 10)).toEqual({ shown: ['a'], cut: 0 });
  });

  it('shortens images to their last path segment', () => {
    expect(shortImage('registry.example.com/shop/checkout:1.4.2')).toBe('checkout:1.4.2');
    expect(shortImage(`r.example/checkout@sha256:${'ab'.repeat(32)}`)).toBe('checkout@abababababab');
  });

  it('refuses a catalog `redact` entry that is not a regular expression, naming it', () => {
    const yaml = "environments:\n  dev: { context: dev }\nredact: ['(unclosed']\n";
    expect(() => parseCatalog('c.yml', yaml)).toThrow(CatalogError);
    expect(() => parseCatalog('c.yml', yaml)).toThrow(/redact.*regular expression/s);
  });
});
