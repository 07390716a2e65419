import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Express swaps the prototypes of `req` and `res` and then adds properties, which gives every request a V8 hidden
 * class of its own; moving the object to dictionary mode (delete one early property, put it back with its own
 * descriptor) lets all requests share one again. The how and the figures: docs/benchmarks.md, "How shareShapes works".
 */
function toDictionaryMode(target: object, name: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (!descriptor?.configurable) return false;
  Reflect.deleteProperty(target, name);
  Object.defineProperty(target, name, descriptor);
  return true;
}

/** Whether the prototype was swapped after construction (Express), not set by a class (a custom IncomingMessage). */
function prototypeSwapped(target: object, own: object): boolean {
  const proto = Object.getPrototypeOf(target) as object | null;
  return proto !== null && proto !== own && !Object.hasOwn(proto, 'constructor');
}

/**
 * Gives `req` and `res` a hidden class shared with every other request's when a framework swapped their
 * prototypes (Express does): see above. Does nothing to objects whose prototypes are Node's own or a class's
 * (a plain `http` server, or the cache mounted in front of Express), whose hidden classes are shared already
 * and faster as they are. Returns whether it changed the objects. Safe to call more than once.
 */
export function shareShapes(req: IncomingMessage, res: ServerResponse): boolean {
  let changed = false;
  // `complete` and `sendDate` are data properties Node's constructors define on every request and response,
  // early, so they are never the last added (deleting the last one added would only undo that addition).
  if (prototypeSwapped(req, IncomingMessage.prototype)) changed = toDictionaryMode(req, 'complete');
  if (prototypeSwapped(res, ServerResponse.prototype)) changed = toDictionaryMode(res, 'sendDate') || changed;
  return changed;
}
