// The source labels of a function (DW_TAG_label: `retry:` in C, with the address of the code
// after it), for `.function("f").label("NAME")` probes. Labels nest in lexical blocks; a label
// without DW_AT_low_pc (code the compiler removed) has no address and is left out.
import { DW_AT, DW_TAG } from './constants';
import type { DwarfContext } from './context';
import type { Entry } from './entry';

export interface SourceLabel {
  name: string;
  pc: bigint;
  declLine?: number;
  die: number;
}

/** The labels of the function instance at DIE `functionDie`, in DIE order. */
export function labelsOf(ctx: DwarfContext, functionDie: number): SourceLabel[] {
  const fn = ctx.entryAt(functionDie);
  const unit = fn.unit;
  const out: SourceLabel[] = [];
  const visit = (scope: Entry, depth: number): void => {
    for (const child of unit.children(scope)) {
      if (child.tag === DW_TAG.DW_TAG_label) {
        // A label of an inlined copy names itself through its abstract origin.
        const origin = unit.follow(child, DW_AT.DW_AT_abstract_origin);
        const name = child.name ?? origin?.name;
        const pc = child.address(DW_AT.DW_AT_low_pc);
        const declLine = child.number(DW_AT.DW_AT_decl_line) ?? origin?.number(DW_AT.DW_AT_decl_line);
        if (name !== undefined && pc !== undefined) out.push({ name, pc, declLine, die: child.offset });
      } else if (child.tag === DW_TAG.DW_TAG_lexical_block && depth < 64) {
        visit(child, depth + 1);
      }
    }
  };
  unit.withAbbreviations(() => visit(fn, 0));
  return out;
}
