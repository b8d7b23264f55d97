import { useEffect, useState } from 'preact/hooks';
import { forgetKey, ownerLabel, storedKey, storeKey, type Viewer, whoIs } from './session.js';
import { SignIn } from './sign-in.js';
import { ProjectPage } from './project-page.js';
import { TenantPage } from './tenant-page.js';
import { TenantsList } from './tenants-list.js';
import { messageOf } from './use-load.js';

/** `#/tenants/<slug>` or the list: hash routes, so the gateway serves one page. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<{ key: string; viewer: Viewer } | null>(null);
  const [error, setError] = useState<string>();
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const route = useRoute();

  const signIn = async (key: string) => {
    setError(undefined);
    try {
      const viewer = await whoIs(key);
      storeKey(key);
      setSession({ key, viewer });
    } catch (failure) {
      forgetKey();
      setError(messageOf(failure));
    } finally {
      setChecking(false);
    }
  };
  useEffect(() => {
    const key = storedKey();
    if (key) void signIn(key);
  }, []);
  const signOut = () => {
    forgetKey();
    setSession(null);
    location.hash = '';
  };

  if (!session) {
    return (
      <main class="narrow">
        <h1>tenant-gateway console</h1>
        {checking ? <p aria-live="polite">Checking the key…</p> : <SignIn onSignIn={signIn} error={error} />}
      </main>
    );
  }
  const { key, viewer } = session;
  const slug = /^#\/tenants\/([^/]+)$/.exec(route)?.[1];
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          tenant-gateway
        </a>
        {viewer.owner !== 'GLOBAL' && (
          <nav aria-label="Sections" class="sections">
            <a href="#/" aria-current={route === '#/project' ? undefined : 'page'}>
              Tenants
            </a>
            <a href="#/project" aria-current={route === '#/project' ? 'page' : undefined}>
              {viewer.owner === 'PROJECT' ? 'TenantsDB project' : 'Databases'}
            </a>
          </nav>
        )}
        <div class="who">
          <span class="visually-hidden">Signed in as</span>
          <span class={`badge owner-${viewer.owner.toLowerCase()}`}>{ownerLabel[viewer.owner]}</span>
          <span class="label">{viewer.label}</span>
          <details class="scopes">
            <summary>
              {viewer.scopes.length} {viewer.scopes.length === 1 ? 'scope' : 'scopes'}
            </summary>
            <ul>
              {viewer.scopes.map((scope) => (
                <li key={scope}>{scope.toLowerCase().replace('_', ':')}</li>
              ))}
            </ul>
          </details>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        {slug ? (
          <TenantPage apiKey={key} viewer={viewer} tenant={decodeURIComponent(slug)} />
        ) : route === '#/project' && viewer.owner !== 'GLOBAL' ? (
          <ProjectPage apiKey={key} viewer={viewer} />
        ) : (
          <TenantsList apiKey={key} viewer={viewer} />
        )}
      </main>
    </>
  );
}
