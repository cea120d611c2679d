import type { RouteModule } from '../app.js';
import { registerApprovalRoutes } from './approvals.js';

/**
 * The API's route modules, one per capability, in the order they are mounted.
 * (Health and metrics are always mounted by createHttpApp.)
 */
export const ROUTE_MODULES: RouteModule[] = [registerApprovalRoutes];
