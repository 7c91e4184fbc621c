// A job that met expected contention (another run holds what it needs) and will simply run again:
// BullMQ's retry is the plan, so the worker logs it as information, not as a failure, until the
// attempts run out.
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}
