import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFiles, REPO_ROOT } from '../../support/source-tree.js';

/**
 * Layers without a circle: no module imports itself back through others, and the folders of `functions/` form
 * an order in which each imports only folders below it. Type-only imports count: they are dependencies too.
 */

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Relative imports of each scanned file, as repository paths (`.js` specifiers name `.ts` files). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of codeFiles()) {
    const file = join(REPO_ROOT, path);
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((match) => {
      const specifier = (match[1] ?? match[2]) as string;
      return relative(REPO_ROOT, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
        .split('\\')
        .join('/');
    });
    graph.set(path, targets);
  }
  return graph;
}

/** The strongly connected components of more than one node (or a node importing itself): Tarjan's algorithm. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

/**
 * `functions/<folder>/…` → `functions/<folder>`: the product's layers. Elsewhere (infra, the simulator, the tools)
 * the top-level folder is one unit, whose modules the module-level check keeps free of circles.
 */
function folderOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'functions' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function folderGraph(files: Map<string, string[]>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, targets] of files) {
    const from = folderOf(file);
    const edges = new Set(graph.get(from) ?? []);
    for (const target of targets) if (folderOf(target) !== from) edges.add(folderOf(target));
    graph.set(from, [...edges]);
  }
  return graph;
}

describe('the import graph', () => {
  const files = importGraph();

  it('reads the imports it checks', () => {
    expect(files.get('functions/run/collect.ts')).toContain('functions/run/deliver.ts');
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('has no circle between modules', () => {
    expect(cycles(files)).toEqual([]);
  });

  it('has no circle between folders: each imports only folders below it', () => {
    expect(cycles(folderGraph(files))).toEqual([]);
  });
});
