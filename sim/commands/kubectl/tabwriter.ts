// Go's text/tabwriter as kubectl uses it: tab-terminated cells aligned per column over blocks of consecutive lines
// that have that column (Writer.format), padded with spaces; the text after a line's last tab is not aligned.

/** Formats TEXT (lines of tab-separated cells) with minwidth and padding, as tabwriter.NewWriter(w, min, 8, pad, ' ', 0). */
export function tabwrite(text: string, minwidth: number, padding: number): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      out.push(lines[i]!.map((cell, j) => (j < widths.length && j < lines[i]!.length - 1 ? cell.padEnd(widths[j]!) : cell)).join(''));
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = minwidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) width = Math.max(width, lines[i]![column]!.length + padding);
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join('\n');
}
