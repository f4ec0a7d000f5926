export { DEFAULT_TAG, DOCKER_HUB, DOCKER_HUB_ENDPOINT, type Reference } from './reference.js';
