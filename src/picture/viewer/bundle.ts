// The page's script: the browser-side modules of this folder (plain JavaScript, so that they
// run as they are from src/ and as tsc copies them into dist/), joined into one script with
// each module after the modules it imports, the import lines dropped and `export` taken off.
// They then share one function scope, so a name declared at the top of two modules would
// clash: that is refused here, as is any import or export form this joiner does not know.
import { readFileSync } from 'node:fs';

const ENTRY = 'main.js';
const IMPORT_LINE = /^import \{[^}]*\} from '\.\/([\w-]+\.js)';$/;
const EXPORT_DECLARATION = /^export (?=(?:async )?function |const |let |class )/;
const TOP_LEVEL_NAME = /^(?:async )?function\*? ?([\w$]+)|^(?:const|let|class) ([\w$]+)/;

interface Module {
  readonly name: string;
  readonly imports: readonly string[];
  readonly body: string;
}

function readModule(name: string): Module {
  const text = readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
  const imports: string[] = [];
  const lines = text.split('\n').map((line, k) => {
    const imported = IMPORT_LINE.exec(line);
    if (imported !== null) {
      imports.push(imported[1]!);
      return '';
    }
    if (/^(import|export)\b/.test(line) && !EXPORT_DECLARATION.test(line)) {
      throw new Error(`picture viewer ${name}:${k + 1}: the page joiner knows "import { … } from './x.js';" and "export function|const|let|class" only: ${line}`);
    }
    return line.replace(EXPORT_DECLARATION, '');
  });
  return { name, imports, body: lines.join('\n') };
}

/** Every module reachable from main.js, each after what it imports. */
function modulesInOrder(): Module[] {
  const ordered: Module[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, from: string) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`picture viewer: an import cycle through ${name} (from ${from})`);
    state.set(name, 'visiting');
    const module = readModule(name);
    for (const dependency of module.imports) visit(dependency, name);
    state.set(name, 'done');
    ordered.push(module);
  };
  visit(ENTRY, ENTRY);
  return ordered;
}

function refuseClashes(modules: readonly Module[]): void {
  const owner = new Map<string, string>();
  for (const module of modules) {
    for (const line of module.body.split('\n')) {
      const match = TOP_LEVEL_NAME.exec(line);
      const name = match?.[1] ?? match?.[2];
      if (name === undefined) continue;
      const other = owner.get(name);
      if (other !== undefined) throw new Error(`picture viewer: ${name} is declared at the top of both ${other} and ${module.name}`);
      owner.set(name, module.name);
    }
  }
}

let joined: string | undefined;

/** The viewer as one classic script that starts it once the page has loaded. */
export function viewerScript(): string {
  if (joined === undefined) {
    const modules = modulesInOrder();
    refuseClashes(modules);
    const parts = modules.map((module) => `// ---- viewer/${module.name}\n${module.body.trim()}\n`);
    joined = `(function () {\n'use strict';\n${parts.join('\n')}\nstartViewer().catch((error) => console.error(error));\n})();\n`;
    // Inlined in a <script> element, which the first "</script" would end.
    if (/<\/script/i.test(joined)) throw new Error('picture viewer: a module contains "</script", which would end the page\'s script early');
  }
  return joined;
}
