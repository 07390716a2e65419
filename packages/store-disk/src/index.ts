export { diskStore } from './disk-store';
export type { DiskStore, DiskStoreOptions } from './types';
export { DEFAULTS } from './options';
