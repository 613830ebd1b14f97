/** Secret redaction of everything that leaves the machine (docs/CONFIG.md `redact`, `redact_patterns`). */
export { BUILTIN_DETECTORS, type Detector, isPlaceholder, isSecretField } from './detectors.js';
export {
  CUSTOM_KIND,
  createRedactor,
  marker,
  type Redactor,
  redactDeep,
} from './redactor.js';
