// The catalog's optional health check: one HTTP GET that must answer the expected status in time.
export type HealthResult = { ok: boolean; detail: string };

export async function checkHealth(
  urlTemplate: string,
  env: string,
  expectStatus: number,
  timeoutMs: number,
): Promise<HealthResult> {
  const url = urlTemplate.replace(/\{env\}/g, env);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.arrayBuffer().catch(() => undefined);
    return response.status === expectStatus
      ? { ok: true, detail: `${url} answered ${response.status}` }
      : { ok: false, detail: `health check ${url} answered ${response.status}, expected ${expectStatus}` };
  } catch (error) {
    const why =
      (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return { ok: false, detail: `health check ${url} failed: ${why}` };
  }
}
