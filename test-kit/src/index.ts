export * from './fuzz';
export * from './globals';
export * from './headers';
export * from './http';
export * from './proxy';
export * from './lifecycle';
