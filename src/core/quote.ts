/**
 * Quoting user input in error messages, truncated.
 *
 * Hostile clients are normal: a task name, option name or protocol version of
 * a megabyte must not come back inside a megabyte error. Every place that
 * echoes a client's string (or a list it sent, such as a tensor shape) goes
 * through these helpers, so an error message stays small whatever was sent:
 *
 *   quote("Nope-v9")          → 'Nope-v9'
 *   quote("x".repeat(1 << 20)) → 'xxxx…' (1048576 characters)   (the first 200 kept)
 *   clip(name)                → the same without quotes, for field paths
 *   listText([2, 3, …])       → [2, 3, …] with at most 32 values shown
 *
 * Control characters are escaped (\n, \u001b, …) so that a message cannot
 * forge log lines or terminal escapes. Lengths count Unicode code points, and
 * truncation never splits a surrogate pair.
 */

/** Most characters of a user string an error message shows. */
export const QUOTE_LIMIT = 200;
/** Most values of a user list an error message shows. */
export const LIST_LIMIT = 32;

/** `s` in single quotes; beyond `limit` characters, the first `limit` then `…' (N characters)`. */
export function quote(s: string, limit = QUOTE_LIMIT): string {
  const { head, total } = cut(String(s), limit);
  return head === undefined ? `'${escape(String(s))}'` : `'${escape(head)}…' (${total} characters)`;
}

/** `s` as it is (control characters escaped), or its first `limit` characters then `… (N characters)`: for field paths. */
export function clip(s: string, limit = QUOTE_LIMIT): string {
  const { head, total } = cut(String(s), limit);
  return head === undefined ? escape(String(s)) : `${escape(head)}… (${total} characters)`;
}

/** `[a, b, c]`, or the first `limit` values then `, … (N values)]`. */
export function listText(values: ArrayLike<number | string>, limit = LIST_LIMIT): string {
  const n = values.length;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, limit); i++) shown.push(typeof values[i] === "string" ? clip(values[i] as string, 40) : String(values[i]));
  return n <= limit ? `[${shown.join(", ")}]` : `[${shown.join(", ")}, … (${n} values)]`;
}

/** The first `limit` code points of `s` and its length in code points; `head` is undefined when `s` fits. */
function cut(s: string, limit: number): { head: string | undefined; total: number } {
  if (s.length <= limit) return { head: undefined, total: s.length }; // at most `limit` code points
  let points = 0;
  let end = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) continue; // second half of a pair: same code point
    }
    if (points === limit) end = i;
    points++;
  }
  return end < 0 ? { head: undefined, total: points } : { head: s.slice(0, end), total: points };
}

function escape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    switch (c) {
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}
