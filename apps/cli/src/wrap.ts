/** Word-wraps `text` to `width` columns, each line after the first indented by `indent`. */
export function wrap(text: string, width: number, indent = ''): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line !== '' && prefix.length + line.length + 1 + w.length > width) {
      lines.push(prefix + line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push((lines.length === 0 ? '' : indent) + line);
  return lines.join('\n');
}
