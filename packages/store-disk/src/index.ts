export { diskStore } from './disk-store';
export type { DiskStore, DiskStoreOptions } from './types';
