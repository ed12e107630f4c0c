/**
 * Answers in the shape Go's net/http gives etcd's handlers, which probes and scripts match on:
 * http.Error's text/plain body with a trailing newline, and 405 with an Allow header.
 */
import type { ServerResponse } from 'node:http';

const plainText = {
  'content-type': 'text/plain; charset=utf-8',
  'x-content-type-options': 'nosniff',
};

/** Go's http.Error(w, text, status). */
export function replyError(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, plainText).end(`${text}\n`);
}

export function replyText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, plainText).end(text);
}

export function replyJson(
  response: ServerResponse,
  status: number,
  body: object,
  contentType = 'application/json',
): void {
  response.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(body));
}

/** etcd's probes answer only GET; false (after answering 405) for anything else. */
export function allowGet(method: string | undefined, response: ServerResponse): boolean {
  if (method === 'GET') return true;
  response.setHeader('allow', 'GET');
  replyError(response, 405, 'Method Not Allowed');
  return false;
}
