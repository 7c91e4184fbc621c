// Waiting on a promise for at most a while. The work itself is never cancelled: what it does after
// the wait ended is left to whoever continues in the background.

// What `work` answers within `ms`, or undefined: the bot may ask Kubernetes inside Slack's 3-second
// ack, but never wait on it past its budget. Refusals (rejections) are passed on; a late failure is
// left to whoever continues in the background.
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

// `work` within `ms`, else `late()` is thrown: for a read the answer cannot do without (a record that
// must exist before anything starts). A read that lands afterwards is dropped.
export async function beforeDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, ms));
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
