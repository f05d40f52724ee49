// The public face of the DWARF reader: what the planner, `utap -l/-L` and the engines use.
//
//   const dwarf = Dwarf.fromElf(ElfFile.open(debugFileOrBinary));   // undefined: no .debug_info
//   const index = dwarf.functionIndex();          // or dwarf.useFunctionIndex(FunctionIndex.fromJSON(cached))
//   for (const f of index.byName('SendQuery'))     // FunctionRecord: decl, instances, inlined
//     for (const i of f.instances) {
//       dwarf.afterPrologue(i);                    // SystemTap's `.function` address
//       for (const v of dwarf.variables(i.die, i.entryPc))
//         `$${v.name}:${dwarf.typeName(v.type)}`   // `$query:char const*`
//     }
//   dwarf.lineAt(pc); dwarf.linesFor((path) => path.endsWith('/x.c'), 42);
//   const cfi = CallFrameInfo.fromElf(elf, debugElf); unwindRowAt(cfi.fdeFor(pc)!, pc);
//   unwindStack({ registers, readWord, moduleAt });
//   new Evaluation(bytes, ConcreteDomain, { ... }).evaluate() / .resume(value)
export { Dwarf } from './dwarf';
export { DwarfSections, type SectionSource } from './sections';
export { FunctionIndex, type FunctionRecord, type FunctionInstance, type InlinedInstance, type SerializedFunctionIndex } from './function-index';
export type { LineRow, LineTable } from './line';
export type { AddressRange } from './list-context';
export { variableLocationAt, type Variable, type LocationDescription, type LocationAtPc } from './scopes';
export { type DwarfType, type TypeRef, type Member, TypeTable } from './types';
export { typeName } from './type-name';
export {
  Evaluation, EvaluationError, ConcreteDomain, evaluateWith,
  type ValueDomain, type EvaluationStep, type Piece, type PieceLocation, type EvaluationOptions, type EvaluationAnswers,
} from './evaluation';
export { decodeExpression, type Operation } from './op';
export { CallFrameInfo, type FrameDescriptionEntry, type CommonInformationEntry } from './cfi';
export { unwindRowAt, unwindRows, defaultRule, type UnwindRow, type CfaRule, type RegisterRule } from './cfi-table';
export { unwindStack, type UnwindInput, type UnwindModule, type Frame } from './unwind';
export { registerName, describeRegister, X86_64_DWARF, X86_64_DWARF_REGISTERS, type X86_64RegisterName } from './registers';
export { DW_TAG, DW_AT, DW_FORM, DW_ATE, dwName } from './constants';
export { DW_OP } from './op-constants';
