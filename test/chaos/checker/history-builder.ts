import type { Value } from '../history/event.js';
import type { Operation } from '../history/operation.js';

/**
 * Hand-written histories for checker tests, as Knossos' and Porcupine's test suites write
 * them: each operation with its process, its interval in abstract time units, and its outcome.
 *
 * @example
 *   const h = new HistoryBuilder();
 *   h.op(0, 'write', 'x', { input: '1' }, 0, 10);
 *   h.op(1, 'read', 'x', { output: '1' }, 5, 15);
 *   checkLinearizability(h.ops());
 */
export class HistoryBuilder {
  private readonly list: Operation[] = [];

  /** An `ok` (or `fail`/`info` via `type`) operation from `invoke` to `ret` (undefined: info). */
  op(
    process: number,
    f: string,
    key: string | undefined,
    values: { input?: Value; output?: Value; type?: 'ok' | 'fail' | 'info' },
    invoke: number,
    ret?: number,
  ): Operation {
    const type = values.type ?? (ret === undefined ? 'info' : 'ok');
    const index = this.list.length * 2;
    const op: Operation = {
      process,
      f,
      ...(key !== undefined && { key }),
      ...(values.input !== undefined && { input: values.input }),
      ...(values.output !== undefined && type !== 'info' && { output: values.output }),
      type,
      invokeTime: BigInt(invoke),
      ...(type !== 'info' && ret !== undefined && { returnTime: BigInt(ret) }),
      invokeIndex: index,
      ...(ret !== undefined && { returnIndex: index + 1 }),
    };
    this.list.push(op);
    return op;
  }

  write(process: number, key: string, value: Value, invoke: number, ret?: number): Operation {
    return this.op(process, 'write', key, { input: value }, invoke, ret);
  }

  read(process: number, key: string, value: Value, invoke: number, ret: number): Operation {
    return this.op(process, 'read', key, { output: value }, invoke, ret);
  }

  cas(
    process: number,
    key: string,
    from: Value,
    to: Value,
    invoke: number,
    ret?: number,
  ): Operation {
    return this.op(process, 'cas', key, { input: [from, to] }, invoke, ret);
  }

  ops(): Operation[] {
    return [...this.list];
  }
}
