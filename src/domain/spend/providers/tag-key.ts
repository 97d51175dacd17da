// The optional cost tag a connection's rows are grouped by (budgets by tag need it).

/** An optional cost tag to group by: tag keys without characters any provider refuses. */
export function parseTagKey(value: unknown): { ok: true; tagKey?: string } | { ok: false; message: string } {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) return { ok: true };
  if (!/^[\p{L}\p{N} _.:=+\-@]{1,128}$/u.test(text))
    return {
      ok: false,
      message: 'A tag to group costs by is 1-128 letters, digits, spaces and _ . : = + - @ (for example "environment" or "cost-center").',
    };
  return { ok: true, tagKey: text };
}
