import { graphql } from './api.js';

const storageKey = 'tenant-gateway.console.key';

/** The key lives in this tab's sessionStorage only: never a URL, never a cookie. */
export const storedKey = () => sessionStorage.getItem(storageKey);
export const storeKey = (key: string) => sessionStorage.setItem(storageKey, key);
export const forgetKey = () => sessionStorage.removeItem(storageKey);

export type Viewer = { id: string; label: string; owner: 'GLOBAL' | 'PROJECT' | 'TENANT'; scopes: string[]; tenantId: string | null; projectId: string | null };

/** Who the key is: what the console shows and offers follows from it. */
export async function whoIs(key: string): Promise<Viewer> {
  const { viewer } = await graphql<{ viewer: Viewer }>(key, '{ viewer { id label owner scopes tenantId projectId } }');
  return viewer;
}

/** Whether the key holds a scope (ADMIN holds them all, as the gateway says). */
export const can = (viewer: Viewer, scope: string) => viewer.scopes.includes('ADMIN') || viewer.scopes.includes(scope);

export const ownerLabel: Record<Viewer['owner'], string> = { GLOBAL: 'operator', PROJECT: 'project', TENANT: 'tenant' };
