// What the cluster answers within `ms`, or undefined: the bot may ask Kubernetes inside Slack's
// 3-second ack, but never wait on it past its budget. Refusals (rejections) are passed on; a late
// failure is left to whoever continues in the background.
export async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export const CLUSTER_BUDGET_MS = 1_500;
