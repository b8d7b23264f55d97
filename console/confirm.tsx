import { useEffect, useRef } from 'preact/hooks';

type Props = { title: string; action: string; onConfirm: () => void; onCancel: () => void; children: preact.ComponentChildren };

/** A modal that names what a destructive action will do; Escape or Cancel leaves everything as it is. */
export function Confirm({ title, action, onConfirm, onCancel, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onCancel={onCancel} onClose={onCancel}>
      <h2 id="confirm-title">{title}</h2>
      <div class="confirm-body">{children}</div>
      <div class="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {action}
        </button>
      </div>
    </dialog>
  );
}
