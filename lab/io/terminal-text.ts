// Makes untrusted text (lab and scenario names, descriptions, briefs, hints) safe to print: control characters shown, never obeyed.

// C0 controls but tab and newline, DEL, and the C1 range (ESC's 8-bit forms).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`; // caret notation, as cat -v and less show it
  if (code === 0x7f) return '^?';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character but tab and newline replaced by a visible form (ESC -> ^[, NUL -> ^@). */
export function forTerminal(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Like forTerminal, for a value meant to stay on one line (names, titles): newlines and tabs are shown too. */
export function forTerminalLine(text: string): string {
  return forTerminal(text).replace(/\n/g, '^J').replace(/\t/g, '^I');
}
