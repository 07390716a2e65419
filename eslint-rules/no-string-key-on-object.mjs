// A client-controlled string must never be a property name on a plain object: `stats[model] ??= {}` with
// model "__proto__" returns Object.prototype and the next write pollutes every object in the process, and a
// read of "constructor" or "toString" finds an inherited member instead of nothing. The type checker cannot
// tell a client's string from a configured one, so this rule flags every non-literal string used as a key
// (`o[k]`, `k in o`) on a type with a string index signature; the fix is a Map, or a read through
// `ownValue` from @gatecache/core (own properties only).
import ts from 'typescript';

/** True when `type` is or may be a non-literal string (string, a template, any). */
function isOpenString(type) {
  if (type.isUnion()) return type.types.some(isOpenString);
  if (type.isIntersection()) return type.types.some(isOpenString);
  const f = type.flags;
  return Boolean(
    f & ts.TypeFlags.String ||
    f & ts.TypeFlags.TemplateLiteral ||
    f & ts.TypeFlags.StringMapping ||
    f & ts.TypeFlags.Any ||
    f & ts.TypeFlags.Unknown,
  );
}

/** True when `type` is (or has a member that is) an object looked up by arbitrary string keys. */
function isStringIndexed(checker, type) {
  if (type.isUnion() || type.isIntersection()) return type.types.some((t) => isStringIndexed(checker, t));
  if (type.flags & ts.TypeFlags.Any) return true;
  if (checker.isArrayType(type) || checker.isTupleType(type)) return false;
  return checker.getIndexInfoOfType(type, ts.IndexKind.String) !== undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'no non-literal string as a property key on a plain (string-indexed) object' },
    messages: {
      key:
        'A non-literal string used as a key on a plain object can hit "__proto__", "constructor" or "toString": ' +
        'use a Map, or read own properties with ownValue().',
    },
    schema: [],
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) throw new Error('gatecache/no-string-key-on-object needs type information');
    const checker = services.program.getTypeChecker();
    const check = (objectNode, keyNode, report) => {
      const keyType = services.getTypeAtLocation(keyNode);
      if (!isOpenString(keyType)) return;
      const objectType = checker.getNonNullableType(services.getTypeAtLocation(objectNode));
      if (!isStringIndexed(checker, objectType)) return;
      context.report({ node: report, messageId: 'key' });
    };
    return {
      MemberExpression(node) {
        if (!node.computed || node.property.type === 'Literal') return;
        check(node.object, node.property, node);
      },
      BinaryExpression(node) {
        if (node.operator !== 'in' || node.left.type === 'PrivateIdentifier') return;
        check(node.right, node.left, node);
      },
    };
  },
};
