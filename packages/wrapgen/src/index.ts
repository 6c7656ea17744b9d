export { parseInterface, flatMembers, BUILTIN_TYPEDEFS } from './parser.js';
export { ANNOTATION_NAMES } from './model.js';
export type {
  AggregateDecl,
  AggregateRef,
  Annotation,
  AnnotationName,
  AnnotationSet,
  ArrayType,
  CType,
  Declaration,
  DefineDecl,
  EnumConstant,
  EnumDecl,
  EnumRef,
  FunctionDecl,
  FunctionType,
  InterfaceModel,
  IntegerConstantType,
  Member,
  NamedConstant,
  Param,
  PointerType,
  Qualifiers,
  ScalarName,
  ScalarType,
  SourceFile,
  SourceLocation,
  TypedefDecl,
  TypedefRef,
  VariableDecl,
  VoidType,
} from './model.js';
export { allowedAnnotations } from './annotations.js';
export type { AnnotationSite } from './annotations.js';
export { callableType, functionPointerTarget, isIntegerType, isPointer, pointeeAggregate, resolveType, typeToC } from './c-types.js';
export { computeLayouts, describe } from './layout.js';
export type { AggregateLayout, FieldLayout, FieldType, LayoutSet, ScalarKind } from './layout.js';
export { emitHeader, guardFor } from './emit-header.js';
export type { HeaderOptions } from './emit-header.js';
export { emitLayouts, tsIdentifier } from './emit-layouts.js';
export type { LayoutsOptions } from './emit-layouts.js';
export { buildExportTable, emitExportTable } from './emit-exports.js';
export type {
  ExportTable,
  ExportedCallback,
  ExportedConstant,
  ExportedField,
  ExportedFunction,
  ExportedParam,
  ExportedResult,
  ExportedSignature,
  ExportedStruct,
  ExportedVariable,
  ReturnPassing,
} from './emit-exports.js';
export { emitLayoutProbe, findI386Compiler, verifyLayoutsWithGcc, PROBE_CFLAGS } from './gcc-verify.js';
export type { I386Compiler, LayoutProbe, ProbeCheck, VerifyOptions, VerifyResult } from './gcc-verify.js';
export { runCli, USAGE } from './cli-main.js';
export type { CliIo } from './cli-main.js';
export {
  CliUsageError,
  LayoutMismatchError,
  ProbeCompileError,
  ToolchainError,
  WrapgenSemanticError,
  WrapgenSourceError,
  WrapgenSyntaxError,
} from './errors.js';
export type { LayoutMismatch, WrapgenSemanticCode, WrapgenSyntaxCode } from './errors.js';
export { DEFAULT_RUNTIME_IMPORT, WRAPPER_RUNTIME_INTERFACE, emitWrapperSkeletons, emitWrappers } from './emit-wrappers.js';
export type { WrappersOptions } from './emit-wrappers.js';
