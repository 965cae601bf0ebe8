import type { Rule, Scope } from 'eslint';
import type * as ESTree from 'estree';

/**
 * Flags a read of the current trace context — tracebridge's `current()`/`capture()`,
 * `als.getStore()`, OpenTelemetry's `trace.getActiveSpan()`/`context.active()` — inside a
 * callback handed to a late registration: an emitter's `on`/`once`/… , `addEventListener`,
 * `finished`/`onFinished`, a timer. Such a callback runs when something else fires it, in
 * that something's async context: another request's, or none. Registration and firing are
 * separated; the read belongs before the registration (capture) or the callback must carry
 * its context (`bind`).
 *
 * Not flagged: a callback wrapped in `bind(…)` (tracebridge's, `AsyncLocalStorage.bind`,
 * `AsyncResource.bind`) or `snapshot()`; a read inside `run(ctx, fn)`, `als.run(store, fn)`
 * or `context.with(ctx, fn)`, which enter the context again; listeners on an emitter passed
 * to `bindEmitter()` before; `await` and `.then()` chains, which keep the context.
 */

export interface Options {
  /** Flag callbacks of setTimeout/setInterval/setImmediate. Default `true`. */
  timers?: boolean;
  /** More listener methods (as `on`), e.g. `subscribe`. */
  methods?: string[];
  /** More functions that take a late callback as their last argument (as `finished`). */
  functions?: string[];
  /** More context reads: a function name (`getRequestId`) or `object.method`. */
  reads?: string[];
}

const LISTENER_METHODS = [
  'on',
  'once',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'addEventListener',
];
const TIMERS = ['setTimeout', 'setInterval', 'setImmediate'];
// Functions whose last argument is called when a stream or response is done.
const LATE_FUNCTIONS = ['finished', 'onFinished', 'eos'];
// Wrappers that make a function run in the context it was wrapped in.
const BINDERS = ['bind', 'snapshot'];
// Calls that run their function argument inside a given context.
const RUNNERS = ['run', 'with', 'runInAsyncScope'];

// The name a suggestion gives a captured read, by what it reads (else `ctx`).
const CAPTURE_NAMES: [RegExp, string][] = [
  [/getStore\(\)$/, 'store'],
  [/getActiveSpan\(\)$/, 'span'],
  [/\.active\(\)$/, 'activeContext'],
];

type Node = ESTree.Node & Rule.NodeParentExtension;
type FunctionNode =
  | ESTree.FunctionExpression
  | ESTree.ArrowFunctionExpression
  | ESTree.FunctionDeclaration;

interface Registration {
  /** The callback. */
  readonly fn: FunctionNode;
  /** What the callback was handed to, for the message: `res.on('finish')`. */
  readonly label: string;
  /** The statement the registration is part of (where a capture goes), when the callback
   * is written at the registration. */
  readonly statement: ESTree.Node | undefined;
}

interface Read {
  readonly node: ESTree.CallExpression;
  readonly text: string;
}

type Call = ESTree.CallExpression & Rule.NodeParentExtension;

function isFunction(node: ESTree.Node | undefined | null): node is FunctionNode {
  return (
    node?.type === 'FunctionExpression' ||
    node?.type === 'ArrowFunctionExpression' ||
    node?.type === 'FunctionDeclaration'
  );
}

/** The expression under TypeScript's `as`, `satisfies` and `!` wrappers. */
function unwrap(node: ESTree.Node): ESTree.Node {
  let current = node as ESTree.Node & { expression?: ESTree.Node };
  while (
    (current.type as string) === 'TSAsExpression' ||
    (current.type as string) === 'TSSatisfiesExpression' ||
    (current.type as string) === 'TSNonNullExpression'
  ) {
    current = current.expression as ESTree.Node & { expression?: ESTree.Node };
  }
  return current;
}

function calleeName(callee: ESTree.Node): string | undefined {
  const node = unwrap(callee);
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    return node.property.name;
  }
  return undefined;
}

function propertyName(node: ESTree.MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (
    node.computed &&
    node.property.type === 'Literal' &&
    typeof node.property.value === 'string'
  ) {
    return node.property.value;
  }
  return undefined;
}

