import type { RouteModule } from '../app.js';
import { registerApprovalRoutes } from './approvals.js';
import { registerTelegramWebhookRoute } from './telegram-webhook.js';
import { registerWhatsAppWebhookRoute } from './whatsapp-webhook.js';
import { registerSlackWebhookRoutes } from './slack-webhook.js';
import { registerPipelineRoutes } from './pipelines.js';
import { registerMemoryRoutes } from './memories.js';
import { registerChatRoutes } from './chats.js';
import { registerReminderRoutes } from './reminders.js';
import { registerSystemRoutes } from './system.js';
import { registerUsageRoutes } from './usage.js';
import { registerWebRoutes } from './web.js';
import { registerMcpRoute } from '../../mcp/server/http.js';

/**
 * The API's route modules, one per capability, in the order they are mounted.
 * (Health and metrics are always mounted by createHttpApp.) The web app's page route is
 * mounted last; it passes every /api path on, so API routes win wherever they are listed.
 */
export const ROUTE_MODULES: RouteModule[] = [registerApprovalRoutes, registerPipelineRoutes, registerChatRoutes, registerReminderRoutes, registerSystemRoutes, registerMemoryRoutes, registerUsageRoutes, registerTelegramWebhookRoute, registerWhatsAppWebhookRoute, registerSlackWebhookRoutes, registerMcpRoute, /* keep last: */ registerWebRoutes];
