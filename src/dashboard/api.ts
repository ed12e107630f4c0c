/**
 * The dashboard's only way to the cluster: the serving member's public HTTP/JSON endpoints,
 * same origin. etcd's JSON gateway (/v3/...) for everything the gRPC API offers, and two
 * dashboard helpers (/ui/api/cluster, /ui/api/metrics). With auth on, the token from
 * /v3/auth/authenticate goes in the Authorization header, as etcd's gateway expects.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/** gRPC codes the views tell apart. */
export const codes = { invalidArgument: 3, permissionDenied: 7, unauthenticated: 16 } as const;

const tokenKey = 'concord-token';
let token: string | null = sessionStorage.getItem(tokenKey);
const authListeners = new Set<() => void>();

export function authToken(): string | null {
  return token;
}

export function setAuthToken(next: string | null): void {
  token = next;
  if (next === null) sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, next);
  for (const listener of authListeners) listener();
}

/** Called when the token changes or the server asks for one. */
export function onAuthChange(listener: () => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

let loginWanted = false;
export function loginRequired(): boolean {
  return loginWanted;
}

function headers(): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) out.authorization = token;
  return out;
}

/** True for the errors etcd answers when a request carries no (valid) token. */
export function isAuthError(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  return (
    error.code === codes.unauthenticated ||
    /user name is empty|invalid auth token|authentication failed/.test(error.message)
  );
}

export function isPermissionDenied(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.code === codes.permissionDenied || /permission denied/.test(error.message))
  );
}

/** One gateway call: POST `path` with `body`; rejects with a GatewayError. */
export async function call<T>(path: string, body: object = {}): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as {
    code?: number;
    message?: string;
    error?: string;
  };
  if (!response.ok) {
    const error = new GatewayError(
      json.code ?? 2,
      json.message ?? json.error ?? `HTTP ${response.status}`,
      response.status,
    );
    if (isAuthError(error) && (!loginWanted || token !== null)) {
      // No token, or one the cluster no longer takes (it expired): ask for a login.
      loginWanted = true;
      if (token !== null) setAuthToken(null);
      else for (const listener of authListeners) listener();
    }
    throw error;
  }
  return json as T;
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw new GatewayError(2, `HTTP ${response.status}`, response.status);
  return (await response.json()) as T;
}

export async function getText(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(path, { headers: headers() });
  return { status: response.status, text: await response.text() };
}

export function clearLoginWanted(): void {
  loginWanted = false;
}

/**
 * Opens /v3/watch with one create request; each `{"result": ...}` line goes to `onResult`.
 * Returns a function that ends the watch. `onEnd` hears why it ended (not after cancel).
 */
export function watch(
  create: object,
  onResult: (result: WatchResponse) => void,
  onEnd: (reason: string) => void,
): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const response = await fetch('/v3/watch', {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ create_request: create }),
        signal: controller.signal,
      });
      if (response.body === null) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line === '') continue;
          const parsed = JSON.parse(line) as {
            result?: WatchResponse;
            error?: { message: string };
          };
          if (parsed.result !== undefined) onResult(parsed.result);
          else if (parsed.error !== undefined) throw new Error(parsed.error.message);
        }
      }
      onEnd('the watch stream ended');
    } catch (error) {
      if (!controller.signal.aborted) onEnd((error as Error).message);
    }
  })();
  return () => controller.abort();
}

// ---- The gateway's JSON shapes (etcd's field names; int64 as strings; bytes as base64).

export interface Header {
  cluster_id?: string;
  member_id?: string;
  revision?: string;
  raft_term?: string;
}

export interface KeyValue {
  key: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  value?: string;
  lease?: string;
}

export interface RangeResponse {
  header: Header;
  kvs?: KeyValue[];
  more?: boolean;
  count?: string;
}

export interface WatchEvent {
  type?: 'DELETE';
  kv: KeyValue;
  prev_kv?: KeyValue;
}

export interface WatchResponse {
  header: Header;
  watch_id?: string;
  created?: boolean;
  canceled?: boolean;
  cancel_reason?: string;
  compact_revision?: string;
  events?: WatchEvent[];
}

export interface StatusResponse {
  header: Header;
  version?: string;
  dbSize?: string;
  dbSizeInUse?: string;
  leader?: string;
  raftIndex?: string;
  raftTerm?: string;
  raftAppliedIndex?: string;
  errors?: string[];
  isLearner?: boolean;
}

export interface MemberView {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
  status: StatusResponse | null;
  health: { health: string; reason: string } | null;
  error?: string;
}

export interface ClusterView {
  header: Header;
  members: MemberView[];
  alarms: { memberID: string; alarm: string }[];
}

export interface LeaseTimeToLive {
  header: Header;
  ID: string;
  TTL?: string;
  grantedTTL?: string;
  keys?: string[];
}
