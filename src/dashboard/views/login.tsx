/** Login, when the cluster has auth enabled: /v3/auth/authenticate, then the token is sent. */
import { useState } from 'preact/hooks';
import { call, clearLoginWanted, setAuthToken } from '../api.js';
import { Card, ErrorNote } from '../common.js';

export function LoginView() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await call<{ token: string }>('/v3/auth/authenticate', { name, password });
      clearLoginWanted();
      setAuthToken(answer.token);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <Card title="Sign in" testid="login">
        <p class="muted">This cluster has authentication enabled.</p>
        <form onSubmit={submit} class="stack">
          <label>
            User
            <input
              name="user"
              autocomplete="username"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <label>
            Password
            <input
              name="password"
              type="password"
              autocomplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy || name === ''}>
            Sign in
          </button>
          <ErrorNote error={error} />
        </form>
      </Card>
    </div>
  );
}
