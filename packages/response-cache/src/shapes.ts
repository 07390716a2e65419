import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Why this exists: Express (`app.handle`) swaps the prototypes of `req` and `res` with
 * `Object.setPrototypeOf`, and its router then adds `next`, `baseUrl`, `originalUrl` and `params` to each
 * request (and `locals` to each response). In V8, every property added after such a swap gives the object a
 * hidden class of its own, so no two requests share one: every property read or write on them, by any
 * middleware and by Node's own HTTP code, misses its inline cache and falls back to a full lookup, and every
 * property added copies the object's whole layout. A V8 object in dictionary mode keeps its properties in a
 * hash table and shares its hidden class with every other dictionary-mode object of the same prototype, so
 * the lookups hit their caches again and adding a property is a table insert. Measured on the bench (see the
 * package README): a bare Express route costs about a third less server CPU per request in dictionary mode.
 *
 * Deleting a property that is not the last one added is what switches an object to dictionary mode in V8; the
 * property is put back at once with its own descriptor, so nothing observable changes but the order in which
 * `Object.keys` lists it.
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
