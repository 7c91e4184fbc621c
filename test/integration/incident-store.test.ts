import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IncidentStore } from '../../src/adapters/incident-store.ts';
import { sweepIncidents } from '../../src/jobs/incident/sweeper.ts';
import type { JobQueues } from '../../src/jobs/queues.ts';
import { openStores, type StoreFixture } from '../support/store-fixture.ts';

let fixture: StoreFixture;
let logger: StoreFixture['logger'];
let store: IncidentStore;
let queues: JobQueues;
const declaredAt = new Date(Date.now() - 120_000);

async function declare(id: string) {
  return store.create({
    id,
    deliveryKey: `command:${id}`,
    title: 'checkout errors',
    description: undefined,
    severity: 'P1',
    declaredBy: 'U0ALICE001',
    services: [],
    originChannel: 'C0GENERAL01',
    correlationId: 'c-1',
    declaredAt,
  });
}

const audit = () => ({ event: 'test', decision: 'accepted', actor: 'U0ALICE001', correlationId: 'c-1' });

beforeAll(async () => {
  fixture = await openStores('opsbot_incidents');
  store = new IncidentStore(fixture.pool, fixture.audit);
  ({ queues, logger } = fixture);
});

afterAll(async () => {
  await fixture.close();
});

describe('incident store', () => {
  it('serialises concurrent changes: of 10 simultaneous acknowledgements, one takes command', async () => {
    const record = await declare('00000000000000c1');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        store.change(
          record.id,
          { type: 'acknowledge', actor: `U0PERSON0${index}`, admin: false },
          new Date(),
          audit,
          () => ({}),
        ),
      ),
    );
    const accepted = results.filter((result) => result && 'transition' in result);
    expect(accepted).toHaveLength(1);
    const after = await store.get(record.id);
    expect(after!.version).toBe(1);
    expect((await store.timeline(record.id)).map((row) => row.kind)).toEqual(['declared', 'acknowledged', 'commander']);
  });

  it('a change whose effects were never enqueued, and a declaration whose job was lost, are enqueued by the sweeper once', async () => {
    const record = await declare('00000000000000c2');
    await store.change(
      record.id,
      { type: 'severity', actor: 'U0FRANK006', to: 'P0' },
      new Date(Date.now() - 60_000),
      audit,
      (_record, transition) => ({
        correlationId: 'c-1',
        incidentId: record.id,
        version: transition.state.version,
        effects: transition.effects,
        actor: 'U0FRANK006',
        clocks: transition.clocks,
      }),
    );
    const later = () => new Date();
    expect(await sweepIncidents(store, queues, logger, later)).toBe(3); // c2's change; c1's and c2's declarations
    expect(await queues.queue('incident-effects').getJobState(`incident-effects-${record.id}v1`)).toBe('waiting');
    expect((await queues.queue('incident-effects').getJob(`incident-effects-${record.id}v1`))!.data).toMatchObject({
      effects: ['announce-severity'],
      clocks: 'restart',
    });
    expect(await queues.queue('incident-declare').getJobCounts('waiting')).toEqual({ waiting: 2 });
    await sweepIncidents(store, queues, logger, later);
    expect(await queues.queue('incident-effects').getJobCounts('waiting')).toEqual({ waiting: 1 }); // c1's outbox is not job data: left alone, never guessed at
    expect(await queues.queue('incident-declare').getJobCounts('waiting')).toEqual({ waiting: 2 });
    await store.markStep(record.id, 'effects.v1.done', true);
    expect((await store.pendingEffects(new Date())).filter((pending) => pending.incidentId === record.id)).toEqual([]);
  });
});
