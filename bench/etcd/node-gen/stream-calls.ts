import type { DuplexCall } from './connection.js';

/**
 * Request/response over a bidirectional stream whose server answers each request with one
 * response, in order (LeaseKeepAlive): `call(request)` resolves with the matching response.
 */
export class StreamCalls<Response> {
  private readonly waiting: {
    resolve: (response: Response) => void;
    reject: (error: Error) => void;
  }[] = [];
  private failure: Error | undefined;

  constructor(private readonly stream: DuplexCall) {
    stream.on('data', (response: unknown) => this.waiting.shift()?.resolve(response as Response));
    stream.on('error', (error: Error) => this.fail(error));
    stream.on('end', () => this.fail(new Error('stream ended')));
  }

  call(request: object): Promise<Response> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.stream.write(request);
    });
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.stream.cancel();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
