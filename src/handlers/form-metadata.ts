import { z } from 'zod';

// A form's private_metadata (or a button's value) is text ops-bot wrote when it opened the form, but it
// comes back in a request anyone with the signing secret could send: it is parsed like any other input.
export function formMetadata<T extends z.ZodType>(schema: T, raw: string): z.output<T> | undefined {
  const parsed = z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text || '{}');
      } catch {
        context.addIssue({ code: 'custom', message: 'private_metadata is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema)
    .safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
