// The status a Deployment reports: replica counts and its Available and Progressing conditions.
export type Condition = { status: string; reason: string; message: string };
export type Counts = { generation: number; desired: number; pods: number; updated: number; ready: number };

const now = () => new Date().toISOString();

export function progressingCondition(complete: boolean, timedOut: boolean, replicaSet: string | undefined): Condition {
  if (complete)
    return {
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
    };
  if (timedOut)
    return {
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${replicaSet}" has timed out progressing.`,
    };
  return { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSet}" is progressing.` };
}

function availableCondition(ready: number, desired: number): Condition {
  return ready >= desired
    ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : {
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
      };
}

export function deploymentStatus(counts: Counts, progressing: Condition) {
  const { generation, desired, pods, updated, ready } = counts;
  return {
    observedGeneration: generation,
    replicas: pods,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: ready,
    unavailableReplicas: Math.max(0, desired - ready),
    conditions: [
      { type: 'Available', ...availableCondition(ready, desired) },
      { type: 'Progressing', ...progressing },
    ],
  };
}

type Status = ReturnType<typeof deploymentStatus>;

export function withTimes(status: Status) {
  return {
    ...status,
    conditions: status.conditions.map((condition) => ({
      ...condition,
      lastUpdateTime: now(),
      lastTransitionTime: now(),
    })),
  };
}

// A stored status without its condition times, to compare with a freshly computed one.
export function stripTimes(status: Record<string, unknown> | undefined): unknown {
  if (!status) return status;
  return {
    ...status,
    conditions: (status.conditions as Record<string, unknown>[] | undefined)?.map(
      ({ lastUpdateTime: _u, lastTransitionTime: _t, ...rest }) => rest,
    ),
  };
}

export function previousProgressing(status: Record<string, unknown> | undefined) {
  return (status?.conditions as { type: string; reason: string }[] | undefined)?.find(
    (condition) => condition.type === 'Progressing',
  );
}
