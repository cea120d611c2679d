import { z } from 'zod';
import { hostAllowed, type ToolsPolicy } from '../policy.js';
import { defineTool } from '../types.js';

/** Checks a URL against the policy's host allowlist; returns the reason when refused. */
export function checkUrl(policy: ToolsPolicy, raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are allowed, not ${url.protocol}`;
  if (url.username || url.password) return 'URLs with credentials are not allowed';
  if (!hostAllowed(policy, url.host) && !hostAllowed(policy, url.hostname)) return `the host "${url.host}" is not on the tools policy's host allowlist`;
  return undefined;
}

/** `http.fetch`: GET or POST to allowlisted hosts only; size and time capped; no redirects followed. */
export function httpTool(getPolicy: () => ToolsPolicy) {
  return defineTool({
    id: 'http.fetch',
    description: 'Fetch a URL (GET, or POST with a text body) from a host on the allowlist; returns status and the start of the body.',
    input: z.object({
      url: z.string().max(2_000),
      method: z.enum(['GET', 'POST']).default('GET'),
      body: z.string().max(64 * 1024).optional(),
    }),
    policy: 'ask',
    async run({ url, method, body }) {
      const policy = getPolicy();
      const refused = checkUrl(policy, url);
      if (refused) throw new Error(`refused: ${refused}`);
      const res = await fetch(url, { method, body: method === 'POST' ? body : undefined, redirect: 'manual', signal: AbortSignal.timeout(policy.http.timeoutMs) });
      const reader = res.body?.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      let truncated = false;
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > policy.http.maxBytes) {
          chunks.push(value.subarray(0, policy.http.maxBytes - size));
          truncated = true;
          await reader.cancel();
          break;
        }
        chunks.push(value);
        size += value.length;
      }
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? undefined,
        location: res.headers.get('location') ?? undefined,
        body: Buffer.concat(chunks).toString('utf8'),
        truncated,
      };
    },
  });
}
