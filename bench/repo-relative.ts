// Reports name files relative to the repository (`build/bench/emulated`), not where this clone
// happens to be on the machine that ran the bench: the report is read on other machines, and a
// path such as /home/someone/... says nothing there. A quoted word keeps its quotes
// (`'/r/build/x 10'` → `'build/x 10'`), so commands still read as typed from the repository root.
import { repoRoot } from './paths';

/** `text` with every `ROOT/` removed and a bare ROOT written `.`. */
export function repoRelative(text: string, root: string = repoRoot): string {
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`${escaped}(/|(?![^\\s'"\`:;,)\\]]))`, 'g'), (_, slash: string) => (slash ? '' : '.'));
}
