export * from './fuzz';
export * from './globals';
export * from './http';
export * from './proxy';
export * from './lifecycle';
