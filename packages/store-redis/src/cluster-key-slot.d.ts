// cluster-key-slot ships no types; this is the part of its API we use.
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  export = calculateSlot;
}
