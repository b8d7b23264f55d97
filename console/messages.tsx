/** A failure as the gateway worded it, announced to screen readers; nothing when there is none. */
export function ErrorMessage({ text }: { text: string | null | undefined }) {
  return text ? (
    <p class="error" role="alert">
      {text}
    </p>
  ) : null;
}

/** What an action did, announced politely; nothing when there is nothing to say. */
export function Notice({ text }: { text: string | null | undefined }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}
