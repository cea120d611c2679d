import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, setToken } from '../lib/api.js';
import { describeError } from '../lib/errors.js';

/**
 * Shown when the server asks for MYCEL_API_TOKEN. The token is checked against the API,
 * then kept for this tab only (sessionStorage) and sent as "Authorization: Bearer"; it
 * never goes into a URL.
 */
export function SignInPage({ onSignedIn }: { onSignedIn(): void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) return setError('Enter the token first.');
    setBusy(true);
    setError(undefined);
    setToken(token);
    try {
      await api.ok(api.GET('/api/system'));
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'missing-route') return onSignedIn(); // accepted: past the token check
      if (err instanceof ApiError && err.kind === 'auth') {
        setToken(undefined);
        setError('That token was not accepted. Use the exact value of MYCEL_API_TOKEN on the server.');
      } else {
        setToken(undefined);
        const p = describeError(err, 'check the token');
        setError(`${p.title} ${p.detail} ${p.advice}`);
      }
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title" tabIndex={-1}>
        Sign in
      </h1>
      <p>This Mycel asks for its API token (MYCEL_API_TOKEN). It stays in this browser tab only and is cleared when you close it.</p>
      <form onSubmit={submit}>
        <label for="api-token">API token</label>
        <input
          id="api-token"
          ref={input}
          type="password"
          autocomplete="current-password"
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p id="signin-error" class="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
