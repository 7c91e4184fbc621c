import { z } from 'zod';
import { JOB_ID_PATTERN } from './grammar/values.ts';

// What a canary control button carries: its job and the step (1-based, as the message counts them)
// it was shown for. A press for a step the canary has left is answered, never applied to a later one.
export const canaryButton = z.object({ job: z.string().regex(JOB_ID_PATTERN), step: z.number().int().min(1) });
export type CanaryButton = z.output<typeof canaryButton>;

export function canaryButtonValue(button: CanaryButton): string {
  return JSON.stringify(button);
}

export function parseCanaryButton(value: string | undefined): CanaryButton | undefined {
  if (!value) return undefined;
  try {
    const parsed = canaryButton.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
