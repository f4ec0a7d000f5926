export { familiarName, familiarReference, formatReference, registryEndpoint } from './format-reference.js';
export { isValidTag } from './grammar.js';
export { parseReference } from './parse-reference.js';
export { DEFAULT_TAG, DOCKER_HUB, DOCKER_HUB_ENDPOINT, type Reference } from './reference.js';
export { type InvalidReferenceCode, InvalidReferenceError, type ReferencePart } from './reference-error.js';
