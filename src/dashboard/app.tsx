/**
 * The shell: a top bar with the views, hash routing (#/cluster, #/keys, ...), and the login
 * form when the cluster asks for a token.
 */
import { useEffect, useState } from 'preact/hooks';
import { authToken, clearLoginWanted, loginRequired, onAuthChange, setAuthToken } from './api.js';
import { ChartsView } from './views/charts.js';
import { ClusterPage } from './views/cluster.js';
import { KeysView } from './views/keys.js';
import { LeasesView } from './views/leases.js';
import { LocksView } from './views/locks.js';
import { LoginView } from './views/login.js';
import { ServicesView } from './views/services.js';

const views = [
  { path: 'cluster', label: 'Cluster', view: ClusterPage },
  { path: 'keys', label: 'Keys', view: KeysView },
  { path: 'leases', label: 'Leases', view: LeasesView },
  { path: 'locks', label: 'Locks & elections', view: LocksView },
  { path: 'services', label: 'Services', view: ServicesView },
  { path: 'charts', label: 'Charts', view: ChartsView },
] as const;

function currentPath(): string {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return views.some((v) => v.path === path) ? path : 'cluster';
}

export function App() {
  const [path, setPath] = useState(currentPath());
  const [, setAuthVersion] = useState(0);
  useEffect(() => {
    const onHash = (): void => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    const off = onAuthChange(() => setAuthVersion((n) => n + 1));
    return () => {
      window.removeEventListener('hashchange', onHash);
      off();
    };
  }, []);
  const active = views.find((v) => v.path === path) ?? views[0];
  const View = active.view;
  const loggedIn = authToken() !== null;
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/cluster">
          <span class="logo" aria-hidden="true" />
          Concord
        </a>
        <nav>
          {views.map((v) => (
            <a
              key={v.path}
              href={`#/${v.path}`}
              class={v.path === path ? 'active' : ''}
              data-testid={`nav-${v.path}`}
            >
              {v.label}
            </a>
          ))}
        </nav>
        {loggedIn && (
          <button
            type="button"
            class="secondary small"
            onClick={() => {
              setAuthToken(null);
              clearLoginWanted();
            }}
          >
            Log out
          </button>
        )}
      </header>
      <main>
        {loginRequired() && !loggedIn ? (
          <LoginView />
        ) : (
          <View key={`${path}:${authToken() ?? ''}`} />
        )}
      </main>
    </div>
  );
}
