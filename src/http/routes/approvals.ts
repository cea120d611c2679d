import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { apiRoute, ErrorSchema, mycelErrorBody } from '../error-schema.js';
import type { HttpDeps } from '../context.js';
import { ApprovalAlreadyDecidedError, ApprovalNotFoundError, decideApproval } from '../../tools/approvals.js';
import { listApprovals } from '../../tools/approvals-store.js';
import { listAudit } from '../../tools/audit.js';


const ApprovalSchema = z
  .object({
    id: z.string(),
    chatId: z.string(),
    tool: z.string(),
    input: z.unknown(),
    requestedAt: z.string(),
    channel: z.string(),
    status: z.enum(['pending', 'approved', 'denied', 'expired']),
    expiresAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi('Approval');

const AuditSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    chatId: z.string(),
    tool: z.string(),
    decision: z.enum(['allowed', 'refused', 'approved', 'denied', 'expired']),
    input: z.unknown(),
    outcome: z.string(),
    channel: z.string(),
    decidedBy: z.string().nullable(),
    durationMs: z.number().nullable(),
  })
  .openapi('AuditRecord');

const listRoute = apiRoute({
  method: 'get',
  path: '/api/approvals',
  summary: 'Tool calls waiting for the owner (pending only unless ?status= says otherwise)',
  request: { query: z.object({ status: z.enum(['pending', 'approved', 'denied', 'expired', 'all']).optional() }) },
  responses: {
    200: { description: 'approvals, oldest first', content: { 'application/json': { schema: z.array(ApprovalSchema) } } },
    400: { description: 'a bad query value (status, limit)', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const decideRoute = apiRoute({
  method: 'post',
  path: '/api/approvals/{id}',
  summary: 'Approve or deny a pending tool call',
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: { content: { 'application/json': { schema: z.object({ decision: z.enum(['approve', 'deny']) }) } }, required: true },
  },
  responses: {
    200: { description: 'the decision was recorded and the waiting work resumed', content: { 'application/json': { schema: ApprovalSchema } } },
    400: { description: 'bad body', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'unknown approval', content: { 'application/json': { schema: ErrorSchema } } },
    409: { description: 'already decided', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

const auditRoute = apiRoute({
  method: 'get',
  path: '/api/audit',
  summary: 'The audit trail of tool calls, newest first (secrets redacted)',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), chatId: z.string().optional() }) },
  responses: {
    200: { description: 'audit records', content: { 'application/json': { schema: z.array(AuditSchema) } } },
    400: { description: 'a bad query value (limit, filters)', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** Approvals and audit (**contract** routes). */
export function registerApprovalRoutes(app: OpenAPIHono, deps: HttpDeps): void {
  app.openapi(listRoute, async (c) => {
    const { status } = c.req.valid('query');
    return c.json(await listApprovals(deps.store, status ?? 'pending'), 200);
  });

  app.openapi(decideRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { decision } = c.req.valid('json');
    try {
      const approval = await decideApproval(deps.store, deps.temporal, id, decision, 'owner (api)');
      return c.json(approval, 200);
    } catch (err) {
      if (err instanceof ApprovalNotFoundError) return c.json(mycelErrorBody(err), 404);
      if (err instanceof ApprovalAlreadyDecidedError) return c.json(mycelErrorBody(err), 409);
      throw err;
    }
  });

  app.openapi(auditRoute, async (c) => {
    const { limit, chatId } = c.req.valid('query');
    return c.json(await listAudit(deps.store, { limit, chatId }) as z.infer<typeof AuditSchema>[], 200);
  });
}
