/** Keys as a tree, split on "/": directories fold, keys select. */
import type { KeyValue } from '../api.js';
import { text } from '../bytes.js';

interface Node {
  readonly name: string;
  readonly children: Map<string, Node>;
  /** Set when a key ends here (a key may also be a directory of longer keys). */
  key?: string;
  count: number;
}

function build(kvs: readonly KeyValue[], prefix: string): Node {
  const root: Node = { name: prefix, children: new Map(), count: 0 };
  for (const kv of kvs) {
    const key = text(kv.key);
    const rest = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    // "/a/b" splits into "/a/", "b": each directory keeps its trailing slash.
    const parts = rest.match(/[^/]*\/|[^/]+$/g) ?? [rest];
    let node = root;
    node.count++;
    for (const part of parts) {
      let child = node.children.get(part);
      if (child === undefined) {
        child = { name: part, children: new Map(), count: 0 };
        node.children.set(part, child);
      }
      child.count++;
      node = child;
    }
    node.key = key;
  }
  return root;
}

export function KeyTree({
  kvs,
  prefix,
  selected,
  onSelect,
}: {
  kvs: readonly KeyValue[];
  prefix: string;
  selected: string | undefined;
  onSelect: (key: string) => void;
}) {
  const root = build(kvs, prefix);
  return (
    <ul class="tree" data-testid="key-tree">
      {[...root.children.values()].map((node) => (
        <TreeNode key={node.name} node={node} depth={0} selected={selected} onSelect={onSelect} />
      ))}
    </ul>
  );
}

function TreeNode({
  node,
  depth,
  selected,
  onSelect,
}: {
  node: Node;
  depth: number;
  selected: string | undefined;
  onSelect: (key: string) => void;
}) {
  const leaf =
    node.key !== undefined ? (
      <button
        type="button"
        class={`leaf ${node.key === selected ? 'selected' : ''}`}
        data-key={node.key}
        onClick={() => onSelect(node.key as string)}
      >
        {node.name}
      </button>
    ) : null;
  if (node.children.size === 0) return <li>{leaf}</li>;
  return (
    <li>
      {leaf}
      <details open={depth < 2 || node.count <= 20}>
        <summary>
          {node.name} <span class="muted small">{node.count}</span>
        </summary>
        <ul>
          {[...node.children.values()].map((child) => (
            <TreeNode
              key={child.name}
              node={child}
              depth={depth + 1}
              selected={selected}
              onSelect={onSelect}
            />
          ))}
        </ul>
      </details>
    </li>
  );
}
