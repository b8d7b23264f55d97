import { z } from 'zod';
import type { RestRequest, RestResult } from '../../types.js';

export const failure = (status: number, error: string, message: string): RestResult => ({ status, body: { success: false, error, message } });

export const tenantHeader = { name: 'X-Tenant-ID', description: "Tenant slug or UUID; the API key's own tenant when absent", required: false };
export const tenantOf = (request: RestRequest) => request.headers.get('x-tenant-id')?.trim() || null;

export const done = (message: string): RestResult => ({ status: 200, body: { success: true, message } });
export const doneSchema = z.object({ success: z.literal(true), message: z.string() });