export const noLateContextRead: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'disallow reading the current trace context inside callbacks that fire later, from another context',
      recommended: true,
      url: 'https://github.com/tracebridge/tracebridge/blob/main/docs/guides/lint.md',
    },
    hasSuggestions: true,
    schema: [
      {
        type: 'object',
        properties: {
          timers: { type: 'boolean' },
          methods: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
          functions: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
          reads: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      lateRead:
        '{{read}} runs inside a callback handed to {{registration}}, which fires later in the ' +
        'context of whatever triggers it (another request, or none). Read it before the ' +
        'callback is registered and use the value inside, or wrap the callback in bind().',
      capture: 'Read it before the registration: const {{name}} = {{read}};',
    },
  },

  create(context) {
    const options: Options = context.options[0] ?? {};
    const methods = new Set([...LISTENER_METHODS, ...(options.methods ?? [])]);
    const lateFunctions = new Set([
      ...LATE_FUNCTIONS,
      ...(options.timers === false ? [] : TIMERS),
      ...(options.functions ?? []),
    ]);
    const extraReads = new Set(options.reads ?? []);
    const sourceCode = context.sourceCode;

    /** Local names bound to tracebridge's current/capture and OpenTelemetry's trace/context. */
    const tracebridgeReads = new Set<string>();
    const tracebridgeNamespaces = new Set<string>();
    const otelTrace = new Set<string>();
    const otelContext = new Set<string>();
    const otelNamespaces = new Set<string>();

    const callbacks = new Map<FunctionNode, Registration>();
    const calls: Call[] = [];
    /** Emitters passed to bindEmitter(), by source text, with the function they are in. */
    const boundEmitters: { text: string; scope: ESTree.Node; at: number }[] = [];

    function noteImport(source: string, local: string, imported: string | undefined) {
      if (source.startsWith('@tracebridge/')) {
        if (imported === undefined) tracebridgeNamespaces.add(local);
        else if (imported === 'current' || imported === 'capture') tracebridgeReads.add(local);
      } else if (source === '@opentelemetry/api') {
        if (imported === undefined) otelNamespaces.add(local);
        else if (imported === 'trace') otelTrace.add(local);
        else if (imported === 'context') otelContext.add(local);
      }
    }

    function requireSource(node: ESTree.Node | null | undefined): string | undefined {
      if (
        node?.type === 'CallExpression' &&
        node.callee.type === 'Identifier' &&
        node.callee.name === 'require' &&
        node.arguments[0]?.type === 'Literal' &&
        typeof node.arguments[0].value === 'string'
      ) {
        return node.arguments[0].value;
      }
      return undefined;
    }

    /** Whether `object` names OpenTelemetry's `trace` (or `context`) API object. */
    function isOtel(object: ESTree.Node, names: Set<string>, key: string): boolean {
      const node = unwrap(object);
      if (node.type === 'Identifier') return names.has(node.name);
      return (
        node.type === 'MemberExpression' &&
        propertyName(node) === key &&
        node.object.type === 'Identifier' &&
        otelNamespaces.has(node.object.name)
      );
    }

    /** The read `call` is, as its source text, or `undefined` when it is no context read. */
    function readOf(call: ESTree.CallExpression): string | undefined {
      const callee = unwrap(call.callee);
      const text = sourceCode.getText(call);
      if (callee.type === 'Identifier') {
        if (tracebridgeReads.has(callee.name) || extraReads.has(callee.name)) return text;
        return undefined;
      }
      if (callee.type !== 'MemberExpression') return undefined;
      const name = propertyName(callee);
      if (name === undefined) return undefined;
      const object = unwrap(callee.object);
      if (name === 'getStore' && call.arguments.length === 0) return text;
      if ((name === 'current' || name === 'capture') && object.type === 'Identifier') {
        if (tracebridgeNamespaces.has(object.name)) return text;
      }
      if (name === 'getActiveSpan' && isOtel(object, otelTrace, 'trace')) return text;
      if (name === 'active' && isOtel(object, otelContext, 'context')) return text;
      if (extraReads.has(`${sourceCode.getText(object)}.${name}`)) return text;
      return undefined;
    }

    /** The function a callback argument is: written there, or a function declared (or
     * assigned to a const) in this file under that name. */
    function callbackFunction(arg: ESTree.Node, at: ESTree.Node): FunctionNode | undefined {
      const node = unwrap(arg);
      if (isFunction(node)) return node;
      // function () { … }.bind(this): the function is the callback (this-binding only).
      if (
        node.type === 'CallExpression' &&
        node.callee.type === 'MemberExpression' &&
        propertyName(node.callee) === 'bind' &&
        isFunction(unwrap(node.callee.object))
      ) {
        return unwrap(node.callee.object) as FunctionNode;
      }
      if (node.type !== 'Identifier') return undefined;
      let scope: Scope.Scope | null = sourceCode.getScope(at);
      while (scope !== null) {
        const variable = scope.set.get(node.name);
        if (variable !== undefined) {
          const def = variable.defs[0];
          if (def?.node.type === 'FunctionDeclaration') return def.node;
          const declaration = def?.parent as ESTree.VariableDeclaration | undefined | null;
          if (def?.node.type === 'VariableDeclarator' && declaration?.kind === 'const') {
            const init = def.node.init && unwrap(def.node.init);
            return isFunction(init) ? init : undefined;
          }
          return undefined;
        }
        scope = scope.upper;
      }
      return undefined;
    }

    /** The statement `node` is part of, when it sits in a block or the program body. */
    function statementOf(node: Node): ESTree.Node | undefined {
      let current: Node = node;
      while (current.parent !== null && current.parent !== undefined) {
        const parent = current.parent as Node;
        if (parent.type === 'BlockStatement' || parent.type === 'Program') return current;
        if (isFunction(parent)) return undefined;
        current = parent;
      }
      return undefined;
    }

    function enclosingFunction(node: Node): ESTree.Node {
      let current: Node | null = node.parent as Node | null;
      while (current !== null && current !== undefined) {
        if (isFunction(current)) return current;
        current = current.parent as Node | null;
      }
      return sourceCode.ast;
    }

    function isBoundEmitter(object: ESTree.Node, call: Node): boolean {
      const text = sourceCode.getText(object);
      const scope = enclosingFunction(call);
      const at = call.range?.[0] ?? 0;
      return boundEmitters.some((b) => b.text === text && b.scope === scope && b.at < at);
    }

    function registration(call: Call) {
      const callee = unwrap(call.callee);
      let label: string | undefined;
      let args: ESTree.Node[] = [];
      if (callee.type === 'MemberExpression') {
        const name = propertyName(callee);
        if (name !== undefined && methods.has(name)) {
          const object = unwrap(callee.object);
          // bindEmitter(res).on(…) and emitters bound earlier run listeners in their context.
          if (object.type === 'CallExpression' && calleeName(object.callee) === 'bindEmitter')
            return;
          if (isBoundEmitter(object, call)) return;
          const event = call.arguments[0];
          const eventText = event === undefined ? '' : sourceCode.getText(event);
          label = `${sourceCode.getText(object)}.${name}(${eventText})`;
          args = call.arguments.slice(1) as ESTree.Node[];
        } else if (name !== undefined && lateFunctions.has(name)) {
          label = `${sourceCode.getText(callee)}()`;
          args = call.arguments as ESTree.Node[];
        }
      } else if (callee.type === 'Identifier' && lateFunctions.has(callee.name)) {
        label = `${callee.name}()`;
        args = call.arguments as ESTree.Node[];
      }
      if (label === undefined) return;
      for (const arg of args) {
        const fn = callbackFunction(arg, call);
        if (fn === undefined || callbacks.has(fn)) continue;
        // Written right there (perhaps as `function () {…}.bind(this)`), not declared elsewhere.
        const written =
          (arg.range?.[0] ?? 0) <= (fn.range?.[0] ?? -1) &&
          (fn.range?.[1] ?? 0) <= (arg.range?.[1] ?? -1);
        callbacks.set(fn, { fn, label, statement: written ? statementOf(call) : undefined });
      }
    }

    /** Whether `fn` runs in a context of its own making: wrapped in bind(), or the function
     * of run()/with()/runInAsyncScope(). */
    function carriesContext(fn: Node): boolean {
      let parent = fn.parent as Node;
      while ((parent.type as string).startsWith('TS')) parent = parent.parent as Node;
      if (parent.type !== 'CallExpression') return false;
      const name = calleeName(parent.callee);
      if (name === undefined) return false;
      if (BINDERS.includes(name)) return true;
      return RUNNERS.includes(name) && parent.arguments.indexOf(fn as never) > 0;
    }

    /** The late registration a read runs under, if any. */
    function lateRegistrationOf(read: Node): Registration | undefined {
      let current: Node | null = read.parent as Node | null;
      while (current !== null && current !== undefined) {
        if (isFunction(current)) {
          const found = callbacks.get(current);
          if (found !== undefined) return found;
          if (carriesContext(current)) return undefined;
        }
        current = current.parent as Node | null;
      }
      return undefined;
    }

    function captureName(read: string, statement: ESTree.Node): string {
      const base = CAPTURE_NAMES.find(([pattern]) => pattern.test(read))?.[1] ?? 'ctx';
      const scopeText = sourceCode.getText(enclosingFunction(statement as Node));
      for (let i = 0; ; i++) {
        const name = i === 0 ? base : `${base}${i + 1}`;
        if (!new RegExp(`\\b${name}\\b`).test(scopeText)) return name;
      }
    }

    function suggestions(read: Read, found: Registration): Rule.SuggestionReportDescriptor[] {
      const { statement } = found;
      // Only a call with no arguments can move: its value does not depend on the callback.
      if (statement === undefined || read.node.arguments.length > 0) return [];
      const callee = unwrap(read.node.callee);
      if (callee.type === 'MemberExpression') {
        const root = unwrap(callee.object);
        if (root.type === 'Identifier' && declaredInside(root, found.fn)) return [];
      }
      const name = captureName(read.text, statement);
      const line = sourceCode.lines[(statement.loc?.start.line ?? 1) - 1] ?? '';
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      return [
        {
          messageId: 'capture',
          data: { name, read: read.text },
          fix: (fixer) => [
            fixer.insertTextBefore(statement, `const ${name} = ${read.text};\n${indent}`),
            fixer.replaceText(read.node, name),
          ],
        },
      ];
    }

    /** Whether the variable `name` refers to is declared inside `fn` (then the read cannot
     * move above the registration). */
    function declaredInside(name: ESTree.Identifier, fn: FunctionNode): boolean {
      let scope: Scope.Scope | null = sourceCode.getScope(name);
      while (scope !== null) {
        const variable = scope.set.get(name.name);
        if (variable !== undefined) {
          const at = variable.defs[0]?.name.range?.[0];
          const [start, end] = fn.range ?? [0, 0];
          return at !== undefined && at >= start && at < end;
        }
        scope = scope.upper;
      }
      return false;
    }

    return {
      ImportDeclaration(node) {
        const source = String(node.source.value);
        for (const specifier of node.specifiers) {
          if (specifier.type === 'ImportNamespaceSpecifier') {
            noteImport(source, specifier.local.name, undefined);
          } else if (specifier.type === 'ImportSpecifier') {
            const imported =
              specifier.imported.type === 'Identifier'
                ? specifier.imported.name
                : String(specifier.imported.value);
            noteImport(source, specifier.local.name, imported);
          } else {
            // A default import of a CJS module is its namespace.
            noteImport(source, specifier.local.name, undefined);
          }
        }
      },
      VariableDeclarator(node) {
        const source = requireSource(node.init);
        if (source === undefined) return;
        if (node.id.type === 'Identifier') noteImport(source, node.id.name, undefined);
        else if (node.id.type === 'ObjectPattern') {
          for (const property of node.id.properties) {
            if (
              property.type === 'Property' &&
              property.key.type === 'Identifier' &&
              property.value.type === 'Identifier'
            ) {
              noteImport(source, property.value.name, property.key.name);
            }
          }
        }
      },
      CallExpression(node) {
        if (calleeName(node.callee) === 'bindEmitter' && node.arguments[0] !== undefined) {
          boundEmitters.push({
            text: sourceCode.getText(node.arguments[0]),
            scope: enclosingFunction(node),
            at: node.range?.[0] ?? 0,
          });
        }
        calls.push(node);
      },
      // Imports and requires may come after their use: decide once the file is read.
      'Program:exit'() {
        for (const call of calls) registration(call);
        for (const call of calls) {
          const text = readOf(call);
          if (text === undefined) continue;
          const found = lateRegistrationOf(call);
          if (found === undefined) continue;
          const read: Read = { node: call, text };
          context.report({
            node: call,
            messageId: 'lateRead',
            data: { read: text, registration: found.label },
            suggest: suggestions(read, found),
          });
        }
      },
    };
  },
};
