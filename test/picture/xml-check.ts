// Is a document well-formed XML (XML 1.0 §2.1)? A strict check of what the figure writer
// can get wrong: one root element, every tag closed in order, attributes quoted and not
// repeated, no raw '<' or stray '&' in text or attribute values, no characters XML forbids.
// It does not read DTDs, CDATA or processing instructions, which the figure never writes:
// finding one is itself reported.

const NAME = '[A-Za-z_:][A-Za-z0-9_.:-]*';
const TAG = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`);
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Problems found, first ones first; [] when the document is well-formed. */
export function xmlProblems(document: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let roots = 0;
  let index = 0;
  const text = (chunk: string, where: number) => {
    if (FORBIDDEN.test(chunk)) problems.push(`a character XML forbids near ${where}`);
    if (chunk.includes('<')) problems.push(`raw '<' near ${where}`);
    for (let at = chunk.indexOf('&'); at !== -1; at = chunk.indexOf('&', at + 1)) {
      ENTITY.lastIndex = at;
      if (!ENTITY.test(chunk)) problems.push(`a stray '&' near ${where + at}`);
    }
  };
  while (index < document.length && problems.length < 10) {
    const next = document.indexOf('<', index);
    const chunk = document.slice(index, next === -1 ? undefined : next);
    if (open.length === 0 && chunk.trim() !== '') problems.push(`text outside the root near ${index}`);
    text(chunk, index);
    if (next === -1) break;
    if (document.startsWith('<!--', next)) {
      const end = document.indexOf('-->', next);
      if (end === -1) problems.push(`an unclosed comment at ${next}`);
      index = end === -1 ? document.length : end + 3;
      continue;
    }
    const tag = TAG.exec(document.slice(next));
    if (tag === null) {
      problems.push(`not a tag at ${next}: ${document.slice(next, next + 40)}`);
      break;
    }
    const [whole, closing, name, attributes, selfClosing] = tag;
    const seen = new Set<string>();
    for (const attribute of attributes!.matchAll(ATTRIBUTE)) {
      if (seen.has(attribute[1]!)) problems.push(`attribute ${attribute[1]} twice in <${name}> at ${next}`);
      seen.add(attribute[1]!);
      text(attribute[2] ?? attribute[3] ?? '', next);
    }
    if (closing === '/') {
      if (selfClosing === '/' || attributes !== '') problems.push(`a malformed end tag </${name}> at ${next}`);
      const expected = open.pop();
      if (expected !== name) problems.push(`</${name}> at ${next} closes <${expected ?? 'nothing'}>`);
    } else {
      if (open.length === 0) roots++;
      if (selfClosing !== '/') open.push(name!);
    }
    index = next + whole.length;
  }
  if (open.length > 0) problems.push(`unclosed <${open.join('>, <')}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
