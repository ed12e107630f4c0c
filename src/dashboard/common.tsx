/** Small pieces every view uses: error notes, a confirmation dialog, empty states, a prefix form. */
import type { ComponentChildren } from 'preact';
import { isPermissionDenied } from './api.js';

/** An error as a note; permission errors read "not permitted", as a user expects. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  if (isPermissionDenied(error)) {
    return (
      <p class="note denied" data-testid="not-permitted">
        Not permitted: your role does not grant this.
      </p>
    );
  }
  return <p class="note error">{error instanceof Error ? error.message : String(error)}</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Card({
  title,
  actions,
  children,
  testid,
  class: className,
}: {
  title: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  testid?: string;
  /** More classes (layout hooks). */
  class?: string;
}) {
  return (
    <section class={className === undefined ? 'card' : `card ${className}`} data-testid={testid}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions !== undefined && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** A modal asking to confirm a destructive step. */
export function Confirm({
  message,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  message: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div class="modal-backdrop" onClick={onCancel}>
      <div class="modal" role="dialog" aria-modal="true" onClick={(e) => e.stopPropagation()}>
        <p>{message}</p>
        <div class="modal-actions">
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" class="danger" data-testid="confirm" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** The one-field form a view is scoped by (Keys, Locks, Services): `onApply` on submit. */
export function PrefixForm({
  value,
  onInput,
  onApply,
  button,
  smallButton = true,
  placeholder,
  label,
  testid,
}: {
  value: string;
  onInput: (value: string) => void;
  onApply: () => void;
  button: string;
  smallButton?: boolean;
  placeholder?: string;
  label?: string;
  testid?: string;
}) {
  return (
    <form
      class="row"
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      <input
        placeholder={placeholder}
        value={value}
        aria-label={label}
        data-testid={testid}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <button type="submit" class={smallButton ? 'small' : undefined}>
        {button}
      </button>
    </form>
  );
}
