export { escapeKeyPart } from './escape';
export { FIELD_RULES } from './field-rules';
export type { FieldRule } from './field-rules';
export { DEFAULT_TENANT_SECRET, KEY_FORMAT_VERSION, canonicalJson, tenantHash } from './hash';
export { createKeyer, defaultKey, isKeyer } from './keyer';
export { summaryKey, configKey } from './other-keys';
export type { SummaryKeyArgs } from './other-keys';
export {
  CREDENTIAL_HEADERS,
  CREDENTIAL_QUERY_PARAMS,
  MAX_BODY_DEPTH,
  ROUTE_CREDENTIALS,
  credentialOf,
  hasSecretFields,
  isCredentialParam,
  withoutCredentials,
} from './secrets';
export { BUILT_IN_VARY_HEADERS } from './vary';
export type * from './types';
